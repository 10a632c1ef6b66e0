//! access, faccessat, faccessat2. The app is root: read and write are always granted
//! (no file system is read-only, so never EROFS); execute needs an x bit somewhere, or a
//! directory (search).

use osprey_abi::fcntl::*;
use osprey_abi::Errno;

use super::lookup_at;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_access(cx: &Ctx, path: UserPtr<u8>, mode: u32) -> SysResult {
    sys_faccessat2(cx, AT_FDCWD, path, mode, 0)
}

pub fn sys_faccessat(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, mode: u32) -> SysResult {
    sys_faccessat2(cx, dirfd, path, mode, 0)
}

pub fn sys_faccessat2(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, mode: u32, flags: u32) -> SysResult {
    if mode & !(F_OK | R_OK | W_OK | X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let d = lookup_at(
        cx,
        dirfd,
        path,
        flags & AT_SYMLINK_NOFOLLOW == 0,
        flags & AT_EMPTY_PATH != 0,
    )?;
    let m = d.inode().metadata();
    if mode & X_OK != 0 && !m.is_dir() && m.mode & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(0)
}
