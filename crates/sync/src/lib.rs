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
mod waiter;
// Under loom only the raw mutex is built and model-checked: lock_api wants a `const` initial
// value, which loom's atomics cannot give, and the spin-locked wait list is outside the model.
#[cfg(not(loom))]
mod condvar;
#[cfg(not(loom))]
mod mutex;
#[cfg(not(loom))]
mod wait_list;
#[cfg(not(loom))]
mod wait_queue;

#[cfg(all(test, loom))]
mod raw_mutex_loom;
#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(not(loom))]
pub use condvar::{Condvar, WaitTimeoutResult};
#[cfg(not(loom))]
pub use mutex::{Mutex, MutexGuard};
pub use park::Park;
pub use raw_mutex::RawMutex;
#[cfg(not(loom))]
pub use wait_queue::{Sleep, WaitQueue};

#[cfg(any(test, feature = "std"))]
pub use park::std_park::StdPark;

#[cfg(loom)]
pub use park::loom_park::LoomPark;
