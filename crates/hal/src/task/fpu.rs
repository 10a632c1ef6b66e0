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
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Bytes an area needs for the components XCR0 enables (CPUID.0xD.0:EBX), or 512 for FXSAVE.
static AREA_SIZE: AtomicUsize = AtomicUsize::new(512);

/// XCR0 (the components an XSAVE image holds); 0 when the CPU has only FXSAVE.
static XFEATURES: AtomicU64 = AtomicU64::new(0);
/// The MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK; 0xffbf when it reports 0).
static MXCSR_MASK: AtomicU64 = AtomicU64::new(0xffbf);

/// Reads the area size, XCR0 and MXCSR_MASK; called once on the boot CPU after XCR0 is set.
pub(crate) fn init() {
    if crate::cpu::features().xsave {
        let ebx = raw_cpuid::cpuid!(0xd, 0).ebx as usize;
        AREA_SIZE.store(ebx.max(576), Ordering::Relaxed);
        XFEATURES.store(
            x86_64::registers::xcontrol::XCr0::read_raw(),
            Ordering::Relaxed,
        );
    }
    if let Some(a) = FpuArea::from_registers() {
        let m = u32::from_le_bytes(a.bytes()[28..32].try_into().expect("4 bytes"));
        if m != 0 {
            MXCSR_MASK.store(m as u64, Ordering::Relaxed);
        }
    }
}

/// XCR0, or 0 without XSAVE (the signal frame's `xfeatures`).
pub fn xfeatures() -> u64 {
    XFEATURES.load(Ordering::Relaxed)
}

/// Why a vector state could not be saved or loaded: no memory for the aligned scratch area,
/// or an image the CPU would refuse.
#[derive(Debug)]
pub struct FpuError;

/// Copies the running thread's vector state into `out`, up to `area_size()` bytes. With lazy
/// switching (see `task`) the registers may not hold it yet: then the XSAVE traps (#NM),
/// which loads it, and runs again.
pub fn save_running(out: &mut [u8]) -> Result<(), FpuError> {
    let a = FpuArea::from_registers().ok_or(FpuError)?;
    let n = out.len().min(a.bytes().len());
    out[..n].copy_from_slice(&a.bytes()[..n]);
    Ok(())
}

/// Loads the running thread's vector registers from a standard-format XSAVE (or FXSAVE)
/// image of `area_size()` bytes that came from the app (rt_sigreturn). Everything XRSTOR
/// would fault on is refused first: MXCSR reserved bits, components outside XCR0, a
/// compacted or non-zero reserved header. (With CR0.TS set the XRSTOR first traps (#NM),
/// which marks the thread's state live, so the loaded image is saved at its next switch.)
pub fn restore_running(img: &[u8]) -> Result<(), FpuError> {
    if img.len() != area_size() {
        return Err(FpuError);
    }
    let mxcsr = u32::from_le_bytes(img[24..28].try_into().map_err(|_| FpuError)?) as u64;
    if mxcsr & !MXCSR_MASK.load(Ordering::Relaxed) != 0 {
        return Err(FpuError);
    }
    if crate::cpu::features().xsave {
        let bv = u64::from_le_bytes(img[512..520].try_into().map_err(|_| FpuError)?);
        if bv & !xfeatures() != 0 || img[520..576].iter().any(|&b| b != 0) {
            return Err(FpuError);
        }
    }
    let mut a = FpuArea::zeroed().ok_or(FpuError)?;
    a.bytes_mut().copy_from_slice(img);
    a.restore();
    Ok(())
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

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: the allocation is `layout.size()` bytes, initialised, owned by `self`.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.layout.size()) }
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
