//! rt_sigprocmask.

use osprey_abi::signal::*;
use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_rt_sigprocmask(
    cx: &Ctx,
    how: i32,
    set: UserPtr<u64>,
    oldset: UserPtr<u64>,
    sigsetsize: usize,
) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let new = match set.nullable() {
        Some(p) => Some(p.read(cx.m)? & !UNBLOCKABLE),
        None => None,
    };
    let old = {
        let mut s = cx.t.signals.lock();
        let old = s.mask;
        if let Some(n) = new {
            s.mask = match how {
                SIG_BLOCK => old | n,
                SIG_UNBLOCK => old & !n,
                SIG_SETMASK => n,
                _ => return Err(Errno::EINVAL),
            };
        }
        old
    };
    if let Some(p) = oldset.nullable() {
        p.write(cx.m, &old)?;
    }
    Ok(0)
}
