//! A thread of the app: its id and what Linux keeps per thread (the clear_child_tid word that
//! `pthread_join` waits on, the robust futex list, the name, the signal mask, signals aimed at
//! it, its alternate signal stack). What threads share (memory, files, dispositions) is in
//! [`crate::process::Process`].

use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};

use alloc::sync::Arc;
use osprey_abi::Stack;
use spin::Mutex;

use crate::futex::Waiter;
use crate::signal::SigQueue;

/// Signal state of one thread.
pub struct ThreadSignals {
    /// Blocked signals (bit n-1 for signal n).
    pub mask: u64,
    /// Signals sent to this thread (tgkill, synchronous faults) and not yet delivered.
    pub pending: SigQueue,
    pub altstack: Stack,
    /// The mask to put back once a signal has been handled, when a call (rt_sigsuspend)
    /// replaced the mask only for its duration: the handler's frame records this one.
    pub saved_mask: Option<u64>,
    /// Signals the thread is waiting to take itself (rt_sigtimedwait, a signalfd read):
    /// senders wake it for these even though it blocks them, and they are not delivered.
    pub waiting: u64,
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
    /// CPUs it may run on (sched_setaffinity), one bit per CPU.
    pub affinity: Mutex<[u64; AFFINITY_WORDS]>,
    /// Its nice value, -20..=19 (setpriority; per thread, as on Linux). The scheduler weighs
    /// its share of the CPU by it.
    pub nice: AtomicI32,
    /// Its scheduling policy (SCHED_OTHER, SCHED_BATCH or SCHED_IDLE), with
    /// SCHED_RESET_ON_FORK as given to sched_setscheduler.
    pub policy: AtomicU32,
    /// Its bounce buffer for reads and writes (`crate::bounce`), grown on first use.
    pub bounce: Mutex<alloc::vec::Vec<u8>>,
    /// Its watcher for poll, select and blocking reads and writes (`iowait::wait_until_files`).
    pub file_wait: Arc<crate::iowait::FileWait>,
}

/// Words of an affinity mask: 256 CPUs, the most the hal brings up.
pub const AFFINITY_WORDS: usize = 4;

impl Thread {
    pub fn new(tid: i32, name: [u8; 16], mask: u64) -> Thread {
        Thread {
            tid,
            clear_child_tid: AtomicU64::new(0),
            robust_list: Mutex::new((0, 0)),
            name: Mutex::new(name),
            signals: Mutex::new(ThreadSignals {
                mask,
                pending: SigQueue::new(),
                saved_mask: None,
                waiting: 0,
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
            affinity: Mutex::new([u64::MAX; AFFINITY_WORDS]),
            nice: AtomicI32::new(0),
            policy: AtomicU32::new(0),
            bounce: Mutex::new(alloc::vec::Vec::new()),
            file_wait: crate::iowait::FileWait::new(),
        }
    }

    pub fn name(&self) -> [u8; 16] {
        *self.name.lock()
    }

    pub fn mask(&self) -> u64 {
        self.signals.lock().mask
    }

    /// Whether its affinity allows CPU `cpu`.
    pub fn may_run_on(&self, cpu: usize) -> bool {
        self.affinity
            .lock()
            .get(cpu / 64)
            .is_some_and(|w| w & (1 << (cpu % 64)) != 0)
    }

    /// Whether a signal may interrupt a blocking call of this thread now. (Inlined: the
    /// kernel checks it at the end of every system call.)
    #[inline]
    pub fn interrupted(&self) -> bool {
        self.signal_hint.load(Ordering::Acquire)
    }
}
