//! Runnable threads ordered by virtual runtime.
//!
//! A thread's virtual runtime grows by the time it runs. The queue hands out the thread with
//! the least; a thread that wakes after sleeping is placed no further back than the queue's
//! minimum minus one slice, so sleepers get the CPU soon after waking (good for latency: a
//! server thread woken by a packet runs next) but cannot bank unbounded credit by sleeping.
//!
//! The queue is a binary min-heap in a vector that keeps its capacity: once it has held as
//! many threads as it will, pushing and popping allocate nothing (a futex round trip pushes and
//! pops once per switch; a BTreeMap allocated and freed a node whenever the queue went from
//! empty to one thread and back).

use alloc::vec::Vec;

struct Entry<T> {
    /// (virtual runtime, arrival number): the arrival number makes equal runtimes FIFO.
    key: (u64, u64),
    t: T,
}

pub struct RunQueue<T> {
    heap: Vec<Entry<T>>,
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
            heap: Vec::new(),
            seq: 0,
            min_vruntime: 0,
        }
    }

    /// Adds a thread with its virtual runtime.
    #[inline(always)]
    pub fn push(&mut self, vruntime: u64, t: T) {
        self.seq += 1;
        self.heap.push(Entry {
            key: (vruntime, self.seq),
            t,
        });
        self.sift_up(self.heap.len() - 1);
    }

    /// The virtual runtime a thread waking from sleep should get: its own, unless that lags the
    /// queue's minimum by more than `slice` (then minimum - slice).
    pub fn placement(&self, own: u64, slice: u64) -> u64 {
        own.max(self.min_vruntime.saturating_sub(slice))
    }

    /// The least virtual runtime queued (None: empty): a running thread whose own is still
    /// no greater keeps the CPU at the end of its slice.
    pub fn first_vruntime(&self) -> Option<u64> {
        self.heap.first().map(|e| e.key.0)
    }

    /// The next thread to run and its virtual runtime.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(u64, T)> {
        let e = self.remove_at(0)?;
        self.min_vruntime = self.min_vruntime.max(e.key.0);
        Some((e.key.0, e.t))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn min_vruntime(&self) -> u64 {
        self.min_vruntime
    }

    /// Takes the thread with the most runtime that `ok` accepts (balancing to another CPU: the
    /// least urgent thread that may run there).
    pub fn steal_where(&mut self, ok: impl Fn(&T) -> bool) -> Option<(u64, T)> {
        let i = (0..self.heap.len())
            .filter(|&i| ok(&self.heap[i].t))
            .max_by_key(|&i| self.heap[i].key)?;
        let e = self.remove_at(i)?;
        Some((e.key.0, e.t))
    }

    /// Takes out the entry at heap index `i`, restoring the heap order.
    #[inline(always)]
    fn remove_at(&mut self, i: usize) -> Option<Entry<T>> {
        if i >= self.heap.len() {
            return None;
        }
        let e = self.heap.swap_remove(i);
        if i < self.heap.len() {
            // The former last entry now sits at i: it may belong above or below.
            self.sift_up(i);
            self.sift_down(i);
        }
        Some(e)
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[i].key >= self.heap[parent].key {
                break;
            }
            self.heap.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut least = i;
            if l < n && self.heap[l].key < self.heap[least].key {
                least = l;
            }
            if r < n && self.heap[r].key < self.heap[least].key {
                least = r;
            }
            if least == i {
                break;
            }
            self.heap.swap(i, least);
            i = least;
        }
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
        assert_eq!(q.pop(), Some((0, 0)));
        assert_eq!(q.pop(), Some((10, 1)));
        assert_eq!(q.pop(), None);
    }

    /// Against a sorted model: random pushes, pops and steals from the middle keep the order
    /// (least runtime first, FIFO among equals).
    #[test]
    fn matches_a_sorted_model() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut q = RunQueue::new();
        let mut model: Vec<(u64, u64, u64)> = Vec::new(); // (vruntime, seq, id)
        let mut seq = 0;
        for id in 0..20_000u64 {
            match next() % 5 {
                0 | 1 => {
                    let v = next() % 50;
                    seq += 1;
                    q.push(v, id);
                    model.push((v, seq, id));
                }
                2 | 3 => {
                    model.sort();
                    let want = (!model.is_empty()).then(|| model.remove(0));
                    assert_eq!(q.pop(), want.map(|(v, _, id)| (v, id)));
                }
                _ => {
                    let m = next() % 3;
                    model.sort();
                    let pos = model.iter().rposition(|&(_, _, id)| id % 3 == m);
                    let want = pos.map(|p| model.remove(p));
                    assert_eq!(
                        q.steal_where(|&id| id % 3 == m),
                        want.map(|(v, _, id)| (v, id))
                    );
                }
            }
            assert_eq!(q.len(), model.len());
        }
    }
}
