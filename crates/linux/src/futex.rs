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
//!
//! Priority-inheritance futexes (FUTEX_LOCK_PI and family) share the buckets: a PI waiter is
//! queued with bitset 0 (which no FUTEX_WAIT can use), so plain wakes and requeues pass it
//! by. The word holds the owner's thread id; the kernel sets FUTEX_WAITERS while a thread
//! waits, and FUTEX_UNLOCK_PI hands the lock straight to the first waiter (its id in the
//! word, FUTEX_WAITERS kept), as Linux does. There is no priority boost: threads here have
//! no real-time priorities to inherit, so what programs get is a working lock.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use osprey_abi::futex::{FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS};
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

/// A hash bucket: its waiters, and how many there are for wakers that look without the lock.
///
/// The count lets FUTEX_WAKE return at once when nobody waits (every glibc mutex unlock after
/// a condition-variable wait makes such a call), as Linux's `futex_hb_waiters_pending` does.
/// The ordering argument is Linux's too: a waiter raises the count *before* it reads the
/// futex word (both under the lock), and a waker, whose app changed the word before the call,
/// fences and then reads the count. Either the waker sees the count raised (and takes the
/// lock, where it finds the waiter queued or about to fail with EAGAIN), or the waiter's read
/// of the word comes after the change and it does not sleep.
struct Bucket {
    list: Mutex<Vec<Arc<Waiter>>>,
    waiters: AtomicUsize,
}

/// A locked bucket; unlocking publishes the list's length as the bucket's count.
struct Locked<'a> {
    list: MutexGuard<'a, Vec<Arc<Waiter>>>,
    waiters: &'a AtomicUsize,
}

impl Deref for Locked<'_> {
    type Target = Vec<Arc<Waiter>>;
    fn deref(&self) -> &Self::Target {
        &self.list
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.list
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // Still under the lock (the guard field drops after this).
        self.waiters.store(self.list.len(), Ordering::SeqCst);
    }
}

impl Bucket {
    fn lock(&self) -> Locked<'_> {
        Locked {
            list: self.list.lock(),
            waiters: &self.waiters,
        }
    }

    /// Locks the bucket for a thread that will read a futex word and may then queue itself:
    /// it counts as a waiter from before the read (see [`Bucket`]).
    fn lock_to_wait(&self) -> Locked<'_> {
        let q = self.lock();
        self.waiters.fetch_add(1, Ordering::SeqCst);
        q
    }

    /// Whether a waker may skip the bucket: nobody waits or is about to.
    fn surely_empty(&self) -> bool {
        core::sync::atomic::fence(Ordering::SeqCst);
        self.waiters.load(Ordering::SeqCst) == 0
    }
}

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
#[inline(always)]
fn take(list: &mut Vec<Arc<Waiter>>, uaddr: u64, n: usize, bitset: u32, out: &mut Wakes) -> usize {
    let mut taken = 0;
    let mut i = 0;
    while i < list.len() && taken < n {
        let w = &list[i];
        if w.key.load(Ordering::Relaxed) == uaddr && w.bitset.load(Ordering::Relaxed) & bitset != 0
        {
            // Keep FIFO order among the rest: a woken waiter leaves from the middle. (The
            // last one, often the only one, leaves without the move of `remove`.)
            let w = if i + 1 == list.len() {
                list.pop().expect("i < len")
            } else {
                list.remove(i)
            };
            w.woken.store(true, Ordering::Release);
            out.push(w.tid);
            taken += 1;
        } else {
            i += 1;
        }
    }
    taken
}

/// Queues thread waiter `w` on `uaddr` (with `bitset`) in its bucket's list, unwoken.
fn enqueue(list: &mut Vec<Arc<Waiter>>, w: &Arc<Waiter>, uaddr: u64, bitset: u32) {
    w.woken.store(false, Ordering::Relaxed);
    w.bitset.store(bitset, Ordering::Relaxed);
    w.key.store(uaddr, Ordering::Relaxed);
    list.push(w.clone());
}

/// The bitset a PI waiter is queued with: no FUTEX_WAIT can have it (EINVAL), so plain wakes
/// never take a PI waiter.
const PI_BITSET: u32 = 0;

fn is_pi_waiter(w: &Waiter, uaddr: u64) -> bool {
    w.key.load(Ordering::Relaxed) == uaddr && w.bitset.load(Ordering::Relaxed) == PI_BITSET
}

fn has_pi_waiter(list: &[Arc<Waiter>], uaddr: u64) -> bool {
    list.iter().any(|w| is_pi_waiter(w, uaddr))
}

