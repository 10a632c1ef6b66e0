//! readlink, readlinkat: the target text, truncated to `bufsiz`, without a NUL.

use osprey_abi::fcntl::AT_FDCWD;
use osprey_abi::Errno;

use super::{at_base, fd_dentry, user_path};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_readlink(cx: &Ctx, path: UserPtr<u8>, buf: UserPtr<u8>, bufsiz: i32) -> SysResult {
    sys_readlinkat(cx, AT_FDCWD, path, buf, bufsiz)
}

pub fn sys_readlinkat(
    cx: &Ctx,
    dirfd: i32,
    path: UserPtr<u8>,
    buf: UserPtr<u8>,
    bufsiz: i32,
) -> SysResult {
    if bufsiz <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(cx, path)?;
    let target = if path.is_empty() {
        // An empty path names dirfd itself (an O_PATH|O_NOFOLLOW fd of a symlink); anything
        // else is ENOENT there, not EINVAL (Linux do_readlinkat).
        let d = fd_dentry(cx, dirfd)?;
        if !d.inode().metadata().is_symlink() {
            return Err(Errno::ENOENT);
        }
        d.inode().readlink()?
    } else {
        let base = at_base(cx, dirfd, &path)?;
        cx.p.vfs.readlink(&base, &path)?
    };
    let n = target.len().min(bufsiz as usize);
    cx.m.copy_to_user(buf.addr(), &target[..n])?;
    Ok(n)
}
