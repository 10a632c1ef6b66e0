//! File system calls. Path-based calls resolve through the process's [`osprey_vfs::Vfs`];
//! descriptor-based ones look the descriptor up in its [`osprey_vfs::FdTable`].
//!
//! Every handler copies its app arguments (paths, structs) into kernel locals first, then takes
//! process locks only briefly (the cwd is cloned out of `fs`), so no lock is held across a user
//! copy.

use alloc::sync::Arc;
use alloc::vec::Vec;

use osprey_abi::fcntl::AT_FDCWD;
use osprey_abi::Errno;
use osprey_vfs::{Dentry, OpenFile};

use super::Ctx;
use crate::uaccess::{read_path, UserPtr};

pub mod access;
pub mod chmod;
pub mod chown;
pub mod close;
pub mod cwd;
pub mod dup;
pub mod fcntl;
pub mod flock;
pub mod getdents;
pub mod ioctl;
pub mod link;
pub mod lseek;
pub mod mkdir;
pub mod open;
pub mod pipe;
pub mod readlink;
pub mod rename;
pub mod rw;
pub mod rwv;
pub mod sendfile;
pub mod stat;
pub mod statfs;
pub mod sync;
pub mod truncate;
pub mod umask;
pub mod unlink;
pub mod utimens;
pub mod xattr;

#[cfg(test)]
mod tests;

/// The open file behind `fd` (EBADF if none).
pub fn file(cx: &Ctx, fd: i32) -> Result<Arc<OpenFile>, Errno> {
    cx.p.files.get(fd)
}

/// The open file behind `fd` for calls that refuse `O_PATH` descriptors (Linux's `fdget`, as
/// opposed to `fdget_raw`): EBADF for those too.
pub fn file_io(cx: &Ctx, fd: i32) -> Result<Arc<OpenFile>, Errno> {
    let f = file(cx, fd)?;
    if f.is_path() {
        return Err(Errno::EBADF);
    }
    Ok(f)
}

/// Largest count a single read or write moves, as on Linux (MAX_RW_COUNT).
pub const MAX_RW_COUNT: usize = 0x7fff_f000;

/// The current working directory.
pub fn cwd(cx: &Ctx) -> Arc<Dentry> {
    cx.p.fs.lock().cwd.clone()
}

/// The dentry of `dirfd` itself (`AT_FDCWD`: the cwd), for `AT_EMPTY_PATH` and the fd forms.
/// Any kind of file is fine, `O_PATH` included.
pub fn fd_dentry(cx: &Ctx, dirfd: i32) -> Result<Arc<Dentry>, Errno> {
    if dirfd == AT_FDCWD {
        return Ok(cwd(cx));
    }
    Ok(file(cx, dirfd)?.dentry().clone())
}

/// Where a relative `path` of an `*at` call starts: the cwd for `AT_FDCWD`, else the
/// directory open at `dirfd` (EBADF if none, ENOTDIR if not a directory). An absolute path
/// ignores `dirfd` entirely, as on Linux (even a bad one).
pub fn at_base(cx: &Ctx, dirfd: i32, path: &[u8]) -> Result<Arc<Dentry>, Errno> {
    if path.first() == Some(&b'/') {
        return Ok(cx.p.vfs.root());
    }
    if dirfd == AT_FDCWD {
        return Ok(cwd(cx));
    }
    let f = file(cx, dirfd)?;
    if !f.metadata().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(f.dentry().clone())
}

/// Reads a path argument: EFAULT for NULL or unreadable memory, ENAMETOOLONG past PATH_MAX.
/// An empty path is returned as is (the caller decides: ENOENT, or `AT_EMPTY_PATH`).
pub fn user_path(cx: &Ctx, path: UserPtr<u8>) -> Result<Vec<u8>, Errno> {
    read_path(cx.m, path.addr())
}

/// Resolves `path` relative to `dirfd`. `empty_ok` is `AT_EMPTY_PATH`: an empty path then
/// names `dirfd` itself (otherwise ENOENT). `follow`: follow a final symlink.
pub fn resolve_at(
    cx: &Ctx,
    dirfd: i32,
    path: &[u8],
    follow: bool,
    empty_ok: bool,
) -> Result<Arc<Dentry>, Errno> {
    if path.is_empty() {
        if empty_ok {
            return fd_dentry(cx, dirfd);
        }
        return Err(Errno::ENOENT);
    }
    let base = at_base(cx, dirfd, path)?;
    cx.p.vfs.resolve(&base, path, follow)
}

/// [`user_path`] then [`resolve_at`].
pub fn lookup_at(
    cx: &Ctx,
    dirfd: i32,
    path: UserPtr<u8>,
    follow: bool,
    empty_ok: bool,
) -> Result<Arc<Dentry>, Errno> {
    let p = user_path(cx, path)?;
    resolve_at(cx, dirfd, &p, follow, empty_ok)
}

/// For the calls that create or remove a name: the path (ENOENT if empty) and the directory
/// its resolution starts from.
pub fn name_at(cx: &Ctx, dirfd: i32, path: UserPtr<u8>) -> Result<(Arc<Dentry>, Vec<u8>), Errno> {
    let p = user_path(cx, path)?;
    if p.is_empty() {
        return Err(Errno::ENOENT);
    }
    let base = at_base(cx, dirfd, &p)?;
    Ok((base, p))
}

/// The current umask.
pub fn umask(cx: &Ctx) -> u32 {
    cx.p.fs.lock().umask
}

/// Device and inode numbers for an anonymous inode (timerfd, signalfd, eventfd...): one device
/// for all of them, like Linux's anon_inodefs, and a fresh inode number each.
pub fn anon_inode_id() -> (u64, u64) {
    static DEV: spin::Once<u64> = spin::Once::new();
    static INO: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
    (
        *DEV.call_once(osprey_vfs::alloc_dev),
        INO.fetch_add(1, core::sync::atomic::Ordering::Relaxed),
    )
}
