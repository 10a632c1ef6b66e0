//! unlink, unlinkat, rmdir.

use osprey_abi::fcntl::{AT_FDCWD, AT_REMOVEDIR};
use osprey_abi::Errno;

use super::name_at;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_unlink(cx: &Ctx, path: UserPtr<u8>) -> SysResult {
    sys_unlinkat(cx, AT_FDCWD, path, 0)
}

pub fn sys_rmdir(cx: &Ctx, path: UserPtr<u8>) -> SysResult {
    sys_unlinkat(cx, AT_FDCWD, path, AT_REMOVEDIR)
}

pub fn sys_unlinkat(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, flags: u32) -> SysResult {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let (base, path) = name_at(cx, dirfd, path)?;
    if flags & AT_REMOVEDIR != 0 {
        cx.p.vfs.rmdir(&base, &path)?;
    } else {
        cx.p.vfs.unlink(&base, &path)?;
    }
    Ok(0)
}
