//! Every expected string below was copied from strace 6.1 output on Linux x86_64.

use super::*;
use crate::fcntl::*;
use crate::mman::*;

fn s(f: impl FnOnce(&mut String) -> fmt::Result) -> String {
    to_string(f)
}

#[test]
fn open_flags_as_strace() {
    assert_eq!(
        s(|w| open_flags(w, O_RDONLY | O_CLOEXEC)),
        "O_RDONLY|O_CLOEXEC"
    );
    assert_eq!(
        s(|w| open_flags(w, O_WRONLY | O_CREAT | O_TRUNC)),
        "O_WRONLY|O_CREAT|O_TRUNC"
    );
    assert_eq!(s(|w| open_flags(w, O_RDONLY)), "O_RDONLY");
    assert_eq!(s(|w| open_flags(w, 3)), "O_ACCMODE");
    assert_eq!(
        s(|w| open_flags(
            w,
            O_RDWR | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | 0x8000_0000
        )),
        "O_RDWR|O_APPEND|O_NONBLOCK|O_NOFOLLOW|O_DIRECTORY|0x80000000"
    );
    assert_eq!(
        s(|w| open_flags(w, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_DIRECTORY)),
        "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY"
    );
    assert_eq!(
        s(|w| open_flags(w, O_RDONLY | O_PATH | O_TMPFILE)),
        "O_RDONLY|O_PATH|O_TMPFILE"
    );
    assert_eq!(
        s(|w| open_flags(w, O_RDONLY | __O_TMPFILE)),
        "O_RDONLY|O_TMPFILE"
    );
    assert_eq!(
        s(|w| open_flags(w, O_WRONLY | O_DSYNC | O_TMPFILE)),
        "O_WRONLY|O_DSYNC|O_TMPFILE"
    );
    assert_eq!(s(|w| open_flags(w, O_RDWR | O_SYNC)), "O_RDWR|O_SYNC");
    assert_eq!(s(|w| open_flags(w, 0x8000_0000)), "O_RDONLY|0x80000000");
    assert_eq!(
        s(|w| open_flags(w, O_DIRECTORY | O_PATH | FASYNC | O_CLOEXEC | O_NOATIME)),
        "O_RDONLY|O_NOATIME|O_CLOEXEC|O_PATH|O_DIRECTORY|FASYNC"
    );
    assert_eq!(
        s(|w| open_flags(
            w,
            O_CREAT | O_EXCL | O_NOCTTY | FASYNC | O_DIRECT | O_LARGEFILE | O_NOATIME
        )),
        "O_RDONLY|O_CREAT|O_EXCL|O_NOCTTY|O_DIRECT|O_LARGEFILE|O_NOATIME|FASYNC"
    );
    assert_eq!(
        s(|w| open_flags(w, 0xffff_fffc)),
        "O_RDONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE|\
         O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC|0xff80003c"
    );
    assert!(open_has_mode(O_CREAT) && open_has_mode(__O_TMPFILE) && !open_has_mode(O_RDWR));
}

#[test]
fn modes() {
    assert_eq!(s(|w| mode_octal(w, 0o644)), "0644");
    assert_eq!(s(|w| mode_octal(w, 0)), "000");
    assert_eq!(s(|w| mode_octal(w, 0o1777)), "01777");
    assert_eq!(s(|w| mode_octal(w, 0o100644)), "0100644");
    assert_eq!(s(|w| mode_octal(w, 0o22)), "022");
    assert_eq!(s(|w| mode_octal(w, 0o4755)), "04755");
    use crate::stat::*;
    assert_eq!(s(|w| mode_symbolic(w, S_IFREG | 0o644)), "S_IFREG|0644");
    assert_eq!(s(|w| mode_symbolic(w, S_IFIFO | 0o644)), "S_IFIFO|0644");
    assert_eq!(s(|w| mode_symbolic(w, S_IFCHR | 0o600)), "S_IFCHR|0600");
    assert_eq!(s(|w| mode_symbolic(w, 0o644)), "0644");
    assert_eq!(
        s(|w| mode_symbolic(w, S_IFSOCK | S_ISUID | 0o777)),
        "S_IFSOCK|S_ISUID|0777"
    );
    assert_eq!(s(|w| mode_symbolic(w, S_ISUID | 0o755)), "S_ISUID|0755");
    assert_eq!(s(|w| mode_symbolic(w, 0)), "000");
    assert_eq!(s(|w| mode_symbolic(w, 0o170644)), "0170644");
}

