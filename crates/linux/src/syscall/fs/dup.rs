//! dup, dup2, dup3. The new descriptor shares the open file description (offset, status
//! flags); its close-on-exec flag is its own (clear, or O_CLOEXEC for dup3).

use osprey_abi::fcntl::O_CLOEXEC;
use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};

pub fn sys_dup(cx: &Ctx, fd: i32) -> SysResult {
    Ok(cx.p.files.dup(fd)? as usize)
}

pub fn sys_dup2(cx: &Ctx, old: i32, new: i32) -> SysResult {
    Ok(cx.p.files.dup2(old, new)? as usize)
}

pub fn sys_dup3(cx: &Ctx, old: i32, new: i32, flags: u32) -> SysResult {
    // Linux's order: flags, old == new, the target's range, then old itself.
    if flags & !O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    if new < 0 || new as usize >= cx.p.files.limit() {
        return Err(Errno::EBADF);
    }
    Ok(cx.p.files.dup3(old, new, flags & O_CLOEXEC != 0)? as usize)
}
