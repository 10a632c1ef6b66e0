//! Exceptions, interrupts and system calls: the IDT, the entry paths (entry.S), and the
//! hand-off to the kernel's handlers.
//!
//! The kernel registers two functions with [`set_handlers`]: one for system calls and one for
//! everything else. Both receive the [`TrapFrame`] of the interrupted context, which they may
//! change (a syscall's result goes in `rax`); it is restored on return.

use core::arch::global_asm;
use core::sync::atomic::{AtomicUsize, Ordering};

use x86_64::registers::control::Cr2;
use x86_64::registers::model_specific::Msr;

use crate::cpu::{gdt, smp};
use crate::mm::{usercopy, USER_END};

mod idt;

global_asm!(include_str!("entry.S"), options(att_syntax));

/// Registers of an interrupted context (app or kernel), in the order entry.S pushes them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rax: u64,
    /// Exception or interrupt vector; [`SYSCALL_VECTOR`] for a system call.
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// `TrapFrame::vector` of a system call.
pub const SYSCALL_VECTOR: u64 = 0x100;

impl TrapFrame {
    /// Did the trap interrupt the app (rather than the kernel)?
    pub fn from_app(&self) -> bool {
        self.rip < USER_END
    }

    /// Registers in the order of `osprey_proto::frame::REG_NAMES`.
    pub fn regs_for_report(&self) -> [u64; 18] {
        [
            self.rax,
            self.rbx,
            self.rcx,
            self.rdx,
            self.rsi,
            self.rdi,
            self.rbp,
            self.rsp,
            self.r8,
            self.r9,
            self.r10,
            self.r11,
            self.r12,
            self.r13,
            self.r14,
            self.r15,
            self.rip,
            self.rflags,
        ]
    }
}

/// What trapped, decoded.
#[derive(Clone, Copy, Debug)]
pub enum Trap {
    /// #PF at `addr`.
    PageFault {
        addr: u64,
        write: bool,
        exec: bool,
        present: bool,
    },
    /// Any other CPU exception (divide error, #UD, #GP, int3, ...).
    Exception { vector: u8 },
    /// A device or timer interrupt (the LAPIC EOI is already sent).
    Interrupt { vector: u8 },
}

/// The kernel's trap handler. It returns true when it dealt with the trap (for instance mapped
/// the page); false means "not mine": a fault in a user copy then turns into EFAULT, and any
/// other fault in kernel code is a kernel bug (panic). (System calls go to the function
/// `kernel_main!` defines, directly.)
pub struct Handlers {
    pub trap: fn(&mut TrapFrame, Trap) -> bool,
}

static TRAP_HANDLER: AtomicUsize = AtomicUsize::new(0);

pub fn set_handlers(h: Handlers) {
    TRAP_HANDLER.store(h.trap as usize, Ordering::Release);
}

fn trap_handler() -> Option<fn(&mut TrapFrame, Trap) -> bool> {
    let p = TRAP_HANDLER.load(Ordering::Acquire);
    // SAFETY: the only non-zero value ever stored is a `fn(&mut TrapFrame, Trap) -> bool`.
    (p != 0).then(|| unsafe { core::mem::transmute::<usize, fn(&mut TrapFrame, Trap) -> bool>(p) })
}

const IA32_STAR: u32 = 0xC000_0081;
const IA32_LSTAR: u32 = 0xC000_0082;
const IA32_FMASK: u32 = 0xC000_0084;

/// Whether `rip` lies in the system-call entry or return stub, where the stack pointer is the
/// app's (or being switched) and the per-CPU scratch slot is live: code there must never be
/// switched away from.
pub fn in_syscall_stub(rip: u64) -> bool {
    let start = osprey_syscall_entry as *const () as u64;
    let end = core::ptr::addr_of!(osprey_syscall_entry_end) as u64;
    (start..end).contains(&rip)
}

extern "C" {
    static osprey_syscall_entry_end: u8;
    fn osprey_syscall_entry();
}

/// Loads the IDT (built once, shared by every CPU) and this CPU's SYSCALL MSRs. Every CPU runs
/// this.
pub(crate) fn init() {
    idt::init();
    // SYSCALL loads CS from STAR[47:32] and SS = CS + 8: our kernel selectors, since the app
    // runs in ring 0. FMASK clears TF, DF, AC and NT on entry but leaves IF alone: system calls
    // run with interrupts enabled, so the return needs no flags instruction (popfq and sti
    // each end a translation block under TCG and cost more than the rest of the return).
    let star = ((gdt::KERNEL_CS as u64) << 32) | ((gdt::KERNEL_CS as u64) << 48);
    let fmask: u64 = (1 << 8) | (1 << 10) | (1 << 18) | (1 << 14);
    // SAFETY: writing the architectural SYSCALL MSRs with our entry point and selectors;
    // EFER.SCE was set by pvh.S.
    unsafe {
        Msr::new(IA32_STAR).write(star);
        Msr::new(IA32_LSTAR).write(osprey_syscall_entry as *const () as u64);
        Msr::new(IA32_FMASK).write(fmask);
    }
}

