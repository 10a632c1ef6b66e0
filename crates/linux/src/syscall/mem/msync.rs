//! msync. File mappings are private copies today (no writable shared mappings), so there is
//! nothing to write back; the range and flags are checked as Linux checks them.

use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};

const MS_ASYNC: i32 = 1;
const MS_INVALIDATE: i32 = 2;
const MS_SYNC: i32 = 4;

pub fn sys_msync(cx: &Ctx, addr: u64, len: u64, flags: i32) -> SysResult {
    if addr % 4096 != 0
        || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC)
    {
        return Err(Errno::EINVAL);
    }
    let len = len.checked_add(4095).ok_or(Errno::ENOMEM)? & !4095;
    cx.p.mm
        .lock()
        .space
        .check_access(addr, len, false)
        .map_err(|_| Errno::ENOMEM)?;
    Ok(0)
}
