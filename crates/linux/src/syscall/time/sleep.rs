//! nanosleep, clock_nanosleep. The thread parks until a one-shot timer (TSC-deadline where
//! the CPU has it) fires: no periodic tick. A signal for the thread ends the sleep: after its
//! handler the call fails with EINTR and a relative sleep writes the time left to `rem`, as
//! on Linux.

use osprey_abi::time::*;
use osprey_abi::{Errno, Timespec};

use super::clock::clock_ns;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Sleeps until `deadline` (monotonic) or a signal. A relative sleep (`rem` given, possibly
/// NULL) writes the time left and returns ERESTART_RESTARTBLOCK (EINTR after a handler); an
/// absolute one returns ERESTARTNOHAND (restarted with the same deadline when no handler
/// runs), as Linux does.
fn sleep(cx: &Ctx, deadline: u64, relative: Option<UserPtr<Timespec>>) -> SysResult {
    if !crate::signal::wait_interrupted(cx, Some(deadline)) {
        return Ok(0);
    }
    let Some(rem) = relative else {
        return Err(Errno::ERESTARTNOHAND);
    };
    if let Some(p) = rem.nullable() {
        let left = deadline.saturating_sub(cx.m.monotonic_ns());
        let ts = Timespec {
            tv_sec: (left / 1_000_000_000) as i64,
            tv_nsec: (left % 1_000_000_000) as i64,
        };
        p.write(cx.m, &ts)?;
    }
    Err(Errno::ERESTART_RESTARTBLOCK)
}

pub fn sys_nanosleep(cx: &Ctx, req: UserPtr<Timespec>, rem: UserPtr<Timespec>) -> SysResult {
    let d = super::timespec_ns(&req.read(cx.m)?)?;
    sleep(cx, cx.m.monotonic_ns().saturating_add(d), Some(rem))
}

pub fn sys_clock_nanosleep(
    cx: &Ctx,
    clock: i32,
    flags: i32,
    req: UserPtr<Timespec>,
    rem: UserPtr<Timespec>,
) -> SysResult {
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => {}
        CLOCK_PROCESS_CPUTIME_ID => {}
        CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL),
        _ => return Err(Errno::EOPNOTSUPP),
    }
    let t = super::timespec_ns(&req.read(cx.m)?)?;
    let now_on_clock = clock_ns(cx, clock)?;
    let mono = cx.m.monotonic_ns();
    let deadline = if flags & TIMER_ABSTIME != 0 {
        // Convert the absolute time on `clock` to a monotonic deadline.
        mono.saturating_add(t.saturating_sub(now_on_clock))
    } else {
        mono.saturating_add(t)
    };
    sleep(cx, deadline, (flags & TIMER_ABSTIME == 0).then_some(rem))
}
