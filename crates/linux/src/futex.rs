//! Futex wait queues: the kernel half of every pthread mutex, condition variable, join and
//! semaphore.
//!
//! One address space, so a futex is named by its address alone (private and shared futexes
//! are the same thing here). A waiter records itself under the table's lock *after* checking
//! the futex word under that same lock, so a waker that changes the word and then calls wake
//! (which takes the lock) cannot slip between the check and the sleep. Waking marks the waiter
//! and unparks its thread; the waiter re-checks its mark, so spurious unparks are harmless.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use osprey_abi::Errno;
use spin::Mutex;

use crate::machine::Machine;
use crate::thread::Thread;

struct Waiter {
    tid: i32,
    bitset: u32,
    /// The futex the waiter is queued on now (requeue moves it).
    key: AtomicU64,
    woken: AtomicBool,
}

#[derive(Default)]
pub struct FutexTable {
    queues: Mutex<BTreeMap<u64, VecDeque<Arc<Waiter>>>>,
}

/// Why a wait ended without a wake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEnd {
    Woken,
    TimedOut,
    Interrupted,
}

impl FutexTable {
    pub fn new() -> FutexTable {
        FutexTable::default()
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
        let w = Arc::new(Waiter {
            tid: t.tid,
            bitset,
            key: AtomicU64::new(uaddr),
            woken: AtomicBool::new(false),
        });
        {
            let mut q = self.queues.lock();
            let mut cur = [0u8; 4];
            // A page fault here is resolved by the memory manager, which never takes this lock.
            m.copy_from_user(uaddr, &mut cur)?;
            if u32::from_ne_bytes(cur) != val {
                return Err(Errno::EAGAIN);
            }
            q.entry(uaddr).or_default().push_back(w.clone());
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
                return Ok(if self.remove(&w) { end } else { WaitEnd::Woken });
            }
            m.park(deadline);
        }
    }

    fn remove(&self, w: &Arc<Waiter>) -> bool {
        let mut q = self.queues.lock();
        let key = w.key.load(Ordering::Relaxed);
        let Some(list) = q.get_mut(&key) else {
            return false;
        };
        let Some(i) = list.iter().position(|x| Arc::ptr_eq(x, w)) else {
            return false;
        };
        list.remove(i);
        if list.is_empty() {
            q.remove(&key);
        }
        true
    }

    /// Takes up to `n` waiters on `uaddr` whose bitset meets `bitset`, marks them woken and
    /// returns their thread ids (the caller unparks them after dropping the lock).
    fn take(q: &mut BTreeMap<u64, VecDeque<Arc<Waiter>>>, uaddr: u64, n: usize, bitset: u32) -> Vec<i32> {
        let mut tids = Vec::new();
        if n == 0 {
            return tids;
        }
        if let Some(list) = q.get_mut(&uaddr) {
            let mut i = 0;
            while i < list.len() && tids.len() < n {
                if list[i].bitset & bitset != 0 {
                    let w = list.remove(i).expect("index in range");
                    w.woken.store(true, Ordering::Release);
                    tids.push(w.tid);
                } else {
                    i += 1;
                }
            }
            if list.is_empty() {
                q.remove(&uaddr);
            }
        }
        tids
    }

    fn unpark_all(m: &dyn Machine, tids: &[i32]) {
        for &tid in tids {
            m.unpark(tid);
        }
    }

    /// FUTEX_WAKE(_BITSET): wakes up to `n` waiters; how many.
    pub fn wake(&self, m: &dyn Machine, uaddr: u64, n: usize, bitset: u32) -> usize {
        let tids = Self::take(&mut self.queues.lock(), uaddr, n, bitset);
        Self::unpark_all(m, &tids);
        tids.len()
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
        let (tids, moved) = {
            let mut q = self.queues.lock();
            if let Some(v) = expect {
                let mut cur = [0u8; 4];
                m.copy_from_user(uaddr, &mut cur)?;
                if u32::from_ne_bytes(cur) != v {
                    return Err(Errno::EAGAIN);
                }
            }
            let tids = Self::take(&mut q, uaddr, n_wake, u32::MAX);
            let mut moved = Vec::new();
            if uaddr != uaddr2 {
                if let Some(list) = q.get_mut(&uaddr) {
                    while moved.len() < n_requeue {
                        let Some(w) = list.pop_front() else { break };
                        w.key.store(uaddr2, Ordering::Relaxed);
                        moved.push(w);
                    }
                    if list.is_empty() {
                        q.remove(&uaddr);
                    }
                }
                if !moved.is_empty() {
                    q.entry(uaddr2).or_default().extend(moved.iter().cloned());
                }
            }
            (tids, moved.len())
        };
        Self::unpark_all(m, &tids);
        Ok(tids.len() + moved)
    }

    /// FUTEX_WAKE_OP's two wakes under one lock: `n` on `uaddr`, then, if `second` says so
    /// (it runs the operation on the word at `uaddr2` while the lock is held), `n2` on
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
        let tids = {
            let mut q = self.queues.lock();
            let wake2 = second()?;
            let mut tids = Self::take(&mut q, uaddr, n, u32::MAX);
            if wake2 {
                tids.extend(Self::take(&mut q, uaddr2, n2, u32::MAX));
            }
            tids
        };
        Self::unpark_all(m, &tids);
        Ok(tids.len())
    }

    /// Number of threads waiting on `uaddr` (tests, /proc).
    pub fn waiters(&self, uaddr: u64) -> usize {
        self.queues.lock().get(&uaddr).map_or(0, |l| l.len())
    }
}
