//! madvise: MADV_DONTNEED really drops pages (they fault back zeroed), as allocators expect.

use crate::syscall::{Ctx, SysResult};

pub fn sys_madvise(cx: &Ctx, addr: u64, len: u64, advice: i32) -> SysResult {
    let mut mm = cx.p.mm.lock();
    let (space, pt) = mm.parts();
    space.madvise(pt, addr, len, advice)?;
    Ok(0)
}