#[test]
fn dirfd_and_at_flags() {
    assert_eq!(s(|w| dirfd(w, AT_FDCWD)), "AT_FDCWD");
    assert_eq!(s(|w| dirfd(w, 5)), "5");
    assert_eq!(s(|w| dirfd(w, -1)), "-1");
    assert_eq!(
        s(|w| at_flags(w, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)),
        "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
    );
    assert_eq!(s(|w| at_flags(w, 0)), "0");
    assert_eq!(s(|w| at_flags(w, AT_REMOVEDIR)), "AT_REMOVEDIR");
    assert_eq!(s(|w| at_flags(w, 0x6000)), "0x6000 /* AT_??? */");
    assert_eq!(
        s(|w| at_flags(w, 0xffff_ffff)),
        "AT_SYMLINK_NOFOLLOW|AT_REMOVEDIR|AT_SYMLINK_FOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|AT_RECURSIVE|0xffff60ff"
    );
    assert_eq!(s(|w| faccessat_flags(w, AT_EACCESS)), "AT_EACCESS");
    assert_eq!(
        s(|w| faccessat_flags(w, AT_EACCESS | AT_SYMLINK_NOFOLLOW)),
        "AT_SYMLINK_NOFOLLOW|AT_EACCESS"
    );
    assert_eq!(
        s(|w| faccessat_flags(w, AT_EMPTY_PATH | 0x8000)),
        "AT_EMPTY_PATH|0x8000"
    );
}

#[test]
fn statx_args() {
    assert_eq!(
        s(|w| statx_flags(w, AT_SYMLINK_NOFOLLOW)),
        "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW"
    );
    assert_eq!(s(|w| statx_flags(w, 0)), "AT_STATX_SYNC_AS_STAT");
    assert_eq!(
        s(|w| statx_flags(w, AT_STATX_DONT_SYNC | AT_EMPTY_PATH)),
        "AT_STATX_DONT_SYNC|AT_EMPTY_PATH"
    );
    assert_eq!(
        s(|w| statx_flags(w, 0x6000)),
        "AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC"
    );
    use crate::stat::*;
    assert_eq!(s(|w| statx_mask(w, STATX_ALL)), "STATX_ALL");
    assert_eq!(
        s(|w| statx_mask(w, STATX_BASIC_STATS | STATX_MNT_ID)),
        "STATX_BASIC_STATS|STATX_MNT_ID"
    );
    assert_eq!(s(|w| statx_mask(w, 0)), "0");
    assert_eq!(
        s(|w| statx_mask(w, STATX_TYPE | 0x8000_0000)),
        "STATX_TYPE|0x80000000"
    );
}

