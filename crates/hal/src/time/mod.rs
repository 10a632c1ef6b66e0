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

/// Sets the TSC frequency from outside (the host measured it on an earlier run).
pub fn set_tsc_hz(hz: u64) {
    if hz > 0 && TSC_HZ.load(Ordering::Relaxed) == 0 {
        TSC_HZ.store(hz, Ordering::Relaxed);
    }
}

/// Whether the TSC frequency is known without a calibration.
pub fn tsc_hz_known() -> bool {
    TSC_HZ.load(Ordering::Relaxed) != 0
}

/// Whether the kernel had to measure the TSC against the PIT (so the host may cache it).
pub fn tsc_was_calibrated() -> bool {
    CALIBRATED.load(Ordering::Relaxed)
}

static CALIBRATED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Reads the PIT count together with the TSC at that moment: the TSC is read just before and
/// just after the PIT read (an I/O exit of a few microseconds), and the sample is kept only if
/// the two are close, so a vCPU descheduled by the host mid-read does not skew the result.
fn pit_sample() -> (u64, u16) {
    let mut best = (u64::MAX, 0u64, 0u16);
    for _ in 0..8 {
        let a = tsc();
        let p = pit::count();
        let b = tsc();
        if b - a < best.0 {
            best = (b - a, a + (b - a) / 2, p);
        }
        // 20 us at any plausible TSC rate: good enough, stop.
        if best.0 < 50_000 {
            break;
        }
    }
    (best.1, best.2)
}

