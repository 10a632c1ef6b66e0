//! Signals: numbers, `sigaction` flags, `si_code` values, and the structures signal delivery
//! writes to the app (`siginfo_t`, `stack_t`, the kernel's `ucontext` and `sigcontext`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
pub const SIGQUIT: i32 = 3;
pub const SIGILL: i32 = 4;
pub const SIGTRAP: i32 = 5;
pub const SIGABRT: i32 = 6;
pub const SIGIOT: i32 = 6;
pub const SIGBUS: i32 = 7;
pub const SIGFPE: i32 = 8;
pub const SIGKILL: i32 = 9;
pub const SIGUSR1: i32 = 10;
pub const SIGSEGV: i32 = 11;
pub const SIGUSR2: i32 = 12;
pub const SIGPIPE: i32 = 13;
pub const SIGALRM: i32 = 14;
pub const SIGTERM: i32 = 15;
pub const SIGSTKFLT: i32 = 16;
pub const SIGCHLD: i32 = 17;
pub const SIGCONT: i32 = 18;
pub const SIGSTOP: i32 = 19;
pub const SIGTSTP: i32 = 20;
pub const SIGTTIN: i32 = 21;
pub const SIGTTOU: i32 = 22;
pub const SIGURG: i32 = 23;
pub const SIGXCPU: i32 = 24;
pub const SIGXFSZ: i32 = 25;
pub const SIGVTALRM: i32 = 26;
pub const SIGPROF: i32 = 27;
pub const SIGWINCH: i32 = 28;
pub const SIGIO: i32 = 29;
pub const SIGPOLL: i32 = 29;
pub const SIGPWR: i32 = 30;
pub const SIGSYS: i32 = 31;
/// The kernel's first real-time signal. glibc reserves 32 and 33 for itself (thread
/// cancellation, setxid), so an app's `SIGRTMIN` is 34.
pub const SIGRTMIN: i32 = 32;
pub const SIGRTMAX: i32 = 64;
/// Number of signals (`_NSIG`); valid signal numbers are 1..=NSIG.
pub const NSIG: i32 = 64;

/// The sigset size rt_sigprocmask/rt_sigaction insist on (`sizeof(kernel sigset_t)`).
pub const SIGSET_SIZE: usize = 8;

/// A signal's bit in a 64-bit signal set.
pub const fn sigmask(sig: i32) -> u64 {
    1u64 << ((sig - 1) as u32)
}

/// Signals that can be neither blocked, caught nor ignored.
pub const UNBLOCKABLE: u64 = sigmask(SIGKILL) | sigmask(SIGSTOP);

/// The signal's name without real-time spelling (`"SIGSEGV"`), `None` for 32..=64 and
/// invalid numbers.
pub const fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV",
        SIGUSR2 => "SIGUSR2",
        SIGPIPE => "SIGPIPE",
        SIGALRM => "SIGALRM",
        SIGTERM => "SIGTERM",
        SIGSTKFLT => "SIGSTKFLT",
        SIGCHLD => "SIGCHLD",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        SIGTSTP => "SIGTSTP",
        SIGTTIN => "SIGTTIN",
        SIGTTOU => "SIGTTOU",
        SIGURG => "SIGURG",
        SIGXCPU => "SIGXCPU",
        SIGXFSZ => "SIGXFSZ",
        SIGVTALRM => "SIGVTALRM",
        SIGPROF => "SIGPROF",
        SIGWINCH => "SIGWINCH",
        SIGIO => "SIGIO",
        SIGPWR => "SIGPWR",
        SIGSYS => "SIGSYS",
        _ => return None,
    })
}

/// What a signal does when its disposition is SIG_DFL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Terminate and dump core (the exit status carries the 0x80 core bit).
    CoreDump,
    Ignore,
    Stop,
    Continue,
}

/// signal(7)'s table of default actions; real-time signals terminate.
pub const fn default_action(sig: i32) -> DefaultAction {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::CoreDump,
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGCONT => DefaultAction::Continue,
        _ => DefaultAction::Terminate,
    }
}

// Dispositions (sa_handler values).
pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;
pub const SIG_ERR: u64 = u64::MAX;

// rt_sigprocmask `how`.
pub const SIG_BLOCK: i32 = 0;
pub const SIG_UNBLOCK: i32 = 1;
pub const SIG_SETMASK: i32 = 2;

