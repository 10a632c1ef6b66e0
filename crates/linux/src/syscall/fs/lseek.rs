//! lseek.

use osprey_abi::fcntl::SEEK_HOLE;
use osprey_abi::Errno;

use super::file;
use crate::syscall::{Ctx, SysResult};

pub fn sys_lseek(cx: &Ctx, fd: i32, offset: i64, whence: u32) -> SysResult {
    let f = file(cx, fd)?;
    // Linux checks whence before anything else the file could say.
    if whence > SEEK_HOLE as u32 {
        return Err(Errno::EINVAL);
    }
    Ok(f.lseek(offset, whence)? as usize)
}
