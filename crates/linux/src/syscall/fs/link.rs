//! link, linkat, symlink, symlinkat.

use osprey_abi::fcntl::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_FOLLOW};
use osprey_abi::Errno;
use osprey_vfs::LastKind;

use super::{fd_dentry, name_at, user_path};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_link(cx: &Ctx, old: UserPtr<u8>, new: UserPtr<u8>) -> SysResult {
    sys_linkat(cx, AT_FDCWD, old, AT_FDCWD, new, 0)
}

pub fn sys_linkat(
    cx: &Ctx,
    olddirfd: i32,
    old: UserPtr<u8>,
    newdirfd: i32,
    new: UserPtr<u8>,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let old_path = user_path(cx, old)?;
    if old_path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        // AT_EMPTY_PATH (root has CAP_DAC_READ_SEARCH): link the file open at olddirfd.
        return link_fd(cx, olddirfd, newdirfd, new);
    }
    let old_base = super::at_base(cx, olddirfd, &old_path)?;
    let (new_base, new_path) = name_at(cx, newdirfd, new)?;
    let follow = flags & AT_SYMLINK_FOLLOW != 0;
    cx.p.vfs
        .link(&old_base, &old_path, &new_base, &new_path, follow)?;
    Ok(0)
}

/// linkat(fd, "", newdirfd, new, AT_EMPTY_PATH), with the rules of Vfs::link.
fn link_fd(cx: &Ctx, fd: i32, newdirfd: i32, new: UserPtr<u8>) -> SysResult {
    let target = fd_dentry(cx, fd)?;
    let inode = target.inode().clone();
    let meta = inode.metadata();
    if meta.is_dir() {
        return Err(Errno::EPERM);
    }
    // A file with no name left cannot get one back (O_TMPFILE files aside, which ramfs lacks).
    if meta.nlink == 0 {
        return Err(Errno::ENOENT);
    }
    let (new_base, new_path) = name_at(cx, newdirfd, new)?;
    let p = cx.p.vfs.resolve_parent(&new_base, &new_path)?;
    if p.kind != LastKind::Normal {
        return Err(Errno::EEXIST);
    }
    match p.dir.inode().lookup(&p.name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e),
    }
    if p.trailing_slash {
        return Err(Errno::ENOENT);
    }
    if p.dir.inode().metadata().dev != meta.dev {
        return Err(Errno::EXDEV);
    }
    p.dir.inode().link(&p.name, &inode)?;
    Ok(0)
}

pub fn sys_symlink(cx: &Ctx, target: UserPtr<u8>, path: UserPtr<u8>) -> SysResult {
    sys_symlinkat(cx, target, AT_FDCWD, path)
}

pub fn sys_symlinkat(cx: &Ctx, target: UserPtr<u8>, newdirfd: i32, path: UserPtr<u8>) -> SysResult {
    let target = user_path(cx, target)?;
    let (base, path) = name_at(cx, newdirfd, path)?;
    // The vfs answers ENOENT for an empty target.
    cx.p.vfs.symlink(&target, &base, &path)?;
    Ok(0)
}
