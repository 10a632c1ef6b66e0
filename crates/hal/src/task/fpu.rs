//! The app's vector state (x87, SSE, AVX, AVX-512 as enabled in XCR0), kept per thread.
//!
//! The kernel is built soft-float and never touches these registers. Saving and restoring them
//! is the dearest part of a thread switch (XSAVE + XRSTOR cost ~6,000 cycles under TCG, more
//! than everything else in a futex round trip), so it is done lazily (see `task`): a thread
//! that does not touch them between two switches costs nothing. XSAVE/XRSTOR when the CPU has
//! them, else FXSAVE/FXRSTOR (x87 + SSE).

use core::alloc::Layout;
use core::arch::asm;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes an area needs for the components XCR0 enables (CPUID.0xD.0:EBX), or 512 for FXSAVE.
static AREA_SIZE: AtomicUsize = AtomicUsize::new(512);

/// Reads the area size; called once on the boot CPU after XCR0 is set.
pub(crate) fn init() {
    if crate::cpu::features().xsave {
        let ebx = raw_cpuid::cpuid!(0xd, 0).ebx as usize;
        AREA_SIZE.store(ebx.max(576), Ordering::Relaxed);
    }
}

/// The size of a saved vector state (the part of a signal frame's `fpstate` it fills).
pub fn area_size() -> usize {
    AREA_SIZE.load(Ordering::Relaxed)
}

/// One thread's saved vector state: a 64-byte aligned XSAVE area.
pub struct FpuArea {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the area is plain memory owned by one thread's descriptor; the scheduler never lets
// two CPUs save into or restore from the same thread at once (a thread runs on one CPU).
unsafe impl Send for FpuArea {}
// SAFETY: as above; shared references only read it (restore).
unsafe impl Sync for FpuArea {}

impl FpuArea {
    /// An area holding the state the CPU's registers have now. (If CR0.TS is set, the save
    /// traps with #NM first and the running thread's own state is loaded: that is the state
    /// saved.)
    pub fn from_registers() -> Option<FpuArea> {
        let mut a = Self::zeroed()?;
        a.save();
        Some(a)
    }

    /// A copy of another area.
    pub fn duplicate(&self) -> Option<FpuArea> {
        let a = Self::zeroed()?;
        // SAFETY: both areas have `area_size()` bytes (the size never changes after init) and
        // are distinct allocations.
        unsafe {
            core::ptr::copy_nonoverlapping(self.ptr.as_ptr(), a.ptr.as_ptr(), self.layout.size())
        };
        Some(a)
    }

    fn zeroed() -> Option<FpuArea> {
        let layout = Layout::from_size_align(area_size(), 64).ok()?;
        // SAFETY: non-zero size (at least 512); zeroed memory is a valid (empty) XSAVE header.
        let p = unsafe { alloc::alloc::alloc_zeroed(layout) };
        Some(FpuArea {
            ptr: NonNull::new(p)?,
            layout,
        })
    }

    /// Saves the CPU's vector registers here.
    pub(crate) fn save(&mut self) {
        let p = self.ptr.as_ptr();
        if crate::cpu::features().xsave {
            // SAFETY: `p` is a 64-byte aligned area of the size CPUID gives for the enabled
            // components; XSAVE writes only inside it. EDX:EAX = all ones: every enabled
            // component.
            unsafe {
                asm!("xsave64 [{}]", in(reg) p, in("eax") u32::MAX, in("edx") u32::MAX,
                     options(nostack, preserves_flags))
            };
        } else {
            // SAFETY: a 16-byte aligned area of at least 512 bytes, as FXSAVE needs.
            unsafe { asm!("fxsave64 [{}]", in(reg) p, options(nostack, preserves_flags)) };
        }
    }

    /// Loads the vector registers from here.
    pub(crate) fn restore(&self) {
        let p = self.ptr.as_ptr();
        if crate::cpu::features().xsave {
            // SAFETY: the area was filled by XSAVE on this machine (or copied from one that
            // was), so its header and contents are valid for XRSTOR.
            unsafe {
                asm!("xrstor64 [{}]", in(reg) p, in("eax") u32::MAX, in("edx") u32::MAX,
                     options(nostack, preserves_flags))
            };
        } else {
            // SAFETY: the area was filled by FXSAVE (see `save`).
            unsafe { asm!("fxrstor64 [{}]", in(reg) p, options(nostack, preserves_flags)) };
        }
    }

    /// The saved bytes (a signal frame's fpstate is a copy of them).
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the allocation is `layout.size()` bytes, initialised (zeroed, then saved).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.layout.size()) }
    }
}

impl Drop for FpuArea {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with this layout.
        unsafe { alloc::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// Sets CR0.TS: the next x87/SSE/AVX instruction traps with #NM (device not available).
pub(crate) fn set_ts() {
    // SAFETY: CR0.TS only makes vector instructions trap; the kernel uses none (soft-float)
    // and the #NM handler (task::on_device_not_available) clears it again.
    unsafe {
        let cr0: u64;
        asm!("mov {}, cr0", out(reg) cr0, options(nomem, nostack, preserves_flags));
        asm!("mov cr0, {}", in(reg) cr0 | 8, options(nomem, nostack, preserves_flags));
    }
}

/// Clears CR0.TS.
pub(crate) fn clear_ts() {
    // SAFETY: clts only lets vector instructions run without trapping.
    unsafe { asm!("clts", options(nomem, nostack, preserves_flags)) };
}
