//! The system-call table: one line per call. `nr => handler / arity [strace formats]`.

use osprey_abi::sysno::*;
use osprey_abi::Errno;

use super::ArgFmt::{self, *};
use super::{event, fs, mem, misc, net, signal, task, time, Ctx, FromArg, SysResult};

macro_rules! invoke {
    ($f:path, $cx:ident, $a:ident, 0) => {
        $f($cx)
    };
    ($f:path, $cx:ident, $a:ident, 1) => {
        $f($cx, FromArg::from_arg($a[0]))
    };
    ($f:path, $cx:ident, $a:ident, 2) => {
        $f($cx, FromArg::from_arg($a[0]), FromArg::from_arg($a[1]))
    };
    ($f:path, $cx:ident, $a:ident, 3) => {
        $f(
            $cx,
            FromArg::from_arg($a[0]),
            FromArg::from_arg($a[1]),
            FromArg::from_arg($a[2]),
        )
    };
    ($f:path, $cx:ident, $a:ident, 4) => {
        $f(
            $cx,
            FromArg::from_arg($a[0]),
            FromArg::from_arg($a[1]),
            FromArg::from_arg($a[2]),
            FromArg::from_arg($a[3]),
        )
    };
    ($f:path, $cx:ident, $a:ident, 5) => {
        $f(
            $cx,
            FromArg::from_arg($a[0]),
            FromArg::from_arg($a[1]),
            FromArg::from_arg($a[2]),
            FromArg::from_arg($a[3]),
            FromArg::from_arg($a[4]),
        )
    };
    ($f:path, $cx:ident, $a:ident, 6) => {
        $f(
            $cx,
            FromArg::from_arg($a[0]),
            FromArg::from_arg($a[1]),
            FromArg::from_arg($a[2]),
            FromArg::from_arg($a[3]),
            FromArg::from_arg($a[4]),
            FromArg::from_arg($a[5]),
        )
    };
}

macro_rules! syscalls {
    ($($nr:ident => $($f:ident)::+ / $n:tt [$($fmt:expr),*];)*) => {
        /// Runs system call `nr`; None when the kernel has no such call.
        fn run(cx: &Ctx, nr: usize, a: &[u64; 6]) -> Option<SysResult> {
            match nr {
                $( $nr => Some(invoke!($($f)::+, cx, a, $n)), )*
                _ => None,
            }
        }

        /// How strace shows the arguments of `nr`.
        pub fn syscall_args(nr: usize) -> Option<&'static [ArgFmt]> {
            match nr {
                $( $nr => Some(&[$($fmt),*]), )*
                _ => None,
            }
        }
    };
}

/// Runs system call `nr` with raw arguments; returns the value for rax (`-errno` on error).
/// Inlined into the kernel's system-call handler: one call and return fewer per call.
#[inline(always)]
pub fn dispatch(cx: &Ctx, nr: usize, a: &[u64; 6]) -> isize {
    let strace = cx.p.strace;
    if strace && crate::strace::no_return(nr) {
        crate::strace::print(cx, nr, a, None);
    }
    let r = if nr == osprey_abi::sysno::SYS_FUTEX {
        // The hottest call of threaded programs (every contended mutex, condition variable
        // and join) goes straight to its handler: `run`'s jump table is an indirect jump and
        // its arms span several pages, each a translation-block lookup under TCG.
        invoke!(task::futex::sys_futex, cx, a, 6)
    } else {
        match run(cx, nr, a) {
            Some(r) => r,
            None => Err(Errno::ENOSYS),
        }
    };
    let ret = match r {
        Ok(v) => v as isize,
        Err(e) => e.as_ret(),
    };
    if strace {
        crate::strace::print(cx, nr, a, Some(ret));
    }
    ret
}

