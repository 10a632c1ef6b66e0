//! getdents64: directory records into app memory through a kernel buffer.

use osprey_abi::fcntl::SEEK_SET;

use super::file;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Largest kernel buffer one call uses. A bigger app buffer just gets fewer records per call,
/// which callers handle (they loop until 0).
const MAX_BUF: usize = 64 * 1024;

pub fn sys_getdents64(cx: &Ctx, fd: i32, dirp: UserPtr<u8>, count: u32) -> SysResult {
    let f = file(cx, fd)?;
    let mut buf = alloc::vec![0u8; (count as usize).min(MAX_BUF)];
    let before = f.pos();
    let n = f.getdents64(&mut buf)?;
    if n == 0 {
        return Ok(0);
    }
    if let Err(e) = cx.m.copy_to_user(dirp.addr(), &buf[..n]) {
        // Nothing reached the app: put the cursor back so no entry is skipped.
        let _ = f.lseek(before as i64, SEEK_SET as u32);
        return Err(e);
    }
    Ok(n)
}
