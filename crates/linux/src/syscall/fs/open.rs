//! open, openat, creat.
//!
//! Flags follow Linux's `build_open_flags`: unknown bits are silently ignored by open/openat
//! (only openat2 rejects them), the mode is used only with `O_CREAT`/`O_TMPFILE` and loses the
//! umask bits, `O_PATH` keeps only `O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC`, `O_CLOEXEC` becomes the
//! descriptor's flag (it is not a status flag, so `F_GETFL` does not report it).

use osprey_abi::fcntl::*;
use osprey_abi::stat::S_IALLUGO;
use osprey_abi::Errno;

use super::{at_base, umask, user_path};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Every flag open(2) knows (Linux VALID_OPEN_FLAGS).
const VALID_OPEN_FLAGS: u32 = O_RDONLY
    | O_WRONLY
    | O_RDWR
    | O_CREAT
    | O_EXCL
    | O_NOCTTY
    | O_TRUNC
    | O_APPEND
    | O_NONBLOCK
    | O_DSYNC
    | FASYNC
    | O_DIRECT
    | O_LARGEFILE
    | O_DIRECTORY
    | O_NOFOLLOW
    | O_NOATIME
    | O_CLOEXEC
    | __O_SYNC
    | O_PATH
    | __O_TMPFILE;

/// What an `O_PATH` open keeps (Linux O_PATH_FLAGS).
const O_PATH_FLAGS: u32 = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

pub fn sys_open(cx: &Ctx, path: UserPtr<u8>, flags: u32, mode: u32) -> SysResult {
    do_open(cx, AT_FDCWD, path, flags, mode)
}

pub fn sys_openat(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, flags: u32, mode: u32) -> SysResult {
    do_open(cx, dirfd, path, flags, mode)
}

pub fn sys_creat(cx: &Ctx, path: UserPtr<u8>, mode: u32) -> SysResult {
    do_open(cx, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode)
}

/// Validates and normalises open flags and mode as Linux does; returns (flags, mode) with the
/// umask applied to the mode.
pub fn build_open_flags(flags: u32, mode: u32, umask: u32) -> Result<(u32, u32), Errno> {
    let mut flags = flags & VALID_OPEN_FLAGS;
    let mut mode = if flags & (O_CREAT | __O_TMPFILE) != 0 {
        mode & S_IALLUGO
    } else {
        0
    };
    if flags & O_PATH != 0 {
        flags &= O_PATH_FLAGS;
        mode = 0;
    }
    // Linux 6.4+: O_DIRECTORY|O_CREAT is meaningless and refused.
    if flags & O_CREAT != 0 && flags & O_DIRECTORY != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & __O_TMPFILE != 0 {
        // O_TMPFILE must come with O_DIRECTORY and without O_CREAT, and be writable.
        if flags & (O_TMPFILE | O_CREAT) != O_TMPFILE {
            return Err(Errno::EINVAL);
        }
        if !matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) {
            return Err(Errno::EINVAL);
        }
    }
    Ok((flags, mode & !umask))
}

fn do_open(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, flags: u32, mode: u32) -> SysResult {
    let path = user_path(cx, path)?;
    let (flags, mode) = build_open_flags(flags, mode, umask(cx))?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let base = at_base(cx, dirfd, &path)?;
    // The vfs answers EOPNOTSUPP for O_TMPFILE: ramfs has no unnamed files yet.
    let file = cx.p.vfs.open(&base, &path, flags & !O_CLOEXEC, mode)?;
    if flags & O_TRUNC != 0 {
        // Shared mappings of the file must not keep pages past its new (zero) end.
        crate::exec::file_truncated(cx.p, file.inode());
    }
    let fd = cx.p.files.insert(file, flags & O_CLOEXEC != 0)?;
    Ok(fd as usize)
}
