//! Extended attributes: the in-memory file systems keep none, so a file has no attributes
//! (get: ENODATA, list: empty) and setting one is EOPNOTSUPP, as on a file system without
//! xattr support. The path or descriptor is still checked (ENOENT, EBADF, EFAULT). `ls -l`
//! asks for ACLs and SELinux labels this way.

use osprey_abi::fcntl::AT_FDCWD;
use osprey_abi::Errno;

use super::{file, lookup_at};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::{read_cstr, UserPtr};

/// Longest attribute name (XATTR_NAME_MAX).
const NAME_MAX: usize = 255;

fn check_name(cx: &Ctx, name: UserPtr<u8>) -> Result<(), Errno> {
    let n = read_cstr(cx.m, name.addr(), NAME_MAX + 1).map_err(|e| match e {
        Errno::ENAMETOOLONG => Errno::ERANGE,
        e => e,
    })?;
    if n.is_empty() {
        return Err(Errno::ERANGE);
    }
    Ok(())
}

/// What an xattr call names: a path (following a final symlink or not) or an open file.
enum Target {
    Path(UserPtr<u8>, bool),
    Fd(i32),
}

/// Checks that the target exists and the attribute name is well formed.
fn check(cx: &Ctx, t: Target, name: Option<UserPtr<u8>>) -> Result<(), Errno> {
    match t {
        Target::Path(p, follow) => lookup_at(cx, AT_FDCWD, p, follow, false).map(|_| ())?,
        Target::Fd(fd) => file(cx, fd).map(|_| ())?,
    }
    match name {
        Some(n) => check_name(cx, n),
        None => Ok(()),
    }
}

/// No attribute exists: ENODATA.
fn get(cx: &Ctx, t: Target, name: UserPtr<u8>) -> SysResult {
    check(cx, t, Some(name))?;
    Err(Errno::ENODATA)
}

/// The list is empty.
fn list(cx: &Ctx, t: Target) -> SysResult {
    check(cx, t, None)?;
    Ok(0)
}

/// Nothing can be stored.
fn set(cx: &Ctx, t: Target, name: UserPtr<u8>) -> SysResult {
    check(cx, t, Some(name))?;
    Err(Errno::EOPNOTSUPP)
}

pub fn sys_getxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
) -> SysResult {
    get(cx, Target::Path(path, true), name)
}

pub fn sys_lgetxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
) -> SysResult {
    get(cx, Target::Path(path, false), name)
}

pub fn sys_fgetxattr(cx: &Ctx, fd: i32, name: UserPtr<u8>, _v: u64, _s: usize) -> SysResult {
    get(cx, Target::Fd(fd), name)
}

pub fn sys_listxattr(cx: &Ctx, path: UserPtr<u8>, _list: u64, _size: usize) -> SysResult {
    list(cx, Target::Path(path, true))
}

pub fn sys_llistxattr(cx: &Ctx, path: UserPtr<u8>, _list: u64, _size: usize) -> SysResult {
    list(cx, Target::Path(path, false))
}

pub fn sys_flistxattr(cx: &Ctx, fd: i32, _list: u64, _size: usize) -> SysResult {
    list(cx, Target::Fd(fd))
}

pub fn sys_setxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
    _f: i32,
) -> SysResult {
    set(cx, Target::Path(path, true), name)
}

pub fn sys_lsetxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
    _f: i32,
) -> SysResult {
    set(cx, Target::Path(path, false), name)
}

pub fn sys_fsetxattr(
    cx: &Ctx,
    fd: i32,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
    _f: i32,
) -> SysResult {
    set(cx, Target::Fd(fd), name)
}

pub fn sys_removexattr(cx: &Ctx, path: UserPtr<u8>, name: UserPtr<u8>) -> SysResult {
    get(cx, Target::Path(path, true), name)
}

pub fn sys_lremovexattr(cx: &Ctx, path: UserPtr<u8>, name: UserPtr<u8>) -> SysResult {
    get(cx, Target::Path(path, false), name)
}

pub fn sys_fremovexattr(cx: &Ctx, fd: i32, name: UserPtr<u8>) -> SysResult {
    get(cx, Target::Fd(fd), name)
}
