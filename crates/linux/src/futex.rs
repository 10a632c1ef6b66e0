//! Futex wait queues: the kernel half of every pthread mutex, condition variable, join and
//! semaphore.
//!
//! One address space, so a futex is named by its address alone (private and shared futexes
//! are the same thing here). Waiters hang in hash buckets (as in Linux): each bucket has its
//! own lock, and its list keeps its capacity, so after warm-up a wait or wake allocates
//! nothing. Each thread owns one reusable [`Waiter`] (a thread waits on one futex at a time).
//!
//! A waiter records itself under its bucket's lock *after* checking the futex word under that
//! same lock, so a waker that changes the word and then calls wake (which takes the lock)
//! cannot slip between the check and the sleep. Waking marks the waiter and unparks its
//! thread; the waiter re-checks its mark, so spurious unparks are harmless.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use osprey_abi::Errno;
use spin::{Mutex, MutexGuard};

use crate::machine::Machine;
use crate::thread::Thread;

/// A thread's place in a futex queue.
pub struct Waiter {
    tid: i32,
    bitset: AtomicU32,
    /// The futex the waiter is queued on now (requeue moves it).
    key: AtomicU64,
    woken: AtomicBool,
}

impl Waiter {
    pub fn new(tid: i32) -> Arc<Waiter> {
        Arc::new(Waiter {
            tid,
            bitset: AtomicU32::new(0),
            key: AtomicU64::new(0),
            woken: AtomicBool::new(false),
        })
    }
}

const BUCKETS: usize = 64;

type Bucket = Mutex<Vec<Arc<Waiter>>>;

pub struct FutexTable {
    buckets: [Bucket; BUCKETS],
}

impl Default for FutexTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEnd {
    Woken,
    TimedOut,
    Interrupted,
}

/// Up to this many thread ids to unpark are kept on the stack.
const INLINE_WAKES: usize = 8;

/// Thread ids to unpark once the bucket locks are dropped.
struct Wakes {
    inline: [i32; INLINE_WAKES],
    n: usize,
    more: Vec<i32>,
}

impl Wakes {
    fn new() -> Wakes {
        Wakes {
            inline: [0; INLINE_WAKES],
            n: 0,
            more: Vec::new(),
        }
    }
    fn push(&mut self, tid: i32) {
        if self.n < INLINE_WAKES {
            self.inline[self.n] = tid;
        } else {
            self.more.push(tid);
        }
        self.n += 1;
    }
    fn len(&self) -> usize {
        self.n
    }
    fn unpark(&self, m: &dyn Machine) {
        for &tid in self.inline[..self.n.min(INLINE_WAKES)]
            .iter()
            .chain(&self.more)
        {
            m.unpark(tid);
        }
    }
}