#[test]
fn mmap_args() {
    assert_eq!(
        s(|w| prot(w, PROT_READ | PROT_WRITE)),
        "PROT_READ|PROT_WRITE"
    );
    assert_eq!(s(|w| prot(w, PROT_NONE)), "PROT_NONE");
    assert_eq!(
        s(|w| prot(w, PROT_READ | PROT_EXEC | 0x100)),
        "PROT_READ|PROT_EXEC|0x100"
    );
    assert_eq!(s(|w| prot(w, 0x10)), "0x10 /* PROT_??? */");
    assert_eq!(
        s(|w| prot(w, 0xffff_ffff)),
        "PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM|PROT_GROWSDOWN|PROT_GROWSUP|0xfcfffff0"
    );
    assert_eq!(
        s(|w| mmap_flags(w, MAP_PRIVATE | MAP_ANONYMOUS)),
        "MAP_PRIVATE|MAP_ANONYMOUS"
    );
    assert_eq!(
        s(|w| mmap_flags(w, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE)),
        "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE"
    );
    assert_eq!(
        s(|w| mmap_flags(
            w,
            MAP_SHARED
                | MAP_FIXED_NOREPLACE
                | MAP_STACK
                | MAP_NORESERVE
                | MAP_POPULATE
                | MAP_GROWSDOWN
        )),
        "MAP_SHARED|MAP_NORESERVE|MAP_POPULATE|MAP_GROWSDOWN|MAP_STACK|MAP_FIXED_NOREPLACE"
    );
    assert_eq!(
        s(|w| mmap_flags(
            w,
            MAP_SHARED_VALIDATE | MAP_HUGETLB | MAP_HUGE_2MB | MAP_32BIT
        )),
        "MAP_SHARED_VALIDATE|MAP_32BIT|MAP_HUGETLB|21<<MAP_HUGE_SHIFT"
    );
    assert_eq!(
        s(|w| mmap_flags(w, MAP_PRIVATE | MAP_HUGETLB | MAP_HUGE_1GB | 0x400)),
        "MAP_PRIVATE|MAP_HUGETLB|0x400|30<<MAP_HUGE_SHIFT"
    );
    assert_eq!(
        s(|w| mmap_flags(w, MAP_PRIVATE | MAP_UNINITIALIZED)),
        "MAP_PRIVATE|1<<MAP_HUGE_SHIFT"
    );
    assert_eq!(s(|w| mmap_flags(w, 0)), "MAP_FILE");
    assert_eq!(
        s(|w| mmap_flags(w, MAP_ANONYMOUS)),
        "MAP_FILE|MAP_ANONYMOUS"
    );
    assert_eq!(
        s(|w| mmap_flags(w, 0x8 | MAP_ANONYMOUS)),
        "0x8 /* MAP_??? */|MAP_ANONYMOUS"
    );
    assert_eq!(
        s(|w| mmap_flags(w, !(0x3f << 26))),
        "0xf /* MAP_??? */|MAP_FIXED|MAP_ANONYMOUS|MAP_32BIT|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|\
         MAP_GROWSDOWN|MAP_DENYWRITE|MAP_EXECUTABLE|MAP_LOCKED|MAP_STACK|MAP_HUGETLB|MAP_SYNC|\
         MAP_FIXED_NOREPLACE|0x3e00680"
    );
    assert_eq!(s(|w| madvise_advice(w, MADV_DONTNEED)), "MADV_DONTNEED");
    assert_eq!(
        s(|w| madvise_advice(w, MADV_SOFT_OFFLINE)),
        "MADV_SOFT_OFFLINE"
    );
    assert_eq!(s(|w| madvise_advice(w, 77)), "0x4d /* MADV_??? */");
}

