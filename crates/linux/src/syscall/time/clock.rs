//! clock_gettime, clock_getres, gettimeofday, time.
//!
//! CLOCK_MONOTONIC counts from boot off the TSC; CLOCK_REALTIME adds the host's wall clock
//! taken at launch. The CPU-time clocks answer with the app's run time (it is the only thing
//! the VM runs). BOOTTIME equals MONOTONIC (the VM never suspends).

use osprey_abi::time::*;
use osprey_abi::{Errno, Timespec, Timeval};

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Nanoseconds on `clock`, or EINVAL for a clock Linux does not have.
pub fn clock_ns(cx: &Ctx, clock: i32) -> Result<u64, Errno> {
    Ok(match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI => cx.m.realtime_ns(),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
            cx.m.monotonic_ns()
        }
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            cx.m.monotonic_ns().saturating_sub(cx.p.start_ns)
        }
        _ => return Err(Errno::EINVAL),
    })
}

fn timespec(ns: u64) -> Timespec {
    Timespec {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_nsec: (ns % 1_000_000_000) as i64,
    }
}

pub fn sys_clock_gettime(cx: &Ctx, clock: i32, tp: UserPtr<Timespec>) -> SysResult {
    let ns = clock_ns(cx, clock)?;
    tp.write(cx.m, &timespec(ns))?;
    Ok(0)
}

pub fn sys_clock_getres(cx: &Ctx, clock: i32, res: UserPtr<Timespec>) -> SysResult {
    clock_ns(cx, clock)?;
    if let Some(r) = res.nullable() {
        let ns = match clock {
            CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => 4_000_000,
            _ => 1,
        };
        r.write(cx.m, &timespec(ns))?;
    }
    Ok(0)
}

pub fn sys_gettimeofday(cx: &Ctx, tv: UserPtr<Timeval>, tz: UserPtr<[i32; 2]>) -> SysResult {
    if let Some(t) = tv.nullable() {
        let ns = cx.m.realtime_ns();
        t.write(
            cx.m,
            &Timeval {
                tv_sec: (ns / 1_000_000_000) as i64,
                tv_usec: ((ns % 1_000_000_000) / 1000) as i64,
            },
        )?;
    }
    if let Some(z) = tz.nullable() {
        z.write(cx.m, &[0, 0])?; // UTC, no DST
    }
    Ok(0)
}

pub fn sys_time(cx: &Ctx, tloc: UserPtr<i64>) -> SysResult {
    let secs = (cx.m.realtime_ns() / 1_000_000_000) as i64;
    if let Some(t) = tloc.nullable() {
        t.write(cx.m, &secs)?;
    }
    Ok(secs as usize)
}
