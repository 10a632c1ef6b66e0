//! A thread of the app: its id and what Linux keeps per thread (the clear_child_tid word that
//! `pthread_join` waits on, the robust futex list, the name, the signal mask, signals aimed at
//! it, its alternate signal stack). What threads share (memory, files, dispositions) is in
//! [`crate::process::Process`].

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use alloc::sync::Arc;
use osprey_abi::Stack;
use spin::Mutex;

use crate::futex::Waiter;

/// Signal state of one thread.
pub struct ThreadSignals {
    /// Blocked signals (bit n-1 for signal n).
    pub mask: u64,
    /// Signals sent to this thread (tgkill, synchronous faults) and not yet delivered.
    pub pending: u64,
    pub altstack: Stack,
}

pub struct Thread {
    pub tid: i32,
    /// CLONE_CHILD_CLEARTID / set_tid_address: zeroed and futex-woken when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// set_robust_list: (head, len).
    pub robust_list: Mutex<(u64, usize)>,
    /// PR_SET_NAME (comm), 15 bytes + NUL.
    pub name: Mutex<[u8; 16]>,
    pub signals: Mutex<ThreadSignals>,
    /// Set by whoever makes a signal pending for this thread, so a blocked system call can
    /// notice (EINTR) without taking the lock.
    pub signal_hint: AtomicBool,
    /// Nanoseconds this thread has spent running (for its CPU clock and /proc).
    pub cpu_ns: AtomicU64,
    /// Its place in a futex queue (reused: a thread waits on one futex at a time).
    pub futex_waiter: Arc<Waiter>,
}

impl Thread {
    pub fn new(tid: i32, name: [u8; 16], mask: u64) -> Thread {
        Thread {
            tid,
            clear_child_tid: AtomicU64::new(0),
            robust_list: Mutex::new((0, 0)),
            name: Mutex::new(name),
            signals: Mutex::new(ThreadSignals {
                mask,
                pending: 0,
                altstack: Stack {
                    ss_sp: 0,
                    ss_flags: osprey_abi::signal::SS_DISABLE,
                    __pad0: 0,
                    ss_size: 0,
                },
            }),
            signal_hint: AtomicBool::new(false),
            cpu_ns: AtomicU64::new(0),
            futex_waiter: Waiter::new(tid),
        }
    }

    pub fn name(&self) -> [u8; 16] {
        *self.name.lock()
    }

    pub fn mask(&self) -> u64 {
        self.signals.lock().mask
    }

    /// Whether a signal may interrupt a blocking call of this thread now.
    pub fn interrupted(&self) -> bool {
        self.signal_hint.load(Ordering::Acquire)
    }
}
