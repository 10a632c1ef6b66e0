//! The spin lock that guards a list of wait records (the mutex's queue, a condvar's or a wait
//! queue's waiters): `spin::Mutex`, or loom's mutex under the model checker (which must see
//! every synchronisation to explore it).
//!
//! It is always taken inside [`crate::Park::critical`] (preemption and interrupts off on this
//! CPU) and held for a push, a pop, an unlink or a length check: a few instructions, never a
//! sleep, never a call out. So its holder is never preempted while another thread spins on it,
//! and an interrupt handler that wakes a queue cannot spin on a lock its own CPU holds. The
//! `VecDeque` behind it keeps its capacity when emptied, so a list stops allocating once it
//! has seen its largest number of waiters.

#[cfg(not(loom))]
pub(crate) struct ListLock<T>(spin::Mutex<T>);

#[cfg(not(loom))]
impl<T> ListLock<T> {
    pub(crate) const fn new(value: T) -> Self {
        ListLock(spin::Mutex::new(value))
    }
    pub(crate) fn lock(&self) -> spin::MutexGuard<'_, T> {
        self.0.lock()
    }
}

#[cfg(loom)]
pub(crate) struct ListLock<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
impl<T> ListLock<T> {
    pub(crate) fn new(value: T) -> Self {
        ListLock(loom::sync::Mutex::new(value))
    }
    pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap()
    }
}
