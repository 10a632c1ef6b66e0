//! setitimer, getitimer, alarm: the process's real-time interval timer (ITIMER_REAL), which
//! sends SIGALRM to the process when it expires (si_code SI_KERNEL, as Linux's it_real_fn),
//! then re-arms itself every `it_interval`. The kernel's timer list holds the deadline (no
//! periodic tick), in the process's one alarm it shares with the POSIX timers
//! (`posix_timer::rearm_alarm`); `Linux::itimer_fired` runs when it passes.
//!
//! ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time and are not implemented:
//! ENOSYS.

use osprey_abi::signal::{SIGALRM, SI_KERNEL};
use osprey_abi::time::ITIMER_REAL;
use osprey_abi::{Errno, Itimerval, SigInfo, Timeval};

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn timeval_ns(t: &Timeval) -> Result<u64, Errno> {
    if t.tv_sec < 0 || !(0..1_000_000).contains(&t.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok((t.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_usec as u64 * 1000))
}

/// The timer as getitimer shows it: time left (at least 1 us while armed) and interval.
fn current(cx: &Ctx) -> Itimerval {
    let (deadline, interval) = cx.p.signals.lock().itimer_real;
    let left = if deadline == 0 {
        0
    } else {
        deadline.saturating_sub(cx.m.monotonic_ns()).max(1000)
    };
    Itimerval {
        it_interval: Timeval::from_nanos(interval),
        it_value: Timeval::from_nanos(left),
    }
}

/// Arms (value > 0) or disarms the timer; returns the previous setting.
fn set(cx: &Ctx, value_ns: u64, interval_ns: u64) -> Itimerval {
    let old = current(cx);
    let deadline = if value_ns == 0 {
        0
    } else {
        cx.m.monotonic_ns().saturating_add(value_ns)
    };
    cx.p.signals.lock().itimer_real = (deadline, if deadline == 0 { 0 } else { interval_ns });
    super::posix_timer::rearm_alarm(cx);
    old
}

pub fn sys_setitimer(
    cx: &Ctx,
    which: i32,
    new: UserPtr<Itimerval>,
    old: UserPtr<Itimerval>,
) -> SysResult {
    if which != ITIMER_REAL {
        return Err(if (0..=2).contains(&which) {
            Errno::ENOSYS
        } else {
            Errno::EINVAL
        });
    }
    // A NULL new value disarms (Linux accepts it, with a warning in its log).
    let (value, interval) = match new.nullable() {
        Some(p) => {
            let v = p.read(cx.m)?;
            (timeval_ns(&v.it_value)?, timeval_ns(&v.it_interval)?)
        }
        None => (0, 0),
    };
    let prev = set(cx, value, interval);
    if let Some(p) = old.nullable() {
        p.write(cx.m, &prev)?;
    }
    Ok(0)
}

pub fn sys_getitimer(cx: &Ctx, which: i32, out: UserPtr<Itimerval>) -> SysResult {
    if which != ITIMER_REAL {
        return Err(if (0..=2).contains(&which) {
            Errno::ENOSYS
        } else {
            Errno::EINVAL
        });
    }
    out.write(cx.m, &current(cx))?;
    Ok(0)
}

/// alarm(seconds): a one-shot ITIMER_REAL; returns the seconds left of the previous one,
/// rounded as Linux rounds them (to the nearest second, and at least 1 while armed).
pub fn sys_alarm(cx: &Ctx, seconds: u32) -> SysResult {
    let prev = set(cx, seconds as u64 * 1_000_000_000, 0);
    let v = prev.it_value;
    let mut secs = v.tv_sec as usize;
    if (v.tv_sec == 0 && v.tv_usec > 0) || v.tv_usec >= 500_000 {
        secs += 1;
    }
    Ok(secs)
}

/// The deadline passed (called by the kernel through `Linux::itimer_fired`).
pub fn fired(cx: &Ctx) {
    let now = cx.m.monotonic_ns();
    {
        let mut s = cx.p.signals.lock();
        let (deadline, interval) = s.itimer_real;
        if deadline == 0 {
            return;
        }
        if now < deadline {
            // An early or stale wake-up: keep waiting.
            drop(s);
            super::posix_timer::rearm_alarm(cx);
            return;
        }
        // Overruns are not queued: the next period after now (0: a one-shot timer).
        let next = match (now - deadline).checked_div(interval) {
            None => 0,
            Some(missed) => deadline.saturating_add((missed + 1).saturating_mul(interval)),
        };
        s.itimer_real = (next, if next == 0 { 0 } else { interval });
    }
    super::posix_timer::rearm_alarm(cx);
    let info = SigInfo::from_process(SIGALRM, SI_KERNEL, 0, 0);
    crate::signal::send_to_process(cx, info);
}