#[no_mangle]
extern "C" fn osprey_hal_trap(frame: &mut TrapFrame) {
    let vector = frame.vector as u8;
    let trap = match vector {
        14 => {
            let addr = Cr2::read_raw();
            let e = frame.error_code;
            Trap::PageFault {
                addr,
                present: e & 1 != 0,
                write: e & 2 != 0,
                exec: e & 16 != 0,
            }
        }
        // #NM: a lazily switched thread touched the vector unit (task::on_device_not_available).
        7 if crate::task::on_device_not_available() => return,
        0..=31 => Trap::Exception { vector },
        crate::dev::lapic::SPURIOUS_VECTOR => return,
        smp::WAKE_VECTOR => {
            crate::dev::lapic::eoi();
            return;
        }
        smp::HALT_VECTOR => smp::halt_forever(),
        crate::cpu::tlb::TLB_VECTOR => {
            crate::cpu::tlb::serve();
            crate::dev::lapic::eoi();
            return;
        }
        _ => {
            if vector == crate::dev::lapic::TIMER_VECTOR {
                crate::dev::lapic::fired();
            }
            // A device line (level-triggered) is masked before the EOI, or it would interrupt
            // again at once; its driver unmasks it when done (dev::ioapic).
            crate::dev::ioapic::mask_if_device(vector);
            crate::dev::lapic::eoi();
            Trap::Interrupt { vector }
        }
    };
    if let Some(h) = trap_handler() {
        if h(frame, trap) {
            return;
        }
    }
    if let Trap::PageFault { .. } = trap {
        if let Some(fix) = usercopy::fixup_for(frame.rip) {
            frame.rip = fix;
            return;
        }
    }
    if let Trap::Interrupt { .. } = trap {
        return;
    }
    panic!(
        "unhandled {:?} in {} code at rip {:#x}: {:#x?}",
        trap,
        if frame.from_app() { "app" } else { "kernel" },
        frame.rip,
        frame
    );
}

#[no_mangle]
extern "C" fn osprey_hal_fatal_trap(frame: &mut TrapFrame) {
    // The NMI another CPU sends when it panics or shuts down (smp::stop_other_cpus).
    if frame.vector == 2 && smp::stopping() {
        smp::halt_forever();
    }
    let what = match frame.vector {
        2 => "non-maskable interrupt",
        8 => "double fault",
        _ => "machine check",
    };
    panic!("{what} at rip {:#x}: {:#x?}", frame.rip, frame);
}

/// Whether the running thread is inside a system call: its entry recorded the call's frame
/// and [`leave_syscall`] has not cleared it yet (the context switch keeps this per thread).
#[inline]
pub fn in_syscall() -> bool {
    crate::cpu::percpu::syscall_frame_addr() != 0
}

/// The kernel is done with the running thread's system call (what follows is its return to
/// the app): [`in_syscall`] says false from now on, and [`syscall_frame`] gives None.
#[inline]
pub fn leave_syscall() {
    // One store to this CPU's own block; only a context switch (never inside an interrupt
    // of kernel code) writes it otherwise.
    crate::cpu::percpu::set_syscall_frame_addr(0);
}

/// A copy of the app's registers at the system call in progress (for reports made from inside
/// a call, such as abort()'s SIGABRT). None outside a system call.
pub fn syscall_frame() -> Option<TrapFrame> {
    let at = crate::cpu::percpu::syscall_frame_addr();
    if at == 0 {
        return None;
    }
    // SAFETY: the entry code stored the address of the frame it built on this CPU's kernel
    // stack; callers run inside that system call (the frame is live below them on the same
    // stack), and TrapFrame is plain data.
    Some(unsafe { (at as *const TrapFrame).read() })
}

/// A kernel stack for a thread of the app.
pub struct KernelStack {
    mem: alloc::boxed::Box<[u8]>,
}

impl KernelStack {
    /// A stack of `size` bytes (at least 4 KiB), or None when the heap cannot give it.
    pub fn try_new(size: usize) -> Option<KernelStack> {
        let size = size.max(4096);
        let mut v = alloc::vec::Vec::new();
        v.try_reserve_exact(size).ok()?;
        v.resize(size, 0u8);
        Some(KernelStack {
            mem: v.into_boxed_slice(),
        })
    }

    pub(crate) fn bounds(&self) -> (u64, u64) {
        let b = self.mem.as_ptr() as u64;
        (b, (b + self.mem.len() as u64) & !15)
    }
}
