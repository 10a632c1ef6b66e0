//! rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait) and rt_sigpending.
//!
//! rt_sigtimedwait takes a signal of `set` out of the queues instead of delivering it. The
//! set is usually blocked (that is how the app keeps those signals for itself); while it
//! waits, the thread's `waiting` set tells senders to wake it for them anyway (Linux
//! unblocks them and keeps the real mask aside, to the same effect: a blocked fatal signal
//! does not kill while it is being waited for).

use osprey_abi::signal::*;
use osprey_abi::{Errno, SigInfo, Timespec};

use core::sync::atomic::Ordering;

use crate::signal::recalc;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn take(cx: &Ctx, set: u64) -> Option<SigInfo> {
    let mut ps = cx.p.signals.lock();
    let mut ts = cx.t.signals.lock();
    ts.pending.take(set).or_else(|| ps.pending.take(set))
}

/// Whether a signal the thread does not block is pending (it interrupts the wait).
fn deliverable(cx: &Ctx) -> bool {
    let shared = cx.p.signals.lock().pending.set;
    let ts = cx.t.signals.lock();
    (ts.pending.set | shared) & !ts.mask != 0
}

pub fn sys_rt_sigtimedwait(
    cx: &Ctx,
    set: UserPtr<u64>,
    uinfo: UserPtr<SigInfo>,
    timeout: UserPtr<Timespec>,
    sigsetsize: usize,
) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set = set.read(cx.m)? & !UNBLOCKABLE;
    let deadline = match timeout.nullable() {
        Some(p) => {
            let ts = p.read(cx.m)?;
            if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            let ns = (ts.tv_sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(ts.tv_nsec as u64);
            Some(cx.m.monotonic_ns().saturating_add(ns))
        }
        None => None,
    };
    let got = match take(cx, set) {
        Some(i) => Some(i),
        None => {
            cx.t.signals.lock().waiting = set;
            let got = loop {
                if let Some(i) = take(cx, set) {
                    break Some(i);
                }
                if deliverable(cx) || deadline.is_some_and(|d| cx.m.monotonic_ns() >= d) {
                    break None;
                }
                // The hint may name a waited-for signal another thread took: clear it, look
                // again (a sender queues before it sets the hint), then sleep.
                cx.t.signal_hint.store(false, Ordering::Release);
                if let Some(i) = take(cx, set) {
                    break Some(i);
                }
                cx.m.park(deadline);
            };
            cx.t.signals.lock().waiting = 0;
            recalc(cx.p, cx.t);
            got
        }
    };
    match got {
        Some(info) => {
            if let Some(p) = uinfo.nullable() {
                p.write(cx.m, &info)?;
            }
            Ok(info.si_signo as usize)
        }
        // Another signal came (its handler runs on the way out): EINTR; else the time is up.
        None if deliverable(cx) => Err(Errno::EINTR),
        None => Err(Errno::EAGAIN),
    }
}

pub fn sys_rt_sigpending(cx: &Ctx, set: UserPtr<u64>, sigsetsize: usize) -> SysResult {
    if sigsetsize > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let shared = cx.p.signals.lock().pending.set;
    let pending = {
        let ts = cx.t.signals.lock();
        (ts.pending.set | shared) & ts.mask
    };
    let bytes = pending.to_le_bytes();
    cx.m.copy_to_user(set.addr(), &bytes[..sigsetsize])?;
    Ok(0)
}
