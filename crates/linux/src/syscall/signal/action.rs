//! rt_sigaction: dispositions are shared by all threads. The flags are kept as given and
//! act at delivery (`crate::signal`): SA_SIGINFO (siginfo written to the frame), SA_ONSTACK
//! (the altstack), SA_RESTART (interrupted calls restart), SA_NODEFER (the signal is not
//! blocked in its handler), SA_RESETHAND (back to SIG_DFL when delivered), SA_RESTORER (the
//! return address; required on x86_64).

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
            // POSIX: making a pending signal ignored discards it (from every queue).
            if crate::signal::is_ignored(sig, &a) {
                s.pending.discard(sigmask(sig));
                for t in cx.p.threads.lock().values() {
                    t.signals.lock().pending.discard(sigmask(sig));
                }
            }
        }
        old
    };
    if let Some(p) = oldact.nullable() {
        p.write(cx.m, &old)?;
    }
    Ok(0)
}
