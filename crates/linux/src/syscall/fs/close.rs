//! close, close_range.

use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};

pub fn sys_close(cx: &Ctx, fd: i32) -> SysResult {
    cx.p.files.close(fd)?;
    Ok(0)
}

const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

pub fn sys_close_range(cx: &Ctx, first: u32, last: u32, flags: u32) -> SysResult {
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    cx.p.files
        .close_range(first, last, flags & CLOSE_RANGE_CLOEXEC != 0)?;
    Ok(0)
}
