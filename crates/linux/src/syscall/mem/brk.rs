//! brk: returns the new break, or the old one when the request cannot be met (Linux's rule:
//! glibc's malloc checks the returned value, not an error code).

use crate::syscall::{Ctx, SysResult};

pub fn sys_brk(cx: &Ctx, addr: u64) -> SysResult {
    let mut mm = cx.p.mm.lock();
    let (space, pt) = mm.parts();
    Ok(space.brk(pt, addr) as usize)
}
