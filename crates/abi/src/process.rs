//! Processes and threads: clone flags and `clone_args`, wait options, resource limits and usage,
//! `uname` and `sysinfo` structures.

use bitflags::bitflags;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::time::Timeval;

/// The low byte of clone's flags: the signal sent to the parent when the child exits.
pub const CSIGNAL: u64 = 0xff;
pub const CLONE_NEWTIME: u64 = 0x0000_0080;
pub const CLONE_VM: u64 = 0x0000_0100;
pub const CLONE_FS: u64 = 0x0000_0200;
pub const CLONE_FILES: u64 = 0x0000_0400;
pub const CLONE_SIGHAND: u64 = 0x0000_0800;
pub const CLONE_PIDFD: u64 = 0x0000_1000;
pub const CLONE_PTRACE: u64 = 0x0000_2000;
pub const CLONE_VFORK: u64 = 0x0000_4000;
pub const CLONE_PARENT: u64 = 0x0000_8000;
pub const CLONE_THREAD: u64 = 0x0001_0000;
pub const CLONE_NEWNS: u64 = 0x0002_0000;
pub const CLONE_SYSVSEM: u64 = 0x0004_0000;
pub const CLONE_SETTLS: u64 = 0x0008_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
pub const CLONE_DETACHED: u64 = 0x0040_0000;
pub const CLONE_UNTRACED: u64 = 0x0080_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
pub const CLONE_NEWCGROUP: u64 = 0x0200_0000;
pub const CLONE_NEWUTS: u64 = 0x0400_0000;
pub const CLONE_NEWIPC: u64 = 0x0800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;
pub const CLONE_IO: u64 = 0x8000_0000;
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

bitflags! {
    /// clone/clone3 flags without the exit signal byte (mask it off with [`CSIGNAL`] first;
    /// CLONE_NEWTIME shares that byte's value space and is clone3-only).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct CloneFlags: u64 {
        const VM = CLONE_VM;
        const FS = CLONE_FS;
        const FILES = CLONE_FILES;
        const SIGHAND = CLONE_SIGHAND;
        const PIDFD = CLONE_PIDFD;
        const PTRACE = CLONE_PTRACE;
        const VFORK = CLONE_VFORK;
        const PARENT = CLONE_PARENT;
        const THREAD = CLONE_THREAD;
        const NEWNS = CLONE_NEWNS;
        const SYSVSEM = CLONE_SYSVSEM;
        const SETTLS = CLONE_SETTLS;
        const PARENT_SETTID = CLONE_PARENT_SETTID;
        const CHILD_CLEARTID = CLONE_CHILD_CLEARTID;
        const DETACHED = CLONE_DETACHED;
        const UNTRACED = CLONE_UNTRACED;
        const CHILD_SETTID = CLONE_CHILD_SETTID;
        const NEWCGROUP = CLONE_NEWCGROUP;
        const NEWUTS = CLONE_NEWUTS;
        const NEWIPC = CLONE_NEWIPC;
        const NEWUSER = CLONE_NEWUSER;
        const NEWPID = CLONE_NEWPID;
        const NEWNET = CLONE_NEWNET;
        const IO = CLONE_IO;
        const CLEAR_SIGHAND = CLONE_CLEAR_SIGHAND;
        const INTO_CGROUP = CLONE_INTO_CGROUP;
    }
}

/// `struct clone_args` for clone3 (88 bytes in its current version; the call passes its size
/// and accepts the older 64- and 80-byte versions).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    /// Lowest address of the child's stack (clone3 adds `stack_size` itself, unlike clone).
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}

/// Sizes of the published clone_args versions.
pub const CLONE_ARGS_SIZE_VER0: usize = 64;
pub const CLONE_ARGS_SIZE_VER1: usize = 80;
pub const CLONE_ARGS_SIZE_VER2: usize = 88;

// wait4/waitid options.
pub const WNOHANG: i32 = 0x0000_0001;
pub const WUNTRACED: i32 = 0x0000_0002;
pub const WSTOPPED: i32 = WUNTRACED;
pub const WEXITED: i32 = 0x0000_0004;
pub const WCONTINUED: i32 = 0x0000_0008;
pub const WNOWAIT: i32 = 0x0100_0000;
pub const __WNOTHREAD: i32 = 0x2000_0000;
pub const __WALL: i32 = 0x4000_0000;
pub const __WCLONE: i32 = 0x8000_0000u32 as i32;

