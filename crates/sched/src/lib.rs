//! osprey-sched: what the scheduler decides, without the hardware.
//!
//! The kernel crate runs threads with the hal's context switch; this crate holds the parts of
//! scheduling that are pure bookkeeping, so they are tested on the host:
//! * [`RunQueue`]: runnable threads ordered by virtual runtime (the fairness rule: the thread
//!   that has run least goes next, like OSv's decaying-runtime order and Linux's CFS);
//! * [`TimerList`]: deadlines of sleeping threads, earliest first;
//! * [`Park`]: the per-thread park/unpark state machine that makes "check a condition, then
//!   sleep" race-free against a wake-up from another CPU or from before the sleep;
//! * [`weight`]: nice values and policies as CPU shares (how fast a thread's virtual runtime
//!   runs).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

mod park;
mod runqueue;
mod timers;
pub mod weight;

pub use park::{Park, ParkOutcome};
pub use runqueue::RunQueue;
pub use timers::{TimerId, TimerList};
