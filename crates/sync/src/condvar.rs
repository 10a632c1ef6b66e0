//! `Condvar`: wait for a change made under a [`crate::Mutex`].
//!
//! The waiter queues its record while it still holds the mutex, then releases the mutex and
//! sleeps; a notifier claims records (oldest first) and unparks them. Because the record is
//! queued before the mutex is released, a notify that follows a change made under the mutex
//! always finds the waiter: no lost wake-up. A woken waiter re-takes the mutex through the
//! mutex's own queue (after a `notify_all` they all wake, then line up there).
//!
//! `notify_one_locked`/`notify_all_locked`, called with the mutex held, do OSv's *wait
//! morphing*: instead of waking a waiter that would at once block on the mutex its notifier
//! holds, they move its record into the mutex's wait queue; it wakes once, when the mutex is
//! handed to it. (Without the guard the notifier could not know that the mutex outlives the
//! move; the record names its mutex, so a move into another mutex's queue is refused.)

use crate::mutex::MutexGuard;
use crate::raw_mutex::RawMutex;
use crate::wait_list::WaitList;
use crate::Park;
use core::marker::PhantomData;

/// A condition variable for [`crate::Mutex`]`<T, P>`.
pub struct Condvar<P: Park> {
    pub(crate) waiters: WaitList<P>,
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

    /// As [`Condvar::notify_one`], called with the mutex held (`guard`): the waiter is moved
    /// into the mutex's queue instead of being woken, and wakes once, owning the mutex, when
    /// the mutex is handed to it. Saves the waiter a wake-up and a sleep.
    pub fn notify_one_locked<T: ?Sized>(&self, guard: &MutexGuard<'_, T, P>) -> bool {
        let raw = guard.mutex().raw();
        while let Some(w) = self.waiters.pop_front() {
            if self.morph_or_wake(raw, w) {
                return true;
            }
        }
        false
    }

    /// As [`Condvar::notify_all`], with the mutex held: every waiter is moved into the mutex's
    /// queue and gets the mutex in turn as it is released. How many were notified.
    pub fn notify_all_locked<T: ?Sized>(&self, guard: &MutexGuard<'_, T, P>) -> usize {
        let raw = guard.mutex().raw();
        let mut notified = 0;
        while let Some(w) = self.waiters.pop_front() {
            notified += usize::from(self.morph_or_wake(raw, w));
        }
        notified
    }

    fn morph_or_wake(&self, held: &RawMutex<P>, w: crate::waiter::Record<P>) -> bool {
        if w.mutex != held.id() {
            return w.wake(); // waits with another mutex: a plain wake
        }
        if !w.claim_for_move() {
            return false; // timed out meanwhile
        }
        held.enqueue_held(w);
        true
    }

    /// True if notified, false if the deadline passed.
    fn wait_inner<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T, P>,
        deadline: Option<u64>,
    ) -> bool {
        let raw = guard.mutex().raw();
        // Queued while the mutex is held: a notifier that changes the state under the mutex
        // and then notifies cannot miss us.
        let me = self.waiters.register_with(raw.id());
        guard.release_data();
        raw.unlock();
        // From here until the lock is ours again, `relock` restores it if anything unwinds,
        // so the guard never outlives its lock.
        let mut relock = Relock {
            guard,
            owned: false,
        };
        let notified = me.wait(deadline);
        if !notified {
            self.waiters.unregister(&me);
        }
        // Moved into the mutex's queue by a notify under the lock, then handed the lock by its
        // unlock: ours already. Otherwise `relock` takes it.
        relock.owned = me.handed();
        drop(relock);
        notified
    }
}

/// Takes the mutex back (unless already `owned`) and its data lock when dropped.
struct Relock<'g, 'a, T: ?Sized, P: Park> {
    guard: &'g mut MutexGuard<'a, T, P>,
    owned: bool,
}

impl<T: ?Sized, P: Park> Drop for Relock<'_, '_, T, P> {
    fn drop(&mut self) {
        if !self.owned {
            self.guard.mutex().raw().lock();
        }
        self.guard.reacquire_data();
    }
}
