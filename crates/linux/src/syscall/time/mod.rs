//! Clocks and sleeping.

pub mod clock;
pub mod itimer;
pub mod posix_timer;
pub mod sleep;
pub mod timerfd;

use osprey_abi::{Errno, Timespec};

/// A duration or time from the app, in nanoseconds: EINVAL for a negative value or `tv_nsec`
/// outside 0..1e9, as Linux checks; huge values saturate (a sleep "forever" is valid).
pub fn timespec_ns(t: &Timespec) -> Result<u64, Errno> {
    if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok((t.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_nsec as u64))
}
