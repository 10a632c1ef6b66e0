//! Signals: dispositions (rt_sigaction), masks, the altstack, sending (kill and friends),
//! waiting (pause, rt_sigsuspend, rt_sigtimedwait) and signalfd. Queues and delivery are in
//! `crate::signal`; rt_sigreturn is reached through `Linux::rt_sigreturn`, because it
//! replaces every register of the caller.

pub mod action;
pub mod altstack;
pub mod kill;
pub mod mask;
pub mod signalfd;
pub mod suspend;
pub mod wait;
