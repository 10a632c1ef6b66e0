//! `Condvar`: wait for a change made under a [`crate::Mutex`].
//!
//! The waiter queues its record while it still holds the mutex, then releases the mutex and
//! sleeps; a notifier claims records (oldest first) and unparks them. Because the record is
//! queued before the mutex is released, a notify that follows a change made under the mutex
//! always finds the waiter: no lost wake-up. A woken waiter re-takes the mutex through the
//! mutex's own queue, so `notify_all` does not make the waiters fight: they line up behind the
//! notifier and the mutex hands itself from one to the next.

use crate::mutex::MutexGuard;
use crate::wait_list::WaitList;
use crate::Park;
use core::marker::PhantomData;

/// A condition variable for [`crate::Mutex`]`<T, P>`.
pub struct Condvar<P: Park> {
    waiters: WaitList<P>,
    _scheduler: PhantomData<fn() -> P>,
}

/// Whether a timed wait returned because its deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the deadline passed before a notify came.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl<P: Park> Default for Condvar<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Park> core::fmt::Debug for Condvar<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Condvar")
    }
}

impl<P: Park> Condvar<P> {
    pub const fn new() -> Self {
        Condvar {
            waiters: WaitList::new(),
            _scheduler: PhantomData,
        }
    }

    /// Release the mutex, sleep until notified, re-take the mutex. May wake spuriously (as
    /// every condvar): check the condition in a loop, or use [`Condvar::wait_while`].
    pub fn wait<T: ?Sized>(&self, guard: &mut MutexGuard<'_, T, P>) {
        self.wait_inner(guard, None);
    }

    /// As [`Condvar::wait`], but give up once CLOCK_MONOTONIC reaches `deadline_ns`. The mutex
    /// is held again on return either way.
    pub fn wait_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T, P>,
        deadline_ns: u64,
    ) -> WaitTimeoutResult {
        WaitTimeoutResult(!self.wait_inner(guard, Some(deadline_ns)))
    }

    /// Wait while `condition` holds (checked with the mutex held).
    pub fn wait_while<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T, P>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) {
        while condition(&mut **guard) {
            self.wait(guard);
        }
    }

    /// Wait while `condition` holds, until `deadline_ns`. Timed out only if the condition
    /// still holds at the deadline.
    pub fn wait_while_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T, P>,
        deadline_ns: u64,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> WaitTimeoutResult {
        while condition(&mut **guard) {
            if self.wait_until(guard, deadline_ns).timed_out() {
                return WaitTimeoutResult(condition(&mut **guard));
            }
        }
        WaitTimeoutResult(false)
    }

    /// Wake the longest waiting thread, if any. True if one was woken.
    pub fn notify_one(&self) -> bool {
        self.waiters.wake_one()
    }

    /// Wake every thread waiting now; how many.
    pub fn notify_all(&self) -> usize {
        self.waiters.wake_all()
    }

    /// True if notified, false if the deadline passed.
    fn wait_inner<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T, P>,
        deadline: Option<u64>,
    ) -> bool {
        // Queued while the mutex is held: a notifier that changes the state under the mutex
        // and then notifies cannot miss us.
        let me = self.waiters.register();
        let notified = lock_api::MutexGuard::unlocked(guard, || me.wait(deadline));
        if !notified {
            self.waiters.unregister(&me);
        }
        notified
    }
}
