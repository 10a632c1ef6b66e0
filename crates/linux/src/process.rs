//! The one process Osprey runs: its identity, files, memory, limits and signal dispositions.
//!
//! Each part has its own lock, so system calls on different parts do not contend, and no
//! handler holds the memory lock while copying to or from app memory (a copy may page-fault,
//! and the fault handler takes that lock). The memory lock is the one sleeping lock: a thread
//! that finds it held sleeps; the others are short spin locks.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, Ordering};

use osprey_abi::process::*;
use osprey_abi::{KernelSigaction, Rlimit};
use osprey_vfs::{Dentry, FdTable, Vfs};
use spin::Mutex;

use crate::futex::FutexTable;
use crate::memory::MemoryLock;
use crate::thread::Thread;

/// The app's process id. The app is PID 1 of its VM, like a container's init; its parent is 0.
pub const PID: i32 = 1;

pub struct FsState {
    pub cwd: Arc<Dentry>,
    pub umask: u32,
}

pub struct Creds {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub groups: Vec<u32>,
}

/// Signal state the threads share (per-thread masks and pending sets are in [`Thread`]).
pub struct SignalState {
    /// Dispositions, index = signal number - 1.
    pub actions: [KernelSigaction; 64],
    /// Signals sent to the process (kill) and not yet taken by a thread.
    pub pending: crate::signal::SigQueue,
    /// ITIMER_REAL (setitimer, alarm): (deadline on CLOCK_MONOTONIC, 0 when off; interval).
    pub itimer_real: (u64, u64),
    /// timer_create's timers.
    pub posix_timers: crate::syscall::time::posix_timer::Timers,
}

pub struct Process {
    pub pid: i32,
    /// Print every system call (`--strace`).
    pub strace: bool,
    pub vfs: Vfs,
    pub fs: Mutex<FsState>,
    pub files: FdTable,
    /// A sleeping lock (see [`MemoryLock`]): page faults and the memory calls take it.
    pub mm: MemoryLock,
    /// Guest path of the executable (/proc/self/exe).
    pub exe: Vec<u8>,
    /// argv joined with NULs (/proc/self/cmdline).
    pub cmdline: Vec<u8>,
    pub environ: Vec<u8>,
    pub creds: Mutex<Creds>,
    pub rlimits: Mutex<[Rlimit; RLIM_NLIMITS as usize]>,
    /// Shared (Arc) so that a signalfd can see the pending set.
    pub signals: Arc<Mutex<SignalState>>,
    /// The live threads by tid; the first has tid == pid.
    pub threads: Mutex<BTreeMap<i32, Arc<Thread>>>,
    /// The next thread id to hand out.
    pub next_tid: AtomicI32,
    /// Futex wait queues.
    pub futexes: FutexTable,
    /// CLOCK_MONOTONIC at start, for times() and /proc/self/stat.
    pub start_ns: u64,
    /// uname nodename, /etc/hostname.
    pub hostname: Vec<u8>,
    /// The auxiliary vector the program started with (/proc/self/auxv).
    pub auxv: Mutex<Vec<(u64, u64)>>,
    /// Load bias of the executable (0 for non-PIE), for crash reports.
    pub exe_bias: Mutex<u64>,
}

/// Linux's default limits for a root process (what `ulimit -a` shows on Debian).
pub fn default_rlimits(mem_bytes: u64) -> [Rlimit; RLIM_NLIMITS as usize] {
    let inf = Rlimit {
        rlim_cur: RLIM_INFINITY,
        rlim_max: RLIM_INFINITY,
    };
    let mut r = [inf; RLIM_NLIMITS as usize];
    r[RLIMIT_STACK as usize] = Rlimit {
        rlim_cur: 8 << 20,
        rlim_max: RLIM_INFINITY,
    };
    r[RLIMIT_CORE as usize] = Rlimit {
        rlim_cur: 0,
        rlim_max: RLIM_INFINITY,
    };
    r[RLIMIT_NOFILE as usize] = Rlimit {
        rlim_cur: 1024,
        rlim_max: 1_048_576,
    };
    r[RLIMIT_MEMLOCK as usize] = Rlimit {
        rlim_cur: 8 << 20,
        rlim_max: 8 << 20,
    };
    let pending = (mem_bytes / (64 << 10)).max(64);
    r[RLIMIT_SIGPENDING as usize] = Rlimit {
        rlim_cur: pending,
        rlim_max: pending,
    };
    r[RLIMIT_NPROC as usize] = Rlimit {
        rlim_cur: pending,
        rlim_max: pending,
    };
    r[RLIMIT_MSGQUEUE as usize] = Rlimit {
        rlim_cur: 819_200,
        rlim_max: 819_200,
    };
    r[RLIMIT_NICE as usize] = Rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    r[RLIMIT_RTPRIO as usize] = Rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    r
}

impl Creds {
    pub fn root() -> Creds {
        Creds {
            uid: 0,
            euid: 0,
            suid: 0,
            gid: 0,
            egid: 0,
            sgid: 0,
            groups: Vec::new(),
        }
    }
}

impl SignalState {
    pub fn new() -> SignalState {
        SignalState {
            actions: [KernelSigaction::default(); 64],
            pending: crate::signal::SigQueue::new(),
            itimer_real: (0, 0),
            posix_timers: crate::syscall::time::posix_timer::Timers::new(),
        }
    }
}

impl Default for SignalState {
    fn default() -> Self {
        Self::new()
    }
}

impl Process {
    /// The thread with id `tid`, if it is alive.
    pub fn thread(&self, tid: i32) -> Option<Arc<Thread>> {
        self.threads.lock().get(&tid).cloned()
    }

    /// Number of live threads.
    pub fn thread_count(&self) -> usize {
        self.threads.lock().len()
    }

    /// A new thread id (Linux hands them out upwards from the pid; they are not reused here
    /// until 2^31 threads have been made).
    pub fn alloc_tid(&self) -> i32 {
        self.next_tid.fetch_add(1, Ordering::Relaxed)
    }
}
