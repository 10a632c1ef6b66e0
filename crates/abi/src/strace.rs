//! Rendering of argument and return values the way strace 6.x prints them, for the kernel's
//! `--strace` output. Every function writes into a [`core::fmt::Write`]; [`to_string`] wraps
//! one for callers that want a `String`.
//!
//! The formats were copied from strace 6.1 running on Linux (see the tests). The rules strace
//! follows, and these functions with it:
//! * a flag set prints its known names joined with `|`, in strace's table order, then the
//!   leftover bits in hex (`O_RDONLY|O_CLOEXEC|0x80000000`); with no known bit at all it prints
//!   `0x6000 /* AT_??? */`; zero prints a per-set word (`0`, `PROT_NONE`, `F_OK`);
//! * a single value prints its name or `0x63 /* CLOCK_??? */`;
//! * byte strings print at most [`STRING_LIMIT`] bytes, C-escaped, then `...` past the quote.

use alloc::string::String;
use core::fmt::{self, Write};

use crate::errno::Errno;

/// strace's default `-s 32`: bytes of a string argument shown before `...`.
pub const STRING_LIMIT: usize = 32;
/// strace pads the call to this column before ` = result`.
pub const RETURN_COLUMN: usize = 40;

/// Runs a renderer into a new `String`.
pub fn to_string(f: impl FnOnce(&mut String) -> fmt::Result) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = f(&mut s);
    s
}

/// A table of names for a flag set or value set, in the order strace prints them.
type Table = &'static [(u64, &'static str)];

/// strace's printflags: known names in table order (an entry prints when all its bits are
/// present, and consumes them), then leftover bits in hex.
fn flags(w: &mut impl Write, value: u64, table: Table, zero: &str, unknown: &str) -> fmt::Result {
    if value == 0 {
        return w.write_str(zero);
    }
    let mut rest = value;
    let mut first = true;
    for &(bits, name) in table {
        if bits != 0 && rest & bits == bits {
            if !first {
                w.write_char('|')?;
            }
            w.write_str(name)?;
            rest &= !bits;
            first = false;
        }
    }
    match (rest, first) {
        (0, _) => Ok(()),
        (_, true) => write!(w, "{rest:#x} /* {unknown} */"),
        (_, false) => write!(w, "|{rest:#x}"),
    }
}

/// Like [`flags`], but leftover bits print bare after the first name (used after a prefix
/// that already printed something).
fn more_flags(w: &mut impl Write, value: u64, table: Table) -> fmt::Result {
    let mut rest = value;
    for &(bits, name) in table {
        if bits != 0 && rest & bits == bits {
            write!(w, "|{name}")?;
            rest &= !bits;
        }
    }
    if rest != 0 {
        write!(w, "|{rest:#x}")?;
    }
    Ok(())
}

/// strace's printxval: the name, or the hex value with a `/* X_??? */` comment.
fn xval(w: &mut impl Write, value: u64, table: Table, unknown: &str) -> fmt::Result {
    match lookup(value, table) {
        Some(name) => w.write_str(name),
        None => write!(w, "{value:#x} /* {unknown} */"),
    }
}

fn lookup(value: u64, table: Table) -> Option<&'static str> {
    table.iter().find(|&&(v, _)| v == value).map(|&(_, n)| n)
}

const OPEN_FLAGS: Table = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
    // Both O_TMPFILE spellings print as O_TMPFILE; the full one swallows O_DIRECTORY.
    (0o20200000, "O_TMPFILE"),
    (0o20000000, "O_TMPFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o20000, "FASYNC"),
];

/// open/openat flags: the access mode always first (`O_RDONLY|O_CLOEXEC`,
/// `O_WRONLY|O_CREAT|O_TRUNC`, `O_ACCMODE` for 3).
pub fn open_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    w.write_str(match flags & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    })?;
    more_flags(w, u64::from(flags & !3), OPEN_FLAGS)
}

/// Whether strace shows open's mode argument: with O_CREAT or O_TMPFILE.
pub fn open_has_mode(flags: u32) -> bool {
    flags & (crate::fcntl::O_CREAT | crate::fcntl::__O_TMPFILE) != 0
}

/// A mode as a C `%#03o`: `000`, `0644`, `01777`, `0100644` (open's mode, chmod, mkdir, umask).
pub fn mode_octal(w: &mut impl Write, mode: u32) -> fmt::Result {
    if mode == 0 {
        w.write_str("000")
    } else if mode < 0o10 {
        write!(w, "00{mode:o}")
    } else {
        write!(w, "0{mode:o}")
    }
}

