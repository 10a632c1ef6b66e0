//! Threads at the hardware level: a kernel stack, a saved stack pointer, the app's FS base,
//! vector state and syscall frame, and the switch between two of them.
//!
//! The scheduler (in the kernel crate) decides who runs; this module only makes a switch safe.
//! Each CPU holds a strong reference to the thread it runs (`current`, in the per-CPU block).
//! [`switch_to`] moves that reference to the incoming thread and, once the switch is complete,
//! hands the outgoing one to the kernel's switch hook on the incoming side: only then is its
//! stack pointer saved, so only then may it be put on a run queue (where another CPU could
//! pick it) or dropped (freeing its stack, which is no longer in use).

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::any::{Any, TypeId};
use core::arch::global_asm;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use x86_64::instructions::interrupts;

use crate::cpu::{gdt, percpu};
use crate::trap::{KernelStack, TrapFrame};

pub mod fpu;

use fpu::FpuArea;

global_asm!(include_str!("switch.S"), options(att_syntax));

extern "C" {
    fn osprey_context_switch(save_rsp: *mut u64, next_rsp: u64);
    fn osprey_thread_trampoline();
}

/// A thread of execution: the app's threads, and each CPU's boot flow (its idle thread).
pub struct Thread {
    /// The stack pointer while the thread is not running.
    saved_rsp: UnsafeCell<u64>,
    /// Owned kernel stack; None for a CPU's boot flow, which runs on the boot stack.
    _stack: Option<KernelStack>,
    /// [bottom, top) of the kernel stack, for the per-CPU entry fields.
    bounds: (u64, u64),
    /// The app's FS base while not running.
    fs_base: UnsafeCell<u64>,
    /// The per-CPU "system call in progress" frame while not running.
    syscall_frame: UnsafeCell<u64>,
    /// The app's vector state; None for kernel-only threads. Authoritative unless
    /// `fpu.active` (then the registers hold a newer one).
    fpu: Option<UnsafeCell<FpuArea>>,
    /// Lazy vector-state bookkeeping, touched only by the CPU running the thread.
    fpu_lazy: UnsafeCell<FpuLazy>,
    /// What the scheduler keeps about the thread.
    payload: Box<dyn Any + Send + Sync>,
    /// The type of `payload`, recorded once: `payload_as` compares it with no call through
    /// the vtable (the scheduler looks at its payload several times per switch, and under
    /// TCG every indirect call costs a translation-block lookup).
    payload_type: TypeId,
}

// SAFETY: the UnsafeCell fields are written only by the CPU that switches the thread out and
// read by the CPU that switches it in, and the scheduler orders those two (the hook that
// publishes an outgoing thread runs after its state is saved; taking it from a run queue
// synchronises with that through the queue's lock).
unsafe impl Sync for Thread {}
// SAFETY: as above; the kernel stack and vector area are plain owned memory.
unsafe impl Send for Thread {}

/// Versions of saved vector states: unique across threads and saves, never 0.
static NEXT_FPU_VERSION: AtomicU64 = AtomicU64::new(1);

/// Lazy vector-state switching. A switch to an app thread sets CR0.TS instead of restoring its
/// state; the first vector instruction traps (#NM) and only then is the state restored
/// (skipped when the registers still hold it: `version` matches the CPU's `fpu_loaded`). A
/// thread that did not trap since it was switched in has not changed its state, so switching
/// it out saves nothing. A thread that trapped on each of its last few runs is switched in
/// eagerly (restored, TS clear), as Linux once did: a trap per switch costs more than it saves
/// for threads that always use the vector unit. Every `PROBE_EVERY`th eager run is lazy again,
/// to notice a thread that stopped using the unit (a main thread that set up with glibc's
/// vector string functions, then only makes system calls): otherwise it stays eager for good,
/// its state is saved at every switch, and CR0.TS flips at every switch between it and a lazy
/// thread. Under TCG that flip is costly beyond the CR0 writes: TS is part of the flags each
/// translated block is looked up by, so the kernel code both threads run misses QEMU's jump
/// cache on every switch (a pipe ping-pong went from 8 to 17 us per round trip after the main
/// thread had created and joined 64 threads).
#[derive(Default)]
struct FpuLazy {
    /// The registers hold the thread's live state (it used them since it was switched in).
    active: bool,
    /// Version of the state in the area; the CPU whose `fpu_loaded` equals it holds a copy.
    version: u64,
    /// Consecutive runs that used the vector unit.
    streak: u8,
    /// Eager runs since the last lazy probe.
    eager_runs: u8,
}

/// Runs in a row that used the vector unit before a thread is switched in eagerly.
const EAGER_AFTER: u8 = 3;

