//! Linux numbers this crate interprets: file-type bits of `st_mode`, `open(2)` flags, `lseek`
//! whences, `renameat2` flags, `d_type` values and path limits.
//!
//! Most come from osprey-abi; the ones kept here have the types this crate works with (`u32`
//! whences, `u16` poll bits) or are its own (`SETFL_MASK`, `MAX_SYMLINKS`).

// Linux's values, from the ABI crate.
pub use osprey_abi::dirent::{
    DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, DT_UNKNOWN,
};
pub use osprey_abi::fcntl::{
    NAME_MAX, O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL,
    O_LARGEFILE, O_NOATIME, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDWR, O_TRUNC, O_WRONLY,
    PATH_MAX, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT,
};
pub use osprey_abi::stat::{
    S_IALLUGO, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
};

/// Open for reading only.
pub const O_RDONLY: u32 = 0;
/// Signal-driven I/O (`FASYNC`).
pub const O_ASYNC: u32 = 0o20000;
/// Synchronized writes (includes `O_DSYNC`).
pub const O_SYNC: u32 = 0o4010000;
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
