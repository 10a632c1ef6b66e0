//! The sleeping hand-off mutex (OSv's lock-free design, see ARCHITECTURE.md "Kernel locks").
//!
//! State: `count`, the number of threads that hold the lock or are between `lock` and sleeping
//! (so 0 means free); `queue`, the FIFO of wait records (under a spin lock held
//! for a push or a pop only, queue.rs); `handoff`, a non-zero ticket when an
//! `unlock` found waiters counted but none queued yet and left the job of passing the lock on to
//! whoever takes the ticket.
//!
//! - `lock`: one CAS of `count` 0 -> 1 when free. Otherwise an optional short spin, then
//!   `count += 1`, push a wait record, try to take a hand-off ticket, sleep until woken. The
//!   woken thread owns the lock on waking: `unlock` passed it over without ever making it free,
//!   so it does not compete with newcomers (no thundering herd, no barging past a queue).
//! - `unlock`: `count -= 1`; if it was 1, done. Else pop a waiter and wake it (hand-off: to the
//!   oldest waiter still spinning for it, else the oldest, see `next_owner`); if the
//!   queue is empty the other locker has counted itself but not pushed yet: publish a ticket in
//!   `handoff` and leave unless the queue became non-empty meanwhile and the ticket can be taken
//!   back (then loop and pop). The locker, after pushing, looks at `handoff`; if it takes the
//!   ticket it is the one to pop (and finds itself or an earlier waiter).
//!
//! Nobody ever waits for a lock holder to make progress: there is no spin on the holder except
//! the bounded optional one, and a preempted holder only delays its waiters' wake-up. The only
//! other wait is for another CPU's push or pop on the queue's list lock (a few instructions,
//! interrupts off).
//!
//! Only one thread pops the queue at a time: the unlocking owner, or the one thread whose CAS
//! took the ticket (tickets are unique, 64-bit, never reused). Memory order: SeqCst everywhere on
//! the slow path (on x86 every RMW is a locked instruction anyway); the "pushed, then look at
//! handoff" / "published handoff, then look at the queue" pair is made of RMWs on both sides so
//! that one of the two threads always sees the other.

use crate::atomic::{Arc, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use crate::queue::Queue;
use crate::waiter::{Record, Waiter};
use crate::Park;
use core::marker::PhantomData;

/// The raw lock: no data, no guard. [`crate::Mutex`] wraps it with the data and an RAII
/// guard; used bare, every `unlock` must follow a `lock` or successful `try_lock` of the same
/// thread of control (a misuse breaks the lock's accounting, not memory safety).
pub struct RawMutex<P: Park> {
    count: AtomicUsize,
    handoff: AtomicU64,
    tickets: AtomicU64,
    /// Hand-offs in a row that passed over the oldest waiter for one still spinning
    /// (`next_owner`); only the thread passing the lock on touches it.
    passed_over: AtomicU32,
    queue: Queue<Record<P>, P>,
    _scheduler: PhantomData<fn() -> P>,
}

impl<P: Park> core::fmt::Debug for RawMutex<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawMutex")
            .field("count", &self.count.load(Ordering::Relaxed))
            .finish()
    }
}

