//! `osprey_sync::Park` for this kernel: the sleeping locks (`osprey_sync::Mutex`, `Condvar`,
//! `WaitQueue`) sleep and wake app threads through the scheduler (sched.rs).
//!
//! * A thread is named by its tid; `unpark` of a tid that has exited does nothing.
//! * `park`/`park_until` are `sched::park`, which keeps a permit (an unpark that comes first is
//!   not lost) and may return early; the locks re-check their wait record around every park.
//! * `critical` turns interrupts off: the kernel is not preemptible, so that also keeps the
//!   thread on its CPU while it holds a wait list's spin lock for a few instructions, and an
//!   interrupt handler that wakes a queue cannot spin on a list lock its own CPU holds.
//! * The idle thread has no tid and must never wait on a sleeping lock (it is what runs when
//!   everything else sleeps, so nothing could wake it). Nothing it runs takes one today (timer
//!   expiry and wake-ups only); if that changes, the panic in `current` says so.

use osprey_sync::{DynPark, Park};

use crate::machine::monotonic_ns;
use crate::sched;

/// The kernel's scheduler as seen by the sleeping locks: statically (`Park`, for locks the
/// kernel crate declares as `osprey_sync::Mutex<T, KernelPark>`) and as the object installed
/// at boot for `osprey_sync::GlobalPark` (`DynPark`, for the Linux layer's locks, which
/// cannot name this type).
pub struct KernelPark;

/// The current app thread's tid; None in the idle thread.
fn current_tid() -> Option<i32> {
    sched::with_linux_thread(|t| t.map(|t| t.tid))
}

impl Park for KernelPark {
    type Token = i32;

    fn current() -> i32 {
        current_tid().expect("the idle thread must not wait on a sleeping lock")
    }

    fn park() {
        sched::park(None);
    }

    fn park_until(deadline_ns: u64) {
        sched::park(Some(deadline_ns));
    }

    fn unpark(thread: &i32) {
        sched::unpark(*thread);
    }

    fn now_ns() -> u64 {
        monotonic_ns()
    }

    fn critical<R>(f: impl FnOnce() -> R) -> R {
        osprey_hal::cpu::without_interrupts(f)
    }

    fn spin_limit() -> u32 {
        // A holder can be running only on another CPU; on one CPU a spin only delays it.
        if osprey_hal::cpu::cpu_count() == 1 {
            0
        } else {
            64
        }
    }

    fn need_resched() -> bool {
        sched::need_resched()
    }
}

impl DynPark for KernelPark {
    fn current(&self) -> Option<u64> {
        // tids are positive, so the number is never 0.
        current_tid().map(|tid| tid as u64)
    }

    fn park(&self, deadline_ns: Option<u64>) {
        sched::park(deadline_ns);
    }

    fn unpark(&self, thread: u64) {
        sched::unpark(thread as i32);
    }

    fn now_ns(&self) -> u64 {
        monotonic_ns()
    }

    fn critical(&self, f: &mut dyn FnMut()) {
        osprey_hal::cpu::without_interrupts(f)
    }

    fn spin_limit(&self) -> u32 {
        <KernelPark as Park>::spin_limit()
    }

    fn need_resched(&self) -> bool {
        <KernelPark as Park>::need_resched()
    }
}
