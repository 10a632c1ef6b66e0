//! chmod, fchmod, fchmodat. Only the permission, set-id and sticky bits change.

use osprey_abi::fcntl::AT_FDCWD;
use osprey_abi::stat::S_IALLUGO;

use super::{file_io, lookup_at};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_chmod(cx: &Ctx, path: UserPtr<u8>, mode: u32) -> SysResult {
    sys_fchmodat(cx, AT_FDCWD, path, mode)
}

/// The fchmodat system call has no flags argument (glibc emulates AT_SYMLINK_NOFOLLOW);
/// it always follows.
pub fn sys_fchmodat(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, mode: u32) -> SysResult {
    let d = lookup_at(cx, dirfd, path, true, false)?;
    d.inode().chmod(mode & S_IALLUGO)?;
    Ok(0)
}

pub fn sys_fchmod(cx: &Ctx, fd: i32, mode: u32) -> SysResult {
    file_io(cx, fd)?.inode().chmod(mode & S_IALLUGO)?;
    Ok(0)
}
