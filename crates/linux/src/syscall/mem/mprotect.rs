//! mprotect.

use crate::syscall::{Ctx, SysResult};

pub fn sys_mprotect(cx: &Ctx, addr: u64, len: u64, prot: u32) -> SysResult {
    let mut mm = cx.p.mm.lock();
    let (space, pt) = mm.parts();
    space.mprotect(pt, addr, len, prot)?;
    Ok(0)
}