/// Under the bucket lock, with the word last seen as `v`: gives the PI lock at `uaddr` to the
/// first PI waiter (its id, FUTEX_WAITERS, and `extra`) or frees it (`extra` alone). Returns
/// the thread to unpark once the lock is dropped.
fn hand_over(
    list: &mut Vec<Arc<Waiter>>,
    m: &dyn Machine,
    uaddr: u64,
    mut v: u32,
    extra: u32,
) -> Result<Option<i32>, Errno> {
    let first = list.iter().position(|w| is_pi_waiter(w, uaddr));
    let new = match first {
        // As Linux: the waiters bit stays set; the new owner's unlock comes here and finds
        // out whether anyone else waits.
        Some(i) => list[i].tid as u32 | FUTEX_WAITERS | extra,
        None => extra,
    };
    // The owner cannot change the word (its unlock fast path expects the bare id, and the
    // waiters bit is set or no one waits); other threads only set the waiters bit, under
    // this lock, or take a free word. So the compare-exchange loop only meets those.
    loop {
        let seen = m.cmpxchg_u32(uaddr, v, new)?;
        if seen == v {
            break;
        }
        if seen & FUTEX_TID_MASK != v & FUTEX_TID_MASK {
            return Err(Errno::EPERM);
        }
        v = seen;
    }
    Ok(first.map(|i| {
        let w = list.remove(i);
        w.woken.store(true, Ordering::Release);
        w.tid
    }))
}

impl FutexTable {
    pub fn new() -> FutexTable {
        FutexTable {
            buckets: core::array::from_fn(|_| Bucket {
                list: Mutex::new(Vec::new()),
                waiters: AtomicUsize::new(0),
            }),
        }
    }