syscalls! {
    // files: data
    SYS_READ => fs::rw::sys_read / 3 [Fd, OutBuf, UInt];
    SYS_WRITE => fs::rw::sys_write / 3 [Fd, InBuf(2), UInt];
    SYS_PREAD64 => fs::rw::sys_pread64 / 4 [Fd, OutBuf, UInt, Int];
    SYS_PWRITE64 => fs::rw::sys_pwrite64 / 4 [Fd, InBuf(2), UInt, Int];
    SYS_READV => fs::rwv::sys_readv / 3 [Fd, Ptr, Int];
    SYS_WRITEV => fs::rwv::sys_writev / 3 [Fd, Ptr, Int];
    SYS_PREADV => fs::rwv::sys_preadv / 4 [Fd, Ptr, Int, Int];
    SYS_PWRITEV => fs::rwv::sys_pwritev / 4 [Fd, Ptr, Int, Int];
    SYS_LSEEK => fs::lseek::sys_lseek / 3 [Fd, Int, Whence];
    SYS_SENDFILE => fs::sendfile::sys_sendfile / 4 [Fd, Fd, Ptr, UInt];
    // files: opening and descriptors
    SYS_OPEN => fs::open::sys_open / 3 [Path, OpenFlags, Octal];
    SYS_OPENAT => fs::open::sys_openat / 4 [DirFd, Path, OpenFlags, Octal];
    SYS_CREAT => fs::open::sys_creat / 2 [Path, Octal];
    SYS_CLOSE => fs::close::sys_close / 1 [Fd];
    SYS_CLOSE_RANGE => fs::close::sys_close_range / 3 [UInt, UInt, UInt];
    SYS_DUP => fs::dup::sys_dup / 1 [Fd];
    SYS_DUP2 => fs::dup::sys_dup2 / 2 [Fd, Fd];
    SYS_DUP3 => fs::dup::sys_dup3 / 3 [Fd, Fd, OpenFlags];
    SYS_PIPE => fs::pipe::sys_pipe / 1 [Ptr];
    SYS_PIPE2 => fs::pipe::sys_pipe2 / 2 [Ptr, OpenFlags];
    SYS_FCNTL => fs::fcntl::sys_fcntl / 3 [Fd, Fcntl, Ptr];
    SYS_IOCTL => fs::ioctl::sys_ioctl / 3 [Fd, Ioctl, Ptr];
    // files: metadata
    SYS_STAT => fs::stat::sys_stat / 2 [Path, Ptr];
    SYS_LSTAT => fs::stat::sys_lstat / 2 [Path, Ptr];
    SYS_FSTAT => fs::stat::sys_fstat / 2 [Fd, Ptr];
    SYS_NEWFSTATAT => fs::stat::sys_newfstatat / 4 [DirFd, Path, Ptr, AtFlags];
    SYS_STATX => fs::stat::sys_statx / 5 [DirFd, Path, AtFlags, Ptr, Ptr];
    SYS_STATFS => fs::statfs::sys_statfs / 2 [Path, Ptr];
    SYS_FSTATFS => fs::statfs::sys_fstatfs / 2 [Fd, Ptr];
    SYS_ACCESS => fs::access::sys_access / 2 [Path, AccessMode];
    SYS_FACCESSAT => fs::access::sys_faccessat / 3 [DirFd, Path, AccessMode];
    SYS_FACCESSAT2 => fs::access::sys_faccessat2 / 4 [DirFd, Path, AccessMode, AtFlags];
    SYS_READLINK => fs::readlink::sys_readlink / 3 [Path, OutBuf, UInt];
    SYS_READLINKAT => fs::readlink::sys_readlinkat / 4 [DirFd, Path, OutBuf, UInt];
    SYS_GETDENTS64 => fs::getdents::sys_getdents64 / 3 [Fd, Ptr, UInt];
    SYS_TRUNCATE => fs::truncate::sys_truncate / 2 [Path, Int];
    SYS_FTRUNCATE => fs::truncate::sys_ftruncate / 2 [Fd, Int];
    SYS_FSYNC => fs::sync::sys_fsync / 1 [Fd];
    SYS_FDATASYNC => fs::sync::sys_fdatasync / 1 [Fd];
    SYS_CHMOD => fs::chmod::sys_chmod / 2 [Path, Octal];
    SYS_FCHMOD => fs::chmod::sys_fchmod / 2 [Fd, Octal];
    SYS_FCHMODAT => fs::chmod::sys_fchmodat / 3 [DirFd, Path, Octal];
    SYS_CHOWN => fs::chown::sys_chown / 3 [Path, Int, Int];
    SYS_LCHOWN => fs::chown::sys_lchown / 3 [Path, Int, Int];
    SYS_FCHOWN => fs::chown::sys_fchown / 3 [Fd, Int, Int];
    SYS_FCHOWNAT => fs::chown::sys_fchownat / 5 [DirFd, Path, Int, Int, AtFlags];
    SYS_UTIMENSAT => fs::utimens::sys_utimensat / 4 [DirFd, Path, Ptr, AtFlags];
    // files: extended attributes (none kept)
    SYS_GETXATTR => fs::xattr::sys_getxattr / 4 [Path, Path, Ptr, UInt];
    SYS_LGETXATTR => fs::xattr::sys_lgetxattr / 4 [Path, Path, Ptr, UInt];
    SYS_FGETXATTR => fs::xattr::sys_fgetxattr / 4 [Fd, Path, Ptr, UInt];
    SYS_LISTXATTR => fs::xattr::sys_listxattr / 3 [Path, Ptr, UInt];
    SYS_LLISTXATTR => fs::xattr::sys_llistxattr / 3 [Path, Ptr, UInt];
    SYS_FLISTXATTR => fs::xattr::sys_flistxattr / 3 [Fd, Ptr, UInt];
    SYS_SETXATTR => fs::xattr::sys_setxattr / 5 [Path, Path, Ptr, UInt, Int];
    SYS_LSETXATTR => fs::xattr::sys_lsetxattr / 5 [Path, Path, Ptr, UInt, Int];
    SYS_FSETXATTR => fs::xattr::sys_fsetxattr / 5 [Fd, Path, Ptr, UInt, Int];
    SYS_REMOVEXATTR => fs::xattr::sys_removexattr / 2 [Path, Path];
    SYS_LREMOVEXATTR => fs::xattr::sys_lremovexattr / 2 [Path, Path];
    SYS_FREMOVEXATTR => fs::xattr::sys_fremovexattr / 2 [Fd, Path];
    // files: the namespace
    SYS_GETCWD => fs::cwd::sys_getcwd / 2 [OutBuf, UInt];
    SYS_CHDIR => fs::cwd::sys_chdir / 1 [Path];
    SYS_FCHDIR => fs::cwd::sys_fchdir / 1 [Fd];
    SYS_MKDIR => fs::mkdir::sys_mkdir / 2 [Path, Octal];
    SYS_MKDIRAT => fs::mkdir::sys_mkdirat / 3 [DirFd, Path, Octal];
    SYS_RMDIR => fs::unlink::sys_rmdir / 1 [Path];
    SYS_UNLINK => fs::unlink::sys_unlink / 1 [Path];
    SYS_UNLINKAT => fs::unlink::sys_unlinkat / 3 [DirFd, Path, AtFlags];
    SYS_RENAME => fs::rename::sys_rename / 2 [Path, Path];
    SYS_RENAMEAT => fs::rename::sys_renameat / 4 [DirFd, Path, DirFd, Path];
    SYS_RENAMEAT2 => fs::rename::sys_renameat2 / 5 [DirFd, Path, DirFd, Path, UInt];
    SYS_LINK => fs::link::sys_link / 2 [Path, Path];
    SYS_LINKAT => fs::link::sys_linkat / 5 [DirFd, Path, DirFd, Path, AtFlags];
    SYS_SYMLINK => fs::link::sys_symlink / 2 [Path, Path];
    SYS_SYMLINKAT => fs::link::sys_symlinkat / 3 [Path, DirFd, Path];
    SYS_UMASK => fs::umask::sys_umask / 1 [Octal];
    // readiness
    SYS_POLL => event::poll::sys_poll / 3 [Ptr, UInt, Int];
    SYS_PPOLL => event::poll::sys_ppoll / 5 [Ptr, UInt, Ptr, Ptr, UInt];
    SYS_SELECT => event::select::sys_select / 5 [Int, Ptr, Ptr, Ptr, Ptr];
    SYS_PSELECT6 => event::select::sys_pselect6 / 6 [Int, Ptr, Ptr, Ptr, Ptr, Ptr];
    SYS_EPOLL_CREATE => event::epoll::sys_epoll_create / 1 [Int];
    SYS_EPOLL_CREATE1 => event::epoll::sys_epoll_create1 / 1 [UInt];
    SYS_EPOLL_CTL => event::epoll_ctl::sys_epoll_ctl / 4 [Fd, Int, Fd, Ptr];
    SYS_EPOLL_WAIT => event::epoll_wait::sys_epoll_wait / 4 [Fd, Ptr, Int, Int];
    SYS_EPOLL_PWAIT => event::epoll_wait::sys_epoll_pwait / 6 [Fd, Ptr, Int, Int, Ptr, UInt];
    SYS_EPOLL_PWAIT2 => event::epoll_wait::sys_epoll_pwait2 / 6 [Fd, Ptr, Int, Ptr, Ptr, UInt];
    SYS_EVENTFD => event::eventfd::sys_eventfd / 1 [UInt];
    SYS_EVENTFD2 => event::eventfd::sys_eventfd2 / 2 [UInt, UInt];
    // sockets
    SYS_SOCKET => net::socket::sys_socket / 3 [Int, Int, Int];
    SYS_SOCKETPAIR => net::socket::sys_socketpair / 4 [Int, Int, Int, Ptr];
    SYS_BIND => net::connect::sys_bind / 3 [Fd, Ptr, UInt];
    SYS_LISTEN => net::connect::sys_listen / 2 [Fd, Int];
    SYS_CONNECT => net::connect::sys_connect / 3 [Fd, Ptr, UInt];
    SYS_ACCEPT => net::accept::sys_accept / 3 [Fd, Ptr, Ptr];
    SYS_ACCEPT4 => net::accept::sys_accept4 / 4 [Fd, Ptr, Ptr, Int];
    SYS_SENDTO => net::send::sys_sendto / 6 [Fd, InBuf(2), UInt, Int, Ptr, UInt];
    SYS_SENDMSG => net::send::sys_sendmsg / 3 [Fd, Ptr, Int];
    SYS_SENDMMSG => net::send::sys_sendmmsg / 4 [Fd, Ptr, UInt, Int];
    SYS_RECVFROM => net::recv::sys_recvfrom / 6 [Fd, OutBuf, UInt, Int, Ptr, Ptr];
    SYS_RECVMSG => net::recv::sys_recvmsg / 3 [Fd, Ptr, Int];
    SYS_RECVMMSG => net::recv::sys_recvmmsg / 5 [Fd, Ptr, UInt, Int, Ptr];
    SYS_SHUTDOWN => net::shutdown::sys_shutdown / 2 [Fd, Int];
    SYS_GETSOCKNAME => net::name::sys_getsockname / 3 [Fd, Ptr, Ptr];
    SYS_GETPEERNAME => net::name::sys_getpeername / 3 [Fd, Ptr, Ptr];
    SYS_GETSOCKOPT => net::sockopt::sys_getsockopt / 5 [Fd, Int, Int, Ptr, Ptr];
    SYS_SETSOCKOPT => net::sockopt::sys_setsockopt / 5 [Fd, Int, Int, Ptr, UInt];
    // memory
    SYS_MMAP => mem::mmap::sys_mmap / 6 [Ptr, UInt, Prot, MapFlags, Fd, Ptr];
    SYS_MUNMAP => mem::mmap::sys_munmap / 2 [Ptr, UInt];
    SYS_MPROTECT => mem::mprotect::sys_mprotect / 3 [Ptr, UInt, Prot];
    SYS_MREMAP => mem::mremap::sys_mremap / 5 [Ptr, UInt, UInt, UInt, Ptr];
    SYS_MADVISE => mem::madvise::sys_madvise / 3 [Ptr, UInt, Madvise];
    SYS_BRK => mem::brk::sys_brk / 1 [Ptr];
    SYS_MSYNC => mem::msync::sys_msync / 3 [Ptr, UInt, Int];
    SYS_MLOCK => mem::mlock::sys_mlock / 2 [Ptr, UInt];
    SYS_MUNLOCK => mem::mlock::sys_munlock / 2 [Ptr, UInt];
    SYS_MLOCKALL => mem::mlock::sys_mlockall / 1 [Int];
    SYS_MUNLOCKALL => mem::mlock::sys_munlockall / 0 [];
    // the task and its identity
    SYS_CLONE => task::clone::sys_clone / 5 [CloneFlags, Ptr, Ptr, Ptr, Ptr];
    SYS_CLONE3 => task::clone::sys_clone3 / 2 [Ptr, UInt];
    SYS_FORK => task::clone::sys_fork / 0 [];
    SYS_VFORK => task::clone::sys_vfork / 0 [];
    SYS_EXIT => task::exit::sys_exit / 1 [Int];
    SYS_FLOCK => fs::flock::sys_flock / 2 [Fd, Int];
    SYS_TIMERFD_CREATE => time::timerfd::sys_timerfd_create / 2 [ClockId, UInt];
    SYS_TIMER_CREATE => time::posix_timer::sys_timer_create / 3 [ClockId, Ptr, Ptr];
    SYS_TIMER_SETTIME => time::posix_timer::sys_timer_settime / 4 [Int, Int, Ptr, Ptr];
    SYS_TIMER_GETTIME => time::posix_timer::sys_timer_gettime / 2 [Int, Ptr];
    SYS_TIMER_GETOVERRUN => time::posix_timer::sys_timer_getoverrun / 1 [Int];
    SYS_TIMER_DELETE => time::posix_timer::sys_timer_delete / 1 [Int];
    SYS_TIMERFD_SETTIME => time::timerfd::sys_timerfd_settime / 4 [Fd, UInt, Ptr, Ptr];
    SYS_TIMERFD_GETTIME => time::timerfd::sys_timerfd_gettime / 2 [Fd, Ptr];
    SYS_EXIT_GROUP => task::exit::sys_exit_group / 1 [Int];
    SYS_GETPID => task::ids::sys_getpid / 0 [];
    SYS_GETTID => task::ids::sys_gettid / 0 [];
    SYS_GETPPID => task::ids::sys_getppid / 0 [];
    SYS_GETUID => task::ids::sys_getuid / 0 [];
    SYS_GETEUID => task::ids::sys_geteuid / 0 [];
    SYS_GETGID => task::ids::sys_getgid / 0 [];
    SYS_GETEGID => task::ids::sys_getegid / 0 [];
    SYS_GETRESUID => task::ids::sys_getresuid / 3 [Ptr, Ptr, Ptr];
    SYS_GETRESGID => task::ids::sys_getresgid / 3 [Ptr, Ptr, Ptr];
    SYS_SETUID => task::ids::sys_setuid / 1 [Int];
    SYS_SETGID => task::ids::sys_setgid / 1 [Int];
    SYS_GETGROUPS => task::ids::sys_getgroups / 2 [Int, Ptr];
    SYS_SETGROUPS => task::ids::sys_setgroups / 2 [Int, Ptr];
    SYS_GETPGRP => task::ids::sys_getpgrp / 0 [];
    SYS_GETPGID => task::ids::sys_getpgid / 1 [Int];
    SYS_SETPGID => task::ids::sys_setpgid / 2 [Int, Int];
    SYS_GETSID => task::ids::sys_getsid / 1 [Int];
    SYS_SETSID => task::ids::sys_setsid / 0 [];
    SYS_FUTEX => task::futex::sys_futex / 6 [Ptr, Futex, UInt, Ptr, Ptr, UInt];
    SYS_FUTEX_WAITV => task::futex_waitv::sys_futex_waitv / 5 [Ptr, UInt, UInt, Ptr, ClockId];
    SYS_SET_TID_ADDRESS => task::tid::sys_set_tid_address / 1 [Ptr];
    SYS_SET_ROBUST_LIST => task::tid::sys_set_robust_list / 2 [Ptr, UInt];
    SYS_GET_ROBUST_LIST => task::tid::sys_get_robust_list / 3 [Int, Ptr, Ptr];
    SYS_ARCH_PRCTL => task::arch_prctl::sys_arch_prctl / 2 [ArchPrctl, Ptr];
    SYS_PRCTL => task::prctl::sys_prctl / 5 [Int, Ptr, Ptr, Ptr, Ptr];
    SYS_PRLIMIT64 => task::rlimit::sys_prlimit64 / 4 [Int, Rlimit, Ptr, Ptr];
    SYS_GETRLIMIT => task::rlimit::sys_getrlimit / 2 [Rlimit, Ptr];
    SYS_SETRLIMIT => task::rlimit::sys_setrlimit / 2 [Rlimit, Ptr];
    SYS_GETRUSAGE => task::rusage::sys_getrusage / 2 [Int, Ptr];
    SYS_TIMES => task::rusage::sys_times / 1 [Ptr];
    SYS_SCHED_YIELD => task::sched::sys_sched_yield / 0 [];
    SYS_SCHED_GETAFFINITY => task::sched::sys_sched_getaffinity / 3 [Int, UInt, Ptr];
    SYS_SCHED_SETAFFINITY => task::sched::sys_sched_setaffinity / 3 [Int, UInt, Ptr];
    SYS_GETCPU => task::sched::sys_getcpu / 3 [Ptr, Ptr, Ptr];
    SYS_GETPRIORITY => task::priority::sys_getpriority / 2 [Int, Int];
    SYS_SETPRIORITY => task::priority::sys_setpriority / 3 [Int, Int, Int];
    SYS_SCHED_SETSCHEDULER => task::priority::sys_sched_setscheduler / 3 [Int, Int, Ptr];
    SYS_SCHED_GETSCHEDULER => task::priority::sys_sched_getscheduler / 1 [Int];
    SYS_SCHED_SETPARAM => task::priority::sys_sched_setparam / 2 [Int, Ptr];
    SYS_SCHED_GETPARAM => task::priority::sys_sched_getparam / 2 [Int, Ptr];
    SYS_SCHED_GET_PRIORITY_MAX => task::priority::sys_sched_get_priority_max / 1 [Int];
    SYS_SCHED_GET_PRIORITY_MIN => task::priority::sys_sched_get_priority_min / 1 [Int];
    // signals (rt_sigreturn is not here: it replaces all registers, see Linux::rt_sigreturn)
    SYS_RT_SIGACTION => signal::action::sys_rt_sigaction / 4 [Signal, Ptr, Ptr, UInt];
    SYS_RT_SIGPROCMASK => signal::mask::sys_rt_sigprocmask / 4 [SigHow, Ptr, Ptr, UInt];
    SYS_SIGALTSTACK => signal::altstack::sys_sigaltstack / 2 [Ptr, Ptr];
    SYS_KILL => signal::kill::sys_kill / 2 [Int, Signal];
    SYS_TKILL => signal::kill::sys_tkill / 2 [Int, Signal];
    SYS_TGKILL => signal::kill::sys_tgkill / 3 [Int, Int, Signal];
    SYS_RT_SIGQUEUEINFO => signal::kill::sys_rt_sigqueueinfo / 3 [Int, Signal, Ptr];
    SYS_RT_TGSIGQUEUEINFO => signal::kill::sys_rt_tgsigqueueinfo / 4 [Int, Int, Signal, Ptr];
    SYS_PAUSE => signal::suspend::sys_pause / 0 [];
    SYS_RT_SIGSUSPEND => signal::suspend::sys_rt_sigsuspend / 2 [Ptr, UInt];
    SYS_RT_SIGTIMEDWAIT => signal::wait::sys_rt_sigtimedwait / 4 [Ptr, Ptr, Ptr, UInt];
    SYS_RT_SIGPENDING => signal::wait::sys_rt_sigpending / 2 [Ptr, UInt];
    SYS_SIGNALFD => signal::signalfd::sys_signalfd / 3 [Fd, Ptr, UInt];
    SYS_SIGNALFD4 => signal::signalfd::sys_signalfd4 / 4 [Fd, Ptr, UInt, OpenFlags];
    // time
    SYS_CLOCK_GETTIME => time::clock::sys_clock_gettime / 2 [ClockId, Ptr];
    SYS_CLOCK_GETRES => time::clock::sys_clock_getres / 2 [ClockId, Ptr];
    SYS_GETTIMEOFDAY => time::clock::sys_gettimeofday / 2 [Ptr, Ptr];
    SYS_TIME => time::clock::sys_time / 1 [Ptr];
    SYS_NANOSLEEP => time::sleep::sys_nanosleep / 2 [Ptr, Ptr];
    SYS_SETITIMER => time::itimer::sys_setitimer / 3 [Int, Ptr, Ptr];
    SYS_GETITIMER => time::itimer::sys_getitimer / 2 [Int, Ptr];
    SYS_ALARM => time::itimer::sys_alarm / 1 [UInt];
    SYS_CLOCK_NANOSLEEP => time::sleep::sys_clock_nanosleep / 4 [ClockId, Int, Ptr, Ptr];
    // the system
    SYS_UNAME => misc::uname::sys_uname / 1 [Ptr];
    SYS_SYSINFO => misc::sysinfo::sys_sysinfo / 1 [Ptr];
    SYS_GETRANDOM => misc::getrandom::sys_getrandom / 3 [OutBuf, UInt, UInt];
}
