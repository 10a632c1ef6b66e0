//! Per-CPU data, found through GS base (the kernel owns GS; the app owns FS).
//!
//! Entry code reads fields at fixed offsets (`%gs:8` is the current kernel stack top); the
//! `const` assertions below keep the struct and the assembly in agreement.

use core::cell::UnsafeCell;
use core::mem::offset_of;

/// Offsets used by the entry assembly.
pub const PCPU_KSTACK_TOP: usize = 8;
pub const PCPU_KSTACK_BOTTOM: usize = 16;
pub const PCPU_SCRATCH: usize = 24;
pub const PCPU_SYSCALL_FRAME: usize = 32;

#[repr(C)]
struct PerCpu {
    /// Address of this block (so `%gs:0` gives a pointer to it).
    self_ptr: u64,
    /// Top of the current thread's kernel stack: syscall entry and traps from the app land here.
    kstack_top: u64,
    /// Bottom of that stack: a trap whose interrupted RSP lies in [bottom, top] came from the
    /// kernel and continues below that RSP.
    kstack_bottom: u64,
    /// Scratch slot for the app's RSP during syscall entry.
    scratch: u64,
    /// The frame of the system call in progress (written by the entry code).
    syscall_frame: u64,
    cpu_id: u64,
    /// The running thread: a strong reference (`Arc::into_raw`) owned by this block.
    current: u64,
    /// The thread switched away from, until the incoming side hands it to the scheduler.
    previous: u64,
    /// Which saved vector state the registers hold (a `task::Thread`'s state version; 0 none).
    fpu_loaded: u64,
    /// Whether CR0.TS is set (vector instructions trap), so it is written only on change.
    ts_set: u64,
}

const _: () = assert!(offset_of!(PerCpu, kstack_top) == PCPU_KSTACK_TOP);
const _: () = assert!(offset_of!(PerCpu, kstack_bottom) == PCPU_KSTACK_BOTTOM);
const _: () = assert!(offset_of!(PerCpu, scratch) == PCPU_SCRATCH);
const _: () = assert!(offset_of!(PerCpu, syscall_frame) == PCPU_SYSCALL_FRAME);

struct Cell(UnsafeCell<PerCpu>);
// SAFETY: each CPU touches only its own block (through its own GS base).
unsafe impl Sync for Cell {}

static BOOT_CPU: Cell = Cell(UnsafeCell::new(PerCpu {
    self_ptr: 0,
    kstack_top: 0,
    kstack_bottom: 0,
    scratch: 0,
    syscall_frame: 0,
    cpu_id: 0,
    current: 0,
    previous: 0,
    fpu_loaded: 0,
    ts_set: 0,
}));

extern "C" {
    static osprey_boot_stack_bottom: u8;
    static osprey_boot_stack_top: u8;
}

pub(crate) fn init_boot_cpu() {
    let p = BOOT_CPU.0.get();
    // SAFETY: boot runs single-threaded with interrupts off; nothing else uses the block yet.
    unsafe {
        (*p).self_ptr = p as u64;
        (*p).kstack_bottom = core::ptr::addr_of!(osprey_boot_stack_bottom) as u64;
        (*p).kstack_top = core::ptr::addr_of!(osprey_boot_stack_top) as u64;
    }
    x86_64::registers::model_specific::GsBase::write(x86_64::VirtAddr::new(p as u64));
}

/// Makes `[bottom, top)` the stack that syscalls and traps from the app run on.
pub fn set_kernel_stack(bottom: u64, top: u64) {
    let p = BOOT_CPU.0.get();
    // SAFETY: only this CPU uses its block; entry code reads these fields with interrupts off,
    // and callers switch stacks with interrupts off.
    unsafe {
        (*p).kstack_bottom = bottom;
        (*p).kstack_top = top;
    }
}

/// The address of the frame of the system call this CPU is running (0 outside one).
pub(crate) fn syscall_frame_addr() -> u64 {
    // SAFETY: reads this CPU's own block; the field is written only by this CPU's entry code.
    unsafe { (*BOOT_CPU.0.get()).syscall_frame }
}

/// The stack that syscalls and traps from the app run on now: (bottom, top).
pub fn kernel_stack() -> (u64, u64) {
    // SAFETY: reads this CPU's own block.
    unsafe {
        let p = BOOT_CPU.0.get();
        ((*p).kstack_bottom, (*p).kstack_top)
    }
}

/// Sets the frame of the system call in progress (a thread being switched in brings its own).
pub(crate) fn set_syscall_frame_addr(v: u64) {
    // SAFETY: only this CPU writes its block; callers run with interrupts off (switch_to).
    unsafe { (*BOOT_CPU.0.get()).syscall_frame = v }
}

/// Replaces the running-thread slot, returning the old value (raw Arc pointers).
pub(crate) fn replace_current(v: u64) -> u64 {
    // SAFETY: only this CPU touches its block, with interrupts off (task::switch_to).
    unsafe { core::mem::replace(&mut (*BOOT_CPU.0.get()).current, v) }
}

/// The running thread (raw Arc pointer; 0 before the first thread).
pub(crate) fn current() -> u64 {
    // SAFETY: reads this CPU's own block.
    unsafe { (*BOOT_CPU.0.get()).current }
}

/// Replaces the previous-thread slot, returning the old value.
pub(crate) fn replace_previous(v: u64) -> u64 {
    // SAFETY: only this CPU touches its block, with interrupts off (task::switch_to and the
    // first run of a thread).
    unsafe { core::mem::replace(&mut (*BOOT_CPU.0.get()).previous, v) }
}

pub(crate) fn fpu_loaded() -> u64 {
    // SAFETY: reads this CPU's own block.
    unsafe { (*BOOT_CPU.0.get()).fpu_loaded }
}

pub(crate) fn set_fpu_loaded(version: u64) {
    // SAFETY: only this CPU writes its block, with interrupts off (task::switch_to and the
    // #NM handler).
    unsafe { (*BOOT_CPU.0.get()).fpu_loaded = version }
}

pub(crate) fn ts_set() -> bool {
    // SAFETY: reads this CPU's own block.
    unsafe { (*BOOT_CPU.0.get()).ts_set != 0 }
}

pub(crate) fn set_ts_flag(on: bool) {
    // SAFETY: only this CPU writes its block, with interrupts off.
    unsafe { (*BOOT_CPU.0.get()).ts_set = on as u64 }
}
