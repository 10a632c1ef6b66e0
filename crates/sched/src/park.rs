//! The park/unpark state machine of one thread.
//!
//! A thread that waits for something checks its condition and, if false, parks; whoever makes
//! the condition true unparks it. The wake-up must not be lost when it comes between the check
//! and the sleep, nor while the sleeping thread is still switching away from its CPU (its
//! registers are not saved yet, so it must not be put on a run queue another CPU may take it
//! from). Hence a permit (an unpark before the park is remembered, as with std's park) and
//! four states:
//!
//! ```text
//!  Running --prepare_park--> Blocking --commit_park (after the switch)--> Blocked
//!     ^                         | unpark                                    | unpark
//!     |                         v                                           v
//!     +------ commit_park --- Woken                            Running (caller enqueues)
//! ```

use core::sync::atomic::{AtomicBool, AtomicU8, Ordering::SeqCst};

const RUNNING: u8 = 0;
const BLOCKING: u8 = 1;
const BLOCKED: u8 = 2;
const WOKEN: u8 = 3;

#[derive(Default)]
pub struct Park {
    state: AtomicU8,
    permit: AtomicBool,
}

/// What the scheduler must do after an unpark or a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParkOutcome {
    /// Nothing: the thread is running, or will notice by itself.
    Nothing,
    /// Put the thread on a run queue.
    Enqueue,
}

impl Park {
    pub const fn new() -> Park {
        Park {
            state: AtomicU8::new(RUNNING),
            permit: AtomicBool::new(false),
        }
    }

    /// Called by the thread itself before switching away. False: a wake-up is already here,
    /// do not sleep. True: sleep (switch away), then let the next thread call
    /// [`Park::commit_park`] for this one.
    pub fn prepare_park(&self) -> bool {
        // (A load before each swap: the permit is rarely there, and a locked instruction costs
        // more than a load, most of all with several vCPUs under TCG.)
        if self.permit.load(SeqCst) && self.permit.swap(false, SeqCst) {
            return false;
        }
        // The store and the load below pair with unpark's store of the permit and load of the
        // state (both SeqCst): either unpark sees Blocking, or this sees the permit.
        self.state.store(BLOCKING, SeqCst);
        if self.permit.load(SeqCst) && self.permit.swap(false, SeqCst) {
            // An unpark came between the two looks; it may have marked us Woken.
            self.state.store(RUNNING, SeqCst);
            return false;
        }
        true
    }

    /// Called once the parked thread is off its CPU.
    pub fn commit_park(&self) -> ParkOutcome {
        match self
            .state
            .compare_exchange(BLOCKING, BLOCKED, SeqCst, SeqCst)
        {
            Ok(_) => ParkOutcome::Nothing,
            Err(_) => {
                // Woken while switching away: it runs again.
                self.state.store(RUNNING, SeqCst);
                ParkOutcome::Enqueue
            }
        }
    }

    /// Called by the thread when it runs again after a park: forget the permit that woke it
    /// (its waiter re-checks its condition before parking again, so nothing is lost).
    pub fn resumed(&self) {
        self.permit.store(false, SeqCst);
    }

    /// Wakes the thread. Enqueue means it was fully asleep and the caller must queue it.
    pub fn unpark(&self) -> ParkOutcome {
        self.permit.store(true, SeqCst);
        loop {
            match self.state.load(SeqCst) {
                BLOCKING => {
                    if self
                        .state
                        .compare_exchange(BLOCKING, WOKEN, SeqCst, SeqCst)
                        .is_ok()
                    {
                        return ParkOutcome::Nothing;
                    }
                }
                BLOCKED => {
                    if self
                        .state
                        .compare_exchange(BLOCKED, RUNNING, SeqCst, SeqCst)
                        .is_ok()
                    {
                        return ParkOutcome::Enqueue;
                    }
                }
                _ => return ParkOutcome::Nothing,
            }
        }
    }

    /// Whether the thread is asleep off-CPU.
    pub fn is_blocked(&self) -> bool {
        self.state.load(SeqCst) == BLOCKED
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn unpark_before_park_is_not_lost() {
        let p = Park::new();
        assert_eq!(p.unpark(), ParkOutcome::Nothing);
        assert!(!p.prepare_park());
        // The permit was used up: the next park sleeps.
        assert!(p.prepare_park());
        assert_eq!(p.commit_park(), ParkOutcome::Nothing);
        assert!(p.is_blocked());
        assert_eq!(p.unpark(), ParkOutcome::Enqueue);
        p.resumed();
        assert!(p.prepare_park());
    }

    #[test]
    fn unpark_while_switching_away_requeues_at_commit() {
        let p = Park::new();
        assert!(p.prepare_park());
        assert_eq!(p.unpark(), ParkOutcome::Nothing);
        assert_eq!(p.commit_park(), ParkOutcome::Enqueue);
        assert!(!p.is_blocked());
    }

    /// Many rounds of a sleeper and a waker on real threads: every round the sleeper ends up
    /// running exactly once (enqueued by exactly one of commit or unpark, or not sleeping).
    #[test]
    fn races_never_lose_or_double_a_wakeup() {
        for _ in 0..2000 {
            let p = Arc::new(Park::new());
            let enq = Arc::new(AtomicUsize::new(0));
            let (p2, e2) = (p.clone(), enq.clone());
            let waker = std::thread::spawn(move || {
                if p2.unpark() == ParkOutcome::Enqueue {
                    e2.fetch_add(1, SeqCst);
                }
            });
            let slept = p.prepare_park();
            let mut n = 0;
            if slept && p.commit_park() == ParkOutcome::Enqueue {
                n += 1;
            }
            waker.join().unwrap();
            // If it slept and nobody enqueued it yet, a late unpark must have found it Blocked
            // (counted in enq) — exactly one enqueue in total.
            let total = n + enq.load(SeqCst);
            if slept {
                assert_eq!(total, 1, "slept: must be woken exactly once");
            } else {
                assert_eq!(total, 0);
            }
        }
    }
}
