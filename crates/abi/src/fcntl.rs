//! File descriptors and paths: open flags, `*at()` flags, fcntl commands, access modes, seek
//! origins, timestamps sentinels, and the creation flags of the special fds (eventfd, timerfd,
//! memfd, signalfd) which reuse O_CLOEXEC/O_NONBLOCK's values.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

// open(2) flags, octal as in Linux's asm-generic/fcntl.h.
pub const O_RDONLY: u32 = 0o0;
pub const O_WRONLY: u32 = 0o1;
pub const O_RDWR: u32 = 0o2;
pub const O_ACCMODE: u32 = 0o3;
pub const O_CREAT: u32 = 0o100;
pub const O_EXCL: u32 = 0o200;
pub const O_NOCTTY: u32 = 0o400;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_NDELAY: u32 = O_NONBLOCK;
pub const O_DSYNC: u32 = 0o10000;
pub const FASYNC: u32 = 0o20000;
pub const O_DIRECT: u32 = 0o40000;
/// 64-bit Linux ORs this into every open file's flags itself, so F_GETFL reports it
/// (`O_RDWR|O_LARGEFILE` in strace) even when the app never passed it.
pub const O_LARGEFILE: u32 = 0o100000;
pub const O_DIRECTORY: u32 = 0o200000;
pub const O_NOFOLLOW: u32 = 0o400000;
pub const O_NOATIME: u32 = 0o1000000;
pub const O_CLOEXEC: u32 = 0o2000000;
pub const __O_SYNC: u32 = 0o4000000;
/// O_SYNC includes O_DSYNC's bit.
pub const O_SYNC: u32 = __O_SYNC | O_DSYNC;
pub const O_PATH: u32 = 0o10000000;
pub const __O_TMPFILE: u32 = 0o20000000;
/// O_TMPFILE includes O_DIRECTORY's bit, so old kernels fail it with ENOTDIR/EISDIR.
pub const O_TMPFILE: u32 = __O_TMPFILE | O_DIRECTORY;

bitflags! {
    /// open/openat flags. The access mode (low two bits) is a value, not a set of bits: read
    /// it with [`OpenFlags::access_mode`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct OpenFlags: u32 {
        const WRONLY = O_WRONLY;
        const RDWR = O_RDWR;
        const CREAT = O_CREAT;
        const EXCL = O_EXCL;
        const NOCTTY = O_NOCTTY;
        const TRUNC = O_TRUNC;
        const APPEND = O_APPEND;
        const NONBLOCK = O_NONBLOCK;
        const DSYNC = O_DSYNC;
        const ASYNC = FASYNC;
        const DIRECT = O_DIRECT;
        const LARGEFILE = O_LARGEFILE;
        const DIRECTORY = O_DIRECTORY;
        const NOFOLLOW = O_NOFOLLOW;
        const NOATIME = O_NOATIME;
        const CLOEXEC = O_CLOEXEC;
        const SYNC = O_SYNC;
        const PATH = O_PATH;
        const TMPFILE = O_TMPFILE;
    }
}

/// The access mode of an open file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessMode {
    ReadOnly,
    WriteOnly,
    ReadWrite,
}

impl OpenFlags {
    /// The access mode; Linux treats the invalid value 3 as "neither read nor write" for
    /// open, so it is `None` here and callers decide (ioctl-only opens; EINVAL elsewhere).
    pub fn access_mode(self) -> Option<AccessMode> {
        match self.bits() & O_ACCMODE {
            O_RDONLY => Some(AccessMode::ReadOnly),
            O_WRONLY => Some(AccessMode::WriteOnly),
            O_RDWR => Some(AccessMode::ReadWrite),
            _ => None,
        }
    }

    pub fn readable(self) -> bool {
        matches!(
            self.access_mode(),
            Some(AccessMode::ReadOnly | AccessMode::ReadWrite)
        )
    }

    pub fn writable(self) -> bool {
        matches!(
            self.access_mode(),
            Some(AccessMode::WriteOnly | AccessMode::ReadWrite)
        )
    }
}

/// The flags F_SETFL may change; the rest of its argument is ignored.
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;

