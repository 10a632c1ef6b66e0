//! What the kernel does with system calls and traps the hal hands it.
//!
//! Page faults in app memory go to the memory manager (demand paging); if it cannot resolve
//! one, a fault from the app is a fatal signal (delivery to handlers is issue 4) and a fault
//! from a kernel user-copy becomes EFAULT in the hal. CPU exceptions in the app map to the
//! signals Linux sends for them.

use osprey_abi::signal::*;
use osprey_hal::mm::USER_END;
use osprey_hal::trap::{Trap, TrapFrame};
use osprey_linux::Linux;
use osprey_mm::Access;
use osprey_proto::frame::CrashReport;

use crate::machine::MACHINE;

pub static LINUX: spin::Once<Linux> = spin::Once::new();

#[inline(always)]
pub fn syscall(f: &mut TrapFrame) {
    let Some(linux) = LINUX.get() else {
        f.rax = osprey_abi::Errno::ENOSYS.as_ret() as u64;
        return;
    };
    let args = [f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9];
    let nr = f.rax as usize;
    f.rax = crate::sched::with_linux_thread(|t| match t {
        Some(t) => linux.syscall(t, nr, &args),
        None => osprey_abi::Errno::ENOSYS.as_ret(),
    }) as u64;
    crate::sched::at_syscall_exit();
}

fn crash(f: &TrapFrame, signal: i32, code: i32, addr: u64) -> ! {
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
                            crash(f, fault.signo(), fault.si_code(), addr);
                        }
                        return false;
                    }
                }
            }
            if f.from_app() {
                crash(f, SIGSEGV, SEGV_MAPERR, addr);
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
            crash(f, sig, code, addr)
        }
        Trap::Interrupt { vector } => {
            if vector == osprey_hal::dev::lapic::TIMER_VECTOR {
                crate::sched::on_timer(f.from_app());
            }
            true
        }
    }
}