fn bucket_of(uaddr: u64) -> usize {
    // Futex words are 4-byte aligned and often spread by cache lines: mix the bits.
    ((uaddr >> 2).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize % BUCKETS
}

/// Takes up to `n` waiters on `uaddr` whose bitset meets `bitset` out of `list`, marks them
/// woken and records their thread ids.
fn take(list: &mut Vec<Arc<Waiter>>, uaddr: u64, n: usize, bitset: u32, out: &mut Wakes) -> usize {
    let mut taken = 0;
    let mut i = 0;
    while i < list.len() && taken < n {
        let w = &list[i];
        if w.key.load(Ordering::Relaxed) == uaddr && w.bitset.load(Ordering::Relaxed) & bitset != 0
        {
            // Keep FIFO order among the rest: a woken waiter leaves from the middle.
            let w = list.remove(i);
            w.woken.store(true, Ordering::Release);
            out.push(w.tid);
            taken += 1;
        } else {
            i += 1;
        }
    }
    taken
}

impl FutexTable {
    pub fn new() -> FutexTable {
        FutexTable {
            buckets: core::array::from_fn(|_| Mutex::new(Vec::new())),
        }
    }

    fn bucket(&self, uaddr: u64) -> MutexGuard<'_, Vec<Arc<Waiter>>> {
        self.buckets[bucket_of(uaddr)].lock()
    }

    /// Locks the buckets of two futexes (once if they share one), in a fixed order.
    fn two(
        &self,
        a: u64,
        b: u64,
    ) -> (
        MutexGuard<'_, Vec<Arc<Waiter>>>,
        Option<MutexGuard<'_, Vec<Arc<Waiter>>>>,
    ) {
        let (ia, ib) = (bucket_of(a), bucket_of(b));
        if ia == ib {
            (self.buckets[ia].lock(), None)
        } else if ia < ib {
            let ga = self.buckets[ia].lock();
            (ga, Some(self.buckets[ib].lock()))
        } else {
            let gb = self.buckets[ib].lock();
            (self.buckets[ia].lock(), Some(gb))
        }
    }

    /// FUTEX_WAIT: if the word at `uaddr` still holds `val`, sleeps until woken (Woken), the
    /// deadline (CLOCK_MONOTONIC ns) passes (TimedOut) or a signal arrives for `t`
    /// (Interrupted). EAGAIN if the word differs, EFAULT if it cannot be read.
    pub fn wait(
        &self,
        m: &dyn Machine,
        t: &Thread,
        uaddr: u64,
        val: u32,
        deadline: Option<u64>,
        bitset: u32,
    ) -> Result<WaitEnd, Errno> {
        let w = &t.futex_waiter;
        {
            let mut q = self.bucket(uaddr);
            // A page fault here is resolved by the memory manager, which never takes this lock.
            if m.read_u32(uaddr)? != val {
                return Err(Errno::EAGAIN);
            }
            w.woken.store(false, Ordering::Relaxed);
            w.bitset.store(bitset, Ordering::Relaxed);
            w.key.store(uaddr, Ordering::Relaxed);
            q.push(w.clone());
        }
        loop {
            if w.woken.load(Ordering::Acquire) {
                return Ok(WaitEnd::Woken);
            }
            let end = if deadline.is_some_and(|d| m.monotonic_ns() >= d) {
                Some(WaitEnd::TimedOut)
            } else if t.interrupted() {
                Some(WaitEnd::Interrupted)
            } else {
                None
            };
            if let Some(end) = end {
                // Leave the queue, unless a waker took us out first (then it was a wake).
                return Ok(if self.remove(w) { end } else { WaitEnd::Woken });
            }
            m.park(deadline);
        }
    }

    /// Takes `w` out of its queue; false if a waker already did.
    fn remove(&self, w: &Arc<Waiter>) -> bool {
        loop {
            let key = w.key.load(Ordering::Acquire);
            let mut q = self.bucket(key);
            // A requeue may have moved it to another bucket between the load and the lock.
            if w.key.load(Ordering::Acquire) != key {
                continue;
            }
            return match q.iter().position(|x| Arc::ptr_eq(x, w)) {
                Some(i) => {
                    q.remove(i);
                    true
                }
                None => false,
            };
        }
    }

    /// FUTEX_WAKE(_BITSET): wakes up to `n` waiters; how many.
    pub fn wake(&self, m: &dyn Machine, uaddr: u64, n: usize, bitset: u32) -> usize {
        let mut wakes = Wakes::new();
        if n > 0 {
            take(&mut self.bucket(uaddr), uaddr, n, bitset, &mut wakes);
        }
        wakes.unpark(m);
        wakes.len()
    }

    /// FUTEX_(CMP_)REQUEUE: wakes up to `n_wake` waiters of `uaddr` and moves up to
    /// `n_requeue` of the rest to `uaddr2`. With `expect`, EAGAIN unless the word at `uaddr`
    /// holds it (checked under the lock). Returns woken + moved.
    pub fn requeue(
        &self,
        m: &dyn Machine,
        uaddr: u64,
        n_wake: usize,
        uaddr2: u64,
        n_requeue: usize,
        expect: Option<u32>,
    ) -> Result<usize, Errno> {
        let mut wakes = Wakes::new();
        let mut moved = 0;
        {
            let (mut qa, mut qb) = self.two(uaddr, uaddr2);
            if let Some(v) = expect {
                if m.read_u32(uaddr)? != v {
                    return Err(Errno::EAGAIN);
                }
            }
            take(&mut qa, uaddr, n_wake, u32::MAX, &mut wakes);
            if uaddr != uaddr2 {
                let mut i = 0;
                while i < qa.len() && moved < n_requeue {
                    if qa[i].key.load(Ordering::Relaxed) != uaddr {
                        i += 1;
                        continue;
                    }
                    qa[i].key.store(uaddr2, Ordering::Release);
                    moved += 1;
                    match qb.as_mut() {
                        // Another bucket: move it there (same bucket: the new key is enough).
                        Some(b) => b.push(qa.remove(i)),
                        None => i += 1,
                    }
                }
            }
        }
        wakes.unpark(m);
        Ok(wakes.len() + moved)
    }

    /// FUTEX_WAKE_OP's two wakes under the locks: `n` on `uaddr`, then, if `second` says so
    /// (it runs the operation on the word at `uaddr2` while the locks are held), `n2` on
    /// `uaddr2`.
    pub fn wake_op(
        &self,
        m: &dyn Machine,
        uaddr: u64,
        n: usize,
        uaddr2: u64,
        n2: usize,
        second: impl FnOnce() -> Result<bool, Errno>,
    ) -> Result<usize, Errno> {
        let mut wakes = Wakes::new();
        {
            let (mut qa, mut qb) = self.two(uaddr, uaddr2);
            let wake2 = second()?;
            take(&mut qa, uaddr, n, u32::MAX, &mut wakes);
            if wake2 {
                let q2 = qb.as_deref_mut().unwrap_or(&mut qa);
                take(q2, uaddr2, n2, u32::MAX, &mut wakes);
            }
        }
        wakes.unpark(m);
        Ok(wakes.len())
    }

    /// Number of threads waiting on `uaddr` (tests, /proc).
    pub fn waiters(&self, uaddr: u64) -> usize {
        self.bucket(uaddr)
            .iter()
            .filter(|w| w.key.load(Ordering::Relaxed) == uaddr)
            .count()
    }
}
