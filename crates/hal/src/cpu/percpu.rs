//! Per-CPU data, found through GS base (the kernel owns GS; the app owns FS).
//!
//! One block per CPU: the boot CPU's is a static (it is needed before the heap exists), each
//! application processor's is allocated when it comes up (cpu/smp.rs) and never freed.
//! [`BLOCKS`] indexes them by CPU number. Each CPU's GS base points at its own block, so the
//! entry assembly finds its fields at fixed offsets (`%gs:8` is the current kernel stack top);
//! the `const` assertions below keep the struct and the assembly in agreement.

use core::arch::asm;
use core::cell::UnsafeCell;
use core::mem::offset_of;
use core::sync::atomic::{AtomicPtr, Ordering};

/// Offsets used by the entry assembly.
pub const PCPU_KSTACK_TOP: usize = 8;
pub const PCPU_KSTACK_BOTTOM: usize = 16;
pub const PCPU_SCRATCH: usize = 24;
pub const PCPU_SYSCALL_FRAME: usize = 32;
const PCPU_CPU_ID: usize = 40;

/// The most CPUs the hal brings up (xAPIC IDs are 8 bits).
pub const MAX_CPUS: usize = 256;

#[repr(C)]
pub(crate) struct PerCpu {
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
    /// This CPU's number: 0 for the boot CPU, then 1, 2, ... in the order the APs came up.
    cpu_id: u64,
    /// This CPU's local APIC ID (the destination of IPIs sent to it).
    apic_id: u64,
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
const _: () = assert!(offset_of!(PerCpu, cpu_id) == PCPU_CPU_ID);

struct Cell(UnsafeCell<PerCpu>);
// SAFETY: each CPU writes only its own block (through its own GS base); other CPUs read only
// `apic_id` and `cpu_id`, which are written before the block is published in BLOCKS.
unsafe impl Sync for Cell {}

/// A block with every field zero, filled in by `init_boot_cpu` / `init_ap`.
const EMPTY: PerCpu = PerCpu {
    self_ptr: 0,
    kstack_top: 0,
    kstack_bottom: 0,
    scratch: 0,
    syscall_frame: 0,
    cpu_id: 0,
    apic_id: 0,
    current: 0,
    previous: 0,
    fpu_loaded: 0,
    ts_set: 0,
};

static BOOT_CPU: Cell = Cell(UnsafeCell::new(EMPTY));

/// Every CPU's block by CPU number; null until that CPU is online.
static BLOCKS: [AtomicPtr<PerCpu>; MAX_CPUS] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; MAX_CPUS];

extern "C" {
    static osprey_boot_stack_bottom: u8;
    static osprey_boot_stack_top: u8;
}

fn install(p: *mut PerCpu) {
    x86_64::registers::model_specific::GsBase::write(x86_64::VirtAddr::new(p as u64));
}

pub(crate) fn init_boot_cpu() {
    let p = BOOT_CPU.0.get();
    // SAFETY: boot runs single-threaded with interrupts off; nothing else uses the block yet.
    unsafe {
        (*p).self_ptr = p as u64;
        (*p).kstack_bottom = core::ptr::addr_of!(osprey_boot_stack_bottom) as u64;
        (*p).kstack_top = core::ptr::addr_of!(osprey_boot_stack_top) as u64;
    }
    install(p);
    BLOCKS[0].store(p, Ordering::Release);
}

/// Records the boot CPU's APIC ID (known once the LAPIC is mapped).
pub(crate) fn set_boot_apic_id(apic_id: u32) {
    // SAFETY: called on the boot CPU during boot, before any AP is started; only the boot CPU
    // writes its block.
    unsafe { (*BOOT_CPU.0.get()).apic_id = apic_id as u64 };
}

/// A block for an AP that is about to be started (allocated by the boot CPU, so that the AP
/// has a valid GS base before its first allocation or possible fault).
pub(crate) fn alloc_ap_block() -> *mut PerCpu {
    let block = alloc::boxed::Box::leak(alloc::boxed::Box::new(EMPTY));
    let p: *mut PerCpu = block;
    // SAFETY: the block was just allocated and is not shared yet.
    unsafe { (*p).self_ptr = p as u64 };
    p
}

/// Makes `block` (from `alloc_ap_block`, used by no other CPU) the calling AP's: CPU number
/// `cpu`, boot stack `[bottom, top)`. Called once per AP, first thing in Rust, interrupts off.
pub(crate) fn init_ap(block: *mut PerCpu, cpu: usize, apic_id: u32, bottom: u64, top: u64) {
    // SAFETY: the boot CPU allocated the block for this AP's ticket alone and no longer
    // touches it; nothing reads it until it is published below.
    unsafe {
        (*block).kstack_top = top;
        (*block).kstack_bottom = bottom;
        (*block).cpu_id = cpu as u64;
        (*block).apic_id = apic_id as u64;
    }
    install(block);
    BLOCKS[cpu].store(block, Ordering::Release);
}

