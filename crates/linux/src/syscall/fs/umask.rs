//! umask: sets the creation mask (permission bits only), returns the old one. Never fails.

use crate::syscall::{Ctx, SysResult};

pub fn sys_umask(cx: &Ctx, mask: u32) -> SysResult {
    let mut fs = cx.p.fs.lock();
    let old = fs.umask;
    fs.umask = mask & 0o777;
    Ok(old as usize)
}
