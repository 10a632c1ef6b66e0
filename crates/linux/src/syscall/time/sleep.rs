//! nanosleep, clock_nanosleep. The CPU halts until a one-shot timer (TSC-deadline where the
//! CPU has it) fires: no periodic tick. With one thread there is nothing to interrupt a sleep
//! yet (signals come with issue 4), so `rem` is never written.

use osprey_abi::time::*;
use osprey_abi::{Errno, Timespec};

use super::clock::clock_ns;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_nanosleep(cx: &Ctx, req: UserPtr<Timespec>, _rem: UserPtr<Timespec>) -> SysResult {
    let d = super::timespec_ns(&req.read(cx.m)?)?;
    cx.m.sleep_until(cx.m.monotonic_ns().saturating_add(d));
    Ok(0)
}

pub fn sys_clock_nanosleep(
    cx: &Ctx,
    clock: i32,
    flags: i32,
    req: UserPtr<Timespec>,
    _rem: UserPtr<Timespec>,
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
    cx.m.sleep_until(deadline);
    Ok(0)
}
