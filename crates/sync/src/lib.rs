//! osprey-sync: the kernel's sleeping locks, independent of any particular scheduler.
//!
//! - [`Mutex`]: OSv's lock-free mutex: an atomic count, a lock-free wait queue, hand-off of the
//!   lock to the oldest waiter on unlock, a short bounded spin and then sleep. Never spins on a
//!   preempted holder, so it has no lock-holder preemption problem.
//! - [`Condvar`]: wait / wait_until (deadline) / notify_one / notify_all over that mutex.
//! - [`WaitQueue`]: sleep until a condition holds or a futex-style wake, with deadlines.
//!
//! The scheduler plugs in by implementing [`Park`] (std's park/unpark contract plus a deadline
//! park and a clock). ARCHITECTURE.md "Kernel locks" explains the design.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

mod atomic;
mod park;
mod queue;
mod raw_mutex;
mod wait_list;
mod wait_queue;
mod waiter;
// Under loom the raw mutex and the wait queue are built and model-checked; lock_api (hence
// Mutex and Condvar) wants a `const` initial value, which loom's atomics cannot give.
#[cfg(not(loom))]
mod condvar;
#[cfg(not(loom))]
mod mutex;

#[cfg(all(test, loom))]
mod raw_mutex_loom;
#[cfg(all(test, not(loom)))]
mod tests;
#[cfg(all(test, loom))]
mod wait_queue_loom;

#[cfg(not(loom))]
pub use condvar::{Condvar, WaitTimeoutResult};
#[cfg(not(loom))]
pub use mutex::{Mutex, MutexGuard};
pub use park::Park;
pub use raw_mutex::RawMutex;
pub use wait_queue::{Sleep, WaitQueue};

#[cfg(any(test, feature = "std"))]
pub use park::std_park::StdPark;

#[cfg(loom)]
pub use park::loom_park::LoomPark;
