//! TLB shootdown: when the app's page tables change, every other CPU that may hold a stale
//! translation of the app's half flushes it before the change counts as done (and before a
//! freed frame can be reused).
//!
//! Only CPUs that run app code need it: a CPU joins the set with [`join_app_cpus`] (boot's
//! `enter_app` does; a scheduler does when it first runs an app thread on a CPU), which also
//! flushes whatever it may have cached before. While the app runs on one CPU, a shootdown is a
//! load of the set and nothing else.
//!
//! One shootdown at a time (a spin flag). The initiator publishes the range, sets the pending
//! bit of every target, sends them [`TLB_VECTOR`] and spins until all bits are clear. A CPU
//! flushes and clears its bit from the interrupt handler, or from inside the spin loops here
//! (so two CPUs shooting down at once, one of them waiting for the flag with interrupts off,
//! still make progress). A CPU that spins with interrupts off on some other lock held by an
//! initiator would deadlock: kernel locks taken around page-table changes must not do that.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::percpu::{cpu_id, MAX_CPUS};
use super::smp;

/// Reserved IPI vector: flush the published range (the hal handles it).
pub const TLB_VECTOR: u8 = 0xf3;

const WORDS: usize = MAX_CPUS / 64;

/// CPUs that may hold translations of the app's half.
static APP_CPUS: [AtomicU64; WORDS] = [const { AtomicU64::new(0) }; WORDS];
/// CPUs that still have to flush the current request.
static PENDING: [AtomicU64; WORDS] = [const { AtomicU64::new(0) }; WORDS];
static START: AtomicU64 = AtomicU64::new(0);
static END: AtomicU64 = AtomicU64::new(0);
static BUSY: AtomicBool = AtomicBool::new(false);

/// Above this many pages a full flush is cheaper than `invlpg` one by one.
const MAX_INVLPG: u64 = 32;

fn bit(cpu: usize) -> (usize, u64) {
    (cpu / 64, 1 << (cpu % 64))
}

/// Marks the calling CPU as one that runs app code, after flushing every app translation it
/// may hold from before (speculative fills on real hardware). Idempotent.
pub fn join_app_cpus() {
    let (w, b) = bit(cpu_id());
    if APP_CPUS[w].load(Ordering::Relaxed) & b == 0 {
        x86_64::instructions::tlb::flush_all();
        APP_CPUS[w].fetch_or(b, Ordering::AcqRel);
    }
}

/// Takes the calling CPU out of the set (it no longer runs app code). Its TLB is flushed when
/// it joins again.
pub fn leave_app_cpus() {
    let (w, b) = bit(cpu_id());
    APP_CPUS[w].fetch_and(!b, Ordering::AcqRel);
}

/// Flushes app translations in `[start, end)` on the calling CPU.
pub(crate) fn flush_local(start: u64, end: u64) {
    if end.saturating_sub(start) / crate::mm::PAGE_SIZE > MAX_INVLPG {
        x86_64::instructions::tlb::flush_all();
    } else {
        let mut va = start;
        while va < end {
            x86_64::instructions::tlb::flush(x86_64::VirtAddr::new_truncate(va));
            va += crate::mm::PAGE_SIZE;
        }
    }
}

/// Flushes this CPU's part of the current request, if it has one.
pub(crate) fn serve() {
    let (w, b) = bit(cpu_id());
    if PENDING[w].load(Ordering::Acquire) & b != 0 {
        // The range stays put while any bit is set (the initiator waits for all of them).
        flush_local(START.load(Ordering::Acquire), END.load(Ordering::Acquire));
        PENDING[w].fetch_and(!b, Ordering::AcqRel);
    }
}

