//! getcwd, chdir, fchdir.

use osprey_abi::Errno;

use super::{cwd, file, user_path};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Returns the length written, NUL included (the raw syscall's convention; glibc turns it
/// into the pointer). ERANGE when `size` is too small, ENOENT when the cwd was removed.
pub fn sys_getcwd(cx: &Ctx, buf: UserPtr<u8>, size: usize) -> SysResult {
    let d = cwd(cx);
    if d.inode().metadata().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    let mut path = d.path();
    path.push(0);
    if path.len() > size {
        return Err(Errno::ERANGE);
    }
    cx.m.copy_to_user(buf.addr(), &path)?;
    Ok(path.len())
}

pub fn sys_chdir(cx: &Ctx, path: UserPtr<u8>) -> SysResult {
    let path = user_path(cx, path)?;
    let base = cwd(cx);
    let d = cx.p.vfs.chdir(&base, &path)?;
    cx.p.fs.lock().cwd = d;
    Ok(0)
}

/// Any descriptor of a directory, O_PATH included.
pub fn sys_fchdir(cx: &Ctx, fd: i32) -> SysResult {
    let f = file(cx, fd)?;
    if !f.metadata().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    cx.p.fs.lock().cwd = f.dentry().clone();
    Ok(0)
}