// sa_flags.
pub const SA_NOCLDSTOP: u64 = 0x0000_0001;
pub const SA_NOCLDWAIT: u64 = 0x0000_0002;
pub const SA_SIGINFO: u64 = 0x0000_0004;
pub const SA_UNSUPPORTED: u64 = 0x0000_0400;
pub const SA_EXPOSE_TAGBITS: u64 = 0x0000_0800;
/// x86_64 user space always sets this: the kernel returns from a handler through
/// `sa_restorer` (glibc's `__restore_rt`, which calls rt_sigreturn).
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;
pub const SA_NOMASK: u64 = SA_NODEFER;
pub const SA_ONESHOT: u64 = SA_RESETHAND;

// sigaltstack ss_flags.
pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
pub const SS_AUTODISARM: i32 = 1 << 31;
pub const MINSIGSTKSZ: usize = 2048;
pub const SIGSTKSZ: usize = 8192;

// si_code values for any signal: who sent it.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_MESGQ: i32 = -3;

/// `sigev_notify` values (timer_create).
pub const SIGEV_SIGNAL: i32 = 0;
pub const SIGEV_NONE: i32 = 1;
pub const SIGEV_THREAD: i32 = 2;
pub const SIGEV_THREAD_ID: i32 = 4;

/// `struct sigevent` (64 bytes) as the kernel reads it: the value, the signal, how to notify,
/// and (SIGEV_THREAD_ID) the thread; the rest of the union is unused by the kernel.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Sigevent {
    pub sigev_value: u64,
    pub sigev_signo: i32,
    pub sigev_notify: i32,
    pub sigev_notify_thread_id: i32,
    pub __pad: [i32; 11],
}
pub const SI_ASYNCIO: i32 = -4;
pub const SI_SIGIO: i32 = -5;
pub const SI_TKILL: i32 = -6;
pub const SI_DETHREAD: i32 = -7;
pub const SI_ASYNCNL: i32 = -60;

// SIGILL codes.
pub const ILL_ILLOPC: i32 = 1;
pub const ILL_ILLOPN: i32 = 2;
pub const ILL_ILLADR: i32 = 3;
pub const ILL_ILLTRP: i32 = 4;
pub const ILL_PRVOPC: i32 = 5;
pub const ILL_PRVREG: i32 = 6;
pub const ILL_COPROC: i32 = 7;
pub const ILL_BADSTK: i32 = 8;
pub const ILL_BADIADDR: i32 = 9;

// SIGFPE codes.
pub const FPE_INTDIV: i32 = 1;
pub const FPE_INTOVF: i32 = 2;
pub const FPE_FLTDIV: i32 = 3;
pub const FPE_FLTOVF: i32 = 4;
pub const FPE_FLTUND: i32 = 5;
pub const FPE_FLTRES: i32 = 6;
pub const FPE_FLTINV: i32 = 7;
pub const FPE_FLTSUB: i32 = 8;
pub const FPE_FLTUNK: i32 = 14;
pub const FPE_CONDTRAP: i32 = 15;

// SIGSEGV codes.
/// No mapping at the address.
pub const SEGV_MAPERR: i32 = 1;
/// A mapping exists but forbids the access.
pub const SEGV_ACCERR: i32 = 2;
pub const SEGV_BNDERR: i32 = 3;
pub const SEGV_PKUERR: i32 = 4;
pub const SEGV_CPERR: i32 = 10;

// SIGBUS codes.
pub const BUS_ADRALN: i32 = 1;
/// Access past the end of a mapped file.
pub const BUS_ADRERR: i32 = 2;
pub const BUS_OBJERR: i32 = 3;
pub const BUS_MCEERR_AR: i32 = 4;
pub const BUS_MCEERR_AO: i32 = 5;

// SIGTRAP codes.
pub const TRAP_BRKPT: i32 = 1;
pub const TRAP_TRACE: i32 = 2;
pub const TRAP_BRANCH: i32 = 3;
pub const TRAP_HWBKPT: i32 = 4;
pub const TRAP_UNK: i32 = 5;
pub const TRAP_PERF: i32 = 6;

// SIGCHLD codes.
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_TRAPPED: i32 = 4;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;

// SIGPOLL codes.
pub const POLL_IN: i32 = 1;
pub const POLL_OUT: i32 = 2;
pub const POLL_MSG: i32 = 3;
pub const POLL_ERR: i32 = 4;
pub const POLL_PRI: i32 = 5;
pub const POLL_HUP: i32 = 6;

// SIGSYS code.
pub const SYS_SECCOMP: i32 = 1;

/// `struct sigaction` as the rt_sigaction system call reads and writes it on x86_64 (32 bytes):
/// unlike glibc's struct, the mask comes last and is one u64.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct KernelSigaction {
    /// Handler address, or SIG_DFL / SIG_IGN.
    pub sa_handler: u64,
    pub sa_flags: u64,
    pub sa_restorer: u64,
    pub sa_mask: u64,
}

