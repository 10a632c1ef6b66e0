//! rename, renameat, renameat2.

use osprey_abi::fcntl::{AT_FDCWD, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT};
use osprey_abi::Errno;

use super::name_at;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_rename(cx: &Ctx, old: UserPtr<u8>, new: UserPtr<u8>) -> SysResult {
    sys_renameat2(cx, AT_FDCWD, old, AT_FDCWD, new, 0)
}

pub fn sys_renameat(
    cx: &Ctx,
    olddirfd: i32,
    old: UserPtr<u8>,
    newdirfd: i32,
    new: UserPtr<u8>,
) -> SysResult {
    sys_renameat2(cx, olddirfd, old, newdirfd, new, 0)
}

/// RENAME_NOREPLACE works; RENAME_EXCHANGE is EINVAL (the vfs cannot swap names yet) and so
/// is RENAME_WHITEOUT (ramfs has no whiteouts, as on Linux).
pub fn sys_renameat2(
    cx: &Ctx,
    olddirfd: i32,
    old: UserPtr<u8>,
    newdirfd: i32,
    new: UserPtr<u8>,
    flags: u32,
) -> SysResult {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_EXCHANGE != 0 && flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (old_base, old_path) = name_at(cx, olddirfd, old)?;
    let (new_base, new_path) = name_at(cx, newdirfd, new)?;
    cx.p.vfs
        .rename(&old_base, &old_path, &new_base, &new_path, flags)?;
    Ok(0)
}