/// A mode with its file type spelled out, as mknod shows it: `S_IFREG|0644`, `S_IFIFO|0644`,
/// `S_ISUID|0755`, `0644`.
pub fn mode_symbolic(w: &mut impl Write, mode: u32) -> fmt::Result {
    use crate::stat::*;
    let ty = match mode & S_IFMT {
        0 => "",
        S_IFREG => "S_IFREG|",
        S_IFSOCK => "S_IFSOCK|",
        S_IFIFO => "S_IFIFO|",
        S_IFLNK => "S_IFLNK|",
        S_IFDIR => "S_IFDIR|",
        S_IFBLK => "S_IFBLK|",
        S_IFCHR => "S_IFCHR|",
        _ => return mode_octal(w, mode),
    };
    w.write_str(ty)?;
    for (bit, name) in [
        (S_ISUID, "S_ISUID|"),
        (S_ISGID, "S_ISGID|"),
        (S_ISVTX, "S_ISVTX|"),
    ] {
        if mode & bit != 0 {
            w.write_str(name)?;
        }
    }
    mode_octal(w, mode & 0o777)
}

/// A directory fd argument: `AT_FDCWD` or the number.
pub fn dirfd(w: &mut impl Write, fd: i32) -> fmt::Result {
    if fd == crate::fcntl::AT_FDCWD {
        w.write_str("AT_FDCWD")
    } else {
        write!(w, "{fd}")
    }
}

const AT_FLAGS: Table = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
];

/// `*at()` flags (newfstatat, unlinkat, linkat, fchownat, utimensat...):
/// `AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH`, `AT_REMOVEDIR`, `0`.
pub fn at_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    self::flags(w, u64::from(flags), AT_FLAGS, "0", "AT_???")
}

/// faccessat2 flags, where 0x200 means AT_EACCESS.
pub fn faccessat_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    const T: Table = &[
        (0x100, "AT_SYMLINK_NOFOLLOW"),
        (0x200, "AT_EACCESS"),
        (0x1000, "AT_EMPTY_PATH"),
    ];
    self::flags(w, u64::from(flags), T, "0", "AT_???")
}

/// statx flags: the sync type first (`AT_STATX_SYNC_AS_STAT` when zero), then the `*at()` flags.
pub fn statx_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    const SYNC: Table = &[
        (0x2000, "AT_STATX_FORCE_SYNC"),
        (0x4000, "AT_STATX_DONT_SYNC"),
    ];
    self::flags(
        w,
        u64::from(flags & 0x6000),
        SYNC,
        "AT_STATX_SYNC_AS_STAT",
        "AT_STATX_???",
    )?;
    let rest = flags & !0x6000;
    if rest != 0 {
        w.write_char('|')?;
        at_flags(w, rest)?;
    }
    Ok(())
}

/// statx's mask: `STATX_ALL`, `STATX_BASIC_STATS|STATX_MNT_ID`, `STATX_TYPE|0x80000000`.
pub fn statx_mask(w: &mut impl Write, mask: u32) -> fmt::Result {
    const T: Table = &[
        (0xfff, "STATX_ALL"),
        (0x7ff, "STATX_BASIC_STATS"),
        (0x1, "STATX_TYPE"),
        (0x2, "STATX_MODE"),
        (0x4, "STATX_NLINK"),
        (0x8, "STATX_UID"),
        (0x10, "STATX_GID"),
        (0x20, "STATX_ATIME"),
        (0x40, "STATX_MTIME"),
        (0x80, "STATX_CTIME"),
        (0x100, "STATX_INO"),
        (0x200, "STATX_SIZE"),
        (0x400, "STATX_BLOCKS"),
        (0x800, "STATX_BTIME"),
        (0x1000, "STATX_MNT_ID"),
        (0x2000, "STATX_DIOALIGN"),
        (0x4000, "STATX_MNT_ID_UNIQUE"),
        (0x8000, "STATX_SUBVOL"),
        (0x10000, "STATX_WRITE_ATOMIC"),
        (0x20000, "STATX_DIO_READ_ALIGN"),
    ];
    flags(w, u64::from(mask), T, "0", "STATX_???")
}

/// mmap/mprotect protections: `PROT_READ|PROT_WRITE`, `PROT_NONE`, `PROT_READ|PROT_EXEC|0x100`.
pub fn prot(w: &mut impl Write, prot: u32) -> fmt::Result {
    const T: Table = &[
        (0x1, "PROT_READ"),
        (0x2, "PROT_WRITE"),
        (0x4, "PROT_EXEC"),
        (0x8, "PROT_SEM"),
        (0x0100_0000, "PROT_GROWSDOWN"),
        (0x0200_0000, "PROT_GROWSUP"),
    ];
    flags(w, u64::from(prot), T, "PROT_NONE", "PROT_???")
}

