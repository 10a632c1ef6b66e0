//! rt_sigaction.

use osprey_abi::signal::*;
use osprey_abi::{Errno, KernelSigaction};

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_rt_sigaction(
    cx: &Ctx,
    sig: i32,
    act: UserPtr<KernelSigaction>,
    oldact: UserPtr<KernelSigaction>,
    sigsetsize: usize,
) -> SysResult {
    if sigsetsize != SIGSET_SIZE || !(1..=NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let new = match act.nullable() {
        Some(p) => {
            if sig == SIGKILL || sig == SIGSTOP {
                return Err(Errno::EINVAL);
            }
            let mut a = p.read(cx.m)?;
            a.sa_mask &= !UNBLOCKABLE;
            Some(a)
        }
        None => None,
    };
    let old = {
        let mut s = cx.p.signals.lock();
        let old = s.actions[sig as usize - 1];
        if let Some(a) = new {
            s.actions[sig as usize - 1] = a;
        }
        old
    };
    if let Some(p) = oldact.nullable() {
        p.write(cx.m, &old)?;
    }
    Ok(0)
}
