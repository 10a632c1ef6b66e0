//! Signal glue: where the kernel hands the app's registers to the Linux layer's signal code
//! (`osprey_linux::signal`) and takes them back.
//!
//! * Leaving a system call: if the thread has a signal to act on (`signal_hint`) or the call
//!   asked for a restart, signals are delivered into the syscall frame, which then returns
//!   with iret (every register restored, rcx and r11 included).
//! * rt_sigreturn: the frame becomes the saved context, returned with iret.
//! * Returning from an interrupt to app code (the timer's preemption included): pending
//!   signals are delivered into the interrupt frame.
//! * A CPU exception in app code becomes its signal, delivered on the faulting thread.

use osprey_abi::{SigInfo, Sigcontext};
use osprey_hal::trap::TrapFrame;
use osprey_linux::signal::{frame::USER_EFLAGS, is_restart};
use osprey_linux::Linux;

const FLAG_TF: u64 = 0x100;
const FLAG_RF: u64 = 0x1_0000;

fn regs_of(f: &TrapFrame) -> Sigcontext {
    Sigcontext {
        r8: f.r8,
        r9: f.r9,
        r10: f.r10,
        r11: f.r11,
        r12: f.r12,
        r13: f.r13,
        r14: f.r14,
        r15: f.r15,
        rdi: f.rdi,
        rsi: f.rsi,
        rbp: f.rbp,
        rbx: f.rbx,
        rdx: f.rdx,
        rax: f.rax,
        rcx: f.rcx,
        rsp: f.rsp,
        rip: f.rip,
        eflags: f.rflags,
        ..Default::default()
    }
}

/// Writes the registers back. Of RFLAGS only the arithmetic flags, DF and AC come from
/// `r`: IF stays on and TF/RF off (the app runs in ring 0).
fn apply(f: &mut TrapFrame, r: &Sigcontext) {
    f.r8 = r.r8;
    f.r9 = r.r9;
    f.r10 = r.r10;
    f.r11 = r.r11;
    f.r12 = r.r12;
    f.r13 = r.r13;
    f.r14 = r.r14;
    f.r15 = r.r15;
    f.rdi = r.rdi;
    f.rsi = r.rsi;
    f.rbp = r.rbp;
    f.rbx = r.rbx;
    f.rdx = r.rdx;
    f.rax = r.rax;
    f.rcx = r.rcx;
    f.rsp = r.rsp;
    f.rip = r.rip;
    f.rflags =
        ((f.rflags & !USER_EFLAGS) | (r.eflags & USER_EFLAGS) | 0x202) & !(FLAG_TF | FLAG_RF);
}

/// The end of system call `nr` of thread `t` (its result `ret` already in `f.rax`). True:
/// restore all registers.
#[inline(always)]
pub fn at_syscall_exit(
    linux: &Linux,
    t: &osprey_linux::thread::Thread,
    f: &mut TrapFrame,
    nr: usize,
    ret: isize,
) -> bool {
    if !t.interrupted() && !is_restart(ret) {
        return false;
    }
    deliver_at_syscall_exit(linux, t, f, nr, ret)
}

#[inline(never)]
fn deliver_at_syscall_exit(
    linux: &Linux,
    t: &osprey_linux::thread::Thread,
    f: &mut TrapFrame,
    nr: usize,
    ret: isize,
) -> bool {
    let mut r = regs_of(f);
    if linux.signals_at_syscall_exit(t, &mut r, nr, ret) {
        apply(f, &r);
        true
    } else {
        false
    }
}

/// rt_sigreturn (never returns to the caller's next instruction: always a full restore).
/// Out of line: inlined into the system-call handler it made every call's stack frame ~1 KiB
/// and pushed the common path across a page (under TCG, a block lookup per call).
#[cold]
#[inline(never)]
pub fn rt_sigreturn(linux: &Linux, f: &mut TrapFrame) -> bool {
    crate::sched::with_linux_thread(|t| {
        let Some(t) = t else { return };
        let mut r = regs_of(f);
        linux.rt_sigreturn(t, &mut r);
        apply(f, &r);
    });
    crate::sched::at_syscall_exit();
    // The restored mask may unblock a pending signal.
    at_interrupt_exit(linux, f);
    true
}

/// Returning to app code from an interrupt: delivers what the thread has pending.
pub fn at_interrupt_exit(linux: &Linux, f: &mut TrapFrame) {
    crate::sched::with_linux_thread(|t| {
        let Some(t) = t else { return };
        if !t.interrupted() {
            return;
        }
        let mut r = regs_of(f);
        if linux.signals_at_interrupt_exit(t, &mut r) {
            apply(f, &r);
        }
    });
}

/// A CPU exception in app code: its signal goes to the thread's handler (the frame is
/// changed to run it) or ends the app with the crash report.
pub fn fault(linux: &Linux, f: &mut TrapFrame, info: SigInfo, cr2: u64) {
    crate::sched::with_linux_thread(|t| {
        let mut r = regs_of(f);
        r.trapno = f.vector;
        // Linux's error code for a fault in user mode carries the U bit (4).
        r.err = if f.vector == 14 {
            f.error_code | 4
        } else {
            f.error_code
        };
        r.cr2 = cr2;
        match t {
            Some(t) => {
                linux.fault_signal(t, &mut r, info);
                apply(f, &r);
            }
            None => crate::traps::crash(f, info.si_signo, info.si_code, info.si_addr),
        }
    });
}

/// The process's ITIMER_REAL expired (from the scheduler's timer expiry, outside any lock).
pub fn itimer_fired() {
    if let Some(linux) = crate::traps::LINUX.get() {
        linux.itimer_fired();
    }
}