/// `stack_t` (sigaltstack, uc_stack; 24 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Stack {
    pub ss_sp: u64,
    pub ss_flags: i32,
    pub __pad0: u32,
    pub ss_size: u64,
}

/// `siginfo_t` (128 bytes). The first three ints are common; from offset 16 a union whose
/// meaning depends on the signal and si_code. `si_addr` names its first word (the fault
/// address for SIGSEGV/SIGBUS/SIGILL/SIGFPE); the constructors fill the other variants.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SigInfo {
    pub si_signo: i32,
    pub si_errno: i32,
    pub si_code: i32,
    /// The union is 8-aligned, so 4 bytes of padding come first.
    pub __pad0: i32,
    /// Offset 16: si_addr for faults; for kill/tkill/SIGCHLD/rt signals the low half is si_pid
    /// and the high half si_uid; for POSIX timers si_tid and si_overrun.
    pub si_addr: u64,
    /// Offsets 24..128 of the union.
    pub __rest: [u64; 13],
}

impl SigInfo {
    /// A fault (SIGSEGV with SEGV_MAPERR, SIGBUS, ...) at `addr`.
    pub fn fault(signo: i32, code: i32, addr: u64) -> Self {
        SigInfo {
            si_signo: signo,
            si_code: code,
            si_addr: addr,
            ..Default::default()
        }
    }

    /// A signal sent by kill/tgkill (`code` SI_USER / SI_TKILL) or by the kernel (SI_KERNEL).
    pub fn from_process(signo: i32, code: i32, pid: i32, uid: u32) -> Self {
        SigInfo {
            si_signo: signo,
            si_code: code,
            si_addr: pack_pid_uid(pid, uid),
            ..Default::default()
        }
    }

    /// SIGCHLD for a child that changed state; `status` is the exit code or the signal,
    /// `utime`/`stime` in clock ticks.
    pub fn child(code: i32, pid: i32, uid: u32, status: i32, utime: i64, stime: i64) -> Self {
        let mut info = Self::from_process(SIGCHLD, code, pid, uid);
        info.__rest[0] = status as u32 as u64; // si_status at 24
        info.__rest[1] = utime as u64; // si_utime at 32
        info.__rest[2] = stime as u64; // si_stime at 40
        info
    }

    /// A POSIX timer's signal: si_tid (the timer id) and si_overrun at 16, si_value at 24.
    pub fn timer(signo: i32, timer_id: i32, overrun: i32, value: u64) -> Self {
        SigInfo {
            si_signo: signo,
            si_code: SI_TIMER,
            si_addr: (timer_id as u32 as u64) | ((overrun as u32 as u64) << 32),
            ..Default::default()
        }
        .with_value(value)
    }

    /// si_tid of a POSIX timer's signal.
    pub fn si_timerid(&self) -> i32 {
        self.si_addr as u32 as i32
    }

    /// si_overrun of a POSIX timer's signal.
    pub fn si_overrun(&self) -> i32 {
        (self.si_addr >> 32) as u32 as i32
    }

    pub fn set_si_overrun(&mut self, overrun: i32) {
        self.si_addr = (self.si_addr & 0xffff_ffff) | ((overrun as u32 as u64) << 32);
    }

    /// rt_sigqueueinfo / a timer: si_value (offset 24) carries the sender's word.
    pub fn with_value(mut self, value: u64) -> Self {
        self.__rest[0] = value;
        self
    }

    pub fn si_pid(&self) -> i32 {
        self.si_addr as u32 as i32
    }

    pub fn si_uid(&self) -> u32 {
        (self.si_addr >> 32) as u32
    }

    /// si_status for SIGCHLD, si_int (low half of si_value) for queued signals.
    pub fn si_status(&self) -> i32 {
        self.__rest[0] as u32 as i32
    }
}

const fn pack_pid_uid(pid: i32, uid: u32) -> u64 {
    (pid as u32 as u64) | ((uid as u64) << 32)
}

/// The kernel's `struct sigcontext` for x86_64 (256 bytes): the registers a signal handler
/// sees in `uc_mcontext` and rt_sigreturn restores.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Sigcontext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    pub ss: u16,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    /// Address of the FXSAVE/XSAVE area in the signal frame (0: no FP state saved).
    pub fpstate: u64,
    pub __reserved1: [u64; 8],
}

/// The kernel's `struct ucontext` for x86_64 (304 bytes; glibc's `ucontext_t` is larger but
/// starts the same way), the second thing on an rt signal frame after the return address.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Ucontext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub uc_stack: Stack,
    pub uc_mcontext: Sigcontext,
    pub uc_sigmask: u64,
}

