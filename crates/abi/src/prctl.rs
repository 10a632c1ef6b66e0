//! prctl(2) options and x86_64 arch_prctl(2) codes.

// arch_prctl codes.
pub const ARCH_SET_GS: i32 = 0x1001;
pub const ARCH_SET_FS: i32 = 0x1002;
pub const ARCH_GET_FS: i32 = 0x1003;
pub const ARCH_GET_GS: i32 = 0x1004;
pub const ARCH_GET_CPUID: i32 = 0x1011;
pub const ARCH_SET_CPUID: i32 = 0x1012;
pub const ARCH_GET_XCOMP_SUPP: i32 = 0x1021;
pub const ARCH_GET_XCOMP_PERM: i32 = 0x1022;
pub const ARCH_REQ_XCOMP_PERM: i32 = 0x1023;
pub const ARCH_GET_XCOMP_GUEST_PERM: i32 = 0x1024;
pub const ARCH_REQ_XCOMP_GUEST_PERM: i32 = 0x1025;
pub const ARCH_MAP_VDSO_X32: i32 = 0x2001;
pub const ARCH_MAP_VDSO_32: i32 = 0x2002;
pub const ARCH_MAP_VDSO_64: i32 = 0x2003;
pub const ARCH_GET_UNTAG_MASK: i32 = 0x4001;
pub const ARCH_ENABLE_TAGGED_ADDR: i32 = 0x4002;
pub const ARCH_GET_MAX_TAG_BITS: i32 = 0x4003;
pub const ARCH_FORCE_TAGGED_SVA: i32 = 0x4004;
pub const ARCH_SHSTK_ENABLE: i32 = 0x5001;
pub const ARCH_SHSTK_DISABLE: i32 = 0x5002;
pub const ARCH_SHSTK_LOCK: i32 = 0x5003;
pub const ARCH_SHSTK_UNLOCK: i32 = 0x5004;
pub const ARCH_SHSTK_STATUS: i32 = 0x5005;

// prctl options.
pub const PR_SET_PDEATHSIG: i32 = 1;
pub const PR_GET_PDEATHSIG: i32 = 2;
pub const PR_GET_DUMPABLE: i32 = 3;
pub const PR_SET_DUMPABLE: i32 = 4;
pub const PR_GET_UNALIGN: i32 = 5;
pub const PR_SET_UNALIGN: i32 = 6;
pub const PR_GET_KEEPCAPS: i32 = 7;
pub const PR_SET_KEEPCAPS: i32 = 8;
pub const PR_GET_FPEMU: i32 = 9;
pub const PR_SET_FPEMU: i32 = 10;
pub const PR_GET_FPEXC: i32 = 11;
pub const PR_SET_FPEXC: i32 = 12;
pub const PR_GET_TIMING: i32 = 13;
pub const PR_SET_TIMING: i32 = 14;
/// Thread name, up to 15 bytes plus NUL (`TASK_COMM_LEN` = 16).
pub const PR_SET_NAME: i32 = 15;
pub const PR_GET_NAME: i32 = 16;
pub const PR_GET_ENDIAN: i32 = 19;
pub const PR_SET_ENDIAN: i32 = 20;
pub const PR_GET_SECCOMP: i32 = 21;
pub const PR_SET_SECCOMP: i32 = 22;
pub const PR_CAPBSET_READ: i32 = 23;
pub const PR_CAPBSET_DROP: i32 = 24;
pub const PR_GET_TSC: i32 = 25;
pub const PR_SET_TSC: i32 = 26;
pub const PR_GET_SECUREBITS: i32 = 27;
pub const PR_SET_SECUREBITS: i32 = 28;
pub const PR_SET_TIMERSLACK: i32 = 29;
pub const PR_GET_TIMERSLACK: i32 = 30;
pub const PR_TASK_PERF_EVENTS_DISABLE: i32 = 31;
pub const PR_TASK_PERF_EVENTS_ENABLE: i32 = 32;
pub const PR_MCE_KILL: i32 = 33;
pub const PR_MCE_KILL_GET: i32 = 34;
pub const PR_SET_MM: i32 = 35;
pub const PR_SET_CHILD_SUBREAPER: i32 = 36;
pub const PR_GET_CHILD_SUBREAPER: i32 = 37;
pub const PR_SET_NO_NEW_PRIVS: i32 = 38;
pub const PR_GET_NO_NEW_PRIVS: i32 = 39;
pub const PR_GET_TID_ADDRESS: i32 = 40;
pub const PR_SET_THP_DISABLE: i32 = 41;
pub const PR_GET_THP_DISABLE: i32 = 42;
pub const PR_MPX_ENABLE_MANAGEMENT: i32 = 43;
pub const PR_MPX_DISABLE_MANAGEMENT: i32 = 44;
pub const PR_SET_FP_MODE: i32 = 45;
pub const PR_GET_FP_MODE: i32 = 46;
pub const PR_CAP_AMBIENT: i32 = 47;
pub const PR_SVE_SET_VL: i32 = 50;
pub const PR_SVE_GET_VL: i32 = 51;
pub const PR_GET_SPECULATION_CTRL: i32 = 52;
pub const PR_SET_SPECULATION_CTRL: i32 = 53;
pub const PR_PAC_RESET_KEYS: i32 = 54;
pub const PR_SET_TAGGED_ADDR_CTRL: i32 = 55;
pub const PR_GET_TAGGED_ADDR_CTRL: i32 = 56;
pub const PR_SET_IO_FLUSHER: i32 = 57;
pub const PR_GET_IO_FLUSHER: i32 = 58;
pub const PR_SET_SYSCALL_USER_DISPATCH: i32 = 59;
pub const PR_PAC_SET_ENABLED_KEYS: i32 = 60;
pub const PR_PAC_GET_ENABLED_KEYS: i32 = 61;
pub const PR_SCHED_CORE: i32 = 62;
pub const PR_SME_SET_VL: i32 = 63;
pub const PR_SME_GET_VL: i32 = 64;
pub const PR_SET_MDWE: i32 = 65;
pub const PR_GET_MDWE: i32 = 66;
pub const PR_SET_MEMORY_MERGE: i32 = 67;
pub const PR_GET_MEMORY_MERGE: i32 = 68;
/// Yama's "who may ptrace me" ("Yama" in ASCII).
pub const PR_SET_PTRACER: i32 = 0x5961_6d61;
/// Name an anonymous mapping ("SVMA" in ASCII); sub-option PR_SET_VMA_ANON_NAME.
pub const PR_SET_VMA: i32 = 0x5356_4d41;
pub const PR_SET_VMA_ANON_NAME: u64 = 0;

// PR_SET_DUMPABLE values.
pub const SUID_DUMP_DISABLE: u64 = 0;
pub const SUID_DUMP_USER: u64 = 1;

/// Length of a thread name buffer, NUL included.
pub const TASK_COMM_LEN: usize = 16;
