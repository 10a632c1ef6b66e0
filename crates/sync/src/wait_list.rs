//! The waiter list of [`crate::Condvar`] and [`crate::WaitQueue`]: FIFO wait records under a
//! spin lock that is held for a push, a pop or an unlink, always inside [`Park::critical`]
//! (preemption and interrupts off), so its holder is never preempted and an interrupt handler
//! may wake a queue. Unlike the mutex's queue, waiters here leave on a timeout, and wakers may
//! be many at once; a short critical section is the simple, honest tool for that.

use crate::atomic::Arc;
use crate::waiter::Waiter;
use crate::Park;
use alloc::collections::VecDeque;

pub(crate) struct WaitList<P: Park> {
    waiters: spin::Mutex<VecDeque<Arc<Waiter<P>>>>,
}

impl<P: Park> WaitList<P> {
    pub(crate) const fn new() -> Self {
        WaitList {
            waiters: spin::Mutex::new(VecDeque::new()),
        }
    }

    /// Queue a wait record for the calling thread. Once this returns, a `wake_*` will see it.
    pub(crate) fn register(&self) -> Arc<Waiter<P>> {
        let me = Arc::new(Waiter::current());
        let queued = me.clone();
        P::critical(|| self.waiters.lock().push_back(queued));
        me
    }

    /// Take a record out (after a timeout, or when the waiter no longer needs to sleep).
    pub(crate) fn unregister(&self, me: &Arc<Waiter<P>>) {
        P::critical(|| self.waiters.lock().retain(|w| !Arc::ptr_eq(w, me)));
    }

    /// Wake the oldest waiter still waiting (skipping ones that timed out). True if one was.
    pub(crate) fn wake_one(&self) -> bool {
        loop {
            let Some(w) = P::critical(|| self.waiters.lock().pop_front()) else {
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

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        P::critical(|| self.waiters.lock().len())
    }

    /// Whether anyone is queued (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        P::critical(|| self.waiters.lock().is_empty())
    }
}
