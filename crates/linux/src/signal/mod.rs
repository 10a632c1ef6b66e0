//! Signals: queues, sending, and what happens when a thread leaves the kernel with a signal
//! it does not block.
//!
//! * A signal is *sent* to a thread (tgkill, tkill, a fault) or to the process (kill); the
//!   process queue is shared, and any thread that does not block a signal may take it. An
//!   ignored signal is dropped at once, as Linux does, unless the target blocks it (its
//!   disposition may change before it is unblocked). Sending sets the target's
//!   `signal_hint` and unparks it, so a blocked system call returns (EINTR or a restart).
//! * A signal is *delivered* when its thread returns from a system call or is interrupted in
//!   app code ([`deliver`], called by the kernel with the app's registers as a
//!   [`Sigcontext`]): a handler gets a frame built by [`frame::setup`]; the default action
//!   ends the app (128 + signal; the core-dump signals with a crash report) or does nothing.
//!   Stop signals are ignored: the app is the only process of its VM, and nothing could
//!   continue it.
//! * Lock order: the process's `signals` before any thread's `signals`.

pub mod frame;

use alloc::collections::VecDeque;

use osprey_abi::signal::*;
use osprey_abi::{Errno, KernelSigaction, Sigcontext};
use osprey_proto::frame::CrashReport;

use core::sync::atomic::Ordering;

use crate::machine::Machine;
use crate::process::Process;
use crate::syscall::Ctx;
use crate::thread::Thread;

/// Signals the CPU raises for an instruction: dequeued before any other, as Linux does, so
/// the handler sees the fault's context.
pub const SYNCHRONOUS: u64 = sigmask(SIGSEGV)
    | sigmask(SIGBUS)
    | sigmask(SIGILL)
    | sigmask(SIGTRAP)
    | sigmask(SIGFPE)
    | sigmask(SIGSYS);

/// Pending signals with their siginfo. A standard signal is pending at most once (a second
/// send while one is pending is merged into it); real-time signals queue, each with its own
/// siginfo, and come out in order.
#[derive(Default)]
pub struct SigQueue {
    /// Bit n-1 set while signal n is queued.
    pub set: u64,
    infos: VecDeque<SigInfo>,
}

impl SigQueue {
    pub const fn new() -> SigQueue {
        SigQueue {
            set: 0,
            infos: VecDeque::new(),
        }
    }

    /// Queues `info`; false when a standard signal of that number was already pending.
    pub fn push(&mut self, info: SigInfo) -> bool {
        let bit = sigmask(info.si_signo);
        if info.si_signo < SIGRTMIN && self.set & bit != 0 {
            return false;
        }
        self.infos.push_back(info);
        self.set |= bit;
        true
    }

    /// The signal [`SigQueue::take`] would return for `allowed`.
    pub fn next(&self, allowed: u64) -> Option<i32> {
        let mut x = self.set & allowed;
        if x == 0 {
            return None;
        }
        if x & SYNCHRONOUS != 0 {
            x &= SYNCHRONOUS;
        }
        Some(x.trailing_zeros() as i32 + 1)
    }

    /// Takes the first pending signal in `allowed`: a synchronous one first, else the lowest
    /// number; the oldest instance of a real-time signal.
    pub fn take(&mut self, allowed: u64) -> Option<SigInfo> {
        let sig = self.next(allowed)?;
        let i = self.infos.iter().position(|x| x.si_signo == sig)?;
        let info = self.infos.remove(i)?;
        if !self.infos.iter().any(|x| x.si_signo == sig) {
            self.set &= !sigmask(sig);
        }
        Some(info)
    }

    /// The first queued signal `f` picks (a POSIX timer finds its own still-queued signal to
    /// count an overrun in it rather than queue another).
    pub fn find_mut(&mut self, f: impl Fn(&SigInfo) -> bool) -> Option<&mut SigInfo> {
        self.infos.iter_mut().find(|x| f(x))
    }

    /// Drops the queued signals `f` picks (a deleted timer's).
    pub fn remove_where(&mut self, f: impl Fn(&SigInfo) -> bool) {
        self.infos.retain(|x| !f(x));
        self.set = self.infos.iter().fold(0, |m, x| m | sigmask(x.si_signo));
    }

