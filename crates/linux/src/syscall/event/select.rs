//! select, pselect6: the fd_set bitmaps translated to poll events (Linux's POLLIN_SET,
//! POLLOUT_SET and POLLEX_SET).

use alloc::vec;
use alloc::vec::Vec;

use osprey_abi::poll::*;
use osprey_abi::{Errno, Timespec, Timeval};
use osprey_vfs::OpenFile;

use crate::iowait::wait_until_files;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const IN_SET: u16 = (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR) as u16;
const OUT_SET: u16 = (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR) as u16;
const EX_SET: u16 = POLLPRI as u16;

fn read_set(cx: &Ctx, addr: u64, words: usize) -> Result<Option<Vec<u64>>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let mut v = vec![0u64; words];
    for (i, w) in v.iter_mut().enumerate() {
        *w = UserPtr::<u64>::new(addr).offset(i)?.read(cx.m)?;
    }
    Ok(Some(v))
}

fn write_set(cx: &Ctx, addr: u64, set: &Option<Vec<u64>>) -> Result<(), Errno> {
    if let Some(s) = set {
        for (i, w) in s.iter().enumerate() {
            UserPtr::<u64>::new(addr).offset(i)?.write(cx.m, w)?;
        }
    }
    Ok(())
}

/// The read, write and except sets (None: the app passed NULL).
type Sets = (Option<Vec<u64>>, Option<Vec<u64>>, Option<Vec<u64>>);

fn bit(set: &Option<Vec<u64>>, fd: usize) -> bool {
    set.as_ref()
        .is_some_and(|s| s[fd / 64] & (1 << (fd % 64)) != 0)
}

fn do_select(cx: &Ctx, nfds: i32, r: u64, w: u64, e: u64, deadline: Option<u64>) -> SysResult {
    if nfds < 0 || nfds as usize > cx.p.files.limit().max(osprey_abi::poll::FD_SETSIZE) {
        return Err(Errno::EINVAL);
    }
    let n = nfds as usize;
    let words = n.div_ceil(64);
    let (rin, win, ein) = (
        read_set(cx, r, words)?,
        read_set(cx, w, words)?,
        read_set(cx, e, words)?,
    );
    // A bad descriptor in any set is EBADF before anything waits.
    for fd in 0..n {
        if (bit(&rin, fd) || bit(&win, fd) || bit(&ein, fd)) && cx.p.files.get(fd as i32).is_err() {
            return Err(Errno::EBADF);
        }
    }
    let empty = |s: &Option<Vec<u64>>| s.as_ref().map(|_| vec![0u64; words]);
    let scan = || -> Result<Option<(Sets, usize)>, Errno> {
        let mut out: Sets = (empty(&rin), empty(&win), empty(&ein));
        let mut count = 0;
        for fd in 0..n {
            let (wr, ww, we) = (bit(&rin, fd), bit(&win, fd), bit(&ein, fd));
            if !(wr || ww || we) {
                continue;
            }
            let f = cx.p.files.get(fd as i32)?;
            let ev = f.poll(IN_SET | OUT_SET | EX_SET);
            for (want, mask, o) in [
                (wr, IN_SET, &mut out.0),
                (ww, OUT_SET, &mut out.1),
                (we, EX_SET, &mut out.2),
            ] {
                if want && ev & mask != 0 {
                    if let Some(s) = o.as_mut() {
                        s[fd / 64] |= 1 << (fd % 64);
                    }
                    count += 1;
                }
            }
        }
        Ok((count > 0).then_some((out, count)))
    };
    // The files, held for the wait: when each keeps a readiness source, only they wake it.
    let files: Vec<_> = (0..n)
        .filter(|&fd| bit(&rin, fd) || bit(&win, fd) || bit(&ein, fd))
        .filter_map(|fd| cx.p.files.get(fd as i32).ok())
        .collect();
    let refs: Vec<&OpenFile> = files.iter().map(|f| &**f).collect();
    let got = wait_until_files(cx, &refs, deadline, scan)?;
    let ((ro, wo, eo), count) = got.unwrap_or_else(|| ((empty(&rin), empty(&win), empty(&ein)), 0));
    write_set(cx, r, &ro)?;
    write_set(cx, w, &wo)?;
    write_set(cx, e, &eo)?;
    Ok(count)
}

pub fn sys_select(
    cx: &Ctx,
    nfds: i32,
    r: u64,
    w: u64,
    e: u64,
    timeout: UserPtr<Timeval>,
) -> SysResult {
    let deadline = match timeout.nullable() {
        None => None,
        Some(p) => {
            let t = p.read(cx.m)?;
            if t.tv_sec < 0 || !(0..1_000_000).contains(&t.tv_usec) {
                return Err(Errno::EINVAL);
            }
            let ns = (t.tv_sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(t.tv_usec as u64 * 1000);
            Some(cx.m.monotonic_ns().saturating_add(ns))
        }
    };
    do_select(cx, nfds, r, w, e, deadline)
}

pub fn sys_pselect6(
    cx: &Ctx,
    nfds: i32,
    r: u64,
    w: u64,
    e: u64,
    tsp: UserPtr<Timespec>,
    sig: u64,
) -> SysResult {
    let deadline = match tsp.nullable() {
        None => None,
        Some(p) => {
            let ns = crate::syscall::time::timespec_ns(&p.read(cx.m)?)?;
            Some(cx.m.monotonic_ns().saturating_add(ns))
        }
    };
    // The sixth argument points at { const sigset_t *ss; size_t ss_len; }: a mask that holds
    // while waiting (see signal::with_mask).
    let mut mask = None;
    if let Some(p) = UserPtr::<[u64; 2]>::new(sig).nullable() {
        let [ss, len] = p.read(cx.m)?;
        if let Some(set) = UserPtr::<u64>::new(ss).nullable() {
            if len != osprey_abi::signal::SIGSET_SIZE as u64 {
                return Err(Errno::EINVAL);
            }
            mask = Some(set.read(cx.m)?);
        }
    }
    crate::signal::with_mask(cx, mask, || do_select(cx, nfds, r, w, e, deadline))
}
