//! osprey-sync: the kernel's sleeping locks, independent of any particular scheduler.
//!
//! - [`Mutex`]: OSv's lock-free mutex: an atomic count and hand-off tickets, a FIFO of wait
//!   records (under a spin lock held for a push or a pop, with interrupts off), hand-off of the
//!   lock on unlock (to the oldest waiter still spinning for it, else the oldest), a short
//!   bounded spin that stops when another thread needs the CPU, and then sleep. Never spins on a
//!   preempted holder, so it has no lock-holder preemption problem.
//! - [`Condvar`]: wait / wait_until (deadline) / notify_one / notify_all over that mutex.
//! - [`WaitQueue`]: sleep until a condition holds or a futex-style wake, with deadlines.
//!
//! The crate is entirely safe code (`forbid(unsafe_code)`): the data of a [`Mutex`] lives in a
//! `spin::Mutex` that only the sleeping lock's owner ever takes (mutex.rs).
//!
//! The scheduler plugs in by implementing [`Park`] (std's park/unpark contract plus a deadline
//! park and a clock). Crates that cannot name the kernel's scheduler type (the host-tested
//! Linux layer) use [`GlobalPark`], which forwards to a [`DynPark`] object the kernel installs
//! at boot. ARCHITECTURE.md "Kernel locks" explains the design.
//!
//! ```
//! // What a scheduler provides (here over std threads; the kernel's scheduler implements
//! // the same six functions over its run queues, its timer and cli/sti).
//! struct MyPark;
//! impl osprey_sync::Park for MyPark {
//!     type Token = std::thread::Thread;
//!     fn current() -> Self::Token { std::thread::current() }
//!     fn park() { std::thread::park() }
//!     fn park_until(deadline_ns: u64) {
//!         let now = Self::now_ns();
//!         if deadline_ns > now {
//!             std::thread::park_timeout(std::time::Duration::from_nanos(deadline_ns - now));
//!         }
//!     }
//!     fn unpark(thread: &Self::Token) { thread.unpark() }
//!     fn now_ns() -> u64 {
//!         static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
//!         START.get_or_init(std::time::Instant::now).elapsed().as_nanos() as u64
//!     }
//!     fn critical<R>(f: impl FnOnce() -> R) -> R { f() } // the kernel: preemption + IRQs off
//! }
//!
//! type Mutex<T> = osprey_sync::Mutex<T, MyPark>;
//! type Condvar = osprey_sync::Condvar<MyPark>;
//!
//! static QUEUE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
//! static NOT_EMPTY: Condvar = Condvar::new();
//!
//! let consumer = std::thread::spawn(|| {
//!     let mut q = QUEUE.lock();
//!     NOT_EMPTY.wait_while(&mut q, |q| q.is_empty());
//!     q.pop()
//! });
//! let mut q = QUEUE.lock();
//! q.push(42);
//! NOT_EMPTY.notify_one_locked(&q); // the consumer wakes once, owning the mutex
//! drop(q);
//! assert_eq!(consumer.join().unwrap(), Some(42));
//! ```
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod atomic;
#[cfg(not(loom))]
mod global_park;
mod list_lock;
mod park;
mod queue;
mod raw_mutex;
mod wait_list;
mod wait_queue;
mod waiter;
// Under loom the raw mutex and the wait queue are built and model-checked; Mutex and Condvar
// have `const` constructors, which loom's atomics cannot give.
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
pub use global_park::{DynPark, GlobalPark};
#[cfg(not(loom))]
pub use mutex::{Mutex, MutexGuard};
pub use park::Park;
pub use raw_mutex::RawMutex;
pub use wait_queue::{Sleep, WaitQueue};

#[cfg(any(test, feature = "std"))]
pub use park::std_park::StdPark;

#[cfg(loom)]
pub use park::loom_park::LoomPark;