#[test]
fn clocks_and_signals() {
    use crate::time::*;
    assert_eq!(s(|w| clockid(w, CLOCK_MONOTONIC)), "CLOCK_MONOTONIC");
    assert_eq!(s(|w| clockid(w, CLOCK_BOOTTIME)), "CLOCK_BOOTTIME");
    assert_eq!(s(|w| clockid(w, CLOCK_TAI)), "CLOCK_TAI");
    assert_eq!(s(|w| clockid(w, 99)), "0x63 /* CLOCK_??? */");
    assert_eq!(s(|w| clockid(w, 12)), "0xc /* CLOCK_??? */");
    assert_eq!(s(|w| clockid(w, -6)), "0xfffffffa /* CLOCK_??? */");
    use crate::signal::*;
    assert_eq!(s(|w| signal(w, SIGSEGV)), "SIGSEGV");
    assert_eq!(s(|w| signal(w, SIGSTKFLT)), "SIGSTKFLT");
    assert_eq!(s(|w| signal(w, SIGIO)), "SIGIO");
    assert_eq!(s(|w| signal(w, 32)), "SIGRTMIN");
    assert_eq!(s(|w| signal(w, 33)), "SIGRT_1");
    assert_eq!(s(|w| signal(w, 34)), "SIGRT_2");
    assert_eq!(s(|w| signal(w, 64)), "SIGRT_32");
    assert_eq!(s(|w| signal(w, 65)), "65");
    assert_eq!(s(|w| signal(w, 0)), "0");
    assert_eq!(s(|w| signal(w, -1)), "-1");
    assert_eq!(
        s(|w| sigset(w, sigmask(SIGUSR1) | sigmask(40))),
        "[USR1 RT_8]"
    );
    assert_eq!(s(|w| sigset(w, 0)), "[]");
    assert_eq!(s(|w| sigset(w, u64::MAX)), "~[]");
    assert_eq!(
        s(|w| sigset(w, !(sigmask(SIGKILL) | sigmask(SIGSTOP)))),
        "~[KILL STOP]"
    );
    assert_eq!(
        s(|w| sigset(w, 1 | (1 << 31) | (1 << 32) | (1 << 33) | (1 << 63))),
        "[HUP RTMIN RT_1 RT_2 RT_32]"
    );
    assert_eq!(
        s(|w| sigset(w, 0x7fff_ffff)),
        "[HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP \
         TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS]"
    );
    // Exactly half the signals: not inverted.
    assert!(s(|w| sigset(w, 0xffff_ffff)).ends_with(" SYS RTMIN]"));
    assert_eq!(s(|w| sigprocmask_how(w, SIG_BLOCK)), "SIG_BLOCK");
    assert_eq!(s(|w| sigprocmask_how(w, SIG_SETMASK)), "SIG_SETMASK");
    assert_eq!(s(|w| sigprocmask_how(w, 7)), "0x7 /* SIG_??? */");
    assert_eq!(
        s(|w| sigaction_flags(w, SA_RESTORER | SA_RESTART | SA_SIGINFO | SA_ONSTACK)),
        "SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO"
    );
}

