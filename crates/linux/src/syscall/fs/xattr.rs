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

fn get(cx: &Ctx, name: UserPtr<u8>) -> SysResult {
    check_name(cx, name)?;
    Err(Errno::ENODATA)
}

pub fn sys_getxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _value: u64,
    _size: usize,
) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, true, false)?;
    get(cx, name)
}

pub fn sys_lgetxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _value: u64,
    _size: usize,
) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, false, false)?;
    get(cx, name)
}

pub fn sys_fgetxattr(cx: &Ctx, fd: i32, name: UserPtr<u8>, _value: u64, _size: usize) -> SysResult {
    file(cx, fd)?;
    get(cx, name)
}

pub fn sys_listxattr(cx: &Ctx, path: UserPtr<u8>, _list: u64, _size: usize) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, true, false)?;
    Ok(0)
}

pub fn sys_llistxattr(cx: &Ctx, path: UserPtr<u8>, _list: u64, _size: usize) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, false, false)?;
    Ok(0)
}

pub fn sys_flistxattr(cx: &Ctx, fd: i32, _list: u64, _size: usize) -> SysResult {
    file(cx, fd)?;
    Ok(0)
}

fn set(cx: &Ctx, name: UserPtr<u8>) -> SysResult {
    check_name(cx, name)?;
    Err(Errno::EOPNOTSUPP)
}

pub fn sys_setxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
    _f: i32,
) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, true, false)?;
    set(cx, name)
}

pub fn sys_lsetxattr(
    cx: &Ctx,
    path: UserPtr<u8>,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
    _f: i32,
) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, false, false)?;
    set(cx, name)
}

pub fn sys_fsetxattr(
    cx: &Ctx,
    fd: i32,
    name: UserPtr<u8>,
    _v: u64,
    _s: usize,
    _f: i32,
) -> SysResult {
    file(cx, fd)?;
    set(cx, name)
}

pub fn sys_removexattr(cx: &Ctx, path: UserPtr<u8>, name: UserPtr<u8>) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, true, false)?;
    check_name(cx, name)?;
    Err(Errno::ENODATA)
}

pub fn sys_lremovexattr(cx: &Ctx, path: UserPtr<u8>, name: UserPtr<u8>) -> SysResult {
    lookup_at(cx, AT_FDCWD, path, false, false)?;
    check_name(cx, name)?;
    Err(Errno::ENODATA)
}

pub fn sys_fremovexattr(cx: &Ctx, fd: i32, name: UserPtr<u8>) -> SysResult {
    file(cx, fd)?;
    check_name(cx, name)?;
    Err(Errno::ENODATA)
}
