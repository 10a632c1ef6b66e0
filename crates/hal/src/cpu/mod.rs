//! The CPU: control registers and extended state, descriptor tables, MSRs, per-CPU data.

pub mod gdt;
pub mod percpu;
pub mod smp;
pub mod tlb;

pub use percpu::{apic_id, cpu_count, cpu_id, MAX_CPUS};

use core::arch::asm;

use raw_cpuid::CpuId;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::xcontrol::{XCr0, XCr0Flags};

/// What the CPU offers that the kernel or the app cares about.
#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    pub fsgsbase: bool,
    pub xsave: bool,
    pub rdrand: bool,
    pub tsc_deadline: bool,
    pub invariant_tsc: bool,
    /// CPUID.1:EDX, the AT_HWCAP Linux reports on x86_64.
    pub hwcap: u32,
}

static FEATURES: spin::Once<Features> = spin::Once::new();

pub fn features() -> Features {
    *FEATURES.get().expect("cpu features read before init")
}

/// Reads the boot CPU's features, brings it to the state the app expects (see
/// [`init_cpu_state`]), then loads its GDT/TSS with IST stacks.
pub(crate) fn init_boot_cpu() {
    let id = CpuId::new();
    let fi = id.get_feature_info();
    let ext = id.get_extended_feature_info();
    let f = Features {
        fsgsbase: ext.as_ref().is_some_and(|e| e.has_fsgsbase()),
        xsave: fi.as_ref().is_some_and(|f| f.has_xsave()),
        rdrand: fi.as_ref().is_some_and(|f| f.has_rdrand()),
        tsc_deadline: fi.as_ref().is_some_and(|f| f.has_tsc_deadline()),
        invariant_tsc: id
            .get_advanced_power_mgmt_info()
            .is_some_and(|a| a.has_invariant_tsc()),
        hwcap: raw_cpuid::cpuid!(1).edx,
    };
    FEATURES.call_once(|| f);
    init_cpu_state();
    gdt::init();
}

/// An application processor: the same control-register and vector state as the boot CPU,
/// then its own GDT/TSS with its own IST stacks.
pub(crate) fn init_ap() {
    init_cpu_state();
    gdt::init_ap();
}

/// SSE and AVX usable (CR4.OSFXSR, OSXMMEXCPT, OSXSAVE + XCR0), FPU initialised, write
/// protection on, FSGSBASE on when present (so FS base switches are a `wrfsbase`). Every CPU
/// runs this, so the app's threads see the same state wherever they run.
fn init_cpu_state() {
    let id = CpuId::new();
    let f = features();
    let mut cr0 = Cr0::read();
    cr0.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
    cr0.insert(Cr0Flags::MONITOR_COPROCESSOR | Cr0Flags::NUMERIC_ERROR | Cr0Flags::WRITE_PROTECT);
    let mut cr4 = Cr4::read();
    cr4.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE | Cr4Flags::PAGE_GLOBAL);
    if f.xsave {
        cr4.insert(Cr4Flags::OSXSAVE);
    }
    if f.fsgsbase {
        cr4.insert(Cr4Flags::FSGSBASE);
    }
    // SAFETY: enabling FPU/SSE/XSAVE/FSGSBASE support and write protection changes no memory
    // mapping; the kernel itself is built without SSE, so nothing relies on the old values.
    unsafe {
        Cr0::write(cr0);
        Cr4::write(cr4);
    }
    if f.xsave {
        // Every user state component the CPU supports among x87, SSE, AVX and AVX-512.
        let supported = id.get_extended_state_info().map(|s| {
            let mut x = XCr0Flags::X87 | XCr0Flags::SSE;
            if s.xcr0_supports_avx_256() {
                x |= XCr0Flags::AVX;
            }
            if s.xcr0_supports_avx512_opmask()
                && s.xcr0_supports_avx512_zmm_hi256()
                && s.xcr0_supports_avx512_zmm_hi16()
            {
                x |= XCr0Flags::OPMASK | XCr0Flags::ZMM_HI256 | XCr0Flags::HI16_ZMM;
            }
            x
        });
        if let Some(x) = supported {
            // SAFETY: only components CPUID reports as supported are enabled; AVX-512 comes
            // with its three components together, as the SDM requires.
            unsafe { XCr0::write(x) };
        }
    }
    let mxcsr: u32 = 0x1f80;
    // SAFETY: fninit resets the x87 state; ldmxcsr loads Linux's initial MXCSR (all exceptions
    // masked, round to nearest); SSE was enabled above. Reads from a local only.
    unsafe {
        asm!("fninit", "ldmxcsr [{}]", in(reg) &mxcsr, options(nostack));
    }
    crate::task::fpu::init();
}

