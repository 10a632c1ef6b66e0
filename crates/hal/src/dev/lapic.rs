//! The local APIC (xAPIC, MMIO through the direct map): the one-shot timer, TSC-deadline mode
//! when the CPU has it, end-of-interrupt, and inter-processor interrupts.
//!
//! Every CPU's LAPIC answers at the same physical address, each CPU seeing its own, so the
//! functions here act on the calling CPU's LAPIC: the timer is per CPU by construction.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use x86_64::registers::model_specific::Msr;

use crate::mm::{phys_to_virt, PhysAddr};

pub const TIMER_VECTOR: u8 = 0x20;
pub const SPURIOUS_VECTOR: u8 = 0xff;

const IA32_APIC_BASE: u32 = 0x1b;
const IA32_TSC_DEADLINE: u32 = 0x6e0;
const REG_ID: usize = 0x20;
const REG_EOI: usize = 0xb0;
const REG_ICR_LOW: usize = 0x300;
const REG_ICR_HIGH: usize = 0x310;
const ICR_DELIVERY_PENDING: u32 = 1 << 12;
const ICR_LEVEL_ASSERT: u32 = 1 << 14;
const ICR_MODE_NMI: u32 = 0b100 << 8;
const ICR_MODE_INIT: u32 = 0b101 << 8;
const ICR_MODE_STARTUP: u32 = 0b110 << 8;
const ICR_ALL_BUT_SELF: u32 = 0b11 << 18;
const REG_SVR: usize = 0xf0;
const REG_TPR: usize = 0x80;
const REG_LVT_TIMER: usize = 0x320;
const REG_LVT_LINT0: usize = 0x350;
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

/// Enables the calling CPU's LAPIC (software enable, spurious vector, all priorities accepted)
/// with its timer masked. Every CPU runs this once.
pub(crate) fn init() {
    // SAFETY: reading IA32_APIC_BASE has no side effects.
    let base = unsafe { Msr::new(IA32_APIC_BASE).read() } & 0x000f_ffff_ffff_f000;
    BASE.store(phys_to_virt(PhysAddr(base)) as u64, Ordering::Relaxed);
    write(REG_TPR, 0);
    write(REG_SVR, 0x100 | SPURIOUS_VECTOR as u32);
    let deadline = crate::cpu::features().tsc_deadline;
    DEADLINE_MODE.store(deadline, Ordering::Relaxed);
    write(REG_TIMER_DIV, 0b1011); // divide by 1
    set_lvt_timer(LVT_MASKED | TIMER_VECTOR as u32);
    // The legacy 8259s' output (ExtINT on the boot CPU after reset): never used (dev::pic).
    write(REG_LVT_LINT0, LVT_MASKED);
}

pub fn eoi() {
    if BASE.load(Ordering::Relaxed) != 0 {
        write(REG_EOI, 0);
    }
}

/// Per CPU (each has its own LAPIC timer): the TSC deadline its timer is armed for; 0 when it
/// is not armed (never armed, disarmed, or fired). Lets the scheduler skip reprogramming the
/// device when nothing changes.
static ARMED_AT: [AtomicU64; crate::cpu::percpu::MAX_CPUS] =
    [const { AtomicU64::new(0) }; crate::cpu::percpu::MAX_CPUS];

/// Per CPU: the LVT timer entry as last written (0: masked, or not written yet). Writing it
/// again with the same value is not free: under TCG every LAPIC register write is a device
/// access that also re-evaluates QEMU's timer, so `arm_at_tsc` skips it when unchanged.
static LVT_SET: [AtomicU32; crate::cpu::percpu::MAX_CPUS] =
    [const { AtomicU32::new(0) }; crate::cpu::percpu::MAX_CPUS];

/// Writes the LVT timer entry unless it already holds `v` (unmasked values only are cached).
fn set_lvt_timer(v: u32) {
    let slot = &LVT_SET[crate::cpu::percpu::cpu_id()];
    if v & LVT_MASKED != 0 {
        slot.store(0, Ordering::Relaxed);
        write(REG_LVT_TIMER, v);
    } else if slot.swap(v, Ordering::Relaxed) != v {
        write(REG_LVT_TIMER, v);
    }
}

fn armed_slot() -> &'static AtomicU64 {
    &ARMED_AT[crate::cpu::percpu::cpu_id()]
}

/// The TSC deadline this CPU's timer is armed for (0: not armed).
pub fn armed_at() -> u64 {
    armed_slot().load(Ordering::Relaxed)
}

/// The timer interrupt arrived: nothing is armed any more.
pub(crate) fn fired() {
    armed_slot().store(0, Ordering::Relaxed);
}

