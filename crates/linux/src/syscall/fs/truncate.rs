//! truncate, ftruncate. A shrunk file's shared mappings lose the pages past its new end
//! (touching them is then SIGBUS, as on Linux).

use osprey_abi::Errno;

use super::{cwd, file, user_path};
use crate::exec::file_truncated;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_truncate(cx: &Ctx, path: UserPtr<u8>, len: i64) -> SysResult {
    let path = user_path(cx, path)?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let base = cwd(cx);
    let inode = cx.p.vfs.truncate(&base, &path, len)?;
    file_truncated(cx.p, &inode);
    Ok(0)
}

/// EINVAL unless open for writing (Linux's answer, not EBADF), EBADF for O_PATH.
pub fn sys_ftruncate(cx: &Ctx, fd: i32, len: i64) -> SysResult {
    let f = file(cx, fd)?;
    f.truncate(len)?;
    file_truncated(cx.p, f.inode());
    Ok(0)
}
