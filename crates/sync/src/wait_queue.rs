//! `WaitQueue`: a place for kernel code to sleep until something happens: a pipe gets data, a
//! futex word is woken, a child exits. The waker makes its change first and then calls
//! `wake_one`/`wake_all` (from any thread or an interrupt handler); a waiter checks its
//! condition after queuing itself, so a change followed by a wake is never missed.

use crate::wait_list::WaitList;
use crate::Park;
use core::marker::PhantomData;

/// A FIFO queue of sleeping threads.
pub struct WaitQueue<P: Park> {
    waiters: WaitList<P>,
    _scheduler: PhantomData<fn() -> P>,
}

/// How [`WaitQueue::sleep_if`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sleep {
    /// A `wake_*` woke this thread.
    Woken,
    /// The deadline passed first.
    TimedOut,
    /// The check said not to sleep (a futex word that had already changed: EAGAIN).
    NotSlept,
}

impl<P: Park> Default for WaitQueue<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Park> core::fmt::Debug for WaitQueue<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WaitQueue")
    }
}

impl<P: Park> WaitQueue<P> {
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        WaitQueue {
            waiters: WaitList::new(),
            _scheduler: PhantomData,
        }
    }

    #[cfg(loom)]
    pub fn new() -> Self {
        WaitQueue {
            waiters: WaitList::new(),
            _scheduler: PhantomData,
        }
    }

    /// Sleep until `ready()` returns true. `ready` runs with no lock held, possibly several
    /// times; it must only look.
    pub fn wait_for(&self, ready: impl FnMut() -> bool) {
        self.wait_for_until(ready, None);
    }

    /// Sleep until `ready()` returns true or CLOCK_MONOTONIC reaches `deadline_ns`. Returns the
    /// last value of `ready()`: false means timed out.
    pub fn wait_for_until(
        &self,
        mut ready: impl FnMut() -> bool,
        deadline_ns: Option<u64>,
    ) -> bool {
        loop {
            if ready() {
                return true;
            }
            let me = self.waiters.register();
            if ready() {
                self.leave(&me);
                return true;
            }
            if !me.wait(deadline_ns) {
                self.waiters.unregister(&me);
                return ready();
            }
        }
    }

    /// Futex-style sleep: queue, then ask `still_wanted()` (e.g. "the futex word still holds
    /// the expected value"); if it says no, return [`Sleep::NotSlept`] at once, else sleep
    /// until a `wake_*` or the deadline. Unlike [`WaitQueue::wait_for`] this returns on the
    /// first wake, whatever any condition says, as `FUTEX_WAIT` does.
    pub fn sleep_if(&self, still_wanted: impl FnOnce() -> bool, deadline_ns: Option<u64>) -> Sleep {
        let me = self.waiters.register();
        if !still_wanted() {
            self.leave(&me);
            return Sleep::NotSlept;
        }
        if me.wait(deadline_ns) {
            Sleep::Woken
        } else {
            self.waiters.unregister(&me);
            Sleep::TimedOut
        }
    }

    /// Wake the longest sleeper. True if one was woken.
    pub fn wake_one(&self) -> bool {
        self.waiters.wake_one()
    }

    /// Wake up to `n` sleepers (FUTEX_WAKE's count); how many were woken.
    pub fn wake_n(&self, n: usize) -> usize {
        self.waiters.wake_n(n)
    }

    /// Wake every sleeper; how many.
    pub fn wake_all(&self) -> usize {
        self.waiters.wake_all()
    }

    /// FUTEX_REQUEUE / CMP_REQUEUE: wake up to `wake` sleepers here, then move up to `move_n`
    /// of the rest to `to`, where they keep sleeping (a later wake on `to` wakes them). Returns
    /// (woken, moved). A moved sleeper that then times out leaves a dead record in `to`, which
    /// the next wake or sleep on `to` discards.
    pub fn requeue(&self, to: &WaitQueue<P>, wake: usize, move_n: usize) -> (usize, usize) {
        let woken = self.waiters.wake_n(wake);
        (woken, self.waiters.requeue(&to.waiters, move_n))
    }

    /// Whether nobody sleeps here (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn waiters_for_tests(&self) -> usize {
        self.waiters.len()
    }

    /// Leave without sleeping. If a waker claimed our record meanwhile, that wake-up was meant
    /// for some sleeper: pass it on rather than swallow it.
    fn leave(&self, me: &crate::waiter::Record<P>) {
        self.waiters.unregister(me);
        if me.cancel() {
            self.waiters.wake_one();
        }
    }
}