impl<P: Park> Default for RawMutex<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Park> RawMutex<P> {
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        RawMutex {
            count: AtomicUsize::new(0),
            handoff: AtomicU64::new(0),
            tickets: AtomicU64::new(0),
            passed_over: AtomicU32::new(0),
            queue: Queue::new(),
            _scheduler: PhantomData,
        }
    }

    #[cfg(loom)]
    pub fn new() -> Self {
        RawMutex {
            count: AtomicUsize::new(0),
            handoff: AtomicU64::new(0),
            tickets: AtomicU64::new(0),
            passed_over: AtomicU32::new(0),
            queue: Queue::new(),
            _scheduler: PhantomData,
        }
    }

    /// Whether some thread holds the lock (or is about to: a snapshot, for diagnostics).
    pub fn is_locked(&self) -> bool {
        self.count.load(Ordering::Relaxed) != 0
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn count_for_tests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Take the lock if it is free (count 0). Unlike `try_lock` this never takes a hand-off
    /// ticket: a ticket is owed to a locker already counted (and to those queued behind it),
    /// so `lock` leaves it to them and keeps FIFO order.
    fn acquire_free(&self) -> bool {
        self.count
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    pub(crate) fn lock(&self) {
        if self.acquire_free() {
            return;
        }
        // Spin only while the holder is alone: with waiters queued the lock will be handed to
        // them, never freed, so spinning for it is wasted.
        for _ in 0..P::spin_limit() {
            if P::need_resched() {
                break;
            }
            core::hint::spin_loop();
            match self.count.load(Ordering::Relaxed) {
                0 if self.acquire_free() => return,
                0 | 1 => {}
                _ => break,
            }
        }
        self.lock_slow();
    }

    #[cold]
    fn lock_slow(&self) {
        if self.count.fetch_add(1, Ordering::SeqCst) == 0 {
            return; // freed meanwhile: ours
        }
        let me = Arc::new(Waiter::<P>::current());
        self.queue.push(me.clone());

        // Hand-off: an unlock that ran between our `fetch_add` and our push may have left the
        // duty of waking a waiter (which now includes us) to whoever takes its ticket. The read
        // is an RMW (adds 0) so that it is ordered after our push, see the module comment.
        let ticket = self.handoff.fetch_add(0, Ordering::SeqCst);
        if ticket != 0
            && !self.queue.is_empty()
            && self
                .handoff
                .compare_exchange(ticket, 0, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            // We hold the ticket, so we own the lock and are the queue's only consumer; the
            // queue was not empty and nobody else pops, so it still holds at least us.
            let first = self
                .queue
                .pop()
                .expect("osprey-sync: hand-off taken on an empty queue");
            if Arc::ptr_eq(&first, &me) {
                return;
            }
            // An earlier waiter goes first: pass the lock to it and wait our turn.
            let woke = first.wake();
            debug_assert!(woke, "a queued mutex waiter was already woken");
        }
        // Woken means owning: the waker passed the lock without freeing it.
        me.wait_spinning(None, P::spin_limit());
    }

    pub(crate) fn try_lock(&self) -> bool {
        if self.acquire_free() {
            return true;
        }
        // Held, or free with a hand-off ticket out (an unlock found a locker counted but not
        // queued). Taking the ticket takes the lock and the duty to pass it on at our unlock;
        // count ourselves so that unlock sees the waiter.
        let ticket = self.handoff.load(Ordering::SeqCst);
        if ticket != 0
            && self
                .handoff
                .compare_exchange(ticket, 0, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok()
        {
            self.count.fetch_add(1, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// Queue a condvar waiter's record behind the current owner, as if that thread had called
    /// `lock` (wait morphing). The caller must hold the lock: then no unlock runs and no
    /// hand-off ticket is out, so counting it and pushing it is all `lock` would have done;
    /// the record is woken, owning the lock, by a later `unlock` in queue order.
    pub(crate) fn enqueue_held(&self, record: Record<P>) {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.queue.push(record);
    }

    /// The address that identifies this mutex in a condvar wait record.
    pub(crate) fn id(&self) -> usize {
        self as *const Self as usize
    }

    /// Takes the waiter the lock goes to next out of the queue: the oldest one still spinning
    /// for it, else the oldest. A parked thread that is handed the lock holds it while it is
    /// woken and waits for a CPU, and with more threads than CPUs the waiters behind it queue
    /// and park too, so every later hand-off goes to a parked thread again (a lock convoy); a
    /// spinning waiter takes the lock at once. After `MAX_PASSED_OVER` such hand-offs in a row
    /// the oldest waiter gets it, which bounds the unfairness. Called only by the one thread
    /// passing the lock on (the owner unlocking, or the holder of the hand-off ticket).
    fn next_owner(&self) -> Option<Record<P>> {
        // (8 and 32 measured with kmutex-contend: 32 was 7-20% faster at 4 and 16 threads on
        // 2 vCPUs; a parked waiter then waits at most 32 short critical sections longer.)
        const MAX_PASSED_OVER: u32 = 32;
        if self.passed_over.load(Ordering::Relaxed) >= MAX_PASSED_OVER {
            self.passed_over.store(0, Ordering::Relaxed);
            return self.queue.pop();
        }
        let (next, passed) = self.queue.pop_preferring(|w| w.is_spinning())?;
        let n = self.passed_over.load(Ordering::Relaxed);
        self.passed_over
            .store(if passed { n + 1 } else { 0 }, Ordering::Relaxed);
        Some(next)
    }

    /// Release the lock. The caller must hold it (lock_api guarantees it for the guard).
    pub(crate) fn unlock(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            return;
        }
        loop {
            if let Some(next) = self.next_owner() {
                let woke = next.wake();
                debug_assert!(woke, "a queued mutex waiter was already woken");
                return;
            }
            // A locker is counted but not queued yet: leave it a ticket. Tickets are never
            // reused, so a stale CAS below cannot take a later unlock's ticket.
            let ticket = self.tickets.fetch_add(1, Ordering::Relaxed) + 1;
            self.handoff.swap(ticket, Ordering::SeqCst);
            if self.queue.is_empty() {
                return; // the locker will push, then find the ticket
            }
            if self
                .handoff
                .compare_exchange(ticket, 0, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                return; // somebody took the ticket: passing the lock on is their job now
            }
            // Took our ticket back with a waiter queued: pop it.
        }
    }
}