/// Makes every other app CPU drop its translations of `[start, end)`, and returns once they
/// all have. The caller has already changed the page tables and flushed its own TLB.
pub(crate) fn shootdown(start: u64, end: u64) {
    let me = cpu_id();
    let (mw, mb) = bit(me);
    let others = |w: usize| APP_CPUS[w].load(Ordering::Acquire) & if w == mw { !mb } else { !0 };
    if (0..WORDS).all(|w| others(w) == 0) {
        return;
    }
    while BUSY
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        serve();
        core::hint::spin_loop();
    }
    START.store(start, Ordering::Release);
    END.store(end, Ordering::Release);
    for w in 0..WORDS {
        PENDING[w].store(others(w), Ordering::Release);
    }
    for w in 0..WORDS {
        let mut m = PENDING[w].load(Ordering::Acquire);
        while m != 0 {
            let cpu = w * 64 + m.trailing_zeros() as usize;
            m &= m - 1;
            if smp::is_online(cpu) {
                smp::send_ipi(cpu, TLB_VECTOR);
            } else {
                PENDING[w].fetch_and(!(1 << (cpu % 64)), Ordering::AcqRel);
            }
        }
    }
    while (0..WORDS).any(|w| PENDING[w].load(Ordering::Acquire) != 0) {
        core::hint::spin_loop();
    }
    BUSY.store(false, Ordering::Release);
}

/// `selftest=tlb` on the kernel command line (tests only): proves shootdowns reach the other
/// CPUs. Every AP joins the app CPUs and reads an app page holding 'A'; the boot CPU maps a
/// page holding 'B' in its place (which shoots the old translation down); every AP must now
/// read 'B' (under TCG, as on hardware, a CPU keeps using a cached translation until it is
/// flushed, so without the shootdown it would still read 'A' from the freed frame). Runs at
/// boot, before the kernel's main, with the APs in a temporary AP entry.
pub(crate) fn selftest() -> Result<usize, &'static str> {
    use crate::mm::paging::{user_map_with, user_unmap_range, Perm};
    smp::wait_for_aps();
    let aps = smp::online() - 1;
    if aps == 0 {
        return Err("it needs two CPUs or more");
    }
    let rw = Perm {
        read: true,
        write: true,
        exec: false,
    };
    user_map_with(SELFTEST_VA, rw, b"A").map_err(|_| "out of memory")?;
    smp::set_ap_entry(selftest_ap);
    selftest_step(1, aps);
    // Replaces the frame: the APs' cached translations must go.
    user_map_with(SELFTEST_VA, rw, b"B").map_err(|_| "out of memory")?;
    selftest_step(2, aps);
    smp::clear_ap_entry();
    selftest_step(3, aps);
    user_unmap_range(SELFTEST_VA, SELFTEST_VA + crate::mm::PAGE_SIZE);
    leave_app_cpus();
    match SELFTEST_BAD.load(Ordering::Acquire) {
        0 => Ok(aps),
        _ => Err("an AP still read the old page after the shootdown"),
    }
}

/// An app-half address the app cannot be using yet (the selftest runs before it is loaded).
const SELFTEST_VA: u64 = 0x7e00_0000_0000;
static SELFTEST_STEP: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
static SELFTEST_DONE: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
static SELFTEST_BAD: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

fn selftest_step(step: usize, aps: usize) {
    SELFTEST_STEP.store(step, Ordering::Release);
    smp::broadcast_ipi(smp::WAKE_VECTOR);
    while SELFTEST_DONE.load(Ordering::Acquire) < step * aps {
        core::hint::spin_loop();
    }
}

fn read_selftest_page() -> u8 {
    // SAFETY: the boot CPU keeps a page mapped at SELFTEST_VA (present, readable) for as long
    // as the APs are in steps 1 and 2; the kernel reads app-half pages directly (ring 0, no
    // SMAP). A volatile read, so that it really goes through this CPU's TLB.
    unsafe { (SELFTEST_VA as *const u8).read_volatile() }
}

fn selftest_ap(cpu: usize) -> ! {
    let mut seen = 0;
    while seen < 3 {
        super::halt_unless(|| SELFTEST_STEP.load(Ordering::Acquire) == seen);
        let step = SELFTEST_STEP.load(Ordering::Acquire);
        if step == seen {
            continue;
        }
        seen = step;
        match step {
            1 => {
                join_app_cpus();
                if read_selftest_page() != b'A' {
                    SELFTEST_BAD.fetch_add(1, Ordering::AcqRel);
                }
            }
            2 => {
                if read_selftest_page() != b'B' {
                    SELFTEST_BAD.fetch_add(1, Ordering::AcqRel);
                }
            }
            _ => leave_app_cpus(),
        }
        SELFTEST_DONE.fetch_add(1, Ordering::AcqRel);
    }
    smp::ap_idle(cpu)
}
