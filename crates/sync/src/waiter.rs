//! A wait record: one sleeping thread and the state a waker changes before unparking it.

use crate::atomic::{Arc, AtomicBool, AtomicU8, Ordering};
use crate::Park;

/// A shared wait record, queued in the mutex's wait queue (a condvar record moves there on a
/// notify under the mutex) or in a condvar's or wait queue's list.
pub(crate) type Record<P> = Arc<Waiter<P>>;

const WAITING: u8 = 0;
const WOKEN: u8 = 1;
const CANCELLED: u8 = 2;
/// A condvar waiter that a notifier holding the mutex moved into the mutex's wait queue: it is
/// notified, and will be woken by the mutex's hand-off.
const MOVED: u8 = 3;
/// A MOVED waiter that the mutex handed itself to: it wakes owning the mutex.
const HANDED: u8 = 4;

/// One thread's wait. A waker moves it WAITING -> WOKEN and then unparks; a waiter whose
/// deadline passed moves it WAITING -> CANCELLED. Exactly one of the two wins, so a wake-up is
/// either delivered or (if it lost to the timeout) passed on to the next waiter, never lost.
/// A condvar notify under the mutex instead moves it WAITING -> MOVED (the deadline can no
/// longer win) and the mutex's unlock later moves it MOVED -> HANDED.
pub(crate) struct Waiter<P: Park> {
    thread: P::Token,
    state: AtomicU8,
    /// For a condvar wait: the address of the mutex it waits with (compared, never followed),
    /// so that a notifier only moves it into the queue of that same mutex. 0 otherwise.
    #[cfg_attr(loom, allow(dead_code))] // the condvar is not built under loom
    pub(crate) mutex: usize,
    /// The thread is still checking for its wake-up, not parked: a hint for the mutex's
    /// hand-off, which prefers such a waiter (`RawMutex::next_owner`).
    spinning: AtomicBool,
}

impl<P: Park> Waiter<P> {
    pub(crate) fn current() -> Self {
        Self::current_with(0)
    }

    pub(crate) fn current_with(mutex: usize) -> Self {
        Waiter {
            thread: P::current(),
            state: AtomicU8::new(WAITING),
            mutex,
            spinning: AtomicBool::new(false),
        }
    }

    /// Claim this wait and wake its thread. False if it was already woken or had timed out.
    pub(crate) fn wake(&self) -> bool {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let to = match state {
                WAITING => WOKEN,
                MOVED => HANDED,
                _ => return false,
            };
            // Release: what the waker did before (e.g. the mutex owner's critical section) is
            // visible to the woken thread after its Acquire load of `state`.
            match self
                .state
                .compare_exchange(state, to, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        // The woken thread may already have seen the new state and left; the token is still
        // valid (it lives in this record, which the caller holds), and a left-over permit only
        // makes that thread's next park return early, which every park loop tolerates.
        P::unpark(&self.thread);
        true
    }

    /// Claim this wait for a move into a mutex's queue (see MOVED). False if it was already
    /// woken or had timed out.
    pub(crate) fn claim_for_move(&self) -> bool {
        self.state
            .compare_exchange(WAITING, MOVED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Whether the wake-up came from a mutex hand-off (this thread now owns that mutex).
    pub(crate) fn handed(&self) -> bool {
        self.state.load(Ordering::Acquire) == HANDED
    }

    /// Whether the wait was given up (its record may still sit in a list it was moved to).
    pub(crate) fn is_cancelled(&self) -> bool {
        self.state.load(Ordering::Acquire) == CANCELLED
    }

    /// Sleep until woken, or until `deadline_ns` passes (then the wait is cancelled). True if
    /// woken; false if the deadline won.
    pub(crate) fn wait(&self, deadline_ns: Option<u64>) -> bool {
        self.wait_spinning(deadline_ns, 0)
    }

    /// As [`Waiter::wait`], re-checking up to `spins` times before the first park. A mutex
    /// waiter spins (P::spin_limit): a hand-off that comes within the spin costs the waker no
    /// real wake (unparking a running thread only sets its permit) and this thread no sleep,
    /// so between two running threads on SMP a hand-off is a cache-line transfer. Condvar and
    /// wait-queue waits are typically long and do not spin.
    pub(crate) fn wait_spinning(&self, mut deadline_ns: Option<u64>, spins: u32) -> bool {
        if spins != 0 {
            self.spinning.store(true, Ordering::Relaxed);
            for _ in 0..spins {
                if self.is_woken() {
                    self.spinning.store(false, Ordering::Relaxed);
                    return true;
                }
                if P::need_resched() {
                    break; // whoever waits for this CPU may be the one that must run first
                }
                core::hint::spin_loop();
            }
            // (A waker that still reads `true` wakes a thread about to park: its permit makes
            // the park return at once. The flag only steers which waiter gets a hand-off.)
            self.spinning.store(false, Ordering::Relaxed);
        }
        loop {
            if self.is_woken() {
                return true;
            }
            match deadline_ns {
                None => P::park(),
                Some(deadline) => {
                    if P::now_ns() >= deadline {
                        if !self.cancel() {
                            return false;
                        }
                        // Claimed by a waker first: if it was a move, the mutex's hand-off is
                        // still to come; wait for it with no deadline.
                        deadline_ns = None;
                        continue;
                    }
                    P::park_until(deadline);
                }
            }
        }
    }

    /// Whether the thread is (probably) still checking for its wake-up rather than parked.
    pub(crate) fn is_spinning(&self) -> bool {
        self.spinning.load(Ordering::Relaxed)
    }

    fn is_woken(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), WOKEN | HANDED)
    }

    /// Give up the wait. False if it was cancelled; true if a waker claimed it first (then the
    /// caller owns that wake-up and must act on it).
    pub(crate) fn cancel(&self) -> bool {
        match self
            .state
            .compare_exchange(WAITING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => false,
            Err(state) => state != CANCELLED,
        }
    }
}
