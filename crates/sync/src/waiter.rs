//! A wait record: one sleeping thread and the state a waker changes before unparking it.

use crate::atomic::{AtomicU8, Ordering};
use crate::Park;

const WAITING: u8 = 0;
const WOKEN: u8 = 1;
const CANCELLED: u8 = 2;

/// One thread's wait. The waker moves it WAITING -> WOKEN and then unparks; a waiter whose
/// deadline passed moves it WAITING -> CANCELLED. Exactly one of the two wins, so a wake-up is
/// either delivered or (if it lost to the timeout) passed on to the next waiter, never lost.
pub(crate) struct Waiter<P: Park> {
    thread: P::Token,
    state: AtomicU8,
}

impl<P: Park> Waiter<P> {
    pub(crate) fn current() -> Self {
        Waiter {
            thread: P::current(),
            state: AtomicU8::new(WAITING),
        }
    }

    /// Claim this wait and wake its thread. False if it was already woken or had timed out.
    pub(crate) fn wake(&self) -> bool {
        // Release: what the waker did before (e.g. the mutex owner's critical section) is
        // visible to the woken thread after its Acquire load of `state`.
        if self
            .state
            .compare_exchange(WAITING, WOKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            // The woken thread may already have seen WOKEN and left; the token is still valid
            // (it lives in this record, which the caller holds), and a left-over permit only
            // makes that thread's next park return early, which every park loop tolerates.
            P::unpark(&self.thread);
            true
        } else {
            false
        }
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
    pub(crate) fn wait_spinning(&self, deadline_ns: Option<u64>, spins: u32) -> bool {
        for _ in 0..spins {
            if self.state.load(Ordering::Acquire) == WOKEN {
                return true;
            }
            core::hint::spin_loop();
        }
        loop {
            if self.state.load(Ordering::Acquire) == WOKEN {
                return true;
            }
            match deadline_ns {
                None => P::park(),
                Some(deadline) => {
                    if P::now_ns() >= deadline {
                        return self.cancel();
                    }
                    P::park_until(deadline);
                }
            }
        }
    }

    /// Whether the wait was given up (its record may still sit in a list it was moved to).
    pub(crate) fn is_cancelled(&self) -> bool {
        self.state.load(Ordering::Acquire) == CANCELLED
    }

    /// Give up the wait. False if it was cancelled; true if a waker claimed it first (then the
    /// caller owns that wake-up and must act on it).
    pub(crate) fn cancel(&self) -> bool {
        match self
            .state
            .compare_exchange(WAITING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => false,
            Err(state) => state == WOKEN,
        }
    }
}
