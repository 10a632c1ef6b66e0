//! mremap: grows in place when it can, otherwise moves the frames (no copy).

use crate::syscall::{Ctx, SysResult};

pub fn sys_mremap(
    cx: &Ctx,
    old_addr: u64,
    old_len: u64,
    new_len: u64,
    flags: u32,
    new_addr: u64,
) -> SysResult {
    let mut mm = cx.p.mm.lock();
    let (space, pt) = mm.parts();
    space
        .mremap(pt, old_addr, old_len, new_len, flags, new_addr)
        .map(|a| a as usize)
}
