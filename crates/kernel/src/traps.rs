//! What the kernel does with system calls and traps the hal hands it.
//!
//! Page faults in app memory go to the memory manager (demand paging); if it cannot resolve
//! one, a fault from the app becomes a signal (its handler, or the crash report: see
//! `crate::signals`) and a fault from a kernel user-copy becomes EFAULT in the hal. CPU
//! exceptions in the app map to the signals Linux sends for them.

use osprey_abi::signal::*;
use osprey_abi::SigInfo;
use osprey_hal::mm::USER_END;
use osprey_hal::trap::{Trap, TrapFrame};
use osprey_linux::Linux;
use osprey_mm::Access;
use osprey_proto::frame::CrashReport;

use crate::machine::MACHINE;

pub static LINUX: spin::Once<Linux> = spin::Once::new();

/// A system call; true when the frame must be restored in full (signals changed it).
#[inline(always)]
pub fn syscall(f: &mut TrapFrame) -> bool {
    let Some(linux) = LINUX.get() else {
        f.rax = osprey_abi::Errno::ENOSYS.as_ret() as u64;
        return false;
    };
    let args = [f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9];
    let nr = f.rax as usize;
    if nr == osprey_abi::sysno::SYS_RT_SIGRETURN {
        return crate::signals::rt_sigreturn(linux, f);
    }
    // One look-up of the running thread for the whole call (it stays valid across a switch
    // in at_syscall_exit); the signal check after the scheduler's, which may have switched.
    crate::sched::with_linux_thread(|t| match t {
        Some(t) => {
            let ret = linux.syscall(t, nr, &args);
            f.rax = ret as u64;
            crate::sched::at_syscall_exit();
            crate::signals::at_syscall_exit(linux, t, f, nr, ret)
        }
        None => {
            f.rax = osprey_abi::Errno::ENOSYS.as_ret() as u64;
            crate::sched::at_syscall_exit();
            false
        }
    })
}

pub fn crash(f: &TrapFrame, signal: i32, code: i32, addr: u64) -> ! {
    let mut report = CrashReport {
        signal: signal as u32,
        code,
        fault_addr: addr,
        regs: f.regs_for_report(),
        ..Default::default()
    };
    if let Some((path, bias)) = LINUX.get().and_then(|l| l.module_at(f.rip)) {
        report.module_path = path;
        report.module_bias = bias;
    }
    osprey_linux::Machine::crash(&MACHINE, &report)
}

pub fn trap(f: &mut TrapFrame, t: Trap) -> bool {
    match t {
        Trap::PageFault {
            addr, write, exec, ..
        } => {
            let Some(linux) = LINUX.get() else {
                return false;
            };
            // Resolving the fault may wait for a lock another CPU holds while it shoots down
            // TLBs, which needs this CPU to take the IPI: let interrupts in if the faulting
            // code had them (the trap runs on the thread's kernel stack, so they can nest).
            if f.rflags & 0x200 != 0 {
                osprey_hal::cpu::enable_interrupts();
            }
            if addr < USER_END {
                let access = if exec {
                    Access::Exec
                } else if write {
                    Access::Write
                } else {
                    Access::Read
                };
                match linux.page_fault(addr, access) {
                    Ok(()) => return true,
                    Err(fault) => {
                        if fault == osprey_mm::Fault::OutOfMemory {
                            // What Linux's OOM killer would do, said plainly.
                            osprey_hal::dev::serial::write_frame(
                                osprey_proto::frame::Tag::Stderr as u8,
                                b"osprey: out of memory: the VM's RAM is used up; give it more with --mem\n",
                            );
                        }
                        if f.from_app() {
                            let info = SigInfo::fault(fault.signo(), fault.si_code(), addr);
                            crate::signals::fault(linux, f, info, addr);
                            return true;
                        }
                        return false;
                    }
                }
            }
            if f.from_app() {
                let info = SigInfo::fault(SIGSEGV, SEGV_MAPERR, addr);
                crate::signals::fault(linux, f, info, addr);
                return true;
            }
            false
        }
        Trap::Exception { vector } => {
            if !f.from_app() {
                return false;
            }
            let (sig, code, addr) = match vector {
                0 => (SIGFPE, FPE_INTDIV, f.rip),
                1 | 3 => (SIGTRAP, if vector == 3 { SI_KERNEL } else { TRAP_TRACE }, 0),
                4 => (SIGSEGV, SI_KERNEL, 0), // into: overflow
                5 => (SIGSEGV, SI_KERNEL, 0), // bound
                6 => (SIGILL, ILL_ILLOPN, f.rip),
                7 | 16 => (SIGFPE, FPE_FLTINV, f.rip),
                13 => (SIGSEGV, SI_KERNEL, 0),
                12 => (SIGBUS, SI_KERNEL, 0),
                17 => (SIGBUS, BUS_ADRALN, 0),
                19 => (SIGFPE, FPE_FLTINV, f.rip),
                _ => (SIGSEGV, SI_KERNEL, 0),
            };
            match LINUX.get() {
                Some(linux) => {
                    let info = SigInfo::fault(sig, code, addr);
                    crate::signals::fault(linux, f, info, 0);
                    true
                }
                None => crash(f, sig, code, addr),
            }
        }
        Trap::Interrupt { vector } => {
            // The network card's interrupt is handled like the timer's: the poll it asks
            // for runs at the scheduler's next safe point (at once from app code).
            let net = crate::net::is_irq(vector);
            if net {
                crate::net::on_interrupt();
            }
            // So is the console's (host input, forwarded signals).
            let console = crate::stdin::is_irq(vector);
            if console {
                crate::stdin::on_interrupt();
            }
            if vector == osprey_hal::dev::lapic::TIMER_VECTOR {
                crate::profile::on_timer(f.rip);
            }
            if net
                || console
                || vector == osprey_hal::dev::lapic::TIMER_VECTOR
                || vector == osprey_hal::cpu::smp::RESCHEDULE_VECTOR
            {
                crate::sched::on_timer(f.from_app() || crate::vdso::preemptible(f.rip, f.rsp));
            }
            if f.from_app() {
                if let Some(linux) = LINUX.get() {
                    crate::signals::at_interrupt_exit(linux, f);
                }
            }
            true
        }
    }
}
