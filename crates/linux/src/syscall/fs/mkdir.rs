//! mkdir, mkdirat. The mode loses the umask bits and everything but the permission and
//! sticky bits (Linux vfs_mkdir).

use osprey_abi::fcntl::AT_FDCWD;

use super::{name_at, umask};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_mkdir(cx: &Ctx, path: UserPtr<u8>, mode: u32) -> SysResult {
    sys_mkdirat(cx, AT_FDCWD, path, mode)
}

pub fn sys_mkdirat(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, mode: u32) -> SysResult {
    let (base, path) = name_at(cx, dirfd, path)?;
    let mode = mode & !umask(cx) & 0o1777;
    cx.p.vfs.mkdir(&base, &path, mode)?;
    Ok(0)
}