/// An eager thread is switched in lazily once in this many runs, to see if it still uses the
/// vector unit (a probe that traps costs one #NM).
const PROBE_EVERY: u8 = 32;

fn new_fpu_version() -> u64 {
    NEXT_FPU_VERSION.fetch_add(1, Ordering::Relaxed)
}

impl Thread {
    /// Makes the flow of control calling this (a CPU's boot flow) a thread and the CPU's
    /// current one. Call once per CPU, before any `switch_to` on it.
    pub fn adopt_boot_flow(payload: Box<dyn Any + Send + Sync>) -> Arc<Thread> {
        let t = Arc::new(Thread {
            saved_rsp: UnsafeCell::new(0),
            _stack: None,
            bounds: percpu::kernel_stack(),
            fs_base: UnsafeCell::new(0),
            syscall_frame: UnsafeCell::new(0),
            fpu: None,
            fpu_lazy: UnsafeCell::new(FpuLazy::default()),
            payload_type: (*payload).type_id(),
            payload,
        });
        let old = percpu::replace_current(Arc::into_raw(t.clone()) as u64);
        assert!(old == 0, "adopt_boot_flow called twice on one CPU");
        t
    }

    /// A new app thread that starts with the registers of `frame` (a copy of a system call's
    /// frame with rax = 0 and a new rsp, for `clone`; or the program's entry state), the given
    /// FS base, and a copy of the calling thread's vector state (as `clone` gives the child).
    /// None when memory is short.
    pub fn new_app(
        frame: &TrapFrame,
        fs_base: u64,
        stack_size: usize,
        payload: Box<dyn Any + Send + Sync>,
    ) -> Option<Arc<Thread>> {
        let stack = KernelStack::try_new(stack_size)?;
        let (bottom, top) = stack.bounds();
        let mut f = *frame;
        f.cs = gdt::KERNEL_CS as u64;
        f.ss = gdt::KERNEL_DS as u64;
        // The frame at the top of the stack; below it what `osprey_context_switch` pops: six
        // callee-saved registers (r12 = the frame) and the return address, the trampoline.
        let frame_at = top - core::mem::size_of::<TrapFrame>() as u64;
        debug_assert!(frame_at % 16 == 0);
        let ret_at = frame_at - 8;
        let rsp = ret_at - 6 * 8;
        let regs: [u64; 7] = [
            0,        // r15
            0,        // r14
            0,        // r13
            frame_at, // r12
            0,        // rbx
            0,        // rbp
            osprey_thread_trampoline as *const () as u64,
        ];
        // SAFETY: the stack is ours alone (just allocated, not yet running), and both writes
        // lie inside it: [rsp, top) with rsp = top - frame - 56 > bottom for any real stack
        // size (KernelStack::try_new refuses tiny ones). Alignment: frame_at is 16-aligned.
        unsafe {
            (frame_at as *mut TrapFrame).write(f);
            (rsp as *mut [u64; 7]).write(regs);
        }
        let fpu = copy_current_fpu()?;
        Some(Arc::new(Thread {
            saved_rsp: UnsafeCell::new(rsp),
            _stack: Some(stack),
            bounds: (bottom, top),
            fs_base: UnsafeCell::new(fs_base),
            syscall_frame: UnsafeCell::new(0),
            fpu: Some(UnsafeCell::new(fpu)),
            fpu_lazy: UnsafeCell::new(FpuLazy {
                active: false,
                version: new_fpu_version(),
                streak: 0,
                eager_runs: 0,
            }),
            payload_type: (*payload).type_id(),
            payload,
        }))
    }

    /// What the scheduler attached to this thread.
    pub fn payload(&self) -> &(dyn Any + Send + Sync) {
        &*self.payload
    }

    /// The payload as a `T`, if it is one (as `payload().downcast_ref()`, without the
    /// virtual call).
    #[inline]
    pub fn payload_as<T: Any>(&self) -> Option<&T> {
        if self.payload_type != TypeId::of::<T>() {
            return None;
        }
        let p = &*self.payload as *const (dyn Any + Send + Sync) as *const T;
        // SAFETY: `payload_type` is the type id of the boxed value, recorded when the thread
        // was made (the box is never replaced), so the box's data pointer points at a live,
        // initialised T, borrowed for as long as `self`.
        Some(unsafe { &*p })
    }

    /// Whether this thread runs app code (it has vector state and an FS base).
    pub fn is_app(&self) -> bool {
        self.fpu.is_some()
    }
}

