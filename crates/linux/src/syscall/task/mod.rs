//! The task: exit, identity, TLS and thread bookkeeping, limits, scheduling.

pub mod arch_prctl;
pub mod clone;
pub mod exit;
pub mod futex;
pub mod futex_pi;
pub mod futex_waitv;
pub mod ids;
pub mod prctl;
pub mod priority;
pub mod rlimit;
pub mod rusage;
pub mod sched;
pub mod tid;