#[test]
fn process_and_fd_controls() {
    use crate::prctl::*;
    assert_eq!(s(|w| arch_prctl_code(w, ARCH_SET_FS)), "ARCH_SET_FS");
    assert_eq!(s(|w| arch_prctl_code(w, ARCH_GET_CPUID)), "ARCH_GET_CPUID");
    assert_eq!(
        s(|w| arch_prctl_code(w, ARCH_MAP_VDSO_64)),
        "ARCH_MAP_VDSO_64"
    );
    assert_eq!(s(|w| arch_prctl_code(w, 0x3001)), "0x3001 /* ARCH_??? */");
    assert_eq!(s(|w| prctl_option(w, PR_SET_NAME)), "PR_SET_NAME");
    assert_eq!(s(|w| fcntl_cmd(w, F_GETFD)), "F_GETFD");
    assert_eq!(s(|w| fcntl_cmd(w, F_DUPFD_CLOEXEC)), "F_DUPFD_CLOEXEC");
    assert_eq!(s(|w| fcntl_cmd(w, F_OFD_SETLKW)), "F_OFD_SETLKW");
    assert_eq!(s(|w| fcntl_cmd(w, 999)), "0x3e7 /* F_??? */");
    assert_eq!(s(|w| fd_flags(w, FD_CLOEXEC)), "FD_CLOEXEC");
    assert_eq!(s(|w| fd_flags(w, 0)), "0");
    use crate::ioctl::*;
    assert_eq!(s(|w| ioctl_request(w, TCGETS)), "TCGETS");
    assert_eq!(
        s(|w| ioctl_request(w, TCSETS)),
        "SNDCTL_TMR_START or TCSETS"
    );
    assert_eq!(
        s(|w| ioctl_request(w, TCSETSF)),
        "SNDCTL_TMR_CONTINUE or TCSETSF"
    );
    assert_eq!(s(|w| ioctl_request(w, TIOCGWINSZ)), "TIOCGWINSZ");
    assert_eq!(s(|w| ioctl_request(w, FIONREAD)), "FIONREAD");
    assert_eq!(s(|w| ioctl_request(w, TIOCGPTN)), "TIOCGPTN");
    assert_eq!(s(|w| ioctl_request(w, FIOCLEX)), "FIOCLEX");
    assert_eq!(
        s(|w| ioctl_request(w, 0x1234)),
        "_IOC(_IOC_NONE, 0x12, 0x34, 0)"
    );
    assert_eq!(
        s(|w| ioctl_request(w, 0x8004_5499)),
        "_IOC(_IOC_READ, 0x54, 0x99, 0x4)"
    );
    assert_eq!(
        s(|w| ioctl_request(w, 0xc010_5499)),
        "_IOC(_IOC_READ|_IOC_WRITE, 0x54, 0x99, 0x10)"
    );
    assert_eq!(
        s(|w| ioctl_request(w, 0x4004_5499)),
        "_IOC(_IOC_WRITE, 0x54, 0x99, 0x4)"
    );
    use crate::futex::*;
    assert_eq!(s(|w| futex_op(w, FUTEX_WAIT_PRIVATE)), "FUTEX_WAIT_PRIVATE");
    assert_eq!(s(|w| futex_op(w, FUTEX_WAKE_PRIVATE)), "FUTEX_WAKE_PRIVATE");
    assert_eq!(s(|w| futex_op(w, FUTEX_WAIT)), "FUTEX_WAIT");
    assert_eq!(
        s(|w| futex_op(w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME)),
        "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"
    );
    assert_eq!(
        s(|w| futex_op(w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME)),
        "FUTEX_WAIT|FUTEX_CLOCK_REALTIME"
    );
    assert_eq!(
        s(|w| futex_op(w, FUTEX_FD | FUTEX_PRIVATE_FLAG)),
        "FUTEX_FD|FUTEX_PRIVATE_FLAG"
    );
    assert_eq!(
        s(|w| futex_op(w, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG)),
        "FUTEX_LOCK_PI2_PRIVATE"
    );
    assert_eq!(s(|w| futex_op(w, 99)), "0x63 /* FUTEX_??? */");
    assert_eq!(s(|w| futex_op(w, 0x1180)), "0x1180 /* FUTEX_??? */");
    use crate::process::*;
    assert_eq!(s(|w| rlimit_resource(w, RLIMIT_STACK)), "RLIMIT_STACK");
    assert_eq!(s(|w| rlimit_resource(w, RLIMIT_RTTIME)), "RLIMIT_RTTIME");
    assert_eq!(s(|w| rlimit_resource(w, 16)), "0x10 /* RLIMIT_??? */");
    assert_eq!(s(|w| rlimit_value(w, 8192 * 1024)), "8192*1024");
    assert_eq!(s(|w| rlimit_value(w, RLIM_INFINITY)), "RLIM64_INFINITY");
    assert_eq!(s(|w| rlimit_value(w, 20000)), "20000");
    assert_eq!(
        s(|w| clone_flags(w, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)),
        "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"
    );
    assert_eq!(
        s(|w| clone_flags(w, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | 17)),
        "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
    );
    assert_eq!(s(|w| clone_flags(w, 17)), "SIGCHLD");
    assert_eq!(
        s(|w| clone_flags(
            w,
            CLONE_NEWNS | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_NEWUSER | 17
        )),
        "CLONE_NEWNS|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|CLONE_NEWUSER|SIGCHLD"
    );
}

