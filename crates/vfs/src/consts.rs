//! Linux numbers this crate interprets: file-type bits of `st_mode`, `open(2)` flags, `lseek`
//! whences, `renameat2` flags, `d_type` values and path limits.
//!
//! They live here, not in osprey-abi, so the VFS does not wait on the ABI crate; the values are
//! Linux x86_64's and therefore identical to whatever osprey-abi defines.

/// Mask of the file-type bits in `st_mode`.
pub const S_IFMT: u32 = 0o170000;
/// Socket.
pub const S_IFSOCK: u32 = 0o140000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Block device.
pub const S_IFBLK: u32 = 0o060000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO.
pub const S_IFIFO: u32 = 0o010000;
/// Permission bits plus set-uid, set-gid and sticky: what `chmod` may change.
pub const S_IALLUGO: u32 = 0o7777;

/// Open for reading only.
pub const O_RDONLY: u32 = 0;
/// Open for writing only.
pub const O_WRONLY: u32 = 0o1;
/// Open for reading and writing.
pub const O_RDWR: u32 = 0o2;
/// Mask of the access mode.
pub const O_ACCMODE: u32 = 0o3;
/// Create the file if missing.
pub const O_CREAT: u32 = 0o100;
/// With `O_CREAT`: fail with EEXIST if the name exists.
pub const O_EXCL: u32 = 0o200;
/// Do not make a terminal the controlling terminal.
pub const O_NOCTTY: u32 = 0o400;
/// Truncate a regular file to length 0.
pub const O_TRUNC: u32 = 0o1000;
/// Every write goes to the end of the file.
pub const O_APPEND: u32 = 0o2000;
/// Non-blocking I/O.
pub const O_NONBLOCK: u32 = 0o4000;
/// Synchronized data writes.
pub const O_DSYNC: u32 = 0o10000;
/// Signal-driven I/O (`FASYNC`).
pub const O_ASYNC: u32 = 0o20000;
/// Direct I/O.
pub const O_DIRECT: u32 = 0o40000;
/// Large-file support (always on for 64-bit).
pub const O_LARGEFILE: u32 = 0o100000;
/// Fail with ENOTDIR unless the path is a directory.
pub const O_DIRECTORY: u32 = 0o200000;
/// Do not follow a symlink in the last component (ELOOP).
pub const O_NOFOLLOW: u32 = 0o400000;
/// Do not update the access time.
pub const O_NOATIME: u32 = 0o1000000;
/// Close on exec (a per-fd flag, not a status flag).
pub const O_CLOEXEC: u32 = 0o2000000;
/// Synchronized writes (includes `O_DSYNC`).
pub const O_SYNC: u32 = 0o4010000;
/// A location-only descriptor: no I/O.
pub const O_PATH: u32 = 0o10000000;
/// Unnamed temporary file (includes `O_DIRECTORY`).
pub const O_TMPFILE: u32 = 0o20200000;

/// Status flags `fcntl(F_SETFL)` may change; everything else in the argument is ignored.
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

/// `lseek`: absolute offset.
pub const SEEK_SET: u32 = 0;
/// `lseek`: relative to the current offset.
pub const SEEK_CUR: u32 = 1;
/// `lseek`: relative to the end of the file.
pub const SEEK_END: u32 = 2;
/// `lseek`: next offset holding data.
pub const SEEK_DATA: u32 = 3;
/// `lseek`: next hole.
pub const SEEK_HOLE: u32 = 4;

/// `renameat2`: fail with EEXIST if the target exists.
pub const RENAME_NOREPLACE: u32 = 1;
/// `renameat2`: swap the two names atomically (not supported: EINVAL).
pub const RENAME_EXCHANGE: u32 = 2;
/// `renameat2`: whiteout (overlay fs only: EINVAL).
pub const RENAME_WHITEOUT: u32 = 4;

/// `d_type` values of `linux_dirent64`.
pub const DT_UNKNOWN: u8 = 0;
/// FIFO.
pub const DT_FIFO: u8 = 1;
/// Character device.
pub const DT_CHR: u8 = 2;
/// Directory.
pub const DT_DIR: u8 = 4;
/// Block device.
pub const DT_BLK: u8 = 6;
/// Regular file.
pub const DT_REG: u8 = 8;
/// Symbolic link.
pub const DT_LNK: u8 = 10;
/// Socket.
pub const DT_SOCK: u8 = 12;

/// Longest path `open(2)` accepts, counting the terminating NUL.
pub const PATH_MAX: usize = 4096;
/// Longest single path component.
pub const NAME_MAX: usize = 255;
/// Symlinks one resolution may follow before ELOOP (Linux `MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;

/// `poll` event: data to read.
pub const POLLIN: u16 = 0x001;
/// `poll` event: urgent data.
pub const POLLPRI: u16 = 0x002;
/// `poll` event: writing will not block.
pub const POLLOUT: u16 = 0x004;
/// `poll` event: error.
pub const POLLERR: u16 = 0x008;
/// `poll` event: hang-up.
pub const POLLHUP: u16 = 0x010;
/// `poll` event: invalid descriptor.
pub const POLLNVAL: u16 = 0x020;
/// `poll` event: normal data to read.
pub const POLLRDNORM: u16 = 0x040;
/// `poll` event: normal data may be written.
pub const POLLWRNORM: u16 = 0x100;

/// Builds a Linux `dev_t` the way glibc's `makedev` does.
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}