    fn bucket(&self, uaddr: u64) -> Locked<'_> {
        self.buckets[bucket_of(uaddr)].lock()
    }

    fn bucket_to_wait(&self, uaddr: u64) -> Locked<'_> {
        self.buckets[bucket_of(uaddr)].lock_to_wait()
    }

    /// Locks the buckets of two futexes (once if they share one), in a fixed order.
    fn two(&self, a: u64, b: u64) -> (Locked<'_>, Option<Locked<'_>>) {
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
            let mut q = self.bucket_to_wait(uaddr);
            // A page fault here is resolved by the memory manager, which never takes this lock.
            if m.read_u32(uaddr)? != val {
                return Err(Errno::EAGAIN);
            }
            enqueue(&mut q, w, uaddr, bitset);
        }
        Ok(self
            .sleep_queued(m, t, core::slice::from_ref(w), deadline)
            .0)
    }

    /// Sleeps the thread `t`, whose waiters `ws` are queued (one for a FUTEX_WAIT or a PI
    /// lock, one per entry for futex_waitv), until a waker marks one (Woken and its index),
    /// the deadline passes or a signal comes. The other waiters leave their queues; a waiter a
    /// waker took out meanwhile makes it a wake after all (for a PI waiter: the lock handed
    /// over).
    #[inline(always)]
    fn sleep_queued(
        &self,
        m: &dyn Machine,
        t: &Thread,
        ws: &[Arc<Waiter>],
        deadline: Option<u64>,
    ) -> (WaitEnd, usize) {
        let end = loop {
            if let Some(i) = ws.iter().position(|w| w.woken.load(Ordering::Acquire)) {
                for (j, w) in ws.iter().enumerate() {
                    if j != i {
                        self.remove(w);
                    }
                }
                return (WaitEnd::Woken, i);
            }
            if deadline.is_some_and(|d| m.monotonic_ns() >= d) {
                break WaitEnd::TimedOut;
            }
            if t.interrupted() {
                break WaitEnd::Interrupted;
            }
            m.park(deadline);
        };
        let mut woken = None;
        for (i, w) in ws.iter().enumerate() {
            if !self.remove(w) && woken.is_none() {
                woken = Some(i);
            }
        }
        woken.map_or((end, 0), |i| (WaitEnd::Woken, i))
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

    /// FUTEX_WAKE(_BITSET): wakes up to `n` waiters; how many. (Inlined: it is short, and
    /// one of the two hottest futex paths.)
    #[inline(always)]
    pub fn wake(&self, m: &dyn Machine, uaddr: u64, n: usize, bitset: u32) -> usize {
        let b = &self.buckets[bucket_of(uaddr)];
        if n == 0 || b.surely_empty() {
            return 0;
        }
        let mut wakes = Wakes::new();
        take(&mut b.lock(), uaddr, n, bitset, &mut wakes);
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
                    if qa[i].key.load(Ordering::Relaxed) != uaddr || is_pi_waiter(&qa[i], uaddr) {
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

    /// FUTEX_LOCK_PI / LOCK_PI2 / TRYLOCK_PI: takes the PI lock at `uaddr` for thread `t`
    /// (its id into the word), waiting until the owner hands it over unless `trylock`.
    /// `alive(tid)` says whether a thread id names a live thread of the app. Errors as
    /// Linux: EDEADLK (`t` owns it), EAGAIN (trylock, taken), ESRCH (the owner is gone and
    /// nobody marked it dead), ETIMEDOUT; `Ok(Interrupted)` when a signal came first (the
    /// caller restarts the call, as Linux does).
    pub fn lock_pi(
        &self,
        m: &dyn Machine,
        t: &Thread,
        uaddr: u64,
        deadline: Option<u64>,
        trylock: bool,
        alive: &dyn Fn(u32) -> bool,
    ) -> Result<WaitEnd, Errno> {
        let me = t.tid as u32;
        let w = &t.futex_waiter;
        {
            let mut q = self.bucket_to_wait(uaddr);
            let mut v = m.read_u32(uaddr)?;
            loop {
                let owner = v & FUTEX_TID_MASK;
                let new = if owner == 0 {
                    // Free (with FUTEX_OWNER_DIED if a robust owner died: the new owner
                    // learns it from the word). The waiters bit stays while others wait.
                    let waiters = if has_pi_waiter(&q, uaddr) {
                        FUTEX_WAITERS
                    } else {
                        0
                    };
                    me | (v & FUTEX_OWNER_DIED) | waiters
                } else if owner == me {
                    return Err(Errno::EDEADLK);
                } else if trylock {
                    return Err(Errno::EAGAIN);
                } else if !alive(owner) {
                    return Err(Errno::ESRCH);
                } else if v & FUTEX_WAITERS != 0 {
                    break;
                } else {
                    // The owner's unlock must come to the kernel now.
                    v | FUTEX_WAITERS
                };
                let seen = m.cmpxchg_u32(uaddr, v, new)?;
                if seen == v {
                    if owner == 0 {
                        return Ok(WaitEnd::Woken);
                    }
                    break;
                }
                v = seen;
            }
            enqueue(&mut q, w, uaddr, PI_BITSET);
        }
        // Woken = handed the lock by an unlock (or by its owner's death).
        Ok(self
            .sleep_queued(m, t, core::slice::from_ref(w), deadline)
            .0)
    }

    /// FUTEX_UNLOCK_PI by thread `tid`: hands the lock to the first waiter, or frees it.
    /// EPERM unless `tid` owns it.
    pub fn unlock_pi(&self, m: &dyn Machine, tid: i32, uaddr: u64) -> Result<(), Errno> {
        let mut q = self.bucket(uaddr);
        let v = m.read_u32(uaddr)?;
        if v & FUTEX_TID_MASK != tid as u32 {
            return Err(Errno::EPERM);
        }
        let next = hand_over(&mut q, m, uaddr, v, 0)?;
        drop(q);
        if let Some(next) = next {
            m.unpark(next);
        }
        Ok(())
    }

    /// After a robust futex's owner died (its id replaced by FUTEX_OWNER_DIED): hands the lock
    /// to a PI waiter if one waits (true), which then sees FUTEX_OWNER_DIED.
    pub fn hand_over_dead_pi(&self, m: &dyn Machine, uaddr: u64) -> bool {
        let mut q = self.bucket(uaddr);
        let Ok(v) = m.read_u32(uaddr) else {
            return false;
        };
        if v & FUTEX_TID_MASK != 0 || !has_pi_waiter(&q, uaddr) {
            return false;
        }
        let next = hand_over(&mut q, m, uaddr, v, FUTEX_OWNER_DIED)
            .ok()
            .flatten();
        drop(q);
        next.map(|n| m.unpark(n)).is_some()
    }

    /// futex_waitv: waits on every `(uaddr, val)` of `list` at once until one is woken;
    /// `Ok((Woken, i))` names the first woken entry. EAGAIN if a word differs from its value
    /// (checked under its bucket's lock as each entry is queued, as FUTEX_WAIT does). Each
    /// entry has a waiter of its own (allocated here: futex_waitv is rare), all unparking
    /// the same thread.
    pub fn wait_multiple(
        &self,
        m: &dyn Machine,
        t: &Thread,
        list: &[(u64, u32)],
        deadline: Option<u64>,
    ) -> Result<(WaitEnd, usize), Errno> {
        let mut queued: Vec<Arc<Waiter>> = Vec::with_capacity(list.len());
        for &(uaddr, val) in list {
            let w = Waiter::new(t.tid);
            let mut q = self.bucket_to_wait(uaddr);
            let same = m.read_u32(uaddr).map(|v| v == val);
            if same != Ok(true) {
                drop(q);
                // Leave the queues; one of them woken meanwhile is woken for nothing, as a
                // FUTEX_WAIT that fails has no wake to report either.
                for w in &queued {
                    self.remove(w);
                }
                return Err(same.err().unwrap_or(Errno::EAGAIN));
            }
            enqueue(&mut q, &w, uaddr, u32::MAX);
            queued.push(w);
        }
        Ok(self.sleep_queued(m, t, &queued, deadline))
    }

    /// Number of threads waiting on `uaddr` (tests, /proc).
    pub fn waiters(&self, uaddr: u64) -> usize {
        self.bucket(uaddr)
            .iter()
            .filter(|w| w.key.load(Ordering::Relaxed) == uaddr)
            .count()
    }
}
