//! The waiter list of [`crate::Condvar`] and [`crate::WaitQueue`]: FIFO wait records under a
//! spin lock that is held for a push, a pop or an unlink, always inside [`Park::critical`]
//! (preemption and interrupts off), so its holder is never preempted and an interrupt handler
//! may wake a queue. The mutex's queue (queue.rs) uses the same lock; here, in addition,
//! waiters leave on a timeout and wakers may be many at once.

use crate::atomic::Arc;
use crate::list_lock::ListLock;
use crate::waiter::{Record, Waiter};
use crate::Park;
use alloc::collections::VecDeque;

pub(crate) struct WaitList<P: Park> {
    waiters: ListLock<VecDeque<Record<P>>>,
}

impl<P: Park> WaitList<P> {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        WaitList {
            waiters: ListLock::new(VecDeque::new()),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        WaitList {
            waiters: ListLock::new(VecDeque::new()),
        }
    }

    /// Queue a wait record for the calling thread. Once this returns, a `wake_*` will see it.
    pub(crate) fn register(&self) -> Record<P> {
        self.register_with(0)
    }

    /// As `register`, for a condvar wait with the mutex at address `mutex`.
    pub(crate) fn register_with(&self, mutex: usize) -> Record<P> {
        let me = Arc::new(Waiter::current_with(mutex));
        let queued = me.clone();
        P::critical(|| {
            let mut waiters = self.waiters.lock();
            // A record that timed out after `requeue` moved it here could not unlink itself
            // (it looked in its first list): drop such leftovers from the front as we go.
            while waiters.front().is_some_and(|w| w.is_cancelled()) {
                waiters.pop_front();
            }
            waiters.push_back(queued)
        });
        me
    }

    /// Move up to `n` waiting records, oldest first, to the back of `to` (FUTEX_REQUEUE). How
    /// many were moved. A moved waiter then sleeps on `to`: woken by `to`'s wakes.
    pub(crate) fn requeue(&self, to: &WaitList<P>, n: usize) -> usize {
        if core::ptr::eq(self, to) {
            return 0;
        }
        P::critical(|| {
            // Both lists locked at once (in address order, so two opposite requeues cannot
            // deadlock): a moved record is always in one of them, and a wake on either that
            // runs at the same time finds it, as Linux's requeue under both bucket locks.
            let self_first = (self as *const Self) < (to as *const Self);
            let (mut from_list, mut to_list) = if self_first {
                let a = self.waiters.lock();
                (a, to.waiters.lock())
            } else {
                let b = to.waiters.lock();
                (self.waiters.lock(), b)
            };
            let mut moved = 0;
            while moved < n {
                match from_list.pop_front() {
                    Some(w) if w.is_cancelled() => {}
                    Some(w) => {
                        to_list.push_back(w);
                        moved += 1;
                    }
                    None => break,
                }
            }
            moved
        })
    }

    /// Take a record out (after a timeout, or when the waiter no longer needs to sleep).
    pub(crate) fn unregister(&self, me: &Record<P>) {
        P::critical(|| self.waiters.lock().retain(|w| !Arc::ptr_eq(w, me)));
    }

    /// Take the oldest record out, whatever its state.
    pub(crate) fn pop_front(&self) -> Option<Record<P>> {
        P::critical(|| self.waiters.lock().pop_front())
    }

    /// Wake the oldest waiter still waiting (skipping ones that timed out). True if one was.
    pub(crate) fn wake_one(&self) -> bool {
        loop {
            let Some(w) = self.pop_front() else {
                return false;
            };
            if w.wake() {
                return true;
            }
        }
    }

    /// Wake up to `n` waiters, oldest first; how many were woken.
    pub(crate) fn wake_n(&self, n: usize) -> usize {
        let mut woken = 0;
        while woken < n && self.wake_one() {
            woken += 1;
        }
        woken
    }

    /// Wake everyone waiting now; how many were woken.
    pub(crate) fn wake_all(&self) -> usize {
        let all = P::critical(|| core::mem::take(&mut *self.waiters.lock()));
        all.iter().filter(|w| w.wake()).count()
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        P::critical(|| self.waiters.lock().len())
    }

    /// Whether anyone is queued (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        P::critical(|| self.waiters.lock().is_empty())
    }
}
