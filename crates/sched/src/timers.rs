//! Deadlines of sleeping threads (timed waits, sleeps), earliest first. The kernel programs the
//! CPU's one-shot timer for the earliest and wakes what expired: no periodic tick.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Names one armed timer, to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerId(u64, u64);

pub struct TimerList<T> {
    timers: BTreeMap<(u64, u64), T>,
    seq: u64,
}

impl<T> Default for TimerList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerList<T> {
    pub const fn new() -> Self {
        TimerList {
            timers: BTreeMap::new(),
            seq: 0,
        }
    }

    pub fn add(&mut self, deadline: u64, t: T) -> TimerId {
        self.seq += 1;
        self.timers.insert((deadline, self.seq), t);
        TimerId(deadline, self.seq)
    }

    /// Removes a timer that has not fired; None if it already fired (or was cancelled).
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        self.timers.remove(&(id.0, id.1))
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.keys().next().map(|k| k.0)
    }

    /// Removes and returns every timer whose deadline is at or before `now`.
    pub fn expire(&mut self, now: u64) -> Vec<T> {
        let mut out = Vec::new();
        while let Some(e) = self.timers.first_entry() {
            if e.key().0 > now {
                break;
            }
            out.push(e.remove());
        }
        out
    }

    pub fn len(&self) -> usize {
        self.timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_in_deadline_order_and_cancel() {
        let mut t = TimerList::new();
        let a = t.add(300, "a");
        t.add(100, "b");
        t.add(200, "c");
        assert_eq!(t.next_deadline(), Some(100));
        assert_eq!(t.cancel(a), Some("a"));
        assert_eq!(t.cancel(a), None);
        assert_eq!(t.expire(150), ["b"]);
        assert_eq!(t.expire(150), Vec::<&str>::new());
        assert_eq!(t.expire(1000), ["c"]);
        assert!(t.is_empty());
    }
}