    /// Drops every queued instance of the signals in `set` (they became ignored).
    pub fn discard(&mut self, set: u64) {
        self.infos.retain(|x| sigmask(x.si_signo) & set == 0);
        self.set &= !set;
    }
}

/// Whether the disposition makes the signal do nothing at all.
pub fn is_ignored(sig: i32, act: &KernelSigaction) -> bool {
    match act.sa_handler {
        SIG_IGN => true,
        SIG_DFL => matches!(
            default_action(sig),
            DefaultAction::Ignore | DefaultAction::Stop | DefaultAction::Continue
        ),
        _ => false,
    }
}

/// Recomputes `t.signal_hint`: whether a signal it does not block waits in its queue or the
/// process's. Call after anything that changes the mask or takes a signal.
pub fn recalc(p: &Process, t: &Thread) {
    let shared = p.signals.lock().pending.set;
    let s = t.signals.lock();
    let v = (s.pending.set | shared) & (!s.mask | s.waiting) != 0;
    t.signal_hint.store(v, Ordering::Release);
}

/// Marks `t` as having a signal to act on and wakes it if it sleeps in a system call, or
/// interrupts it if it runs app code on another CPU (it takes the signal on the way back).
fn kick(m: &dyn Machine, t: &Thread) {
    t.signal_hint.store(true, Ordering::Release);
    m.unpark(t.tid);
    m.interrupt_thread(t.tid);
}

/// What a sender does when a signal's default action is to end the app and the target does
/// not block it: Linux kills the whole thread group at once. The core-dump signals get the
/// crash report, with the registers of the system call in progress (the sender's: for
/// `raise`/`abort` that is the thread the signal names).
fn fatal_now(cx: &Ctx, sig: i32, code: i32) -> ! {
    match default_action(sig) {
        DefaultAction::CoreDump => {
            let report = CrashReport {
                signal: sig as u32,
                code,
                regs: cx.m.current_regs(),
                ..Default::default()
            };
            cx.m.crash(&report)
        }
        _ => cx.m.exit(128 + sig),
    }
}

fn is_fatal_default(sig: i32, act: &KernelSigaction) -> bool {
    sig == SIGKILL
        || (act.sa_handler == SIG_DFL
            && matches!(
                default_action(sig),
                DefaultAction::Terminate | DefaultAction::CoreDump
            ))
}

/// Sends `info` to thread `t` (tgkill, tkill, rt_tgsigqueueinfo).
pub fn send_to_thread(cx: &Ctx, t: &Thread, info: SigInfo) {
    let sig = info.si_signo;
    let ps = cx.p.signals.lock();
    let act = ps.actions[sig as usize - 1];
    let mut ts = t.signals.lock();
    let blocked = ts.mask & sigmask(sig) != 0;
    let waited = ts.waiting & sigmask(sig) != 0;
    if !blocked && is_ignored(sig, &act) {
        return;
    }
    if !blocked && is_fatal_default(sig, &act) {
        // The whole app ends; a core-dump signal aimed at another thread is left to that
        // thread, so the report shows its registers.
        if default_action(sig) != DefaultAction::CoreDump || t.tid == cx.t.tid || sig == SIGKILL {
            drop(ts);
            drop(ps);
            fatal_now(cx, sig, info.si_code);
        }
    }
    ts.pending.push(info);
    drop(ts);
    drop(ps);
    if !blocked || waited {
        kick(cx.m, t);
    }
}

