//! kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo: signals the app sends itself (it
//! is the only process). kill and rt_sigqueueinfo aim at the process (any thread that does not
//! block the signal takes it); the others at one thread. Signal 0 only probes.

use osprey_abi::signal::*;
use osprey_abi::{Errno, SigInfo};

use crate::process::PID;
use crate::signal::{send_to_process, send_to_thread};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn check_sig(sig: i32) -> Result<(), Errno> {
    if (0..=NSIG).contains(&sig) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

fn sender(cx: &Ctx, sig: i32, code: i32) -> SigInfo {
    SigInfo::from_process(sig, code, PID, cx.p.creds.lock().uid)
}

pub fn sys_kill(cx: &Ctx, pid: i32, sig: i32) -> SysResult {
    check_sig(sig)?;
    // pid 0 (our group), -1 (everyone we may signal) and our own pid all mean the app.
    if pid != PID && pid != 0 && pid != -1 && pid != -PID {
        return Err(Errno::ESRCH);
    }
    if sig != 0 {
        send_to_process(cx, sender(cx, sig, SI_USER));
    }
    Ok(0)
}

fn to_thread(cx: &Ctx, tid: i32, info: SigInfo) -> SysResult {
    let t = cx.p.thread(tid).ok_or(Errno::ESRCH)?;
    if info.si_signo != 0 {
        send_to_thread(cx, &t, info);
    }
    Ok(0)
}

pub fn sys_tkill(cx: &Ctx, tid: i32, sig: i32) -> SysResult {
    check_sig(sig)?;
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    to_thread(cx, tid, sender(cx, sig, SI_TKILL))
}

pub fn sys_tgkill(cx: &Ctx, tgid: i32, tid: i32, sig: i32) -> SysResult {
    check_sig(sig)?;
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if tgid != PID {
        return Err(Errno::ESRCH);
    }
    to_thread(cx, tid, sender(cx, sig, SI_TKILL))
}

/// The siginfo a queueing call passes: its own, except that a process may not pretend to be
/// the kernel or kill() (si_code >= 0), as Linux refuses with EPERM.
fn queued_info(cx: &Ctx, sig: i32, uinfo: UserPtr<SigInfo>) -> Result<SigInfo, Errno> {
    check_sig(sig)?;
    let mut info = uinfo.read(cx.m)?;
    if info.si_code >= 0 || info.si_code == SI_TKILL {
        return Err(Errno::EPERM);
    }
    info.si_signo = sig;
    Ok(info)
}

pub fn sys_rt_sigqueueinfo(cx: &Ctx, pid: i32, sig: i32, uinfo: UserPtr<SigInfo>) -> SysResult {
    let info = queued_info(cx, sig, uinfo)?;
    if pid != PID {
        return Err(Errno::ESRCH);
    }
    if sig != 0 {
        send_to_process(cx, info);
    }
    Ok(0)
}

pub fn sys_rt_tgsigqueueinfo(
    cx: &Ctx,
    tgid: i32,
    tid: i32,
    sig: i32,
    uinfo: UserPtr<SigInfo>,
) -> SysResult {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let info = queued_info(cx, sig, uinfo)?;
    if tgid != PID {
        return Err(Errno::ESRCH);
    }
    to_thread(cx, tid, info)
}
