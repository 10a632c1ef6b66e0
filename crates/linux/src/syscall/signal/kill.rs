//! kill, tkill, tgkill aimed at the app itself (the only process). Signal 0 probes; an
//! ignored or blocked-and-ignored signal is dropped; a default action of "terminate" or "core"
//! ends the app with 128 + signal (a crash report for the core signals); a signal with a
//! handler cannot be delivered before issue 4, and says so with ENOSYS rather than pretending.

use osprey_abi::signal::*;
use osprey_abi::Errno;
use osprey_proto::frame::CrashReport;

use crate::process::PID;
use crate::syscall::{Ctx, SysResult};

fn send_self(cx: &Ctx, sig: i32) -> SysResult {
    if !(0..=NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    if sig == 0 {
        return Ok(0);
    }
    let handler = cx.p.signals.lock().actions[sig as usize - 1].sa_handler;
    if handler == SIG_IGN && sig != SIGKILL && sig != SIGSTOP {
        return Ok(0);
    }
    if handler != SIG_DFL && sig != SIGKILL && sig != SIGSTOP {
        log::warn!("signal {sig} has a handler, but signal delivery is not implemented yet");
        return Err(Errno::ENOSYS);
    }
    match default_action(sig) {
        DefaultAction::Ignore | DefaultAction::Continue => Ok(0),
        DefaultAction::Stop => Ok(0),
        DefaultAction::Terminate => cx.m.exit(128 + sig),
        DefaultAction::CoreDump => {
            let report = CrashReport {
                signal: sig as u32,
                code: SI_TKILL,
                regs: cx.m.current_regs(),
                ..Default::default()
            };
            cx.m.crash(&report)
        }
    }
}

pub fn sys_kill(cx: &Ctx, pid: i32, sig: i32) -> SysResult {
    // pid 0 (our group), -1 (everyone we may signal) and our own pid all mean the app.
    if pid != PID && pid != 0 && pid != -1 && pid != -PID {
        return Err(Errno::ESRCH);
    }
    send_self(cx, sig)
}

pub fn sys_tkill(cx: &Ctx, tid: i32, sig: i32) -> SysResult {
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if cx.p.thread(tid).is_none() {
        return Err(Errno::ESRCH);
    }
    send_self(cx, sig)
}

pub fn sys_tgkill(cx: &Ctx, tgid: i32, tid: i32, sig: i32) -> SysResult {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if tgid != PID {
        return Err(Errno::ESRCH);
    }
    sys_tkill(cx, tid, sig)
}
