//! `Mutex<T>`: the raw hand-off lock ([`RawMutex`]) plus the data it protects, in safe code.
//!
//! A mutex that hands out `&mut T` from `&self` needs interior mutability, which in safe Rust
//! means a lock type that already owns its data. So the data sits in a `spin::Mutex<T>` and the
//! raw lock decides who may take it: a thread takes the raw lock first (sleeping, hand-off,
//! FIFO), then the spin lock, and gives them back in the other order. Only the raw lock's owner
//! ever touches the spin lock, so the spin lock is always free when taken: its `try_lock`
//! always succeeds (checked: a failure would be a bug in the raw lock, and panics rather than
//! spins). It costs one uncontended compare-exchange and one store per lock/unlock pair, on a
//! line of its own data, and keeps the whole crate safe code.

use crate::raw_mutex::RawMutex;
use crate::Park;
use core::fmt;
use core::ops::{Deref, DerefMut};

/// A sleeping, hand-off mutex owning a `T`. `P` is the scheduler ([`Park`]).
pub struct Mutex<T: ?Sized, P: Park> {
    raw: RawMutex<P>,
    data: spin::Mutex<T>,
}

/// The RAII guard of a [`Mutex`]: the lock is held while it lives.
pub struct MutexGuard<'a, T: ?Sized, P: Park> {
    mutex: &'a Mutex<T, P>,
    /// The data lock. `None` only inside a condvar wait, while the raw lock is given up: the
    /// guard is then borrowed by the condvar and nobody can reach the data through it.
    data: Option<spin::MutexGuard<'a, T>>,
}

impl<T, P: Park> Mutex<T, P> {
    pub const fn new(value: T) -> Self {
        Mutex {
            raw: RawMutex::new(),
            data: spin::Mutex::new(value),
        }
    }

    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized, P: Park> Mutex<T, P> {
    /// Take the lock, sleeping (after a short spin on SMP) while another thread holds it. The
    /// lock is not recursive: locking it again from its owner deadlocks.
    pub fn lock(&self) -> MutexGuard<'_, T, P> {
        self.raw.lock();
        MutexGuard {
            mutex: self,
            data: Some(self.take_data()),
        }
    }

    /// Take the lock if nobody holds it.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T, P>> {
        if !self.raw.try_lock() {
            return None;
        }
        Some(MutexGuard {
            mutex: self,
            data: Some(self.take_data()),
        })
    }

    /// Whether some thread holds the lock (a snapshot, for diagnostics and assertions).
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// The data, through exclusive access to the mutex (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The data lock, for the owner of the raw lock.
    fn take_data(&self) -> spin::MutexGuard<'_, T> {
        self.data
            .try_lock()
            .expect("osprey-sync: a mutex's data lock was held without its raw lock")
    }

    pub(crate) fn raw(&self) -> &RawMutex<P> {
        &self.raw
    }
}

impl<T: Default, P: Park> Default for Mutex<T, P> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug, P: Park> fmt::Debug for Mutex<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_lock() {
            Some(guard) => f.debug_struct("Mutex").field("data", &&*guard).finish(),
            None => f.write_str("Mutex { <locked> }"),
        }
    }
}

impl<'a, T: ?Sized, P: Park> MutexGuard<'a, T, P> {
    /// The mutex this guard holds.
    pub(crate) fn mutex(&self) -> &'a Mutex<T, P> {
        self.mutex
    }

    /// For a condvar wait: put the data lock back before the raw lock is given up.
    pub(crate) fn release_data(&mut self) {
        self.data = None;
    }

    /// For a condvar wait: take the data lock again once the raw lock is held again.
    pub(crate) fn reacquire_data(&mut self) {
        debug_assert!(self.data.is_none());
        self.data = Some(self.mutex.take_data());
    }
}

impl<T: ?Sized, P: Park> Deref for MutexGuard<'_, T, P> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.data {
            Some(data) => data,
            None => unreachable!("osprey-sync: a mutex guard used inside its condvar wait"),
        }
    }
}

impl<T: ?Sized, P: Park> DerefMut for MutexGuard<'_, T, P> {
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.data {
            Some(data) => data,
            None => unreachable!("osprey-sync: a mutex guard used inside its condvar wait"),
        }
    }
}

impl<T: ?Sized, P: Park> Drop for MutexGuard<'_, T, P> {
    fn drop(&mut self) {
        // The data lock first: the next owner, woken by the raw unlock, takes it at once.
        self.data = None;
        self.mutex.raw.unlock();
    }
}

impl<T: ?Sized + fmt::Debug, P: Park> fmt::Debug for MutexGuard<'_, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