/// Sends `info` to the process (kill, rt_sigqueueinfo): queued once for all threads; the
/// first thread that does not block it (the main thread first, as Linux prefers the group
/// leader) is woken to take it, else one that waits for it (sigwait, signalfd).
pub fn send_to_process(cx: &Ctx, info: SigInfo) {
    let sig = info.si_signo;
    let threads: alloc::vec::Vec<_> = cx.p.threads.lock().values().cloned().collect();
    let mut ps = cx.p.signals.lock();
    let act = ps.actions[sig as usize - 1];
    let target = threads
        .iter()
        .find(|t| t.signals.lock().mask & sigmask(sig) == 0)
        .cloned();
    if target.is_some() || sig == SIGKILL {
        if is_ignored(sig, &act) && sig != SIGKILL {
            return;
        }
        if is_fatal_default(sig, &act) {
            drop(ps);
            fatal_now(cx, sig, info.si_code);
        }
    }
    ps.pending.push(info);
    drop(ps);
    let waiter = || {
        threads
            .iter()
            .find(|t| t.signals.lock().waiting & sigmask(sig) != 0)
            .cloned()
    };
    if let Some(t) = target.or_else(waiter) {
        kick(cx.m, &t);
    }
}

/// A thread is leaving: process-directed signals it was woken for go to another thread
/// that does not block them (Linux's retarget_shared_pending).
pub fn retarget_shared(cx: &Ctx) {
    let shared = cx.p.signals.lock().pending.set;
    if shared == 0 {
        return;
    }
    let threads: alloc::vec::Vec<_> = cx.p.threads.lock().values().cloned().collect();
    for t in threads {
        if t.tid != cx.t.tid && shared & !t.signals.lock().mask != 0 {
            kick(cx.m, &t);
            return;
        }
    }
}

/// Takes the next signal `t` does not block (its own queue first, then the process's), with
/// the disposition it has now. SA_RESETHAND resets the disposition as the signal is taken.
fn dequeue(p: &Process, t: &Thread) -> Option<(SigInfo, KernelSigaction)> {
    let mut ps = p.signals.lock();
    let mut ts = t.signals.lock();
    let allowed = !ts.mask;
    let info = match ts.pending.take(allowed) {
        Some(i) => i,
        None => ps.pending.take(allowed)?,
    };
    let i = info.si_signo as usize - 1;
    let act = ps.actions[i];
    if act.sa_handler > SIG_IGN && act.sa_flags & SA_RESETHAND != 0 {
        ps.actions[i].sa_handler = SIG_DFL;
    }
    Some((info, act))
}

/// A system call's outcome, for restarting it around a handler.
#[derive(Clone, Copy, Debug)]
pub struct SyscallExit {
    pub nr: usize,
    pub ret: isize,
}

/// Whether `ret` is one of the kernel-internal restart codes.
pub fn is_restart(ret: isize) -> bool {
    matches!(ret, -516 | -514 | -513 | -512)
}

/// Makes the system call run again when the app resumes: rax = its number, rip back over
/// the 2-byte `syscall` instruction (its arguments are still in their registers).
fn restart(regs: &mut Sigcontext, nr: usize) {
    regs.rax = nr as u64;
    regs.rip = regs.rip.wrapping_sub(2);
}

/// Delivers what `t` has pending and does not block, on its way back to app code with
/// registers `regs` (which this changes: a handler's frame, a restarted call). `syscall` is
/// set when leaving a system call whose result is already in `regs.rax`. Returns whether
/// `regs` changed. A default action that ends the app does not return.
pub fn deliver(cx: &Ctx, regs: &mut Sigcontext, mut syscall: Option<SyscallExit>) -> bool {
    let mut changed = false;
    while let Some((info, act)) = dequeue(cx.p, cx.t) {
        let sig = info.si_signo;
        if cx.p.strace && act.sa_handler != SIG_IGN {
            crate::strace::signal(cx, &info);
        }
        match act.sa_handler {
            SIG_IGN => continue,
            SIG_DFL => match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Stop | DefaultAction::Continue => continue,
                DefaultAction::Terminate => cx.m.exit(128 + sig),
                DefaultAction::CoreDump => crash_with(cx, regs, &info),
            },
            _ => {}
        }
        if let Some(sc) = syscall.take() {
            match -sc.ret {
                512 if act.sa_flags & SA_RESTART != 0 => restart(regs, sc.nr),
                513 => restart(regs, sc.nr),
                512 | 514 | 516 => regs.rax = Errno::EINTR.as_ret() as u64,
                _ => {}
            }
        }
        let oldmask = {
            let mut ts = cx.t.signals.lock();
            ts.saved_mask.take().unwrap_or(ts.mask)
        };
        if frame::setup(cx, regs, &info, &act, oldmask).is_err() {
            // Linux's force_sigsegv: a frame that cannot be written ends the app.
            let segv = SigInfo::fault(SIGSEGV, SI_KERNEL, 0);
            crash_with(cx, regs, &segv);
        }
        {
            let mut ts = cx.t.signals.lock();
            let mut m = ts.mask | act.sa_mask;
            if act.sa_flags & SA_NODEFER == 0 {
                m |= sigmask(sig);
            }
            ts.mask = m & !UNBLOCKABLE;
        }
        changed = true;
    }
    if let Some(sc) = syscall {
        // No handler ran: the interrupted call carries on as if nothing happened.
        if is_restart(sc.ret) {
            restart(regs, sc.nr);
            changed = true;
        }
    }
    {
        // rt_sigsuspend's temporary mask ends here when no handler took it over.
        let mut ts = cx.t.signals.lock();
        if let Some(m) = ts.saved_mask.take() {
            ts.mask = m;
        }
    }
    recalc(cx.p, cx.t);
    changed
}

