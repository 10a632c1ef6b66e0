//! fsync, fdatasync. Memory file systems have nothing to flush; what is checked is the
//! descriptor: EBADF if not open (or O_PATH), EINVAL for objects without an fsync (pipes,
//! sockets, character devices), as on Linux.

use osprey_abi::Errno;
use osprey_vfs::FileType;

use super::file_io;
use crate::syscall::{Ctx, SysResult};

pub fn sys_fsync(cx: &Ctx, fd: i32) -> SysResult {
    let f = file_io(cx, fd)?;
    match f.metadata().file_type() {
        FileType::Regular | FileType::Directory | FileType::Symlink => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_fdatasync(cx: &Ctx, fd: i32) -> SysResult {
    sys_fsync(cx, fd)
}