/// Runs `f` with the thread this CPU is running. The reference cannot escape `f`; it stays
/// valid across switches inside `f`, because the thread is the one running `f`: while it is
/// switched out someone holds it (a run queue, a wait list), and if nobody did it could never
/// run again, so `f` would never continue.
#[inline]
pub fn with_current<R>(f: impl FnOnce(&Thread) -> R) -> R {
    let p = percpu::current() as *const Thread;
    assert!(!p.is_null(), "no current thread on this CPU");
    // SAFETY: the per-CPU block holds a strong reference to the running thread (Arc::into_raw
    // in adopt_boot_flow / switch_to), so it is alive; see above for why it stays alive
    // while `f` runs.
    f(unsafe { &*p })
}

/// A copy of the running thread's vector state (Linux gives a clone child its parent's).
fn copy_current_fpu() -> Option<FpuArea> {
    with_current(|t| {
        // SAFETY: the running thread's cells are touched only by this CPU, which is here.
        let (area, lazy) = unsafe { (t.fpu.as_ref().map(|a| &*a.get()), &*t.fpu_lazy.get()) };
        match area {
            Some(a) if !lazy.active => a.duplicate(),
            // Live in the registers (or a kernel thread: the registers' initial state).
            _ => FpuArea::from_registers(),
        }
    })
}

/// #NM (device not available): the running thread used a vector instruction with CR0.TS set.
/// Loads its state unless the registers still hold it. Returns false if the CPU had TS clear
/// (not a lazy-switch trap).
pub(crate) fn on_device_not_available() -> bool {
    fpu::clear_ts();
    percpu::set_ts_flag(false);
    with_current(|t| {
        if let Some(area) = &t.fpu {
            // SAFETY: the running thread's cells are touched only by this CPU, with interrupts
            // off (we are in a trap handler).
            unsafe {
                let lazy = &mut *t.fpu_lazy.get();
                if percpu::fpu_loaded() != lazy.version {
                    (*area.get()).restore();
                    percpu::set_fpu_loaded(lazy.version);
                }
                lazy.active = true;
                lazy.streak = lazy.streak.saturating_add(1);
            }
        }
    });
    true
}

/// Whether this CPU runs a thread yet (an AP's interrupts before it joins the scheduler).
pub fn has_current() -> bool {
    percpu::current() != 0
}

/// A new strong reference to the running thread.
pub fn current() -> Arc<Thread> {
    let p = percpu::current() as *const Thread;
    assert!(!p.is_null(), "no current thread on this CPU");
    // SAFETY: `p` came from Arc::into_raw and the per-CPU block still owns that reference;
    // incrementing first makes from_raw's reference an extra one.
    unsafe {
        Arc::increment_strong_count(p);
        Arc::from_raw(p)
    }
}

/// The kernel's hook for a thread's first run: called on the new thread with the outgoing one
/// (whose state is now fully saved), as `Resume::resume` (in `switch_to`) is for a thread that
/// switched away and is switched back to.
static SWITCH_HOOK: AtomicUsize = AtomicUsize::new(0);

pub fn set_switch_hook(hook: fn(Arc<Thread>)) {
    SWITCH_HOOK.store(hook as usize, Ordering::Release);
}

/// The thread this CPU switched away from (moved out of the per-CPU slot `switch_to` left it
/// in), if any.
#[inline(always)]
fn take_previous() -> Option<Arc<Thread>> {
    let prev = percpu::replace_previous(0) as *const Thread;
    if prev.is_null() {
        return None;
    }
    // SAFETY: switch_to moved the outgoing thread's reference (from Arc::into_raw) into the
    // `previous` slot; taking it out of the slot transfers ownership here.
    Some(unsafe { Arc::from_raw(prev) })
}

/// A new thread's first switch ends here: the hook gets the outgoing thread.
fn finish_first_switch() {
    let Some(prev) = take_previous() else {
        return;
    };
    let h = SWITCH_HOOK.load(Ordering::Acquire);
    if h != 0 {
        // SAFETY: the only non-zero value stored is a `fn(Arc<Thread>)` (set_switch_hook).
        let h = unsafe { core::mem::transmute::<usize, fn(Arc<Thread>)>(h) };
        h(prev);
    }
}

/// The scheduler's step on a thread that is switched back to (see [`switch_to`]).
pub trait Resume {
    /// Called on the resuming thread, interrupts off, with the thread its CPU switched away
    /// from (whose state is now fully saved: only now may it be queued or dropped).
    fn resume(prev: Arc<Thread>);
}

/// For a thread that never resumes.
struct NoResume;

impl Resume for NoResume {
    fn resume(_prev: Arc<Thread>) {}
}

