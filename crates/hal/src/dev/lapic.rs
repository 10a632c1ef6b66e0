//! The local APIC (xAPIC, MMIO through the direct map): the one-shot timer, TSC-deadline mode
//! when the CPU has it, and end-of-interrupt.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use x86_64::registers::model_specific::Msr;

use crate::mm::{phys_to_virt, PhysAddr};

pub const TIMER_VECTOR: u8 = 0x20;
pub const SPURIOUS_VECTOR: u8 = 0xff;

const IA32_APIC_BASE: u32 = 0x1b;
const IA32_TSC_DEADLINE: u32 = 0x6e0;
const REG_EOI: usize = 0xb0;
const REG_SVR: usize = 0xf0;
const REG_TPR: usize = 0x80;
const REG_LVT_TIMER: usize = 0x320;
const REG_TIMER_INIT: usize = 0x380;
const REG_TIMER_CUR: usize = 0x390;
const REG_TIMER_DIV: usize = 0x3e0;
const LVT_MASKED: u32 = 1 << 16;
const LVT_TSC_DEADLINE: u32 = 2 << 17;

static BASE: AtomicU64 = AtomicU64::new(0);
static DEADLINE_MODE: AtomicBool = AtomicBool::new(false);

fn reg(off: usize) -> *mut u32 {
    (BASE.load(Ordering::Relaxed) as usize + off) as *mut u32
}

fn write(off: usize, v: u32) {
    // SAFETY: BASE is the LAPIC's MMIO page in the direct map (set in init before any use);
    // `off` is an architectural register offset.
    unsafe { reg(off).write_volatile(v) }
}

fn read(off: usize) -> u32 {
    // SAFETY: as in write.
    unsafe { reg(off).read_volatile() }
}

pub(crate) fn init() {
    // SAFETY: reading IA32_APIC_BASE has no side effects.
    let base = unsafe { Msr::new(IA32_APIC_BASE).read() } & 0x000f_ffff_ffff_f000;
    BASE.store(phys_to_virt(PhysAddr(base)) as u64, Ordering::Relaxed);
    write(REG_TPR, 0);
    write(REG_SVR, 0x100 | SPURIOUS_VECTOR as u32);
    let deadline = crate::cpu::features().tsc_deadline;
    DEADLINE_MODE.store(deadline, Ordering::Relaxed);
    write(REG_TIMER_DIV, 0b1011); // divide by 1
    write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR as u32);
}

pub fn eoi() {
    if BASE.load(Ordering::Relaxed) != 0 {
        write(REG_EOI, 0);
    }
}

/// The TSC deadline the timer is armed for; 0 when it is not armed (never armed, disarmed,
/// or fired). Lets the scheduler skip reprogramming the device when nothing changes.
static ARMED_AT: AtomicU64 = AtomicU64::new(0);

pub fn armed_at() -> u64 {
    ARMED_AT.load(Ordering::Relaxed)
}

/// The timer interrupt arrived: nothing is armed any more.
pub(crate) fn fired() {
    ARMED_AT.store(0, Ordering::Relaxed);
}

/// Arms the timer to fire once at TSC value `deadline`. `tsc_now` and the calibrated rates
/// convert for the count-down mode.
pub fn arm_at_tsc(deadline: u64) {
    ARMED_AT.store(deadline.max(1), Ordering::Relaxed);
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        write(REG_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR as u32);
        // SAFETY: TSC-deadline mode is supported (CPUID) and selected in the LVT.
        unsafe { Msr::new(IA32_TSC_DEADLINE).write(deadline.max(1)) };
    } else {
        let now = crate::time::tsc();
        let ticks = deadline.saturating_sub(now);
        let count = crate::time::tsc_to_lapic_ticks(ticks).clamp(1, u32::MAX as u64);
        write(REG_LVT_TIMER, TIMER_VECTOR as u32);
        write(REG_TIMER_INIT, count as u32);
    }
}

/// Disarms the timer.
pub fn disarm() {
    ARMED_AT.store(0, Ordering::Relaxed);
    write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR as u32);
    write(REG_TIMER_INIT, 0);
}

/// Starts the count-down timer from its maximum, masked, for calibration.
pub(crate) fn start_calibration() {
    ARMED_AT.store(0, Ordering::Relaxed);
    write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR as u32);
    write(REG_TIMER_INIT, u32::MAX);
}

pub(crate) fn current_count() -> u32 {
    read(REG_TIMER_CUR)
}