/// mmap flags: the mapping type (`MAP_FILE` for 0), the flags, leftover bits, then the huge
/// page size field as `21<<MAP_HUGE_SHIFT`.
pub fn mmap_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    const TYPES: Table = &[
        (0, "MAP_FILE"),
        (1, "MAP_SHARED"),
        (2, "MAP_PRIVATE"),
        (3, "MAP_SHARED_VALIDATE"),
    ];
    const T: Table = &[
        (0x10, "MAP_FIXED"),
        (0x20, "MAP_ANONYMOUS"),
        (0x40, "MAP_32BIT"),
        (0x4000, "MAP_NORESERVE"),
        (0x8000, "MAP_POPULATE"),
        (0x1_0000, "MAP_NONBLOCK"),
        (0x0100, "MAP_GROWSDOWN"),
        (0x0800, "MAP_DENYWRITE"),
        (0x1000, "MAP_EXECUTABLE"),
        (0x2000, "MAP_LOCKED"),
        (0x2_0000, "MAP_STACK"),
        (0x4_0000, "MAP_HUGETLB"),
        (0x8_0000, "MAP_SYNC"),
        (0x10_0000, "MAP_FIXED_NOREPLACE"),
    ];
    xval(w, u64::from(flags & 0xf), TYPES, "MAP_???")?;
    let huge = (flags >> 26) & 0x3f;
    more_flags(w, u64::from(flags & !0xf & !(0x3f << 26)), T)?;
    if huge != 0 {
        write!(w, "|{huge}<<MAP_HUGE_SHIFT")?;
    }
    Ok(())
}

/// mremap flags.
pub fn mremap_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    const T: Table = &[
        (1, "MREMAP_MAYMOVE"),
        (2, "MREMAP_FIXED"),
        (4, "MREMAP_DONTUNMAP"),
    ];
    self::flags(w, u64::from(flags), T, "0", "MREMAP_???")
}

/// madvise advice: `MADV_DONTNEED`, `0x4d /* MADV_??? */`.
pub fn madvise_advice(w: &mut impl Write, advice: i32) -> fmt::Result {
    const T: Table = &[
        (0, "MADV_NORMAL"),
        (1, "MADV_RANDOM"),
        (2, "MADV_SEQUENTIAL"),
        (3, "MADV_WILLNEED"),
        (4, "MADV_DONTNEED"),
        (8, "MADV_FREE"),
        (9, "MADV_REMOVE"),
        (10, "MADV_DONTFORK"),
        (11, "MADV_DOFORK"),
        (12, "MADV_MERGEABLE"),
        (13, "MADV_UNMERGEABLE"),
        (14, "MADV_HUGEPAGE"),
        (15, "MADV_NOHUGEPAGE"),
        (16, "MADV_DONTDUMP"),
        (17, "MADV_DODUMP"),
        (18, "MADV_WIPEONFORK"),
        (19, "MADV_KEEPONFORK"),
        (20, "MADV_COLD"),
        (21, "MADV_PAGEOUT"),
        (22, "MADV_POPULATE_READ"),
        (23, "MADV_POPULATE_WRITE"),
        (24, "MADV_DONTNEED_LOCKED"),
        (25, "MADV_COLLAPSE"),
        (100, "MADV_HWPOISON"),
        (101, "MADV_SOFT_OFFLINE"),
        (102, "MADV_GUARD_INSTALL"),
        (103, "MADV_GUARD_REMOVE"),
    ];
    xval(w, u64::from(advice as u32), T, "MADV_???")
}

/// msync flags.
pub fn msync_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    const T: Table = &[(1, "MS_ASYNC"), (2, "MS_INVALIDATE"), (4, "MS_SYNC")];
    self::flags(w, u64::from(flags), T, "0", "MS_???")
}

/// Clock ids: `CLOCK_MONOTONIC`, `0x63 /* CLOCK_??? */` (negative ids as their u32 bits).
pub fn clockid(w: &mut impl Write, id: i32) -> fmt::Result {
    const T: Table = &[
        (0, "CLOCK_REALTIME"),
        (1, "CLOCK_MONOTONIC"),
        (2, "CLOCK_PROCESS_CPUTIME_ID"),
        (3, "CLOCK_THREAD_CPUTIME_ID"),
        (4, "CLOCK_MONOTONIC_RAW"),
        (5, "CLOCK_REALTIME_COARSE"),
        (6, "CLOCK_MONOTONIC_COARSE"),
        (7, "CLOCK_BOOTTIME"),
        (8, "CLOCK_REALTIME_ALARM"),
        (9, "CLOCK_BOOTTIME_ALARM"),
        (10, "CLOCK_SGI_CYCLE"),
        (11, "CLOCK_TAI"),
    ];
    xval(w, u64::from(id as u32), T, "CLOCK_???")
}

/// clock_nanosleep / timer_settime flags.
pub fn timer_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    self::flags(
        w,
        u64::from(flags),
        &[(1, "TIMER_ABSTIME")],
        "0",
        "TIMER_???",
    )
}

/// A signal number: `SIGSEGV`, `SIGRTMIN` (32), `SIGRT_2` (34), or the plain number (0, 65, -1).
pub fn signal(w: &mut impl Write, sig: i32) -> fmt::Result {
    if let Some(name) = crate::signal::signal_name(sig) {
        w.write_str(name)
    } else if sig == 32 {
        w.write_str("SIGRTMIN")
    } else if (33..=64).contains(&sig) {
        write!(w, "SIGRT_{}", sig - 32)
    } else {
        write!(w, "{sig}")
    }
}

