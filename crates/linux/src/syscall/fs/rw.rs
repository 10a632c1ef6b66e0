//! read, write, pread64, pwrite64. Data moves between the file and app memory through a
//! kernel bounce buffer, a chunk at a time, so a huge count costs no huge allocation and a bad
//! pointer midway returns what was done so far (as Linux does) or EFAULT if nothing was.

use osprey_abi::Errno;
use osprey_vfs::OpenFile;

use super::{file, MAX_RW_COUNT};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const CHUNK: usize = 64 * 1024;

/// Reads from `read(chunk)` into app memory at `buf`, chunk by chunk, until `count` bytes or a
/// short read.
pub fn read_into_user(
    cx: &Ctx,
    buf: u64,
    count: usize,
    mut read: impl FnMut(&mut [u8], u64) -> Result<usize, Errno>,
) -> SysResult {
    let count = count.min(MAX_RW_COUNT);
    let mut tmp = crate::bounce::bounce(cx.t, count.min(CHUNK))?;
    let mut done = 0usize;
    while done < count {
        let want = (count - done).min(tmp.len());
        let n = match read(&mut tmp[..want], done as u64) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Err(e) = cx.m.copy_to_user(buf + done as u64, &tmp[..n]) {
            return if done == 0 { Err(e) } else { Ok(done) };
        }
        done += n;
        if n < want {
            break;
        }
    }
    Ok(done)
}

/// Writes app memory at `buf` through `write(chunk)`, chunk by chunk.
pub fn write_from_user(
    cx: &Ctx,
    buf: u64,
    count: usize,
    mut write: impl FnMut(&[u8], u64) -> Result<usize, Errno>,
) -> SysResult {
    let count = count.min(MAX_RW_COUNT);
    let mut tmp = crate::bounce::bounce(cx.t, count.min(CHUNK))?;
    let mut done = 0usize;
    while done < count {
        let want = (count - done).min(tmp.len());
        if let Err(e) = cx.m.copy_from_user(buf + done as u64, &mut tmp[..want]) {
            return if done == 0 { Err(e) } else { Ok(done) };
        }
        let n = match write(&tmp[..want], done as u64) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += n;
        if n < want {
            break;
        }
    }
    Ok(done)
}

/// Whether calls on `f` block (a stream opened without O_NONBLOCK: pipes today).
fn blocks(f: &OpenFile) -> bool {
    !f.seekable() && !f.nonblocking()
}

/// `read(2)` of a chunk: on a blocking stream, waits for data (or end of file) when there is
/// none yet and nothing was read before in this call.
pub fn read_chunk(cx: &Ctx, f: &OpenFile, buf: &mut [u8], first: bool) -> Result<usize, Errno> {
    if first && blocks(f) {
        crate::iowait::retry_blocking_on(cx, Some(f), || f.read(buf))
    } else {
        f.read(buf)
    }
}

/// `write(2)` of a chunk: on a blocking stream, all of it, waiting for room as needed; a
/// failure after part of it was written returns that part.
pub fn write_chunk(cx: &Ctx, f: &OpenFile, buf: &[u8]) -> Result<usize, Errno> {
    if !blocks(f) {
        return f.write(buf);
    }
    let mut done = 0;
    while done < buf.len() {
        match crate::iowait::retry_blocking_on(cx, Some(f), || f.write(&buf[done..])) {
            Ok(n) => done += n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub fn sys_read(cx: &Ctx, fd: i32, buf: UserPtr<u8>, count: usize) -> SysResult {
    let f = file(cx, fd)?;
    // A signalfd reads the calling thread's signals, and may wait for them.
    if let Some(sfd) = f
        .io()
        .as_any()
        .downcast_ref::<crate::syscall::signal::signalfd::SignalFd>()
    {
        return crate::syscall::signal::signalfd::read(cx, &f, sfd, buf.addr(), count);
    }
    if count == 0 {
        f.read(&mut [])?;
        return Ok(0);
    }
    read_into_user(cx, buf.addr(), count, |b, done| {
        read_chunk(cx, &f, b, done == 0)
    })
}

/// A write to a pipe nobody reads raises SIGPIPE in the writer (Linux's pipe_write), on top
/// of failing with EPIPE: its default action ends the app with status 141.
pub fn sigpipe_on_epipe(cx: &Ctx, r: SysResult) -> SysResult {
    if r == Err(Errno::EPIPE) {
        let uid = cx.p.creds.lock().uid;
        let info = osprey_abi::SigInfo::from_process(
            osprey_abi::signal::SIGPIPE,
            osprey_abi::signal::SI_USER,
            crate::process::PID,
            uid,
        );
        crate::signal::send_to_thread(cx, cx.t, info);
    }
    r
}

pub fn sys_write(cx: &Ctx, fd: i32, buf: UserPtr<u8>, count: usize) -> SysResult {
    let f = file(cx, fd)?;
    if count == 0 {
        f.write(&[])?;
        return Ok(0);
    }
    sigpipe_on_epipe(
        cx,
        write_from_user(cx, buf.addr(), count, |b, _| write_chunk(cx, &f, b)),
    )
}

pub fn sys_pread64(cx: &Ctx, fd: i32, buf: UserPtr<u8>, count: usize, offset: i64) -> SysResult {
    let f = file(cx, fd)?;
    if offset < 0 {
        return Err(Errno::EINVAL);
    }
    read_into_user(cx, buf.addr(), count, |b, done| {
        f.pread(b, offset + done as i64)
    })
}

pub fn sys_pwrite64(cx: &Ctx, fd: i32, buf: UserPtr<u8>, count: usize, offset: i64) -> SysResult {
    let f = file(cx, fd)?;
    if offset < 0 {
        return Err(Errno::EINVAL);
    }
    write_from_user(cx, buf.addr(), count, |b, done| {
        f.pwrite(b, offset + done as i64)
    })
}