/// Sets the app's FS base (its TLS pointer).
pub fn set_fs_base(v: u64) {
    if FEATURES.get().is_some_and(|f| f.fsgsbase) {
        // SAFETY: FSGSBASE is enabled in CR4 (init_boot_cpu); the FS base is the app's and the
        // kernel never uses FS.
        unsafe { asm!("wrfsbase {}", in(reg) v, options(nostack, preserves_flags)) };
    } else {
        x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new_truncate(v));
    }
}

/// The app's FS base.
pub fn fs_base() -> u64 {
    if FEATURES.get().is_some_and(|f| f.fsgsbase) {
        let v: u64;
        // SAFETY: FSGSBASE is enabled in CR4 (init_boot_cpu); reads a register only.
        unsafe { asm!("rdfsbase {}", out(reg) v, options(nomem, nostack, preserves_flags)) };
        v
    } else {
        x86_64::registers::model_specific::FsBase::read().as_u64()
    }
}

/// 64 random bits from the CPU (RDRAND), if it has them.
pub fn rdrand() -> Option<u64> {
    if !FEATURES.get().is_some_and(|f| f.rdrand) {
        return None;
    }
    for _ in 0..10 {
        let v: u64;
        let ok: u8;
        // SAFETY: RDRAND is present (CPUID); it writes a register and the carry flag only.
        unsafe {
            asm!("rdrand {}", "setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack))
        };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

/// Stops the CPU until the next interrupt if `still_waiting()`, checked with interrupts off so
/// that an interrupt between the check and the halt cannot be missed (`sti; hlt` is atomic).
/// Interrupts are on afterwards, as they are in system calls.
pub fn halt_unless(still_waiting: impl FnOnce() -> bool) {
    x86_64::instructions::interrupts::disable();
    if still_waiting() {
        x86_64::instructions::interrupts::enable_and_hlt();
    } else {
        x86_64::instructions::interrupts::enable();
    }
}

/// Turns interrupts on (traps that may wait for other CPUs do this first).
pub fn enable_interrupts() {
    x86_64::instructions::interrupts::enable();
}

/// Runs `f` with interrupt delivery off on this CPU, then restores the previous state (so it
/// nests, and is a no-op wrapper inside an interrupt handler). The kernel is not preemptible,
/// so this also keeps the current thread on the CPU: what the short spin-locked sections of
/// the sleeping locks (`osprey_sync::Park::critical`) need.
#[inline]
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    x86_64::instructions::interrupts::without_interrupts(f)
}

/// A hint inside spin loops.
pub fn relax() {
    core::hint::spin_loop();
}

/// Return addresses of the current call chain, walked through the frame pointers (the kernel
/// is built with `force-frame-pointers`), as text: `0xffffffff8010a2c3 0xffffffff80104f10 ...`.
/// The host symbolizes them against the kernel ELF it carries.
pub fn backtrace() -> alloc::string::String {
    use core::fmt::Write;
    let mut out = alloc::string::String::new();
    let mut rbp: u64;
    // SAFETY: reads the frame-pointer register only.
    unsafe { asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack, preserves_flags)) };
    for _ in 0..32 {
        // Only follow frames inside the kernel's half, 8-byte aligned.
        if rbp < crate::mm::DIRECT_MAP_BASE || rbp % 8 != 0 || rbp > u64::MAX - 16 {
            break;
        }
        // SAFETY: rbp points at a saved frame (saved rbp, return address) of a kernel function
        // built with frame pointers; the range check above keeps us in kernel memory, which is
        // always mapped on the stacks we run on.
        let (next, ret) = unsafe {
            (
                (rbp as *const u64).read(),
                (rbp as *const u64).add(1).read(),
            )
        };
        if ret == 0 {
            break;
        }
        let _ = write!(out, "{ret:#x} ");
        if next <= rbp {
            break;
        }
        rbp = next;
    }
    out
}
