//! sendfile: copies between two descriptors through a kernel buffer. With `offset`, reads at
//! `*offset` (the input's file offset stays) and stores the new offset back; without, reads
//! at and advances the input's offset.

use osprey_abi::fcntl::{O_APPEND, SEEK_CUR};
use osprey_abi::Errno;

use super::{file, MAX_RW_COUNT};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const CHUNK: usize = 64 * 1024;

pub fn sys_sendfile(
    cx: &Ctx,
    out_fd: i32,
    in_fd: i32,
    offset: UserPtr<i64>,
    count: usize,
) -> SysResult {
    let inf = file(cx, in_fd)?;
    if !inf.readable() {
        return Err(Errno::EBADF);
    }
    let outf = file(cx, out_fd)?;
    if !outf.writable() {
        return Err(Errno::EBADF);
    }
    // Linux refuses an O_APPEND output.
    if outf.flags() & O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    let mut pos = match offset.nullable() {
        Some(p) => {
            let v = p.read(cx.m)?;
            if !inf.seekable() {
                return Err(Errno::ESPIPE);
            }
            if v < 0 {
                return Err(Errno::EINVAL);
            }
            Some(v)
        }
        None => None,
    };
    let count = count.min(MAX_RW_COUNT);
    let mut buf = alloc::vec![0u8; count.min(CHUNK)];
    let mut done = 0usize;
    let mut err = None;
    while done < count {
        let want = (count - done).min(buf.len());
        let got = match pos {
            Some(p) => inf.pread(&mut buf[..want], p),
            None => inf.read(&mut buf[..want]),
        };
        let got = match got {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                err = Some(e);
                break;
            }
        };
        let mut wrote = 0;
        while wrote < got {
            // A blocking output (a socket or pipe whose buffer is full) waits for room, as
            // Linux does; a non-blocking one returns what was sent so far.
            let r = if outf.nonblocking() {
                outf.write(&buf[wrote..got])
            } else {
                crate::iowait::retry_blocking_on(cx, Some(&outf), || outf.write(&buf[wrote..got]))
            };
            match r {
                Ok(0) => break,
                Ok(n) => wrote += n,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        done += wrote;
        if let Some(p) = pos.as_mut() {
            *p = p.saturating_add(wrote as i64);
        } else if wrote < got && inf.seekable() {
            // Give back what was read but not written, so no byte is lost.
            let _ = inf.lseek(-((got - wrote) as i64), SEEK_CUR as u32);
        }
        if wrote < got || got < want {
            break;
        }
    }
    if let (Some(p), Some(ptr)) = (pos, offset.nullable()) {
        ptr.write(cx.m, &p)?;
    }
    match err {
        Some(e) if done == 0 => Err(e),
        _ => Ok(done),
    }
}
