//! fcntl: descriptor duplication and flags, status flags, record locks, pipe sizes.
//!
//! Record locks: Osprey runs one process, so no lock can ever conflict. F_GETLK reports
//! F_UNLCK and the set commands succeed once the `struct flock` is valid; nothing is recorded.

use alloc::sync::Arc;

use osprey_abi::fcntl::*;
use osprey_abi::{Errno, Flock};
use osprey_vfs::{Inode, OpenFile};

use super::file;
use super::pipe::PipeEnd;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_fcntl(cx: &Ctx, fd: i32, cmd: i32, arg: u64) -> SysResult {
    let f = file(cx, fd)?;
    // On O_PATH descriptors only these work (Linux check_fcntl_cmd); the rest is EBADF.
    if f.is_path()
        && !matches!(
            cmd,
            F_DUPFD | F_DUPFD_CLOEXEC | F_GETFD | F_SETFD | F_GETFL | F_DUPFD_QUERY
        )
    {
        return Err(Errno::EBADF);
    }
    // Integer arguments are C ints: the low 32 bits.
    let argi = arg as i32;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            Ok(cx.p.files.insert_from(argi, f, cmd == F_DUPFD_CLOEXEC)? as usize)
        }
        F_DUPFD_QUERY => {
            let other = file(cx, argi)?;
            Ok(Arc::ptr_eq(&f, &other) as usize)
        }
        F_GETFD => Ok(if cx.p.files.cloexec(fd)? {
            FD_CLOEXEC as usize
        } else {
            0
        }),
        F_SETFD => {
            cx.p.files.set_cloexec(fd, arg as u32 & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(f.flags() as usize),
        F_SETFL => {
            // Only O_APPEND|O_NONBLOCK|O_ASYNC|O_DIRECT|O_NOATIME change; the rest is ignored.
            f.set_flags(arg as u32);
            Ok(0)
        }
        F_GETLK | F_OFD_GETLK => getlk(cx, &f, cmd, UserPtr::new(arg)),
        F_SETLK | F_SETLKW | F_OFD_SETLK | F_OFD_SETLKW => setlk(cx, &f, cmd, UserPtr::new(arg)),
        F_GETPIPE_SZ => Ok(pipe_end(&f)?.pipe().capacity()),
        F_SETPIPE_SZ => Ok(pipe_end(&f)?.pipe().set_capacity(arg as u32 as u64)?),
        // Only memfds take seals, and Osprey has none yet.
        F_ADD_SEALS | F_GET_SEALS => Err(Errno::EINVAL),
        _ => Err(Errno::EINVAL),
    }
}

/// The pipe behind `f`; EBADF for anything else (Linux get_pipe_info fails that way).
fn pipe_end(f: &OpenFile) -> Result<&PipeEnd, Errno> {
    let io: &dyn Inode = &**f.io();
    io.as_any().downcast_ref::<PipeEnd>().ok_or(Errno::EBADF)
}

/// Checks a `struct flock` as Linux's flock_to_posix_lock does (whence, start, length).
fn check_range(f: &OpenFile, l: &Flock) -> Result<(), Errno> {
    let base = match l.l_whence as i32 {
        SEEK_SET => 0,
        SEEK_CUR => f.pos() as i64,
        SEEK_END => f.metadata().size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let start = base.checked_add(l.l_start).ok_or(Errno::EOVERFLOW)?;
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    if l.l_len > 0 {
        start.checked_add(l.l_len - 1).ok_or(Errno::EOVERFLOW)?;
    } else if l.l_len < 0 && start + l.l_len < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

fn is_ofd(cmd: i32) -> bool {
    matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW)
}

fn getlk(cx: &Ctx, f: &OpenFile, cmd: i32, p: UserPtr<Flock>) -> SysResult {
    let mut l = p.read(cx.m)?;
    if l.l_type != F_RDLCK && l.l_type != F_WRLCK {
        return Err(Errno::EINVAL);
    }
    if is_ofd(cmd) && l.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    check_range(f, &l)?;
    // Nobody else can hold a lock.
    l.l_type = F_UNLCK;
    p.write(cx.m, &l)?;
    Ok(0)
}

fn setlk(cx: &Ctx, f: &OpenFile, cmd: i32, p: UserPtr<Flock>) -> SysResult {
    let l = p.read(cx.m)?;
    if is_ofd(cmd) && l.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    match l.l_type {
        F_RDLCK if !f.readable() => return Err(Errno::EBADF),
        F_WRLCK if !f.writable() => return Err(Errno::EBADF),
        F_RDLCK | F_WRLCK | F_UNLCK => {}
        _ => return Err(Errno::EINVAL),
    }
    check_range(f, &l)?;
    Ok(0)
}
