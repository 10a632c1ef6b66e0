//! Time: the TSC as the clock source, its frequency, and sleeping until a TSC deadline.
//!
//! The frequency comes from CPUID when the CPU reports it (leaf 0x15, or the hypervisor leaf
//! 0x40000010), otherwise from the PIT. The PIT measurement takes 10 ms, so it is done lazily,
//! the first time a clock is read: a program that never asks the time does not wait for it.

use core::arch::x86_64::_rdtsc;
use core::sync::atomic::{AtomicU64, Ordering};

use raw_cpuid::CpuId;

use crate::dev::{lapic, pit};

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static LAPIC_HZ: AtomicU64 = AtomicU64::new(0);
static CALIBRATION: spin::Mutex<()> = spin::Mutex::new(());

/// Reads the time-stamp counter.
pub fn tsc() -> u64 {
    // SAFETY: RDTSC is available on every x86_64 CPU and only reads a counter.
    unsafe { _rdtsc() }
}

fn tsc_hz_from_cpuid() -> Option<u64> {
    let id = CpuId::new();
    if let Some(t) = id.get_tsc_info() {
        if let Some(hz) = t.tsc_frequency() {
            return Some(hz);
        }
    }
    if let Some(hv) = id.get_hypervisor_info() {
        if let Some(khz) = hv.tsc_frequency() {
            if khz > 0 {
                return Some(khz as u64 * 1000);
            }
        }
    }
    None
}

pub(crate) fn init() {
    lapic::init();
    if let Some(hz) = tsc_hz_from_cpuid() {
        TSC_HZ.store(hz, Ordering::Relaxed);
    }
}

/// Measures the TSC (and the LAPIC timer) against the PIT over about 10 ms.
fn calibrate() {
    let _g = CALIBRATION.lock();
    if TSC_HZ.load(Ordering::Relaxed) != 0 && LAPIC_HZ.load(Ordering::Relaxed) != 0 {
        return;
    }
    const TICKS: u64 = 11_932; // 10 ms of PIT
    pit::start_countdown();
    lapic::start_calibration();
    // Start on a PIT edge, so the measured interval is whole PIT ticks.
    let c0 = pit::count();
    let mut c = c0;
    while c == c0 {
        c = pit::count();
    }
    let (t0, a0, p0) = (tsc(), lapic::current_count(), c);
    loop {
        let p = pit::count();
        if (p0 as u64).saturating_sub(p as u64) >= TICKS {
            let (t1, a1) = (tsc(), lapic::current_count());
            let ticks = (p0 - p) as u64;
            if TSC_HZ.load(Ordering::Relaxed) == 0 {
                TSC_HZ.store((t1 - t0) * pit::HZ / ticks, Ordering::Relaxed);
            }
            LAPIC_HZ.store((a0 - a1) as u64 * pit::HZ / ticks, Ordering::Relaxed);
            break;
        }
    }
    lapic::disarm();
}

/// TSC ticks per second.
pub fn tsc_hz() -> u64 {
    let hz = TSC_HZ.load(Ordering::Relaxed);
    if hz != 0 {
        return hz;
    }
    calibrate();
    TSC_HZ.load(Ordering::Relaxed)
}

pub(crate) fn tsc_to_lapic_ticks(tsc_ticks: u64) -> u64 {
    if LAPIC_HZ.load(Ordering::Relaxed) == 0 {
        calibrate();
    }
    let lapic = LAPIC_HZ.load(Ordering::Relaxed).max(1);
    ((tsc_ticks as u128 * lapic as u128) / tsc_hz().max(1) as u128) as u64
}

/// Converts TSC ticks to nanoseconds.
pub fn tsc_to_ns(ticks: u64) -> u64 {
    ((ticks as u128 * 1_000_000_000) / tsc_hz() as u128) as u64
}

/// Converts nanoseconds to TSC ticks.
pub fn ns_to_tsc(ns: u64) -> u64 {
    ((ns as u128 * tsc_hz() as u128) / 1_000_000_000) as u64
}

/// Halts until the TSC reaches `deadline` (interrupts are taken while waiting). Returns early
/// if `stop()` becomes true after an interrupt.
pub fn sleep_until(deadline: u64, stop: &dyn Fn() -> bool) {
    while tsc() < deadline {
        if stop() {
            break;
        }
        lapic::arm_at_tsc(deadline);
        if tsc() >= deadline {
            break;
        }
        crate::cpu::wait_for_interrupt();
    }
    lapic::disarm();
}