// *at() dirfd and flags.
/// "Relative to the current directory" as a dirfd.
pub const AT_FDCWD: i32 = -100;
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
/// faccessat: use the effective ids (same bit as AT_REMOVEDIR, which only unlinkat takes).
pub const AT_EACCESS: u32 = 0x200;
pub const AT_REMOVEDIR: u32 = 0x200;
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
pub const AT_NO_AUTOMOUNT: u32 = 0x800;
pub const AT_EMPTY_PATH: u32 = 0x1000;
pub const AT_STATX_SYNC_TYPE: u32 = 0x6000;
pub const AT_STATX_SYNC_AS_STAT: u32 = 0x0000;
pub const AT_STATX_FORCE_SYNC: u32 = 0x2000;
pub const AT_STATX_DONT_SYNC: u32 = 0x4000;
pub const AT_RECURSIVE: u32 = 0x8000;

bitflags! {
    /// Flags of fstatat/statx/linkat/fchownat/utimensat/... (each call accepts a subset).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct AtFlags: u32 {
        const SYMLINK_NOFOLLOW = AT_SYMLINK_NOFOLLOW;
        const REMOVEDIR = AT_REMOVEDIR;
        const SYMLINK_FOLLOW = AT_SYMLINK_FOLLOW;
        const NO_AUTOMOUNT = AT_NO_AUTOMOUNT;
        const EMPTY_PATH = AT_EMPTY_PATH;
        const STATX_FORCE_SYNC = AT_STATX_FORCE_SYNC;
        const STATX_DONT_SYNC = AT_STATX_DONT_SYNC;
        const RECURSIVE = AT_RECURSIVE;
    }
}

// fcntl commands.
pub const F_DUPFD: i32 = 0;
pub const F_GETFD: i32 = 1;
pub const F_SETFD: i32 = 2;
pub const F_GETFL: i32 = 3;
pub const F_SETFL: i32 = 4;
pub const F_GETLK: i32 = 5;
pub const F_SETLK: i32 = 6;
pub const F_SETLKW: i32 = 7;
pub const F_SETOWN: i32 = 8;
pub const F_GETOWN: i32 = 9;
pub const F_SETSIG: i32 = 10;
pub const F_GETSIG: i32 = 11;
pub const F_SETOWN_EX: i32 = 15;
pub const F_GETOWN_EX: i32 = 16;
pub const F_GETOWNER_UIDS: i32 = 17;
pub const F_OFD_GETLK: i32 = 36;
pub const F_OFD_SETLK: i32 = 37;
pub const F_OFD_SETLKW: i32 = 38;
pub const F_LINUX_SPECIFIC_BASE: i32 = 1024;
pub const F_SETLEASE: i32 = 1024;
pub const F_GETLEASE: i32 = 1025;
pub const F_NOTIFY: i32 = 1026;
pub const F_DUPFD_QUERY: i32 = 1027;
pub const F_CREATED_QUERY: i32 = 1028;
pub const F_DUPFD_CLOEXEC: i32 = 1030;
pub const F_SETPIPE_SZ: i32 = 1031;
pub const F_GETPIPE_SZ: i32 = 1032;
pub const F_ADD_SEALS: i32 = 1033;
pub const F_GET_SEALS: i32 = 1034;
pub const F_GET_RW_HINT: i32 = 1035;
pub const F_SET_RW_HINT: i32 = 1036;
pub const F_GET_FILE_RW_HINT: i32 = 1037;
pub const F_SET_FILE_RW_HINT: i32 = 1038;

/// The only fd flag (F_GETFD/F_SETFD).
pub const FD_CLOEXEC: u32 = 1;

// Record lock types (struct flock l_type).
pub const F_RDLCK: i16 = 0;
pub const F_WRLCK: i16 = 1;
pub const F_UNLCK: i16 = 2;

// memfd seals (F_ADD_SEALS).
pub const F_SEAL_SEAL: u32 = 0x0001;
pub const F_SEAL_SHRINK: u32 = 0x0002;
pub const F_SEAL_GROW: u32 = 0x0004;
pub const F_SEAL_WRITE: u32 = 0x0008;
pub const F_SEAL_FUTURE_WRITE: u32 = 0x0010;
pub const F_SEAL_EXEC: u32 = 0x0020;

