//! Time: clock ids, timer flags and the time structures (`timespec`, `timeval`, ...).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `CLOCK_*` ids for clock_gettime/clock_nanosleep/timerfd_create.
pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
pub const CLOCK_REALTIME_COARSE: i32 = 5;
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
pub const CLOCK_BOOTTIME: i32 = 7;
pub const CLOCK_REALTIME_ALARM: i32 = 8;
pub const CLOCK_BOOTTIME_ALARM: i32 = 9;
pub const CLOCK_SGI_CYCLE: i32 = 10;
pub const CLOCK_TAI: i32 = 11;

/// clock_nanosleep / timer_settime: the time is absolute, not relative.
pub const TIMER_ABSTIME: i32 = 1;

/// setitimer/getitimer `which`.
pub const ITIMER_REAL: i32 = 0;
pub const ITIMER_VIRTUAL: i32 = 1;
pub const ITIMER_PROF: i32 = 2;

/// Nanoseconds in one second, the bound `tv_nsec` must stay below.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

/// `struct timespec` (16 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

impl Timespec {
    /// A timespec from nanoseconds since the clock's epoch.
    pub const fn from_nanos(ns: u64) -> Self {
        Timespec {
            tv_sec: (ns / 1_000_000_000) as i64,
            tv_nsec: (ns % 1_000_000_000) as i64,
        }
    }

    /// Total nanoseconds, or `None` when the value is negative, `tv_nsec` is out of range
    /// (Linux answers EINVAL there) or the sum overflows.
    pub fn to_nanos(&self) -> Option<u64> {
        if self.tv_sec < 0 || !(0..NSEC_PER_SEC).contains(&self.tv_nsec) {
            return None;
        }
        (self.tv_sec as u64)
            .checked_mul(1_000_000_000)?
            .checked_add(self.tv_nsec as u64)
    }
}

/// `struct timeval` (16 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

impl Timeval {
    /// A timeval from nanoseconds (microseconds are truncated, as Linux does).
    pub const fn from_nanos(ns: u64) -> Self {
        Timeval {
            tv_sec: (ns / 1_000_000_000) as i64,
            tv_usec: ((ns % 1_000_000_000) / 1000) as i64,
        }
    }
}

/// `struct timezone` (gettimeofday's second argument; always zeros on a modern Linux).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Timezone {
    pub tz_minuteswest: i32,
    pub tz_dsttime: i32,
}

/// `struct itimerspec` (timer_settime, timerfd_settime).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Itimerspec {
    pub it_interval: Timespec,
    pub it_value: Timespec,
}

/// `struct itimerval` (setitimer).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Itimerval {
    pub it_interval: Timeval,
    pub it_value: Timeval,
}

/// `struct tms` (times(2)), in clock ticks (`USER_HZ` = 100).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Tms {
    pub tms_utime: i64,
    pub tms_stime: i64,
    pub tms_cutime: i64,
    pub tms_cstime: i64,
}

/// Clock ticks per second as user space sees them (`sysconf(_SC_CLK_TCK)`, AT_CLKTCK, times()).
pub const USER_HZ: u64 = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn layouts() {
        assert_layout!(Timespec, 16, tv_sec = 0, tv_nsec = 8);
        assert_layout!(Timeval, 16, tv_sec = 0, tv_usec = 8);
        assert_layout!(Timezone, 8, tz_minuteswest = 0, tz_dsttime = 4);
        assert_layout!(Itimerspec, 32, it_interval = 0, it_value = 16);
        assert_layout!(Itimerval, 32, it_interval = 0, it_value = 16);
        assert_layout!(
            Tms,
            32,
            tms_utime = 0,
            tms_stime = 8,
            tms_cutime = 16,
            tms_cstime = 24
        );
    }

    #[test]
    fn conversions() {
        let ts = Timespec::from_nanos(3_000_000_007);
        assert_eq!(
            ts,
            Timespec {
                tv_sec: 3,
                tv_nsec: 7
            }
        );
        assert_eq!(ts.to_nanos(), Some(3_000_000_007));
        assert_eq!(
            Timespec {
                tv_sec: 0,
                tv_nsec: NSEC_PER_SEC
            }
            .to_nanos(),
            None
        );
        assert_eq!(
            Timespec {
                tv_sec: -1,
                tv_nsec: 0
            }
            .to_nanos(),
            None
        );
        assert_eq!(
            Timeval::from_nanos(1_500_000_999),
            Timeval {
                tv_sec: 1,
                tv_usec: 500_000
            }
        );
    }

    #[test]
    fn bytes_round_trip() {
        use zerocopy::{FromBytes, IntoBytes};
        let ts = Timespec {
            tv_sec: 1,
            tv_nsec: 2,
        };
        let bytes = ts.as_bytes();
        assert_eq!(bytes, &[1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Timespec::read_from_bytes(bytes).unwrap(), ts);
    }
}
