//! The app's vector state (x87, SSE, AVX, AVX-512 as enabled in XCR0), kept per thread.
//!
//! The kernel is built soft-float and never touches these registers, so between two app
//! threads they hold the state of the last app thread that ran on the CPU. A switch saves the
//! outgoing app thread's state and restores the incoming one's only when another app thread's
//! state is loaded (a thread that blocks and is resumed with only the idle loop in between
//! needs no restore). XSAVE/XRSTOR when the CPU has them, else FXSAVE/FXRSTOR (x87 + SSE).

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
    if let Some(a) = FpuArea::copy_of_current() {
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

/// Copies the running thread's vector registers (they are live in the CPU while it runs:
/// kernel code never touches them) into `out`, up to `area_size()` bytes.
pub fn save_running(out: &mut [u8]) -> Result<(), FpuError> {
    let a = FpuArea::copy_of_current().ok_or(FpuError)?;
    let n = out.len().min(a.bytes().len());
    out[..n].copy_from_slice(&a.bytes()[..n]);
    Ok(())
}

/// Loads the running thread's vector registers from a standard-format XSAVE (or FXSAVE)
/// image of `area_size()` bytes that came from the app (rt_sigreturn). Everything XRSTOR
/// would fault on is refused first: MXCSR reserved bits, components outside XCR0, a
/// compacted or non-zero reserved header.
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
    /// An area holding the state the current CPU has now (what the thread calling `clone`
    /// has: Linux gives the child a copy of the parent's vector state).
    pub fn copy_of_current() -> Option<FpuArea> {
        let mut a = FpuArea::zeroed()?;
        a.save();
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
    pub fn save(&mut self) {
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
    pub fn restore(&self) {
        let p = self.ptr.as_ptr();
        if crate::cpu::features().xsave {
            // SAFETY: the area was filled by XSAVE on this machine (`save` ran when it was
            // made), so its header and contents are valid for XRSTOR.
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
        // SAFETY: allocated in `copy_of_current` with this layout.
        unsafe { alloc::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}