/// Arms the timer to fire once at TSC value `deadline`. `tsc_now` and the calibrated rates
/// convert for the count-down mode.
///
/// Interrupts are off throughout: an interrupt handler that arms the timer itself between the
/// bookkeeping and the device writes would leave the two disagreeing (the bookkeeping saying
/// "armed" for a device that is not, and the scheduler then never programming it again).
pub fn arm_at_tsc(deadline: u64) {
    let t0 = crate::time::tsc();
    crate::cpu::without_interrupts(|| {
        if DEADLINE_MODE.load(Ordering::Relaxed) {
            set_lvt_timer(LVT_TSC_DEADLINE | TIMER_VECTOR as u32);
            // SAFETY: TSC-deadline mode is supported (CPUID) and selected in the LVT.
            unsafe { Msr::new(IA32_TSC_DEADLINE).write(deadline.max(1)) };
        } else {
            // (The first conversion may calibrate the timer, which disarms it: convert first.)
            let now = crate::time::tsc();
            let ticks = deadline.saturating_sub(now);
            let count = crate::time::tsc_to_lapic_ticks(ticks).clamp(1, u32::MAX as u64);
            set_lvt_timer(TIMER_VECTOR as u32);
            write(REG_TIMER_INIT, count as u32);
        }
        armed_slot().store(deadline.max(1), Ordering::Relaxed);
    });
    ARMS.fetch_add(1, Ordering::Relaxed);
    ARM_TSC.fetch_add(crate::time::tsc().saturating_sub(t0), Ordering::Relaxed);
}

/// How many times the timer was armed, and the TSC ticks that took: under TCG programming the
/// LAPIC is a device access that also wakes QEMU's main loop (several microseconds), so
/// the kernel's counters report both.
static ARMS: AtomicU64 = AtomicU64::new(0);
static ARM_TSC: AtomicU64 = AtomicU64::new(0);

/// (times armed, TSC ticks spent arming) since boot, all CPUs.
pub fn arm_stats() -> (u64, u64) {
    (
        ARMS.load(Ordering::Relaxed),
        ARM_TSC.load(Ordering::Relaxed),
    )
}

/// Arms the timer to fire within microseconds, whatever its mode, without needing its rate.
pub(crate) fn arm_soon() {
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        arm_at_tsc(crate::time::tsc() + 1000);
    } else {
        set_lvt_timer(TIMER_VECTOR as u32);
        write(REG_TIMER_INIT, 1000);
    }
}

/// Whether a timer armed with `arm_soon` (or `arm_at_tsc`) has expired.
pub(crate) fn timer_expired() -> bool {
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        // SAFETY: reading the TSC-deadline MSR, present in this mode; the CPU clears it when
        // the timer fires.
        unsafe { Msr::new(IA32_TSC_DEADLINE).read() == 0 }
    } else {
        read(REG_TIMER_CUR) == 0
    }
}

/// Disarms the timer (interrupts off throughout, as in `arm_at_tsc`).
pub fn disarm() {
    crate::cpu::without_interrupts(|| {
        set_lvt_timer(LVT_MASKED | TIMER_VECTOR as u32);
        write(REG_TIMER_INIT, 0);
        armed_slot().store(0, Ordering::Relaxed);
    })
}

/// Starts the count-down timer from its maximum, masked, for calibration.
pub(crate) fn start_calibration() {
    armed_slot().store(0, Ordering::Relaxed);
    set_lvt_timer(LVT_MASKED | TIMER_VECTOR as u32);
    write(REG_TIMER_INIT, u32::MAX);
}

pub(crate) fn current_count() -> u32 {
    read(REG_TIMER_CUR)
}

/// The calling CPU's local APIC ID.
pub fn id() -> u32 {
    read(REG_ID) >> 24
}

/// Writes the interrupt command register: destination `apic_id` (ignored with a shorthand),
/// then the low word, which sends. Interrupts are off in between so that an interrupt handler
/// on this CPU sending an IPI of its own cannot mix its destination with ours.
fn send(apic_id: u32, low: u32) {
    let on = x86_64::instructions::interrupts::are_enabled();
    x86_64::instructions::interrupts::disable();
    while read(REG_ICR_LOW) & ICR_DELIVERY_PENDING != 0 {
        core::hint::spin_loop();
    }
    write(REG_ICR_HIGH, apic_id << 24);
    write(REG_ICR_LOW, low);
    if on {
        x86_64::instructions::interrupts::enable();
    }
}

/// A fixed interrupt `vector` to the CPU whose LAPIC ID is `apic_id`.
pub fn send_ipi(apic_id: u32, vector: u8) {
    send(apic_id, ICR_LEVEL_ASSERT | vector as u32);
}

/// A fixed interrupt `vector` to every CPU but the caller.
pub fn broadcast_ipi(vector: u8) {
    send(0, ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | vector as u32);
}

/// An NMI to the CPU whose LAPIC ID is `apic_id` (it arrives even with interrupts off).
pub fn send_nmi(apic_id: u32) {
    send(apic_id, ICR_LEVEL_ASSERT | ICR_MODE_NMI);
}

/// INIT to `apic_id`: the CPU resets and waits for a STARTUP IPI.
pub(crate) fn send_init(apic_id: u32) {
    send(apic_id, ICR_LEVEL_ASSERT | ICR_MODE_INIT);
}

/// STARTUP to `apic_id`: a CPU waiting after INIT starts in real mode at `page` << 12.
pub(crate) fn send_startup(apic_id: u32, page: u8) {
    send(apic_id, ICR_LEVEL_ASSERT | ICR_MODE_STARTUP | page as u32);
}