#[test]
fn access_and_whence() {
    assert_eq!(s(|w| access_mode(w, R_OK | W_OK)), "R_OK|W_OK");
    assert_eq!(s(|w| access_mode(w, F_OK)), "F_OK");
    assert_eq!(s(|w| access_mode(w, X_OK | 0x10)), "X_OK|0x10");
    assert_eq!(s(|w| access_mode(w, 0xf)), "R_OK|W_OK|X_OK|0x8");
    assert_eq!(s(|w| whence(w, SEEK_SET)), "SEEK_SET");
    assert_eq!(s(|w| whence(w, SEEK_END)), "SEEK_END");
    assert_eq!(s(|w| whence(w, 9)), "0x9 /* SEEK_??? */");
    assert_eq!(s(|w| pointer(w, 0)), "NULL");
    assert_eq!(s(|w| pointer(w, 0x1000)), "0x1000");
}

#[test]
fn quoted_strings() {
    let q = |data: &[u8]| s(|w| quoted(w, data, data.len()));
    assert_eq!(q(b"hello\n"), r#""hello\n""#);
    assert_eq!(
        q(b"hello\n\t\r\x0b\x0c\"\\\x01\x7f\xffx"),
        r#""hello\n\t\r\v\f\"\\\1\177\377x""#
    );
    assert_eq!(q(b"\x011"), r#""\0011""#);
    assert_eq!(q(b"\x018\0a\x000\n\x808"), r#""\18\0a\0000\n\2008""#);
    assert_eq!(q(b""), r#""""#);
    assert_eq!(q(b"\x1b[0m"), r#""\33[0m""#);
    assert_eq!(q(b"\t\x01a"), r#""\t\1a""#);
    assert_eq!(
        q(b"0123456789abcdefghijklmnopqrstuv"),
        r#""0123456789abcdefghijklmnopqrstuv""#
    );
    assert_eq!(
        q(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEF"),
        r#""0123456789abcdefghijklmnopqrstuv"..."#
    );
    // The octal lookahead stops at the cut.
    assert_eq!(
        q(b"0123456789abcdefghijklmnopqrstu\x011"),
        r#""0123456789abcdefghijklmnopqrstu\1"..."#
    );
    assert_eq!(
        q(b"0123456789abcdefghijklmnopqrstu\x01"),
        r#""0123456789abcdefghijklmnopqrstu\1""#
    );
    // The caller read only the first bytes of a longer buffer.
    assert_eq!(s(|w| quoted(w, b"abc", 100)), r#""abc"..."#);
}

#[test]
fn returns() {
    assert_eq!(s(|w| ret(w, 3, RetStyle::Decimal)), "= 3");
    assert_eq!(
        s(|w| ret(w, 0x7f12_3456_0000, RetStyle::Hex)),
        "= 0x7f1234560000"
    );
    assert_eq!(
        s(|w| ret(w, -2, RetStyle::Decimal)),
        "= -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        s(|w| ret(w, -9, RetStyle::Hex)),
        "= -1 EBADF (Bad file descriptor)"
    );
    assert_eq!(
        s(|w| ret(w, -38, RetStyle::Decimal)),
        "= -1 ENOSYS (Function not implemented)"
    );
    assert_eq!(s(|w| ret(w, 0o22, RetStyle::Octal)), "= 022");
    assert_eq!(s(|w| ret(w, 0, RetStyle::Octal)), "= 000");
    assert_eq!(s(ret_none), "= ?");
    // `getpid()` + 32 spaces puts `=` at column 40; long calls get one space.
    assert_eq!(return_padding("getpid()".len()), 32);
    assert_eq!(return_padding(55), 1);
    assert_eq!(s(|w| syscall(w, 262)), "newfstatat");
    assert_eq!(s(|w| syscall(w, 500)), "syscall_0x1f4");
    assert_eq!(s(|w| syscall(w, 400)), "syscall_0x190");
}