/// `struct flock` (F_GETLK/F_SETLK; 32 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Flock {
    pub l_type: i16,
    pub l_whence: i16,
    pub __pad0: u32,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
    pub __pad1: u32,
}

/// `struct open_how` (openat2; 24 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}

// openat2 resolve flags.
pub const RESOLVE_NO_XDEV: u64 = 0x01;
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
pub const RESOLVE_BENEATH: u64 = 0x08;
pub const RESOLVE_IN_ROOT: u64 = 0x10;
pub const RESOLVE_CACHED: u64 = 0x20;

// lseek whence.
pub const SEEK_SET: i32 = 0;
pub const SEEK_CUR: i32 = 1;
pub const SEEK_END: i32 = 2;
pub const SEEK_DATA: i32 = 3;
pub const SEEK_HOLE: i32 = 4;

// access/faccessat modes.
pub const F_OK: u32 = 0;
pub const X_OK: u32 = 1;
pub const W_OK: u32 = 2;
pub const R_OK: u32 = 4;

// utimensat tv_nsec sentinels.
pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

// renameat2 flags.
pub const RENAME_NOREPLACE: u32 = 1;
pub const RENAME_EXCHANGE: u32 = 2;
pub const RENAME_WHITEOUT: u32 = 4;

// close_range flags.
pub const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
pub const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

// eventfd2 flags.
pub const EFD_SEMAPHORE: u32 = 1;
pub const EFD_CLOEXEC: u32 = O_CLOEXEC;
pub const EFD_NONBLOCK: u32 = O_NONBLOCK;

// timerfd_create / timerfd_settime flags.
pub const TFD_CLOEXEC: u32 = O_CLOEXEC;
pub const TFD_NONBLOCK: u32 = O_NONBLOCK;
pub const TFD_TIMER_ABSTIME: u32 = 1;
pub const TFD_TIMER_CANCEL_ON_SET: u32 = 2;

// signalfd4 flags.
pub const SFD_CLOEXEC: u32 = O_CLOEXEC;
pub const SFD_NONBLOCK: u32 = O_NONBLOCK;

// memfd_create flags.
pub const MFD_CLOEXEC: u32 = 0x0001;
pub const MFD_ALLOW_SEALING: u32 = 0x0002;
pub const MFD_HUGETLB: u32 = 0x0004;
pub const MFD_NOEXEC_SEAL: u32 = 0x0008;
pub const MFD_EXEC: u32 = 0x0010;

// inotify_init1 flags.
pub const IN_CLOEXEC: u32 = O_CLOEXEC;
pub const IN_NONBLOCK: u32 = O_NONBLOCK;

/// Size of a pipe's buffer on Linux (16 pages), what F_GETPIPE_SZ answers by default.
pub const PIPE_BUF_DEFAULT: usize = 65536;
/// Writes up to this size are atomic on a pipe.
pub const PIPE_BUF: usize = 4096;
/// Longest path including the NUL, and longest path component.
pub const PATH_MAX: usize = 4096;
pub const NAME_MAX: usize = 255;
/// Symlinks followed in one lookup before ELOOP.
pub const MAXSYMLINKS: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn layouts() {
        assert_layout!(
            Flock,
            32,
            l_type = 0,
            l_whence = 2,
            __pad0 = 4,
            l_start = 8,
            l_len = 16,
            l_pid = 24,
            __pad1 = 28
        );
        assert_layout!(OpenHow, 24, flags = 0, mode = 8, resolve = 16);
    }

    #[test]
    fn open_flag_values() {
        // The hex values strace users know.
        assert_eq!(O_CREAT, 0x40);
        assert_eq!(O_CLOEXEC, 0x80000);
        assert_eq!(O_DIRECTORY, 0x10000);
        assert_eq!(O_SYNC, 0x101000);
        assert_eq!(O_PATH, 0x200000);
        assert_eq!(O_TMPFILE, 0x410000);
        let f = OpenFlags::from_bits_retain(O_RDWR | O_CREAT | O_CLOEXEC);
        assert_eq!(f.access_mode(), Some(AccessMode::ReadWrite));
        assert!(f.readable() && f.writable());
        assert!(!OpenFlags::from_bits_retain(O_WRONLY).readable());
        assert_eq!(OpenFlags::from_bits_retain(3).access_mode(), None);
    }
}
