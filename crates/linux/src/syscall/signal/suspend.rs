//! pause, rt_sigsuspend: sleep until a signal is delivered. Both return EINTR after the
//! handler (Linux's ERESTARTNOHAND: a signal that runs no handler does not end the wait).
//! rt_sigsuspend's mask holds only while waiting: the handler's frame records the caller's
//! own mask, which rt_sigreturn puts back.

use osprey_abi::signal::*;
use osprey_abi::Errno;

use crate::signal::{recalc, wait_interrupted};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_pause(cx: &Ctx) -> SysResult {
    wait_interrupted(cx, None);
    Err(Errno::ERESTARTNOHAND)
}

pub fn sys_rt_sigsuspend(cx: &Ctx, set: UserPtr<u64>, sigsetsize: usize) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let new = set.read(cx.m)? & !UNBLOCKABLE;
    {
        let mut ts = cx.t.signals.lock();
        let old = ts.mask;
        ts.saved_mask.get_or_insert(old);
        ts.mask = new;
    }
    recalc(cx.p, cx.t);
    wait_interrupted(cx, None);
    Err(Errno::ERESTARTNOHAND)
}