/// A synchronous fault in app code (#PF the memory manager refused, #GP, #UD, #DE, int3):
/// runs the thread's handler when it has one and does not block the signal; otherwise the
/// app ends with the crash report (Linux's force_sig: a blocked or ignored fault signal
/// kills). Returns only when a handler frame was built into `regs`.
pub fn force_fault(cx: &Ctx, regs: &mut Sigcontext, info: SigInfo) {
    let sig = info.si_signo;
    let catchable = {
        let ps = cx.p.signals.lock();
        let ts = cx.t.signals.lock();
        ps.actions[sig as usize - 1].sa_handler > SIG_IGN && ts.mask & sigmask(sig) == 0
    };
    if !catchable {
        crash_with(cx, regs, &info);
    }
    cx.t.signals.lock().pending.push(info);
    deliver(cx, regs, None);
}

/// Ends the app with the crash report for `info` and registers `regs`.
fn crash_with(cx: &Ctx, regs: &Sigcontext, info: &SigInfo) -> ! {
    let r = regs;
    let report = CrashReport {
        signal: info.si_signo as u32,
        code: info.si_code,
        fault_addr: info.si_addr,
        regs: [
            r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11,
            r.r12, r.r13, r.r14, r.r15, r.rip, r.eflags,
        ],
        ..Default::default()
    };
    cx.m.crash(&report)
}

/// Runs a waiting call with the signal mask `mask` (ppoll, pselect6: the atomic "unblock and
/// wait" of POSIX). When a signal interrupts it (ERESTARTNOHAND) the caller's mask stays
/// saved until the handler's frame has recorded it, as with rt_sigsuspend; otherwise it is
/// put back at once.
pub fn with_mask(
    cx: &Ctx,
    mask: Option<u64>,
    f: impl FnOnce() -> crate::syscall::SysResult,
) -> crate::syscall::SysResult {
    let Some(m) = mask else { return f() };
    {
        let mut ts = cx.t.signals.lock();
        let old = ts.mask;
        ts.saved_mask.get_or_insert(old);
        ts.mask = m & !UNBLOCKABLE;
    }
    recalc(cx.p, cx.t);
    let r = f();
    if r != Err(Errno::ERESTARTNOHAND) {
        let mut ts = cx.t.signals.lock();
        if let Some(old) = ts.saved_mask.take() {
            ts.mask = old;
        }
        drop(ts);
        recalc(cx.p, cx.t);
    }
    r
}

/// Waits until a signal interrupts the calling thread (pause, rt_sigsuspend), or until
/// `deadline_ns` (monotonic) passes. Returns whether a signal came.
pub fn wait_interrupted(cx: &Ctx, deadline_ns: Option<u64>) -> bool {
    loop {
        if cx.t.interrupted() {
            return true;
        }
        if deadline_ns.is_some_and(|d| cx.m.monotonic_ns() >= d) {
            return false;
        }
        cx.m.park(deadline_ns);
    }
}

#[cfg(test)]
mod tests;
