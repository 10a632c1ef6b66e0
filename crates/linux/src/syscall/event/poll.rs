//! poll, ppoll.

use alloc::vec::Vec;

use osprey_abi::poll::*;
use osprey_abi::{Errno, Timespec};
use osprey_vfs::OpenFile;

use crate::iowait::wait_until_files;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Events a descriptor always reports, asked for or not.
const ALWAYS: i16 = POLLERR | POLLHUP | POLLNVAL;

/// One pass over the descriptors: how many have events, with `revents` filled in.
fn scan(cx: &Ctx, fds: &mut [Pollfd]) -> usize {
    let mut n = 0;
    for p in fds.iter_mut() {
        p.revents = 0;
        if p.fd < 0 {
            continue;
        }
        p.revents = match cx.p.files.get(p.fd) {
            Ok(f) => (f.poll((p.events | ALWAYS) as u16) as i16) & (p.events | ALWAYS),
            Err(_) => POLLNVAL,
        };
        if p.revents != 0 {
            n += 1;
        }
    }
    n
}

fn do_poll(cx: &Ctx, ufds: UserPtr<Pollfd>, nfds: u32, deadline_ns: Option<u64>) -> SysResult {
    if nfds as u64 > cx.p.files.limit() as u64 {
        return Err(Errno::EINVAL);
    }
    let mut fds: Vec<Pollfd> = Vec::with_capacity(nfds as usize);
    for i in 0..nfds as usize {
        fds.push(ufds.offset(i)?.read(cx.m)?);
    }
    // The files, held for the wait: when each keeps a readiness source, only they wake it.
    let files: Vec<_> = fds
        .iter()
        .filter(|p| p.fd >= 0)
        .filter_map(|p| cx.p.files.get(p.fd).ok())
        .collect();
    let refs: Vec<&OpenFile> = files.iter().map(|f| &**f).collect();
    let n = wait_until_files(cx, &refs, deadline_ns, || {
        Ok((scan(cx, &mut fds) > 0).then_some(()))
    })?;
    if n.is_none() {
        for p in fds.iter_mut() {
            p.revents = 0;
        }
    }
    for (i, p) in fds.iter().enumerate() {
        // Only revents changes; writing the whole struct back is what Linux does too.
        ufds.offset(i)?.write(cx.m, p)?;
    }
    Ok(fds.iter().filter(|p| p.revents != 0).count())
}

pub fn sys_poll(cx: &Ctx, fds: UserPtr<Pollfd>, nfds: u32, timeout_ms: i32) -> SysResult {
    let deadline = (timeout_ms >= 0).then(|| {
        cx.m.monotonic_ns()
            .saturating_add(timeout_ms as u64 * 1_000_000)
    });
    do_poll(cx, fds, nfds, deadline)
}

pub fn sys_ppoll(
    cx: &Ctx,
    fds: UserPtr<Pollfd>,
    nfds: u32,
    tsp: UserPtr<Timespec>,
    sigmask: u64,
    sigsetsize: usize,
) -> SysResult {
    if sigmask != 0 && sigsetsize != osprey_abi::signal::SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let deadline = match tsp.nullable() {
        None => None,
        Some(p) => {
            let ns = crate::syscall::time::timespec_ns(&p.read(cx.m)?)?;
            Some(cx.m.monotonic_ns().saturating_add(ns))
        }
    };
    // The mask holds while waiting (see signal::with_mask).
    let mask = match UserPtr::<u64>::new(sigmask).nullable() {
        Some(p) => Some(p.read(cx.m)?),
        None => None,
    };
    crate::signal::with_mask(cx, mask, || do_poll(cx, fds, nfds, deadline))
}