// uc_flags.
pub const UC_FP_XSTATE: u64 = 0x1;
pub const UC_SIGCONTEXT_SS: u64 = 0x2;
pub const UC_STRICT_RESTORE_SS: u64 = 0x4;

/// The rt signal frame Linux x86_64 builds on the handler's stack (440 bytes), lowest address
/// first: the return address (`sa_restorer`, which calls rt_sigreturn), the `ucontext`, the
/// `siginfo`. The vector state follows at a 64-byte aligned address above it, named by
/// `uc_mcontext.fpstate`. At the handler's first instruction `rsp` = the frame's address, so
/// `rsp + 8` is 16-byte aligned as after a `call`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct RtSigframe {
    pub pretcode: u64,
    pub uc: Ucontext,
    pub info: SigInfo,
}

/// `struct _fpx_sw_bytes`: what the kernel writes into the 48 software-reserved bytes of the
/// FXSAVE area (offset 464) of a signal frame's XSAVE fpstate, so that user space (and
/// rt_sigreturn) can tell an XSAVE image from a plain FXSAVE one.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct FpxSwBytes {
    /// FP_XSTATE_MAGIC1.
    pub magic1: u32,
    /// xstate_size + 4 (the FP_XSTATE_MAGIC2 word after the area).
    pub extended_size: u32,
    /// The components present (XCR0).
    pub xfeatures: u64,
    /// Bytes of the XSAVE image.
    pub xstate_size: u32,
    pub padding: [u32; 7],
}

/// Offset of [`FpxSwBytes`] inside the FXSAVE/XSAVE image.
pub const FPX_SW_BYTES_OFFSET: usize = 464;
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
/// Written right after the XSAVE image.
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
/// Bytes of the legacy FXSAVE image (x87 + SSE).
pub const FXSAVE_SIZE: usize = 512;
/// Bytes the kernel skips below the interrupted rsp before a signal frame (the ABI's red zone).
pub const RED_ZONE: u64 = 128;

/// `struct signalfd_siginfo` (128 bytes), what a read of a signalfd returns per signal.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SignalfdSiginfo {
    pub ssi_signo: u32,
    pub ssi_errno: i32,
    pub ssi_code: i32,
    pub ssi_pid: u32,
    pub ssi_uid: u32,
    pub ssi_fd: i32,
    pub ssi_tid: u32,
    pub ssi_band: u32,
    pub ssi_overrun: u32,
    pub ssi_trapno: u32,
    pub ssi_status: i32,
    pub ssi_int: i32,
    pub ssi_ptr: u64,
    pub ssi_utime: u64,
    pub ssi_stime: u64,
    pub ssi_addr: u64,
    pub ssi_addr_lsb: u16,
    pub __pad2: u16,
    pub ssi_syscall: i32,
    pub ssi_call_addr: u64,
    pub ssi_arch: u32,
    pub __pad: [u8; 28],
}

