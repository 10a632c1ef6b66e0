//! stat, lstat, fstat, newfstatat, statx.

use alloc::sync::Arc;

use osprey_abi::fcntl::*;
use osprey_abi::stat::*;
use osprey_abi::Errno;
use osprey_vfs::{Dentry, Metadata};

use super::{fd_dentry, file, lookup_at, resolve_at};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::{read_path, UserPtr};

/// `struct stat` from vfs metadata.
pub fn to_stat(m: &Metadata) -> Stat {
    Stat {
        st_dev: m.dev,
        st_ino: m.ino,
        st_nlink: m.nlink,
        st_mode: m.mode,
        st_uid: m.uid,
        st_gid: m.gid,
        __pad0: 0,
        st_rdev: m.rdev,
        st_size: m.size as i64,
        st_blksize: m.blksize as i64,
        st_blocks: m.blocks as i64,
        st_atime: m.atime.sec,
        st_atime_nsec: m.atime.nsec,
        st_mtime: m.mtime.sec,
        st_mtime_nsec: m.mtime.nsec,
        st_ctime: m.ctime.sec,
        st_ctime_nsec: m.ctime.nsec,
        __unused: [0; 3],
    }
}

fn put_stat(cx: &Ctx, m: &Metadata, buf: UserPtr<Stat>) -> SysResult {
    buf.write(cx.m, &to_stat(m))?;
    Ok(0)
}

pub fn sys_stat(cx: &Ctx, path: UserPtr<u8>, buf: UserPtr<Stat>) -> SysResult {
    let d = lookup_at(cx, AT_FDCWD, path, true, false)?;
    put_stat(cx, &d.inode().metadata(), buf)
}

pub fn sys_lstat(cx: &Ctx, path: UserPtr<u8>, buf: UserPtr<Stat>) -> SysResult {
    let d = lookup_at(cx, AT_FDCWD, path, false, false)?;
    put_stat(cx, &d.inode().metadata(), buf)
}

/// fstat works on every descriptor, `O_PATH` included.
pub fn sys_fstat(cx: &Ctx, fd: i32, buf: UserPtr<Stat>) -> SysResult {
    let f = file(cx, fd)?;
    put_stat(cx, &f.metadata(), buf)
}

/// The location an fstatat/statx call names. Since Linux 6.11 a NULL path with
/// `AT_EMPTY_PATH` means the same as "" (the dirfd itself).
fn stat_target(cx: &Ctx, dirfd: i32, path: UserPtr<u8>, flags: u32) -> Result<Arc<Dentry>, Errno> {
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    if path.is_null() && empty_ok {
        return fd_dentry(cx, dirfd);
    }
    let p = read_path(cx.m, path.addr())?;
    resolve_at(cx, dirfd, &p, flags & AT_SYMLINK_NOFOLLOW == 0, empty_ok)
}

pub fn sys_newfstatat(
    cx: &Ctx,
    dirfd: i32,
    path: UserPtr<u8>,
    buf: UserPtr<Stat>,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let d = stat_target(cx, dirfd, path, flags)?;
    put_stat(cx, &d.inode().metadata(), buf)
}

fn ts(t: osprey_vfs::Timespec) -> StatxTimestamp {
    StatxTimestamp {
        tv_sec: t.sec,
        tv_nsec: t.nsec as u32,
        __reserved: 0,
    }
}

/// Whether `d` is the root of a mounted file system (`/` or a mount's root).
fn is_mount_root(cx: &Ctx, d: &Dentry) -> bool {
    if d.is_anonymous() {
        return false;
    }
    if d.parent().is_none() {
        return true;
    }
    let m = d.inode().metadata();
    cx.p.vfs.mounts().iter().any(|mi| {
        let r = mi.root.metadata();
        (r.dev, r.ino) == (m.dev, m.ino)
    })
}

/// `struct statx` for `d`. Osprey fills the basic stats; no birth time (ramfs keeps none,
/// as on Linux) and no mount id (there is no /proc/self/mountinfo to match it yet).
pub fn to_statx(cx: &Ctx, d: &Dentry) -> Statx {
    let m = d.inode().metadata();
    let mut attributes = 0;
    if is_mount_root(cx, d) {
        attributes |= STATX_ATTR_MOUNT_ROOT;
    }
    Statx {
        stx_mask: STATX_BASIC_STATS,
        stx_blksize: m.blksize,
        stx_attributes: attributes,
        stx_nlink: m.nlink.min(u32::MAX as u64) as u32,
        stx_uid: m.uid,
        stx_gid: m.gid,
        stx_mode: m.mode as u16,
        stx_ino: m.ino,
        stx_size: m.size,
        stx_blocks: m.blocks,
        // What Linux's generic code always reports as supported.
        stx_attributes_mask: STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX,
        stx_atime: ts(m.atime),
        stx_ctime: ts(m.ctime),
        stx_mtime: ts(m.mtime),
        stx_rdev_major: major(m.rdev),
        stx_rdev_minor: minor(m.rdev),
        stx_dev_major: major(m.dev),
        stx_dev_minor: minor(m.dev),
        ..Statx::default()
    }
}

pub fn sys_statx(
    cx: &Ctx,
    dirfd: i32,
    path: UserPtr<u8>,
    flags: u32,
    mask: u32,
    buf: UserPtr<Statx>,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
    {
        return Err(Errno::EINVAL);
    }
    if mask & STATX__RESERVED != 0 {
        return Err(Errno::EINVAL);
    }
    let d = stat_target(cx, dirfd, path, flags)?;
    // The mask is a hint: Linux fills what the file system has regardless.
    buf.write(cx.m, &to_statx(cx, &d))?;
    Ok(0)
}
