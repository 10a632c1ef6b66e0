//! `Mutex<T>`: the raw lock-free mutex behind `lock_api`'s data-owning wrapper and RAII guard.
//!
//! `lock_api` supplies the `UnsafeCell` part (a guard handing out `&mut T`), which any mutex
//! needs; this module only promises it that [`RawMutex`] really is mutually exclusive. It is
//! the crate's second and last module allowed unsafe code, for the `unsafe impl` and the
//! `unsafe fn unlock` that trait prescribes.
#![allow(unsafe_code)]

use crate::raw_mutex::RawMutex;
use crate::Park;

/// A sleeping, lock-free, hand-off mutex owning a `T`. `P` is the scheduler ([`Park`]).
pub type Mutex<T, P> = lock_api::Mutex<RawMutex<P>, T>;
/// The RAII guard of a [`Mutex`]: the lock is held while it lives.
pub type MutexGuard<'a, T, P> = lock_api::MutexGuard<'a, RawMutex<P>, T>;

// SAFETY: `lock` returns only once this thread owns the lock (fast-path CAS 0 -> 1, a hand-off
// ticket, or being woken by the owner's `unlock`, which passes ownership without freeing);
// `try_lock` returns true only in the first two cases; at most one thread owns it at a time
// (ARCHITECTURE.md "Kernel locks", checked by the loom models in raw_mutex_loom.rs). The lock
// is not tied to a thread (an unlock from another thread is as good as from the locker), so
// the guard may be sent: `GuardSend`.
unsafe impl<P: Park> lock_api::RawMutex for RawMutex<P> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawMutex::new();
    type GuardMarker = lock_api::GuardSend;

    fn lock(&self) {
        RawMutex::lock(self)
    }

    fn try_lock(&self) -> bool {
        RawMutex::try_lock(self)
    }

    unsafe fn unlock(&self) {
        RawMutex::unlock(self)
    }

    fn is_locked(&self) -> bool {
        RawMutex::is_locked(self)
    }
}

// SAFETY: `unlock` is already fair: with a waiter queued it hands the lock to the oldest one
// and never lets another thread take it in between; that is what `unlock_fair` promises.
unsafe impl<P: Park> lock_api::RawMutexFair for RawMutex<P> {
    unsafe fn unlock_fair(&self) {
        RawMutex::unlock(self)
    }
}

/// The raw lock under a guard, for [`crate::Condvar`]: its wait releases the lock and gets it
/// back (re-locking, or by hand-off after a move into the lock's queue) before it returns, and
/// its notify under the lock only queues a record behind the holder.
pub(crate) fn raw_of<'a, T: ?Sized, P: Park>(guard: &MutexGuard<'a, T, P>) -> &'a RawMutex<P> {
    // SAFETY: `raw()` is unsafe only because the raw lock could be unlocked while the guard
    // still exists. The condvar unlocks it only while it holds the guard by `&mut` (nobody can
    // reach the data through it meanwhile) and holds the lock again before it gives the guard
    // back, on every path including unwinding (`Relock` in condvar.rs).
    unsafe { lock_api::MutexGuard::mutex(guard).raw() }
}