/// This CPU's block.
fn this() -> *mut PerCpu {
    let p: u64;
    // SAFETY: GS base points at this CPU's block from the first Rust instruction on every CPU
    // (init_boot_cpu / init_ap), and its first field holds its own address.
    unsafe { asm!("mov {}, gs:[0]", out(reg) p, options(nostack, readonly, preserves_flags)) };
    p as *mut PerCpu
}

/// The number of the CPU running this code: 0 for the boot CPU, `1..cpu_count()` for the
/// others. The caller may be moved to another CPU right after unless preemption is off.
pub fn cpu_id() -> usize {
    let id: u64;
    // SAFETY: as in `this`; `cpu_id` sits at PCPU_CPU_ID and never changes after the block is
    // installed.
    unsafe {
        asm!("mov {}, gs:[{off}]", out(reg) id, off = const PCPU_CPU_ID,
             options(nostack, readonly, preserves_flags))
    };
    id as usize
}

/// How many CPUs this VM runs: the boot CPU plus every AP the hal started (and has not given up
/// on). CPU numbers are `0..cpu_count()`. Does not wait: right after boot an AP may still be on
/// its way up (`smp::is_online`, `smp::wait_for_aps`).
pub fn cpu_count() -> usize {
    super::smp::cpu_count()
}

/// The local APIC ID of CPU `cpu`, None if there is no such CPU online.
pub fn apic_id(cpu: usize) -> Option<u32> {
    let p = BLOCKS.get(cpu)?.load(Ordering::Acquire);
    // SAFETY: a non-null entry points at a block that lives for good; apic_id was written
    // before the block was published (Release above, Acquire here) and never changes.
    (!p.is_null()).then(|| unsafe { (*p).apic_id } as u32)
}

/// Makes `[bottom, top)` the stack that syscalls and traps from the app run on, on this CPU.
pub fn set_kernel_stack(bottom: u64, top: u64) {
    let p = this();
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
    unsafe { (*this()).syscall_frame }
}

/// The stack that syscalls and traps from the app run on now, on this CPU: (bottom, top).
pub fn kernel_stack() -> (u64, u64) {
    // SAFETY: reads this CPU's own block.
    unsafe {
        let p = this();
        ((*p).kstack_bottom, (*p).kstack_top)
    }
}

/// Sets the frame of the system call in progress (a thread being switched in brings its own;
/// 0 when its call is over: `trap::leave_syscall`).
pub(crate) fn set_syscall_frame_addr(v: u64) {
    // SAFETY: only this CPU writes its block, and no interrupt handler writes this field
    // (switch_to runs with interrupts off; leave_syscall's single store cannot be torn).
    unsafe { (*this()).syscall_frame = v }
}

/// Replaces the running-thread slot, returning the old value (raw Arc pointers).
pub(crate) fn replace_current(v: u64) -> u64 {
    // SAFETY: only this CPU touches its block, with interrupts off (task::switch_to).
    unsafe { core::mem::replace(&mut (*this()).current, v) }
}

/// The running thread (raw Arc pointer; 0 before the first thread).
pub(crate) fn current() -> u64 {
    // SAFETY: reads this CPU's own block.
    unsafe { (*this()).current }
}

/// Replaces the previous-thread slot, returning the old value.
pub(crate) fn replace_previous(v: u64) -> u64 {
    // SAFETY: only this CPU touches its block, with interrupts off (task::switch_to and the
    // first run of a thread).
    unsafe { core::mem::replace(&mut (*this()).previous, v) }
}

pub(crate) fn fpu_loaded() -> u64 {
    // SAFETY: reads this CPU's own block.
    unsafe { (*this()).fpu_loaded }
}

pub(crate) fn set_fpu_loaded(version: u64) {
    // SAFETY: only this CPU writes its block, with interrupts off (task::switch_to and the
    // #NM handler).
    unsafe { (*this()).fpu_loaded = version }
}

pub(crate) fn ts_set() -> bool {
    // SAFETY: reads this CPU's own block.
    unsafe { (*this()).ts_set != 0 }
}

pub(crate) fn set_ts_flag(on: bool) {
    // SAFETY: only this CPU writes its block, with interrupts off.
    unsafe { (*this()).ts_set = on as u64 }
}