// waitid idtype.
pub const P_ALL: i32 = 0;
pub const P_PID: i32 = 1;
pub const P_PGID: i32 = 2;
pub const P_PIDFD: i32 = 3;

/// wait status for a normal exit (`WIFEXITED`).
pub const fn w_exitcode(code: i32) -> i32 {
    (code & 0xff) << 8
}

/// wait status for death by a signal (`WIFSIGNALED`), with the core-dump bit when asked.
pub const fn w_termsig(sig: i32, core: bool) -> i32 {
    (sig & 0x7f) | if core { 0x80 } else { 0 }
}

// Resources for getrlimit/setrlimit/prlimit64.
pub const RLIMIT_CPU: u32 = 0;
pub const RLIMIT_FSIZE: u32 = 1;
pub const RLIMIT_DATA: u32 = 2;
pub const RLIMIT_STACK: u32 = 3;
pub const RLIMIT_CORE: u32 = 4;
pub const RLIMIT_RSS: u32 = 5;
pub const RLIMIT_NPROC: u32 = 6;
pub const RLIMIT_NOFILE: u32 = 7;
pub const RLIMIT_MEMLOCK: u32 = 8;
pub const RLIMIT_AS: u32 = 9;
pub const RLIMIT_LOCKS: u32 = 10;
pub const RLIMIT_SIGPENDING: u32 = 11;
pub const RLIMIT_MSGQUEUE: u32 = 12;
pub const RLIMIT_NICE: u32 = 13;
pub const RLIMIT_RTPRIO: u32 = 14;
pub const RLIMIT_RTTIME: u32 = 15;
/// Number of resources; a resource >= this is EINVAL.
pub const RLIM_NLIMITS: u32 = 16;
pub const RLIM_INFINITY: u64 = u64::MAX;

/// `struct rlimit` (and `struct rlimit64`, identical on x86_64).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Rlimit {
    pub rlim_cur: u64,
    pub rlim_max: u64,
}

// getrusage `who`.
pub const RUSAGE_SELF: i32 = 0;
pub const RUSAGE_CHILDREN: i32 = -1;
pub const RUSAGE_THREAD: i32 = 1;

/// `struct rusage` (144 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Rusage {
    pub ru_utime: Timeval,
    pub ru_stime: Timeval,
    /// Maximum resident set size in KiB.
    pub ru_maxrss: i64,
    pub ru_ixrss: i64,
    pub ru_idrss: i64,
    pub ru_isrss: i64,
    pub ru_minflt: i64,
    pub ru_majflt: i64,
    pub ru_nswap: i64,
    pub ru_inblock: i64,
    pub ru_oublock: i64,
    pub ru_msgsnd: i64,
    pub ru_msgrcv: i64,
    pub ru_nsignals: i64,
    pub ru_nvcsw: i64,
    pub ru_nivcsw: i64,
}

/// Length of each `struct utsname` field, NUL included.
pub const UTSNAME_LEN: usize = 65;

/// `struct new_utsname` as uname(2) fills it: six NUL-terminated 65-byte strings (390 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Utsname {
    pub sysname: [u8; UTSNAME_LEN],
    pub nodename: [u8; UTSNAME_LEN],
    pub release: [u8; UTSNAME_LEN],
    pub version: [u8; UTSNAME_LEN],
    pub machine: [u8; UTSNAME_LEN],
    pub domainname: [u8; UTSNAME_LEN],
}