impl SignalfdSiginfo {
    /// The signalfd record for `info`, as Linux's signalfd_copyinfo fills it.
    pub fn from_info(info: &SigInfo) -> Self {
        let mut s = SignalfdSiginfo {
            ssi_signo: info.si_signo as u32,
            ssi_errno: info.si_errno,
            ssi_code: info.si_code,
            ..Default::default()
        };
        match info.si_signo {
            SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP if info.si_code > 0 => {
                s.ssi_addr = info.si_addr;
            }
            SIGCHLD => {
                s.ssi_pid = info.si_pid() as u32;
                s.ssi_uid = info.si_uid();
                s.ssi_status = info.si_status();
                s.ssi_utime = info.__rest[1];
                s.ssi_stime = info.__rest[2];
            }
            _ if info.si_code == SI_TIMER => {
                s.ssi_tid = info.si_timerid() as u32;
                s.ssi_overrun = info.si_overrun() as u32;
                s.ssi_int = info.__rest[0] as u32 as i32;
                s.ssi_ptr = info.__rest[0];
            }
            _ => {
                s.ssi_pid = info.si_pid() as u32;
                s.ssi_uid = info.si_uid();
                // si_value: the queued word (rt_sigqueueinfo, timers).
                s.ssi_int = info.__rest[0] as u32 as i32;
                s.ssi_ptr = info.__rest[0];
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn layouts() {
        assert_layout!(
            Sigevent,
            64,
            sigev_value = 0,
            sigev_signo = 8,
            sigev_notify = 12,
            sigev_notify_thread_id = 16
        );
        assert_layout!(
            KernelSigaction,
            32,
            sa_handler = 0,
            sa_flags = 8,
            sa_restorer = 16,
            sa_mask = 24
        );
        assert_layout!(
            Stack,
            24,
            ss_sp = 0,
            ss_flags = 8,
            __pad0 = 12,
            ss_size = 16
        );
        assert_layout!(
            SigInfo,
            128,
            si_signo = 0,
            si_errno = 4,
            si_code = 8,
            __pad0 = 12,
            si_addr = 16,
            __rest = 24
        );
        assert_layout!(
            Sigcontext,
            256,
            r8 = 0,
            r15 = 56,
            rdi = 64,
            rsi = 72,
            rbp = 80,
            rbx = 88,
            rdx = 96,
            rax = 104,
            rcx = 112,
            rsp = 120,
            rip = 128,
            eflags = 136,
            cs = 144,
            gs = 146,
            fs = 148,
            ss = 150,
            err = 152,
            trapno = 160,
            oldmask = 168,
            cr2 = 176,
            fpstate = 184,
            __reserved1 = 192,
        );
        assert_layout!(
            Ucontext,
            304,
            uc_flags = 0,
            uc_link = 8,
            uc_stack = 16,
            uc_mcontext = 40,
            uc_sigmask = 296
        );
    }

    #[test]
    fn frame_layouts() {
        // Pinned against Linux's arch/x86/include/asm/sigframe.h and uapi sigcontext.h /
        // signalfd.h (offsetof() printed by a C program on an x86_64 Linux host).
        assert_layout!(RtSigframe, 440, pretcode = 0, uc = 8, info = 312);
        assert_layout!(
            FpxSwBytes,
            48,
            magic1 = 0,
            extended_size = 4,
            xfeatures = 8,
            xstate_size = 16,
            padding = 20
        );
        assert_layout!(
            SignalfdSiginfo,
            128,
            ssi_signo = 0,
            ssi_errno = 4,
            ssi_code = 8,
            ssi_pid = 12,
            ssi_uid = 16,
            ssi_fd = 20,
            ssi_tid = 24,
            ssi_band = 28,
            ssi_overrun = 32,
            ssi_trapno = 36,
            ssi_status = 40,
            ssi_int = 44,
            ssi_ptr = 48,
            ssi_utime = 56,
            ssi_stime = 64,
            ssi_addr = 72,
            ssi_addr_lsb = 80,
            ssi_syscall = 84,
            ssi_call_addr = 88,
            ssi_arch = 96,
            __pad = 100
        );
        assert_eq!(FPX_SW_BYTES_OFFSET + 48, FXSAVE_SIZE);
    }

    #[test]
    fn siginfo_variants() {
        use zerocopy::IntoBytes;
        let f = SigInfo::fault(SIGSEGV, SEGV_MAPERR, 0xdead_beef);
        let b = f.as_bytes();
        assert_eq!(&b[0..4], &11i32.to_le_bytes());
        assert_eq!(&b[8..12], &1i32.to_le_bytes());
        assert_eq!(&b[16..24], &0xdead_beefu64.to_le_bytes());
        let k = SigInfo::from_process(SIGTERM, SI_USER, 42, 1000);
        let b = k.as_bytes();
        assert_eq!(&b[16..20], &42i32.to_le_bytes());
        assert_eq!(&b[20..24], &1000u32.to_le_bytes());
        assert_eq!((k.si_pid(), k.si_uid()), (42, 1000));
        let c = SigInfo::child(CLD_EXITED, 7, 0, 3, 10, 20);
        let b = c.as_bytes();
        assert_eq!(&b[24..28], &3i32.to_le_bytes());
        assert_eq!(&b[32..40], &10i64.to_le_bytes());
        assert_eq!(&b[40..48], &20i64.to_le_bytes());
        assert_eq!(c.si_status(), 3);
    }

    #[test]
    fn sets_and_names() {
        assert_eq!(sigmask(SIGHUP), 1);
        assert_eq!(sigmask(SIGKILL), 0x100);
        assert_eq!(sigmask(SIGRTMAX), 1 << 63);
        assert_eq!(UNBLOCKABLE, 0x40100);
        assert_eq!(signal_name(SIGSEGV), Some("SIGSEGV"));
        assert_eq!(signal_name(SIGSYS), Some("SIGSYS"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(SIGRTMIN), None);
        assert_eq!(default_action(SIGSEGV), DefaultAction::CoreDump);
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(SIGTERM), DefaultAction::Terminate);
        assert_eq!(default_action(40), DefaultAction::Terminate);
    }
}
