//! A lock-free multi-producer single-consumer queue of `Arc` nodes: the mutex's wait queue.
//!
//! Producers (threads that failed to take the mutex) push onto a Treiber stack, `pushed`, with
//! one CAS. The single consumer takes the whole stack with one swap, reverses it into FIFO order
//! and keeps it as its private `popped` list. Nothing ever removes a single node from the shared
//! stack, so a push's CAS cannot suffer ABA: a node that was taken off and re-pushed at the same
//! address would still be the correct `next` for the new node.
//!
//! This is the only module in the crate with raw pointers (`Arc::into_raw`/`from_raw`): the
//! links must be atomics, and an atomic can hold a pointer but not an `Arc`. The queue owns one
//! strong count of every node it holds; [`Queue::pop`] gives it back. Who the single consumer
//! is, is decided by the mutex's protocol (the unlocking owner, or the one thread that accepted
//! a hand-off); the `consuming` flag checks it at run time, so a protocol bug panics instead of
//! corrupting the list, and the module stays sound whatever its caller does.
#![allow(unsafe_code)]

use crate::atomic::{Arc, AtomicBool, AtomicPtr, Ordering};
use core::ptr;

/// A queue element: a value and the link the queue threads through it.
pub(crate) struct Node<T> {
    pub(crate) value: T,
    next: AtomicPtr<Node<T>>,
}

impl<T> core::ops::Deref for Node<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Node<T> {
    pub(crate) fn new(value: T) -> Arc<Self> {
        Arc::new(Node {
            value,
            next: AtomicPtr::new(ptr::null_mut()),
        })
    }
}

pub(crate) struct Queue<T> {
    /// Newest first; pushed by anyone, emptied only by the consumer's swap.
    pushed: AtomicPtr<Node<T>>,
    /// Oldest first; touched (written) only by the consumer. An atomic so that `is_empty` from
    /// another thread is a race-free read.
    popped: AtomicPtr<Node<T>>,
    /// Set while a `pop` runs: two at once would be a bug in the caller's protocol.
    consuming: AtomicBool,
}

// SAFETY: a `Queue<T>` is a set of `Arc<Node<T>>` that may be pushed on one thread and popped on
// another (sent) and whose nodes are shared with the threads that hold the other `Arc`s; that is
// exactly what `Arc<Node<T>>: Send + Sync` requires, i.e. `T: Send + Sync`. The raw pointers
// are what make these not automatic.
unsafe impl<T: Send + Sync> Send for Queue<T> {}
// SAFETY: as above; every shared access goes through atomics, and `pop`'s exclusive access to
// the consumer side is enforced by `consuming`.
unsafe impl<T: Send + Sync> Sync for Queue<T> {}

impl<T> Queue<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Queue {
            pushed: AtomicPtr::new(ptr::null_mut()),
            popped: AtomicPtr::new(ptr::null_mut()),
            consuming: AtomicBool::new(false),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Queue {
            pushed: AtomicPtr::new(ptr::null_mut()),
            popped: AtomicPtr::new(ptr::null_mut()),
            consuming: AtomicBool::new(false),
        }
    }

    /// Append `node`. Lock-free: retries only when another push won the CAS.
    pub(crate) fn push(&self, node: Arc<Node<T>>) {
        let raw = Arc::into_raw(node) as *mut Node<T>;
        let mut head = self.pushed.load(Ordering::Relaxed);
        loop {
            // SAFETY: `raw` came from `Arc::into_raw` just above and is not yet published, so
            // this thread is its only user of `next`; the node lives until the consumer's
            // `from_raw` (the count this queue now owns keeps it).
            unsafe { (*raw).next.store(head, Ordering::Relaxed) };
            // SeqCst (a locked RMW on x86 in any case): the mutex's hand-off protocol relies on
            // a push being ordered before the pusher's later look at `handoff`.
            match self
                .pushed
                .compare_exchange_weak(head, raw, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(now) => head = now,
            }
        }
    }

    /// Take the oldest node. Only one thread may consume at a time (the mutex protocol's
    /// "responsible" thread); a concurrent second consumer panics.
    pub(crate) fn pop(&self) -> Option<Arc<Node<T>>> {
        if self.consuming.swap(true, Ordering::Acquire) {
            panic!("osprey-sync: two threads popped a mutex wait queue at once");
        }
        let mut head = self.popped.load(Ordering::Acquire);
        if head.is_null() {
            // Take everything pushed so far (newest first) and reverse it (oldest first).
            let mut list = self.pushed.swap(ptr::null_mut(), Ordering::SeqCst);
            while !list.is_null() {
                // SAFETY: `list` is a node taken off the shared stack by the swap above, so no
                // producer touches it any more (a producer writes `next` only before its CAS
                // publishes the node) and no other consumer exists (`consuming`). It is alive:
                // the queue still owns one strong count of it.
                let next = unsafe { (*list).next.load(Ordering::Relaxed) };
                // SAFETY: as above.
                unsafe { (*list).next.store(head, Ordering::Relaxed) };
                head = list;
                list = next;
            }
        }
        let node = if head.is_null() {
            None
        } else {
            // SAFETY: `head` is the first node of the consumer-private list (alive, owned by the
            // queue, touched by no producer, see above).
            let next = unsafe { (*head).next.load(Ordering::Relaxed) };
            self.popped.store(next, Ordering::Release);
            // SAFETY: `head` came from `Arc::into_raw` in `push`, and unlinking it just above
            // ends the queue's use of it, so the strong count the queue owned is returned
            // exactly once, here.
            Some(unsafe { Arc::from_raw(head as *const Node<T>) })
        };
        self.consuming.store(false, Ordering::Release);
        node
    }

    /// Whether the queue holds no node. From a non-consumer this is a snapshot; the answer
    /// "empty" is given only by an RMW on `pushed` (a CAS of null to null), which the hand-off
    /// protocol needs: it must be ordered after any push that happened before a `handoff`
    /// exchange that this thread's own exchange follows.
    pub(crate) fn is_empty(&self) -> bool {
        self.popped.load(Ordering::SeqCst).is_null()
            && self
                .pushed
                .compare_exchange(
                    ptr::null_mut(),
                    ptr::null_mut(),
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
    }
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        // A mutex is dropped only when nobody can use it, so nobody waits on it: this only
        // returns the counts of nodes left by a panicking or leaked waiter.
        while self.pop().is_some() {}
    }
}
