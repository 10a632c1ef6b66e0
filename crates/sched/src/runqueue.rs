//! Runnable threads ordered by virtual runtime.
//!
//! A thread's virtual runtime grows by the time it runs. The queue hands out the thread with
//! the least; a thread that wakes after sleeping is placed no further back than the queue's
//! minimum minus one slice, so sleepers get the CPU soon after waking (good for latency: a
//! server thread woken by a packet runs next) but cannot bank unbounded credit by sleeping.

use alloc::collections::BTreeMap;

pub struct RunQueue<T> {
    queue: BTreeMap<(u64, u64), T>,
    /// Tie-breaker: first in, first out among equal runtimes.
    seq: u64,
    /// The smallest virtual runtime handed out so far (monotonic).
    min_vruntime: u64,
}

impl<T> Default for RunQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> RunQueue<T> {
    pub const fn new() -> Self {
        RunQueue {
            queue: BTreeMap::new(),
            seq: 0,
            min_vruntime: 0,
        }
    }

    /// Adds a thread with its virtual runtime.
    pub fn push(&mut self, vruntime: u64, t: T) {
        self.seq += 1;
        self.queue.insert((vruntime, self.seq), t);
    }

    /// The virtual runtime a thread waking from sleep should get: its own, unless that lags the
    /// queue's minimum by more than `slice` (then minimum - slice).
    pub fn placement(&self, own: u64, slice: u64) -> u64 {
        own.max(self.min_vruntime.saturating_sub(slice))
    }

    /// The least virtual runtime queued (None: empty): a running thread whose own is still
    /// no greater keeps the CPU at the end of its slice.
    pub fn first_vruntime(&self) -> Option<u64> {
        self.queue.first_key_value().map(|((v, _), _)| *v)
    }

    /// The next thread to run and its virtual runtime.
    pub fn pop(&mut self) -> Option<(u64, T)> {
        let ((v, _), t) = self.queue.pop_first()?;
        self.min_vruntime = self.min_vruntime.max(v);
        Some((v, t))
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn min_vruntime(&self) -> u64 {
        self.min_vruntime
    }

    /// Takes the thread with the most runtime that `ok` accepts (balancing to another CPU: the
    /// least urgent thread that may run there).
    pub fn steal_where(&mut self, ok: impl Fn(&T) -> bool) -> Option<(u64, T)> {
        let key = *self.queue.iter().rev().find(|(_, t)| ok(t))?.0;
        let t = self.queue.remove(&key)?;
        Some((key.0, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_runtime_first_fifo_among_equals() {
        let mut q = RunQueue::new();
        q.push(30, "c");
        q.push(10, "a1");
        q.push(10, "a2");
        q.push(20, "b");
        let order: Vec<_> = core::iter::from_fn(|| q.pop().map(|x| x.1)).collect();
        assert_eq!(order, ["a1", "a2", "b", "c"]);
        assert_eq!(q.min_vruntime(), 30);
    }

    #[test]
    fn sleepers_cannot_bank_credit() {
        let mut q = RunQueue::new();
        q.push(1_000_000, 1);
        q.pop();
        // Slept for ages with runtime 0: placed one slice behind the minimum, not at 0.
        assert_eq!(q.placement(0, 4000), 1_000_000 - 4000);
        // A thread ahead of the minimum keeps its own.
        assert_eq!(q.placement(2_000_000, 4000), 2_000_000);
    }

    #[test]
    fn steal_where_skips_what_may_not_move() {
        let mut q = RunQueue::new();
        for i in 0..5u64 {
            q.push(i * 10, i);
        }
        assert_eq!(q.steal_where(|&t| t % 2 == 1), Some((30, 3)));
        assert_eq!(q.steal_where(|&t| t >= 2), Some((40, 4)));
        assert_eq!(q.steal_where(|&t| t >= 2), Some((20, 2)));
        assert_eq!(q.steal_where(|&t| t >= 2), None);
        assert_eq!(q.len(), 2);
    }
}
