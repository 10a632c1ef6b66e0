//! utimensat (and its futimens form: NULL path with a descriptor).

use osprey_abi::fcntl::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, UTIME_NOW, UTIME_OMIT};
use osprey_abi::time::NSEC_PER_SEC;
use osprey_abi::{Errno, Timespec};
use osprey_vfs::SetTime;

use super::{file_io, lookup_at};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn set_time(t: &Timespec) -> Result<SetTime, Errno> {
    match t.tv_nsec {
        UTIME_NOW => Ok(SetTime::Now),
        UTIME_OMIT => Ok(SetTime::Omit),
        n if (0..NSEC_PER_SEC).contains(&n) => {
            Ok(SetTime::Set(osprey_vfs::Timespec::new(t.tv_sec, n)))
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_utimensat(
    cx: &Ctx,
    dirfd: i32,
    path: UserPtr<u8>,
    times: UserPtr<[Timespec; 2]>,
    flags: u32,
) -> SysResult {
    // Linux's order: copy the times (EFAULT), both omitted means nothing to do (not even the
    // path is checked), then validate the nanoseconds, then the target.
    let (atime, mtime) = match times.nullable() {
        None => (SetTime::Now, SetTime::Now),
        Some(p) => {
            let t = p.read(cx.m)?;
            if t[0].tv_nsec == UTIME_OMIT && t[1].tv_nsec == UTIME_OMIT {
                return Ok(0);
            }
            (set_time(&t[0])?, set_time(&t[1])?)
        }
    };
    let inode = if path.is_null() && dirfd != AT_FDCWD {
        // futimens(fd, times): no flags allowed, O_PATH descriptors refused.
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        file_io(cx, dirfd)?.inode().clone()
    } else {
        if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
            return Err(Errno::EINVAL);
        }
        lookup_at(
            cx,
            dirfd,
            path,
            flags & AT_SYMLINK_NOFOLLOW == 0,
            flags & AT_EMPTY_PATH != 0,
        )?
        .inode()
        .clone()
    };
    inode.set_times(atime, mtime)?;
    Ok(0)
}
