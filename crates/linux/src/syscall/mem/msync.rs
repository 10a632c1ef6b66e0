//! msync. A shared file mapping maps the ramfs file's own pages, so the mapping is the file:
//! there is nothing to write back or invalidate. The address, flags and range are checked as
//! Linux checks them (osprey-mm's `AddressSpace::msync`).

use crate::syscall::{Ctx, SysResult};

pub fn sys_msync(cx: &Ctx, addr: u64, len: u64, flags: i32) -> SysResult {
    cx.p.mm.lock().space.msync(addr, len, flags as u32)?;
    Ok(0)
}
