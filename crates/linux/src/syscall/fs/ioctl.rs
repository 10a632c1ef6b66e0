//! ioctl: the requests Linux handles for every file (`do_vfs_ioctl`) are answered here; the
//! rest goes to the file's device through `OpenFile::ioctl`.

use osprey_abi::fcntl::{FASYNC, O_NONBLOCK};
use osprey_abi::ioctl::*;
use osprey_abi::Errno;
use osprey_vfs::Inode;

use super::file_io;
use super::pipe::PipeEnd;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Block size FIGETBSZ reports.
const BLOCK_SIZE: i32 = 4096;

pub fn sys_ioctl(cx: &Ctx, fd: i32, cmd: u32, arg: u64) -> SysResult {
    // O_PATH descriptors take no ioctl at all, not even FIOCLEX (EBADF).
    let f = file_io(cx, fd)?;
    match cmd {
        FIOCLEX => {
            cx.p.files.set_cloexec(fd, true)?;
            return Ok(0);
        }
        FIONCLEX => {
            cx.p.files.set_cloexec(fd, false)?;
            return Ok(0);
        }
        FIONBIO | FIOASYNC => {
            let on = UserPtr::<i32>::new(arg).read(cx.m)? != 0;
            let bit = if cmd == FIONBIO { O_NONBLOCK } else { FASYNC };
            let flags = f.flags();
            f.set_flags(if on { flags | bit } else { flags & !bit });
            return Ok(0);
        }
        _ => {}
    }
    let meta = f.metadata();
    // Every Osprey file system (pipefs too) uses page-sized blocks.
    if cmd == FIGETBSZ {
        UserPtr::<i32>::new(arg).write(cx.m, &BLOCK_SIZE)?;
        return Ok(0);
    }
    let io: &dyn Inode = &**f.io();
    if let Some(end) = io.as_any().downcast_ref::<PipeEnd>() {
        if cmd == FIONREAD {
            let n = end.pipe().len() as i32;
            UserPtr::<i32>::new(arg).write(cx.m, &n)?;
            return Ok(0);
        }
        return Err(Errno::ENOTTY);
    }
    // Sockets: SIOCINQ (the same number as FIONREAD).
    if let Ok(sock) = crate::net::socket_of(&f) {
        if cmd == FIONREAD {
            let n = sock.bytes_readable().min(i32::MAX as usize) as i32;
            UserPtr::<i32>::new(arg).write(cx.m, &n)?;
            return Ok(0);
        }
    }
    match cmd {
        // Bytes from the offset to the end (negative past the end, as Linux computes it);
        // devices answer for themselves.
        FIONREAD if meta.is_regular() => {
            let left = (meta.size as i64).wrapping_sub(f.pos() as i64) as i32;
            UserPtr::<i32>::new(arg).write(cx.m, &left)?;
            Ok(0)
        }
        // Bytes allocated (inode_get_bytes), for files, directories and symlinks only.
        FIOQSIZE if meta.is_regular() || meta.is_dir() || meta.is_symlink() => {
            UserPtr::<i64>::new(arg).write(cx.m, &(meta.blocks.saturating_mul(512) as i64))?;
            Ok(0)
        }
        FIOQSIZE => Err(Errno::ENOTTY),
        _ => f.ioctl(cmd, arg as usize),
    }
}