impl Default for Utsname {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

impl Utsname {
    /// Builds a utsname from strings, each cut to 64 bytes so a NUL always ends it.
    pub fn new(
        sysname: &str,
        nodename: &str,
        release: &str,
        version: &str,
        machine: &str,
        domainname: &str,
    ) -> Self {
        Utsname {
            sysname: utsname_field(sysname),
            nodename: utsname_field(nodename),
            release: utsname_field(release),
            version: utsname_field(version),
            machine: utsname_field(machine),
            domainname: utsname_field(domainname),
        }
    }
}

/// A NUL-padded 65-byte utsname field holding at most 64 bytes of `s`.
pub fn utsname_field(s: &str) -> [u8; UTSNAME_LEN] {
    let mut field = [0u8; UTSNAME_LEN];
    let n = s.len().min(UTSNAME_LEN - 1);
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
    field
}

/// `struct sysinfo` (112 bytes on x86_64, where the trailing `_f` filler is empty).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Sysinfo {
    /// Seconds since boot.
    pub uptime: i64,
    /// 1, 5 and 15 minute load averages, fixed point with 16 fraction bits.
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub __pad1: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    /// Unit of the *ram/*swap/*high fields, in bytes.
    pub mem_unit: u32,
    pub __pad2: u32,
}

/// `struct sched_param`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedParam {
    pub sched_priority: i32,
}

// Scheduling policies.
pub const SCHED_OTHER: i32 = 0;
pub const SCHED_FIFO: i32 = 1;
pub const SCHED_RR: i32 = 2;
pub const SCHED_BATCH: i32 = 3;
pub const SCHED_IDLE: i32 = 5;
pub const SCHED_DEADLINE: i32 = 6;
pub const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

// getpriority/setpriority `which`.
pub const PRIO_PROCESS: i32 = 0;
pub const PRIO_PGRP: i32 = 1;
pub const PRIO_USER: i32 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn layouts() {
        assert_layout!(
            CloneArgs,
            88,
            flags = 0,
            pidfd = 8,
            child_tid = 16,
            parent_tid = 24,
            exit_signal = 32,
            stack = 40,
            stack_size = 48,
            tls = 56,
            set_tid = 64,
            set_tid_size = 72,
            cgroup = 80,
        );
        assert_layout!(Rlimit, 16, rlim_cur = 0, rlim_max = 8);
        assert_layout!(
            Rusage,
            144,
            ru_utime = 0,
            ru_stime = 16,
            ru_maxrss = 32,
            ru_ixrss = 40,
            ru_idrss = 48,
            ru_isrss = 56,
            ru_minflt = 64,
            ru_majflt = 72,
            ru_nswap = 80,
            ru_inblock = 88,
            ru_oublock = 96,
            ru_msgsnd = 104,
            ru_msgrcv = 112,
            ru_nsignals = 120,
            ru_nvcsw = 128,
            ru_nivcsw = 136,
        );
        assert_layout!(
            Utsname,
            390,
            sysname = 0,
            nodename = 65,
            release = 130,
            version = 195,
            machine = 260,
            domainname = 325,
        );
        assert_layout!(
            Sysinfo,
            112,
            uptime = 0,
            loads = 8,
            totalram = 32,
            freeram = 40,
            sharedram = 48,
            bufferram = 56,
            totalswap = 64,
            freeswap = 72,
            procs = 80,
            pad = 82,
            __pad1 = 84,
            totalhigh = 88,
            freehigh = 96,
            mem_unit = 104,
            __pad2 = 108,
        );
        assert_layout!(SchedParam, 4, sched_priority = 0);
    }

    #[test]
    fn utsname_fields_keep_a_nul() {
        let u = Utsname::new("Linux", "osprey", "6.1.0", "#1 SMP", "x86_64", "(none)");
        assert_eq!(&u.sysname[..6], b"Linux\0");
        assert_eq!(&u.machine[..7], b"x86_64\0");
        let long = "x".repeat(100);
        let f = utsname_field(&long);
        assert_eq!(f[63], b'x');
        assert_eq!(f[64], 0);
        assert_eq!(Utsname::default().release, [0u8; 65]);
    }

    #[test]
    fn clone_flags_and_statuses() {
        // glibc's pthread_create flags.
        let raw = 0x3d0f00u64;
        let f = CloneFlags::from_bits(raw & !CSIGNAL).unwrap();
        assert!(f.contains(CloneFlags::VM | CloneFlags::THREAD | CloneFlags::SETTLS));
        assert_eq!(w_exitcode(3), 0x300);
        assert_eq!(w_termsig(11, true), 0x8b);
    }
}
