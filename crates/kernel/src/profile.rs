//! The sampling profiler (`osprey run --profile[=HZ]`, kernel command line `profile=HZ`).
//!
//! Every CPU's timer interrupt is also a sampling clock: when profiling is on, the interrupt
//! handler records the interrupted instruction pointer once per period and makes sure the
//! one-shot timer fires again by the next sample (the scheduler only ever moves it earlier,
//! see `sched::must_arm`). Samples go to a buffer allocated at boot (no allocation in the
//! interrupt); at shutdown they are counted per address, the app's addresses get the ELF
//! object they lie in, and the report goes to the host, which names the functions
//! (`cli/src/profile.rs`). Under TCG an interrupt is taken at the end of a translated block,
//! so a sample lands within a few instructions of where the CPU was: good enough to rank
//! functions.
//!
//! Timer interrupts are the only source, so a CPU with interrupts off is not sampled until it
//! turns them on again, and QEMU may deliver a timer late (under TCG its timers run in the
//! main loop's thread, busy with the network): a sample more than a period late would
//! land on the `sti` or the timer's re-arming rather than where the time went, so it is
//! counted as late and not kept.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use osprey_hal::cpu::percpu::{cpu_id, MAX_CPUS};
use osprey_proto::frame::Tag;
use osprey_proto::profile::{Place, ProfileReport, MAX_MODULES};

/// Samples kept at most (8 bytes each): ten minutes at 1 kHz on 2 CPUs, 10 MiB at most.
const MAX_SAMPLES: usize = 1 << 20;

/// The sampling period in TSC ticks; 0: profiling is off.
static PERIOD: AtomicU64 = AtomicU64::new(0);
static HZ: AtomicU64 = AtomicU64::new(0);
/// Per CPU: when its next sample is due (TSC).
static NEXT: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];
static BUF: spin::Once<Vec<AtomicU64>> = spin::Once::new();
static LEN: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);
static LATE: AtomicU64 = AtomicU64::new(0);

/// A sample taken in a CPU's idle thread is stored with this bit cleared. Idle threads run
/// only kernel code, whose addresses have all their top bits set: cleared, this one still
/// leaves the value far above any app address.
const IDLE_BIT: u64 = 1 << 63;

/// Turns profiling on at `hz` samples per second per CPU (from `profile=HZ`; 0 or absent:
/// off). Called once at boot, after the TSC is calibrated.
pub fn init(cmdline: &str) {
    let Some(hz) = osprey_proto::cmdline::get(cmdline, osprey_proto::cmdline::PROFILE)
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&hz| hz > 0)
    else {
        return;
    };
    let hz = hz.min(100_000);
    let len = (hz as usize * 1200).min(MAX_SAMPLES);
    BUF.call_once(|| (0..len).map(|_| AtomicU64::new(0)).collect());
    HZ.store(hz, Ordering::Relaxed);
    PERIOD.store((osprey_hal::time::tsc_hz() / hz).max(1), Ordering::Relaxed);
    log::info!("profile: sampling {hz} times a second per CPU ({len} samples at most)");
}

/// The timer interrupt on this CPU interrupted `rip`. Records a sample if one is due (marked
/// if the CPU runs its idle thread) and keeps the timer armed for the next one.
pub fn on_timer(rip: u64) {
    let period = PERIOD.load(Ordering::Relaxed);
    if period == 0 {
        return;
    }
    let now = osprey_hal::time::tsc();
    let next = &NEXT[cpu_id()];
    let due = next.load(Ordering::Relaxed);
    if now >= due {
        // A sample that arrives late says where the CPU was when the interrupt got through,
        // not where it spent the period: the end of a section with interrupts off, or
        // wherever the timer was re-armed after QEMU delivered it late. Counted, not kept.
        if due != 0 && now - due > period {
            LATE.fetch_add(1, Ordering::Relaxed);
        } else if due != 0 {
            record(if crate::sched::running_idle() {
                rip & !IDLE_BIT
            } else {
                rip
            });
        }
        // The next sample one period from now (not from `due`: a CPU that was not
        // interrupted for a while, interrupts off, must not take a burst of catch-up samples).
        next.store(now + period, Ordering::Relaxed);
    }
    arm(next.load(Ordering::Relaxed));
}

/// The scheduler armed this CPU's timer for its own needs: make sure it also fires by the
/// next sample (a CPU that never took a timer interrupt yet starts sampling here).
pub fn keep_armed() {
    if PERIOD.load(Ordering::Relaxed) == 0 {
        return;
    }
    let now = osprey_hal::time::tsc();
    let next = &NEXT[cpu_id()];
    if next.load(Ordering::Relaxed) == 0 {
        next.store(now + PERIOD.load(Ordering::Relaxed), Ordering::Relaxed);
    }
    arm(next.load(Ordering::Relaxed));
}

fn arm(at: u64) {
    if crate::sched::must_arm(at) {
        osprey_hal::dev::lapic::arm_at_tsc(at);
    }
}

fn record(v: u64) {
    let Some(buf) = BUF.get() else { return };
    let i = LEN.fetch_add(1, Ordering::Relaxed);
    match buf.get(i) {
        Some(slot) => slot.store(v, Ordering::Relaxed),
        None => {
            LEN.fetch_sub(1, Ordering::Relaxed);
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Sends the report to the host (at shutdown: the app's memory map is still there to name
/// the objects its addresses lie in).
pub fn report(linux: Option<&osprey_linux::Linux>) {
    let hz = HZ.load(Ordering::Relaxed);
    let Some(buf) = BUF.get() else { return };
    // Stop sampling first: the counts below must not move under the report.
    PERIOD.store(0, Ordering::Relaxed);
    let n = LEN.load(Ordering::Relaxed).min(buf.len());
    let mut counts: BTreeMap<u64, u32> = BTreeMap::new();
    for s in &buf[..n] {
        let v = s.load(Ordering::Relaxed);
        *counts.entry(v).or_default() += 1;
    }
    let mut report = ProfileReport {
        hz: hz as u32,
        dropped: DROPPED.load(Ordering::Relaxed),
        late: LATE.load(Ordering::Relaxed),
        ..Default::default()
    };
    // App objects by guest path, looked up once per address (the lookups take the memory
    // lock: never in the interrupt).
    let mut module_index: BTreeMap<Vec<u8>, u16> = BTreeMap::new();
    for (v, count) in counts {
        let place = if v >= osprey_hal::mm::USER_END {
            if v & IDLE_BIT == 0 {
                Place::Idle
            } else {
                Place::Kernel
            }
        } else {
            match linux.and_then(|l| l.module_at(v)) {
                Some((path, bias)) => {
                    let next = report.modules.len();
                    match module_index.get(&path) {
                        Some(&i) => Place::Module(i),
                        None if next < MAX_MODULES => {
                            module_index.insert(path.clone(), next as u16);
                            report.modules.push((bias, path));
                            Place::Module(next as u16)
                        }
                        None => Place::Anon,
                    }
                }
                None => Place::Anon,
            }
        };
        let addr = if place == Place::Idle {
            v | IDLE_BIT
        } else {
            v
        };
        report.samples.push((addr, place, count));
    }
    osprey_hal::dev::serial::write_frame(Tag::Profile as u8, &report.encode());
}