/// Measures the TSC (and the LAPIC timer) against the PIT over 50 ms (the host caches
/// the result, so this happens once per host boot; see the TscKhz frame).
fn calibrate() {
    let _g = CALIBRATION.lock();
    if TSC_HZ.load(Ordering::Relaxed) != 0 && LAPIC_HZ.load(Ordering::Relaxed) != 0 {
        return;
    }
    // Two halves of 25 ms each; they must agree within 0.02% (a host that deschedules the
    // vCPU mid-measurement makes them disagree), else measure again.
    const HALF: u64 = 29_829;
    let mut result = None;
    let mut agreed_tries = 0;
    // The PIT counts down from 0xffff (55 ms) and wraps: a measurement needs 2 * HALF ticks
    // after its first sample. A first sample taken late (the host descheduled the vCPU right
    // after the PIT was started) or a wrap seen mid-way (descheduled for a whole period) would
    // otherwise leave the loop below waiting for a count it can no longer reach: start over.
    while agreed_tries < 4 {
        pit::start_countdown();
        lapic::start_calibration();
        let (t0, p0) = pit_sample();
        let a0 = lapic::current_count();
        if (p0 as u64) < 2 * HALF + HALF / 8 {
            continue;
        }
        let mut mid = None;
        let mut last = p0;
        let mut wrapped = false;
        let (t2, p2, a2) = loop {
            let (t, p) = pit_sample();
            if p > last {
                wrapped = true;
                break (t, p, 0);
            }
            last = p;
            let ticks = (p0 - p) as u64;
            if mid.is_none() && ticks >= HALF {
                mid = Some((t, p));
            }
            if ticks >= 2 * HALF {
                break (t, p, lapic::current_count());
            }
        };
        if wrapped {
            continue;
        }
        agreed_tries += 1;
        let (t1, p1) = mid.unwrap_or((t2, p2));
        let rate = |ta: u64, tb: u64, pa: u16, pb: u16| {
            (tb - ta) as u128 * pit::HZ as u128 / ((pa - pb) as u128).max(1)
        };
        let (r1, r2) = (rate(t0, t1, p0, p1), rate(t1, t2, p1, p2));
        let all = rate(t0, t2, p0, p2) as u64;
        let lapic_hz = (a0 - a2) as u64 * pit::HZ / ((p0 - p2) as u64).max(1);
        result = Some((all, lapic_hz));
        if r1.abs_diff(r2) * 5000 <= r1 {
            break;
        }
    }
    if let Some((tsc_hz, lapic_hz)) = result {
        if TSC_HZ.load(Ordering::Relaxed) == 0 {
            TSC_HZ.store(tsc_hz, Ordering::Relaxed);
            CALIBRATED.store(true, Ordering::Relaxed);
        }
        LAPIC_HZ.store(lapic_hz, Ordering::Relaxed);
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

/// Measures the LAPIC timer against the (known) TSC over 1 ms: its rate only decides when the
/// CPU wakes up, and sleepers re-check the TSC, so this needs no more precision. Interrupts
/// are off: a handler arming the timer mid-measurement would restart the count being measured
/// (and, the rate being still unknown, calibrate again inside this calibration).
fn calibrate_lapic() {
    crate::cpu::without_interrupts(calibrate_lapic_now);
}

fn calibrate_lapic_now() {
    let hz = tsc_hz();
    if LAPIC_HZ.load(Ordering::Relaxed) != 0 {
        return; // (measured by the TSC's calibration)
    }
    lapic::start_calibration();
    let a0 = lapic::current_count();
    let t0 = tsc();
    let end = t0 + hz / 1000;
    while tsc() < end {
        core::hint::spin_loop();
    }
    let a1 = lapic::current_count();
    let t1 = tsc();
    lapic::disarm();
    let rate = (a0 - a1) as u128 * hz as u128 / ((t1 - t0) as u128).max(1);
    LAPIC_HZ.store((rate as u64).max(1), Ordering::Relaxed);
}

pub(crate) fn tsc_to_lapic_ticks(tsc_ticks: u64) -> u64 {
    if LAPIC_HZ.load(Ordering::Relaxed) == 0 {
        calibrate_lapic();
    }
    let lapic = LAPIC_HZ.load(Ordering::Relaxed).max(1);
    ((tsc_ticks as u128 * lapic as u128) / tsc_hz().max(1) as u128) as u64
}

/// `ns = ticks * NS_MULT >> 32`: the division by the frequency done once, so a clock read
/// (the vDSO's hot path) is a multiply and a shift rather than a 128-bit division.
static NS_MULT: AtomicU64 = AtomicU64::new(0);

/// Converts TSC ticks to nanoseconds.
pub fn tsc_to_ns(ticks: u64) -> u64 {
    let mut mult = NS_MULT.load(Ordering::Relaxed);
    if mult == 0 {
        mult = ((1_000_000_000u128 << 32) / tsc_hz().max(1) as u128) as u64;
        NS_MULT.store(mult, Ordering::Relaxed);
    }
    ((ticks as u128 * mult as u128) >> 32) as u64
}

/// `ticks = ns * TSC_MULT >> 32`: as NS_MULT, the other way (the scheduler converts a
/// deadline on every timer decision; a 128-bit division is a library call).
static TSC_MULT: AtomicU64 = AtomicU64::new(0);

/// Converts nanoseconds to TSC ticks (saturating).
pub fn ns_to_tsc(ns: u64) -> u64 {
    let mut mult = TSC_MULT.load(Ordering::Relaxed);
    if mult == 0 {
        mult = (((tsc_hz() as u128) << 32) / 1_000_000_000).max(1) as u64;
        TSC_MULT.store(mult, Ordering::Relaxed);
    }
    ((ns as u128 * mult as u128) >> 32).min(u64::MAX as u128) as u64
}

/// Halts until the TSC reaches `deadline` (interrupts are taken while waiting). Returns early
/// if `stop()` becomes true after an interrupt.
pub fn sleep_until(deadline: u64, stop: &dyn Fn() -> bool) {
    while tsc() < deadline {
        if stop() {
            break;
        }
        lapic::arm_at_tsc(deadline);
        crate::cpu::halt_unless(|| tsc() < deadline);
    }
    lapic::disarm();
}
