//! The mutex's wait queue: a FIFO of wait records under a short spin lock ([`ListLock`]).
//!
//! Only the list is locked. The mutex's lock word, its hand-off tickets and the wait records'
//! states stay lock-free atomics (raw_mutex.rs, waiter.rs): taking or releasing a free mutex
//! never touches this lock, and nobody ever waits here for a thread to finish a critical
//! section, only for another CPU's push or pop (a few instructions with interrupts off).
//!
//! The hand-off protocol needs "a locker pushed, then looked at `handoff`" and "an unlocker
//! published a ticket, then looked at the queue" to see each other one way or the other. The
//! two `handoff` accesses are SeqCst read-modify-writes, so one reads the other's write: if the
//! unlocker's comes second, it synchronises with the locker's, the locker's push (and the list
//! lock's release after it) happens before the unlocker's look at the list, and the list lock
//! makes that look see the push. (The loom models in raw_mutex_loom.rs check it.)

use crate::list_lock::ListLock;
use crate::Park;
use alloc::collections::VecDeque;
use core::marker::PhantomData;

pub(crate) struct Queue<T, P: Park> {
    list: ListLock<VecDeque<T>>,
    _scheduler: PhantomData<fn() -> P>,
}

impl<T, P: Park> Queue<T, P> {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Queue {
            list: ListLock::new(VecDeque::new()),
            _scheduler: PhantomData,
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Queue {
            list: ListLock::new(VecDeque::new()),
            _scheduler: PhantomData,
        }
    }

    /// Append `item` (oldest first).
    pub(crate) fn push(&self, item: T) {
        P::critical(|| self.list.lock().push_back(item))
    }

    /// Take the oldest item.
    pub(crate) fn pop(&self) -> Option<T> {
        P::critical(|| self.list.lock().pop_front())
    }

    /// Take the oldest item that `prefer` accepts, else the oldest; and whether that passed
    /// over the oldest.
    pub(crate) fn pop_preferring(&self, prefer: impl Fn(&T) -> bool) -> Option<(T, bool)> {
        P::critical(|| {
            let mut list = self.list.lock();
            match list.iter().position(prefer) {
                Some(i) if i > 0 => list.remove(i).map(|t| (t, true)),
                _ => list.pop_front().map(|t| (t, false)),
            }
        })
    }

    /// Whether the queue holds nothing: read under the list lock, so it is ordered after every
    /// push whose lock release happens before this call (see the module comment).
    pub(crate) fn is_empty(&self) -> bool {
        P::critical(|| self.list.lock().is_empty())
    }
}
