//! chown, lchown, fchown, fchownat. An id of -1 leaves that id alone. The app is root, so
//! any ids are allowed.

use osprey_abi::fcntl::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use osprey_abi::Errno;
use osprey_vfs::Inode;

use super::{file_io, lookup_at};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn id(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

fn chown(inode: &dyn Inode, uid: u32, gid: u32) -> SysResult {
    inode.chown(id(uid), id(gid))?;
    Ok(0)
}

pub fn sys_chown(cx: &Ctx, path: UserPtr<u8>, uid: u32, gid: u32) -> SysResult {
    sys_fchownat(cx, AT_FDCWD, path, uid, gid, 0)
}

pub fn sys_lchown(cx: &Ctx, path: UserPtr<u8>, uid: u32, gid: u32) -> SysResult {
    sys_fchownat(cx, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)
}

pub fn sys_fchown(cx: &Ctx, fd: i32, uid: u32, gid: u32) -> SysResult {
    let f = file_io(cx, fd)?;
    chown(&**f.inode(), uid, gid)
}

pub fn sys_fchownat(
    cx: &Ctx,
    dirfd: i32,
    path: UserPtr<u8>,
    uid: u32,
    gid: u32,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let d = lookup_at(
        cx,
        dirfd,
        path,
        flags & AT_SYMLINK_NOFOLLOW == 0,
        flags & AT_EMPTY_PATH != 0,
    )?;
    chown(&**d.inode(), uid, gid)
}