/// A 64-bit signal set: `[]`, `[USR1 RT_8]`, and when more than half the signals are in it,
/// the complement: `~[]`, `~[KILL STOP]`.
pub fn sigset(w: &mut impl Write, set: u64) -> fmt::Result {
    let (set, prefix) = if set.count_ones() > 32 {
        (!set, "~[")
    } else {
        (set, "[")
    };
    w.write_str(prefix)?;
    let mut first = true;
    for sig in 1..=64 {
        if set & (1u64 << (sig - 1)) != 0 {
            if !first {
                w.write_char(' ')?;
            }
            first = false;
            let mut name = String::new();
            signal(&mut name, sig)?;
            w.write_str(name.strip_prefix("SIG").unwrap_or(&name))?;
        }
    }
    w.write_char(']')
}

/// rt_sigprocmask's `how`: `SIG_BLOCK`, `0x7 /* SIG_??? */`.
pub fn sigprocmask_how(w: &mut impl Write, how: i32) -> fmt::Result {
    const T: Table = &[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")];
    xval(w, u64::from(how as u32), T, "SIG_???")
}

/// sigaction flags in strace's order: `SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO`, `0`.
pub fn sigaction_flags(w: &mut impl Write, flags: u64) -> fmt::Result {
    const T: Table = &[
        (0x0400_0000, "SA_RESTORER"),
        (0x0800_0000, "SA_ONSTACK"),
        (0x1000_0000, "SA_RESTART"),
        (0x4000_0000, "SA_NODEFER"),
        (0x8000_0000, "SA_RESETHAND"),
        (0x4, "SA_SIGINFO"),
        (0x1, "SA_NOCLDSTOP"),
        (0x2, "SA_NOCLDWAIT"),
        (0x400, "SA_UNSUPPORTED"),
        (0x800, "SA_EXPOSE_TAGBITS"),
    ];
    self::flags(w, flags, T, "0", "SA_???")
}

/// arch_prctl codes: `ARCH_SET_FS`, `0x3001 /* ARCH_??? */`.
pub fn arch_prctl_code(w: &mut impl Write, code: i32) -> fmt::Result {
    const T: Table = &[
        (0x1001, "ARCH_SET_GS"),
        (0x1002, "ARCH_SET_FS"),
        (0x1003, "ARCH_GET_FS"),
        (0x1004, "ARCH_GET_GS"),
        (0x1011, "ARCH_GET_CPUID"),
        (0x1012, "ARCH_SET_CPUID"),
        (0x1021, "ARCH_GET_XCOMP_SUPP"),
        (0x1022, "ARCH_GET_XCOMP_PERM"),
        (0x1023, "ARCH_REQ_XCOMP_PERM"),
        (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
        (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
        (0x2001, "ARCH_MAP_VDSO_X32"),
        (0x2002, "ARCH_MAP_VDSO_32"),
        (0x2003, "ARCH_MAP_VDSO_64"),
    ];
    xval(w, u64::from(code as u32), T, "ARCH_???")
}

/// prctl options: `PR_SET_NAME`, `PR_SET_VMA`, `0x63 /* PR_??? */`.
pub fn prctl_option(w: &mut impl Write, option: i32) -> fmt::Result {
    use crate::prctl::*;
    const T: Table = &[
        (PR_SET_PDEATHSIG as u64, "PR_SET_PDEATHSIG"),
        (PR_GET_PDEATHSIG as u64, "PR_GET_PDEATHSIG"),
        (PR_GET_DUMPABLE as u64, "PR_GET_DUMPABLE"),
        (PR_SET_DUMPABLE as u64, "PR_SET_DUMPABLE"),
        (PR_GET_KEEPCAPS as u64, "PR_GET_KEEPCAPS"),
        (PR_SET_KEEPCAPS as u64, "PR_SET_KEEPCAPS"),
        (PR_SET_NAME as u64, "PR_SET_NAME"),
        (PR_GET_NAME as u64, "PR_GET_NAME"),
        (PR_GET_SECCOMP as u64, "PR_GET_SECCOMP"),
        (PR_SET_SECCOMP as u64, "PR_SET_SECCOMP"),
        (PR_CAPBSET_READ as u64, "PR_CAPBSET_READ"),
        (PR_CAPBSET_DROP as u64, "PR_CAPBSET_DROP"),
        (PR_GET_SECUREBITS as u64, "PR_GET_SECUREBITS"),
        (PR_SET_SECUREBITS as u64, "PR_SET_SECUREBITS"),
        (PR_SET_TIMERSLACK as u64, "PR_SET_TIMERSLACK"),
        (PR_GET_TIMERSLACK as u64, "PR_GET_TIMERSLACK"),
        (PR_SET_MM as u64, "PR_SET_MM"),
        (PR_SET_CHILD_SUBREAPER as u64, "PR_SET_CHILD_SUBREAPER"),
        (PR_GET_CHILD_SUBREAPER as u64, "PR_GET_CHILD_SUBREAPER"),
        (PR_SET_NO_NEW_PRIVS as u64, "PR_SET_NO_NEW_PRIVS"),
        (PR_GET_NO_NEW_PRIVS as u64, "PR_GET_NO_NEW_PRIVS"),
        (PR_GET_TID_ADDRESS as u64, "PR_GET_TID_ADDRESS"),
        (PR_SET_THP_DISABLE as u64, "PR_SET_THP_DISABLE"),
        (PR_GET_THP_DISABLE as u64, "PR_GET_THP_DISABLE"),
        (PR_CAP_AMBIENT as u64, "PR_CAP_AMBIENT"),
        (PR_GET_SPECULATION_CTRL as u64, "PR_GET_SPECULATION_CTRL"),
        (PR_SET_SPECULATION_CTRL as u64, "PR_SET_SPECULATION_CTRL"),
        (PR_SET_PTRACER as u64, "PR_SET_PTRACER"),
        (PR_SET_VMA as u64, "PR_SET_VMA"),
    ];
    xval(w, u64::from(option as u32), T, "PR_???")
}

/// fcntl commands: `F_GETFD`, `F_DUPFD_CLOEXEC`, `0x3e7 /* F_??? */`.
pub fn fcntl_cmd(w: &mut impl Write, cmd: i32) -> fmt::Result {
    const T: Table = &[
        (0, "F_DUPFD"),
        (1, "F_GETFD"),
        (2, "F_SETFD"),
        (3, "F_GETFL"),
        (4, "F_SETFL"),
        (5, "F_GETLK"),
        (6, "F_SETLK"),
        (7, "F_SETLKW"),
        (8, "F_SETOWN"),
        (9, "F_GETOWN"),
        (10, "F_SETSIG"),
        (11, "F_GETSIG"),
        (15, "F_SETOWN_EX"),
        (16, "F_GETOWN_EX"),
        (17, "F_GETOWNER_UIDS"),
        (36, "F_OFD_GETLK"),
        (37, "F_OFD_SETLK"),
        (38, "F_OFD_SETLKW"),
        (1024, "F_SETLEASE"),
        (1025, "F_GETLEASE"),
        (1026, "F_NOTIFY"),
        (1027, "F_DUPFD_QUERY"),
        (1028, "F_CREATED_QUERY"),
        (1030, "F_DUPFD_CLOEXEC"),
        (1031, "F_SETPIPE_SZ"),
        (1032, "F_GETPIPE_SZ"),
        (1033, "F_ADD_SEALS"),
        (1034, "F_GET_SEALS"),
        (1035, "F_GET_RW_HINT"),
        (1036, "F_SET_RW_HINT"),
        (1037, "F_GET_FILE_RW_HINT"),
        (1038, "F_SET_FILE_RW_HINT"),
    ];
    xval(w, u64::from(cmd as u32), T, "F_???")
}

/// fd flags (F_SETFD's argument): `FD_CLOEXEC`, `0`.
pub fn fd_flags(w: &mut impl Write, flags: u32) -> fmt::Result {
    self::flags(w, u64::from(flags), &[(1, "FD_CLOEXEC")], "0", "FD_???")
}

/// ioctl requests: `TCGETS`, `SNDCTL_TMR_START or TCSETS` (strace names both meanings of the
/// overloaded numbers), or the decoded `_IOC(_IOC_READ, 0x54, 0x99, 0x4)`.
pub fn ioctl_request(w: &mut impl Write, req: u32) -> fmt::Result {
    use crate::ioctl::*;
    const T: Table = &[
        (TCGETS as u64, "TCGETS"),
        (TCSETS as u64, "SNDCTL_TMR_START or TCSETS"),
        (TCSETSW as u64, "SNDCTL_TMR_STOP or TCSETSW"),
        (TCSETSF as u64, "SNDCTL_TMR_CONTINUE or TCSETSF"),
        (TCGETA as u64, "TCGETA"),
        (TCSETA as u64, "TCSETA"),
        (TCSETAW as u64, "TCSETAW"),
        (TCSETAF as u64, "TCSETAF"),
        (TCSBRK as u64, "TCSBRK"),
        (TCXONC as u64, "TCXONC"),
        (TCFLSH as u64, "TCFLSH"),
        (TIOCEXCL as u64, "TIOCEXCL"),
        (TIOCNXCL as u64, "TIOCNXCL"),
        (TIOCSCTTY as u64, "TIOCSCTTY"),
        (TIOCGPGRP as u64, "TIOCGPGRP"),
        (TIOCSPGRP as u64, "TIOCSPGRP"),
        (TIOCOUTQ as u64, "TIOCOUTQ"),
        (TIOCSTI as u64, "TIOCSTI"),
        (TIOCGWINSZ as u64, "TIOCGWINSZ"),
        (TIOCSWINSZ as u64, "TIOCSWINSZ"),
        (TIOCMGET as u64, "TIOCMGET"),
        (TIOCMBIS as u64, "TIOCMBIS"),
        (TIOCMBIC as u64, "TIOCMBIC"),
        (TIOCMSET as u64, "TIOCMSET"),
        (TIOCGSOFTCAR as u64, "TIOCGSOFTCAR"),
        (TIOCSSOFTCAR as u64, "TIOCSSOFTCAR"),
        (FIONREAD as u64, "FIONREAD"),
        (TIOCLINUX as u64, "TIOCLINUX"),
        (TIOCCONS as u64, "TIOCCONS"),
        (TIOCGSERIAL as u64, "TIOCGSERIAL"),
        (TIOCSSERIAL as u64, "TIOCSSERIAL"),
        (TIOCPKT as u64, "TIOCPKT"),
        (FIONBIO as u64, "FIONBIO"),
        (TIOCNOTTY as u64, "TIOCNOTTY"),
        (TIOCSETD as u64, "TIOCSETD"),
        (TIOCGETD as u64, "TIOCGETD"),
        (TCSBRKP as u64, "TCSBRKP"),
        (TIOCSBRK as u64, "TIOCSBRK"),
        (TIOCCBRK as u64, "TIOCCBRK"),
        (TIOCGSID as u64, "TIOCGSID"),
        (TCGETS2 as u64, "TCGETS2"),
        (TCSETS2 as u64, "TCSETS2"),
        (TCSETSW2 as u64, "TCSETSW2"),
        (TCSETSF2 as u64, "TCSETSF2"),
        (TIOCGRS485 as u64, "TIOCGRS485"),
        (TIOCSRS485 as u64, "TIOCSRS485"),
        (TIOCGPTN as u64, "TIOCGPTN"),
        (TIOCSPTLCK as u64, "TIOCSPTLCK"),
        (TIOCGDEV as u64, "TIOCGDEV"),
        (TCGETX as u64, "TCGETX"),
        (TCSETX as u64, "TCSETX"),
        (TCSETXF as u64, "TCSETXF"),
        (TCSETXW as u64, "TCSETXW"),
        (TIOCSIG as u64, "TIOCSIG"),
        (TIOCVHANGUP as u64, "TIOCVHANGUP"),
        (TIOCGPKT as u64, "TIOCGPKT"),
        (TIOCGPTLCK as u64, "TIOCGPTLCK"),
        (TIOCGEXCL as u64, "TIOCGEXCL"),
        (TIOCGPTPEER as u64, "TIOCGPTPEER"),
        (FIONCLEX as u64, "FIONCLEX"),
        (FIOCLEX as u64, "FIOCLEX"),
        (FIOASYNC as u64, "FIOASYNC"),
        (TIOCSERCONFIG as u64, "TIOCSERCONFIG"),
        (TIOCSERGWILD as u64, "TIOCSERGWILD"),
        (TIOCSERSWILD as u64, "TIOCSERSWILD"),
        (TIOCGLCKTRMIOS as u64, "TIOCGLCKTRMIOS"),
        (TIOCSLCKTRMIOS as u64, "TIOCSLCKTRMIOS"),
        (TIOCSERGSTRUCT as u64, "TIOCSERGSTRUCT"),
        (TIOCSERGETLSR as u64, "TIOCSERGETLSR"),
        (TIOCSERGETMULTI as u64, "TIOCSERGETMULTI"),
        (TIOCSERSETMULTI as u64, "TIOCSERSETMULTI"),
        (TIOCMIWAIT as u64, "TIOCMIWAIT"),
        (TIOCGICOUNT as u64, "TIOCGICOUNT"),
        (FIOQSIZE as u64, "FIOQSIZE"),
    ];
    if let Some(name) = lookup(u64::from(req), T) {
        return w.write_str(name);
    }
    let dir = match req >> 30 {
        0 => "_IOC_NONE",
        1 => "_IOC_WRITE",
        2 => "_IOC_READ",
        _ => "_IOC_READ|_IOC_WRITE",
    };
    let size = (req >> 16) & 0x3fff;
    let (ty, nr) = ((req >> 8) & 0xff, req & 0xff);
    if size == 0 {
        write!(w, "_IOC({dir}, {ty:#x}, {nr:#x}, 0)")
    } else {
        write!(w, "_IOC({dir}, {ty:#x}, {nr:#x}, {size:#x})")
    }
}

/// futex operations: `FUTEX_WAIT_PRIVATE`, `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`,
/// `FUTEX_FD|FUTEX_PRIVATE_FLAG`, `0x1180 /* FUTEX_??? */`.
pub fn futex_op(w: &mut impl Write, op: i32) -> fmt::Result {
    const T: Table = &[
        (0, "FUTEX_WAIT"),
        (1, "FUTEX_WAKE"),
        (2, "FUTEX_FD"),
        (3, "FUTEX_REQUEUE"),
        (4, "FUTEX_CMP_REQUEUE"),
        (5, "FUTEX_WAKE_OP"),
        (6, "FUTEX_LOCK_PI"),
        (7, "FUTEX_UNLOCK_PI"),
        (8, "FUTEX_TRYLOCK_PI"),
        (9, "FUTEX_WAIT_BITSET"),
        (10, "FUTEX_WAKE_BITSET"),
        (11, "FUTEX_WAIT_REQUEUE_PI"),
        (12, "FUTEX_CMP_REQUEUE_PI"),
        (13, "FUTEX_LOCK_PI2"),
    ];
    let op = op as u32;
    let cmd = op & !(128 | 256);
    let name = match lookup(u64::from(cmd), T) {
        Some(name) => name,
        None => return write!(w, "{op:#x} /* FUTEX_??? */"),
    };
    w.write_str(name)?;
    if op & 128 != 0 {
        // FUTEX_FD never got a _PRIVATE spelling.
        w.write_str(if cmd == 2 {
            "|FUTEX_PRIVATE_FLAG"
        } else {
            "_PRIVATE"
        })?;
    }
    if op & 256 != 0 {
        w.write_str("|FUTEX_CLOCK_REALTIME")?;
    }
    Ok(())
}

/// rlimit resources: `RLIMIT_STACK`, `0x4d /* RLIMIT_??? */`.
pub fn rlimit_resource(w: &mut impl Write, resource: u32) -> fmt::Result {
    const T: Table = &[
        (0, "RLIMIT_CPU"),
        (1, "RLIMIT_FSIZE"),
        (2, "RLIMIT_DATA"),
        (3, "RLIMIT_STACK"),
        (4, "RLIMIT_CORE"),
        (5, "RLIMIT_RSS"),
        (6, "RLIMIT_NPROC"),
        (7, "RLIMIT_NOFILE"),
        (8, "RLIMIT_MEMLOCK"),
        (9, "RLIMIT_AS"),
        (10, "RLIMIT_LOCKS"),
        (11, "RLIMIT_SIGPENDING"),
        (12, "RLIMIT_MSGQUEUE"),
        (13, "RLIMIT_NICE"),
        (14, "RLIMIT_RTPRIO"),
        (15, "RLIMIT_RTTIME"),
    ];
    xval(w, u64::from(resource), T, "RLIMIT_???")
}

// `is_multiple_of` needs Rust 1.87; the workspace promises 1.85.
#[allow(clippy::manual_is_multiple_of)]
/// An rlimit value: `RLIM64_INFINITY`, `8192*1024` when a multiple of 1024, else the number.
pub fn rlimit_value(w: &mut impl Write, value: u64) -> fmt::Result {
    if value == u64::MAX {
        w.write_str("RLIM64_INFINITY")
    } else if value > 0 && value % 1024 == 0 {
        write!(w, "{}*1024", value / 1024)
    } else {
        write!(w, "{value}")
    }
}

/// access/faccessat modes: `R_OK|W_OK`, `F_OK`, `X_OK|0x10`.
pub fn access_mode(w: &mut impl Write, mode: u32) -> fmt::Result {
    const T: Table = &[(4, "R_OK"), (2, "W_OK"), (1, "X_OK")];
    flags(w, u64::from(mode), T, "F_OK", "?_OK")
}

/// lseek whence: `SEEK_SET`, `0x9 /* SEEK_??? */`.
pub fn whence(w: &mut impl Write, whence: i32) -> fmt::Result {
    const T: Table = &[
        (0, "SEEK_SET"),
        (1, "SEEK_CUR"),
        (2, "SEEK_END"),
        (3, "SEEK_DATA"),
        (4, "SEEK_HOLE"),
    ];
    xval(w, u64::from(whence as u32), T, "SEEK_???")
}

/// clone flags with the exit signal in the low byte: `CLONE_VM|CLONE_FS|...|SIGCHLD`.
pub fn clone_flags(w: &mut impl Write, flags: u64) -> fmt::Result {
    const T: Table = &[
        (0x100, "CLONE_VM"),
        (0x200, "CLONE_FS"),
        (0x400, "CLONE_FILES"),
        (0x800, "CLONE_SIGHAND"),
        (0x1000, "CLONE_PIDFD"),
        (0x2000, "CLONE_PTRACE"),
        (0x4000, "CLONE_VFORK"),
        (0x8000, "CLONE_PARENT"),
        (0x1_0000, "CLONE_THREAD"),
        (0x2_0000, "CLONE_NEWNS"),
        (0x4_0000, "CLONE_SYSVSEM"),
        (0x8_0000, "CLONE_SETTLS"),
        (0x10_0000, "CLONE_PARENT_SETTID"),
        (0x20_0000, "CLONE_CHILD_CLEARTID"),
        (0x40_0000, "CLONE_DETACHED"),
        (0x80_0000, "CLONE_UNTRACED"),
        (0x100_0000, "CLONE_CHILD_SETTID"),
        (0x200_0000, "CLONE_NEWCGROUP"),
        (0x400_0000, "CLONE_NEWUTS"),
        (0x800_0000, "CLONE_NEWIPC"),
        (0x1000_0000, "CLONE_NEWUSER"),
        (0x2000_0000, "CLONE_NEWPID"),
        (0x4000_0000, "CLONE_NEWNET"),
        (0x8000_0000, "CLONE_IO"),
        (0x1_0000_0000, "CLONE_CLEAR_SIGHAND"),
        (0x2_0000_0000, "CLONE_INTO_CGROUP"),
    ];
    let sig = (flags & 0xff) as i32;
    let rest = flags & !0xff;
    if rest == 0 {
        return signal(w, sig);
    }
    self::flags(w, rest, T, "0", "CLONE_???")?;
    if sig != 0 {
        w.write_char('|')?;
        signal(w, sig)?;
    }
    Ok(())
}

/// A pointer argument: `NULL` or hex.
pub fn pointer(w: &mut impl Write, addr: u64) -> fmt::Result {
    if addr == 0 {
        w.write_str("NULL")
    } else {
        write!(w, "{addr:#x}")
    }
}

/// A byte string as strace quotes it: at most [`STRING_LIMIT`] bytes of `data`, C escapes for
/// `\t \n \v \f \r " \\`, the shortest octal escape for other unprintable bytes (three digits
/// when an octal digit follows), then `...` after the closing quote when the string was longer
/// (`total_len` bytes in all, of which `data` holds the start).
pub fn quoted(w: &mut impl Write, data: &[u8], total_len: usize) -> fmt::Result {
    let shown = &data[..data.len().min(STRING_LIMIT).min(total_len)];
    w.write_char('"')?;
    for (i, &c) in shown.iter().enumerate() {
        match c {
            b'"' => w.write_str("\\\"")?,
            b'\\' => w.write_str("\\\\")?,
            b'\t' => w.write_str("\\t")?,
            b'\n' => w.write_str("\\n")?,
            b'\x0b' => w.write_str("\\v")?,
            b'\x0c' => w.write_str("\\f")?,
            b'\r' => w.write_str("\\r")?,
            0x20..=0x7e => w.write_char(c as char)?,
            _ => {
                let next_is_octal = matches!(shown.get(i + 1), Some(b'0'..=b'7'));
                w.write_char('\\')?;
                if next_is_octal || c >> 6 != 0 {
                    write!(w, "{}{}", c >> 6, (c >> 3) & 7)?;
                } else if c >> 3 != 0 {
                    write!(w, "{}", (c >> 3) & 7)?;
                }
                write!(w, "{}", c & 7)?;
            }
        }
    }
    w.write_char('"')?;
    if total_len > shown.len() {
        w.write_str("...")?;
    }
    Ok(())
}

/// How a system call's result is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetStyle {
    /// `= 3`
    Decimal,
    /// `= 0x7f1234560000` (mmap, brk, mremap, shmat...)
    Hex,
    /// `= 022` (umask)
    Octal,
}

/// Spaces strace puts between a call of `call_len` characters and its `= result`.
pub fn return_padding(call_len: usize) -> usize {
    RETURN_COLUMN.saturating_sub(call_len).max(1)
}

/// The result part of a line, from `=` on: `= 3`, `= 0x7f1234560000`,
/// `= -1 ENOENT (No such file or directory)`. Raw returns in -4095..=-1 are errors.
pub fn ret(w: &mut impl Write, raw: i64, style: RetStyle) -> fmt::Result {
    if (-4095..0).contains(&raw) {
        let code = -raw as i32;
        return match Errno::from_code(code) {
            Some(e) => write!(w, "= -1 {} ({})", e.name(), e.describe()),
            None => write!(w, "= -1 {code}"),
        };
    }
    match style {
        RetStyle::Decimal => write!(w, "= {raw}"),
        RetStyle::Hex => write!(w, "= {:#x}", raw as u64),
        RetStyle::Octal => {
            w.write_str("= ")?;
            mode_octal(w, raw as u32)
        }
    }
}

/// The result of a call that does not return (exit, exit_group, successful execve's old image).
pub fn ret_none(w: &mut impl Write) -> fmt::Result {
    w.write_str("= ?")
}

/// The name strace gives a system call number: `read`, or `syscall_0x1c8` when unknown.
pub fn syscall(w: &mut impl Write, nr: usize) -> fmt::Result {
    match crate::sysno::syscall_name(nr) {
        Some(name) => w.write_str(name),
        None => write!(w, "syscall_{nr:#x}"),
    }
}

#[cfg(test)]
mod tests;