/// Stops running the current thread and runs `next` (which must not be running on any CPU:
/// the scheduler guarantees it by taking threads from its queues). Returns when some CPU
/// switches back to this thread, after `R::resume` there. Interrupts are off during the
/// switch and the resume step, and come back as they were.
///
/// The step is a type parameter, not a function pointer, and this is always inlined, so the
/// scheduler's step is a direct call it can inline: under TCG every call through a pointer,
/// and every call across a page, is a translation-block lookup, and this runs at every
/// switch. Every call site must use the same step (the thread that resumes runs the step of
/// its own `switch_to`), and `set_switch_hook` must do it too (a new thread's first run).
#[inline(always)]
pub fn switch_to<R: Resume>(next: Arc<Thread>) {
    let flags = x86_64::registers::rflags::read_raw();
    interrupts::disable();
    let prev_raw = percpu::current() as *const Thread;
    let next_raw = Arc::into_raw(next);
    if prev_raw == next_raw {
        // SAFETY: undoes the into_raw just above.
        drop(unsafe { Arc::from_raw(next_raw) });
        restore_interrupts(flags);
        return;
    }
    // SAFETY: the per-CPU block owns a reference to the running thread; `next` is alive (we
    // hold the reference made by into_raw above).
    let (prev, next) = unsafe { (&*prev_raw, &*next_raw) };
    // SAFETY (all cell accesses below): `prev` is running on this CPU and `next` is not
    // running anywhere (the caller's contract), so nobody else touches their cells now.
    unsafe {
        if let Some(area) = &prev.fpu {
            *prev.fs_base.get() = crate::cpu::fs_base();
            let lazy = &mut *prev.fpu_lazy.get();
            if lazy.active {
                // It used the registers (so TS is clear): its state changed; save it. The
                // registers keep a copy of this version.
                (*area.get()).save();
                lazy.version = new_fpu_version();
                percpu::set_fpu_loaded(lazy.version);
                lazy.active = false;
            } else {
                lazy.streak = 0;
            }
        }
        *prev.syscall_frame.get() = percpu::syscall_frame_addr();
        percpu::set_kernel_stack(next.bounds.0, next.bounds.1);
        percpu::set_syscall_frame_addr(*next.syscall_frame.get());
        if let Some(area) = &next.fpu {
            let lazy = &mut *next.fpu_lazy.get();
            let eager = lazy.streak >= EAGER_AFTER && {
                lazy.eager_runs += 1;
                if lazy.eager_runs >= PROBE_EVERY {
                    lazy.eager_runs = 0;
                }
                lazy.eager_runs != 0
            };
            if eager {
                if percpu::ts_set() {
                    fpu::clear_ts();
                    percpu::set_ts_flag(false);
                }
                if percpu::fpu_loaded() != lazy.version {
                    (*area.get()).restore();
                    percpu::set_fpu_loaded(lazy.version);
                }
                lazy.active = true;
            } else if !percpu::ts_set() {
                fpu::set_ts();
                percpu::set_ts_flag(true);
            }
            crate::cpu::set_fs_base(*next.fs_base.get());
        }
        percpu::replace_current(next_raw as u64);
        percpu::replace_previous(prev_raw as u64);
        osprey_context_switch(prev.saved_rsp.get(), *next.saved_rsp.get());
    }
    // Back on `prev`, switched to by someone.
    if let Some(from) = take_previous() {
        R::resume(from);
    }
    restore_interrupts(flags);
}

/// Turns interrupts back on if they were on in `flags` (RFLAGS read before a `cli`).
///
/// With `popfq` rather than `sti`: under TCG, `sti` ends its translation block and so does
/// the one instruction in its interrupt shadow (two exits to QEMU's main loop); `popfq` ends
/// one. The other flags come back as they were at the `cli`, on this same thread.
#[inline(always)]
fn restore_interrupts(flags: u64) {
    const IF: u64 = 1 << 9;
    if flags & IF != 0 {
        // SAFETY: pushes one word and pops it into RFLAGS: the stack is balanced, and the
        // value is this thread's own RFLAGS from before the `cli` (IF set, as it was).
        unsafe {
            core::arch::asm!("push {}", "popfq", in(reg) flags, options(nomem, preserves_flags));
        }
    }
}

/// Ends the current thread for good: switches to `next` and never comes back. The switch hook
/// receives the ended thread and should drop it (which frees its kernel stack). The caller must
/// have dropped everything it owns on this stack first: nothing here unwinds.
pub fn exit_to(next: Arc<Thread>) -> ! {
    switch_to::<NoResume>(next);
    panic!("an exited thread was switched back to");
}

/// First Rust code of a new thread (from the trampoline), interrupts off.
#[no_mangle]
extern "C" fn osprey_hal_thread_first_run() {
    finish_first_switch();
    interrupts::enable();
}
