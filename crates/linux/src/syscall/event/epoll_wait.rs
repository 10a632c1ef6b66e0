//! epoll_wait, epoll_pwait, epoll_pwait2: wait for ready registrations.
//!
//! The wait goes through `crate::iowait`: on the instance's own wait queue when all its
//! registrations have readiness sources (only a change of one of its files wakes the waiter),
//! else on the app-wide list like poll's (every change anywhere wakes it); either way it then
//! scans its interest list again (cheaply, see `epoll.rs`). A signal ends
//! the wait with EINTR, never restarted (Linux's epoll_wait is not restartable).

use alloc::vec::Vec;

use osprey_abi::poll::EpollEvent;
use osprey_abi::{Errno, Timespec};

use super::epoll::as_epoll;
use crate::syscall::{Ctx, Fd, SysResult};
use crate::uaccess::UserPtr;

/// Linux's EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event).
const MAX_EVENTS: i32 = i32::MAX / 12;

fn do_wait(
    cx: &Ctx,
    epfd: Fd,
    events: UserPtr<EpollEvent>,
    maxevents: i32,
    deadline: Option<u64>,
) -> SysResult {
    if maxevents <= 0 || maxevents > MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    let f = cx.p.files.get(epfd)?;
    let ep = as_epoll(&f).ok_or(Errno::EINVAL)?;
    // The whole array must be writable before anything is consumed (Linux's access_ok).
    if events.is_null() {
        return Err(Errno::EFAULT);
    }
    events.offset(maxevents as usize - 1)?;
    // On the instance's own queue when every registration tells it about changes; else on
    // the app-wide list (files that must be polled change without telling anyone).
    let queue = || ep.all_sourced().then_some(&ep.waiters);
    let got: Vec<(u32, u64)> = match crate::iowait::wait_until_on(cx, deadline, queue, || {
        let r = ep.scan(maxevents as usize, true);
        Ok((!r.is_empty()).then_some(r))
    }) {
        Ok(g) => g.unwrap_or_default(),
        Err(Errno::ERESTARTNOHAND) => return Err(Errno::EINTR),
        Err(e) => return Err(e),
    };
    for (i, &(ev, data)) in got.iter().enumerate() {
        events
            .offset(i)?
            .write(cx.m, &EpollEvent { events: ev, data })?;
    }
    Ok(got.len())
}

fn deadline_ms(cx: &Ctx, timeout_ms: i32) -> Option<u64> {
    (timeout_ms >= 0).then(|| {
        cx.m.monotonic_ns()
            .saturating_add(timeout_ms as u64 * 1_000_000)
    })
}

fn read_mask(cx: &Ctx, sigmask: u64, size: usize) -> Result<Option<u64>, Errno> {
    match UserPtr::<u64>::new(sigmask).nullable() {
        None => Ok(None),
        Some(p) => {
            if size != osprey_abi::signal::SIGSET_SIZE {
                return Err(Errno::EINVAL);
            }
            Ok(Some(p.read(cx.m)?))
        }
    }
}

pub fn sys_epoll_wait(
    cx: &Ctx,
    epfd: Fd,
    events: UserPtr<EpollEvent>,
    maxevents: i32,
    timeout_ms: i32,
) -> SysResult {
    do_wait(cx, epfd, events, maxevents, deadline_ms(cx, timeout_ms))
}

/// epoll_pwait: the signal mask holds while waiting (see signal::with_mask).
pub fn sys_epoll_pwait(
    cx: &Ctx,
    epfd: Fd,
    events: UserPtr<EpollEvent>,
    maxevents: i32,
    timeout_ms: i32,
    sigmask: u64,
    sigsetsize: usize,
) -> SysResult {
    let mask = read_mask(cx, sigmask, sigsetsize)?;
    let deadline = deadline_ms(cx, timeout_ms);
    crate::signal::with_mask(cx, mask, || do_wait(cx, epfd, events, maxevents, deadline))
}

/// epoll_pwait2: as epoll_pwait with a timespec timeout (NULL: forever).
pub fn sys_epoll_pwait2(
    cx: &Ctx,
    epfd: Fd,
    events: UserPtr<EpollEvent>,
    maxevents: i32,
    timeout: UserPtr<Timespec>,
    sigmask: u64,
    sigsetsize: usize,
) -> SysResult {
    let deadline = match timeout.nullable() {
        None => None,
        Some(p) => {
            let ns = crate::syscall::time::timespec_ns(&p.read(cx.m)?)?;
            Some(cx.m.monotonic_ns().saturating_add(ns))
        }
    };
    let mask = read_mask(cx, sigmask, sigsetsize)?;
    crate::signal::with_mask(cx, mask, || do_wait(cx, epfd, events, maxevents, deadline))
}
