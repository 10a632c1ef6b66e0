//! readv, writev, preadv, pwritev.
//!
//! The iovec array is copied in first (EFAULT if unreadable, EINVAL for more than IOV_MAX
//! entries or a length above SSIZE_MAX, EFAULT for a segment outside app space); the total is
//! capped at MAX_RW_COUNT as Linux does. Data then moves through a kernel buffer:
//! * writes gather up to a chunk from the segments and write it in one call, so a writev of up
//!   to a chunk reaches a pipe or the console as one write (pipe atomicity, one frame);
//! * reads on seekable files read at explicit offsets and move the file offset only by what
//!   reached the app; reads on streams (pipes, terminals) read once, then again only while
//!   more is ready, so a readv never blocks after it got data.
//!
//! As on Linux, a fault or error after some bytes moved returns the bytes moved.

use alloc::vec::Vec;

use osprey_abi::fcntl::SEEK_SET;
use osprey_abi::uio::{Iovec, IOV_MAX};
use osprey_abi::Errno;
use osprey_vfs::OpenFile;

use super::{file, MAX_RW_COUNT};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const CHUNK: usize = 64 * 1024;
/// End of the app's half of the address space (Linux TASK_SIZE): access_ok's bound.
const TASK_SIZE: u64 = 0x7fff_ffff_f000;
const POLLIN: u16 = 0x1;

/// Copies in and checks an iovec array; returns the segments with the total capped at
/// MAX_RW_COUNT (later segments shortened or dropped).
pub fn import_iovec(cx: &Ctx, iov: UserPtr<Iovec>, cnt: u64) -> Result<Vec<(u64, usize)>, Errno> {
    if cnt > IOV_MAX as u64 {
        return Err(Errno::EINVAL);
    }
    let cnt = cnt as usize;
    let mut raw = alloc::vec![Iovec::default(); cnt];
    if cnt > 0 {
        let bytes = osprey_abi::IntoBytes::as_mut_bytes(raw.as_mut_slice());
        cx.m.copy_from_user(iov.addr(), bytes)?;
    }
    let mut segs = Vec::with_capacity(cnt);
    let mut total = 0usize;
    for v in raw {
        if v.iov_len > isize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        if v.iov_len > 0 {
            let end = v.iov_base.checked_add(v.iov_len).ok_or(Errno::EFAULT)?;
            if end > TASK_SIZE {
                return Err(Errno::EFAULT);
            }
        }
        let len = (v.iov_len as usize).min(MAX_RW_COUNT - total);
        total += len;
        segs.push((v.iov_base, len));
    }
    Ok(segs)
}

fn total(segs: &[(u64, usize)]) -> usize {
    segs.iter().map(|s| s.1).sum()
}

/// Scatters `data` over the segments from byte `skip` of the vector on. Returns the bytes
/// copied (short on a fault).
fn scatter(cx: &Ctx, segs: &[(u64, usize)], mut skip: usize, data: &[u8]) -> usize {
    let mut done = 0;
    for &(base, len) in segs {
        if done == data.len() {
            break;
        }
        if skip >= len {
            skip -= len;
            continue;
        }
        let n = (len - skip).min(data.len() - done);
        if cx
            .m
            .copy_to_user(base + skip as u64, &data[done..done + n])
            .is_err()
        {
            break;
        }
        done += n;
        skip = 0;
    }
    done
}

/// Gathers up to `buf.len()` bytes from the segments starting at byte `skip`. Returns the
/// bytes copied (short on a fault) and whether a fault stopped it.
fn gather(cx: &Ctx, segs: &[(u64, usize)], mut skip: usize, buf: &mut [u8]) -> (usize, bool) {
    let mut done = 0;
    for &(base, len) in segs {
        if done == buf.len() {
            break;
        }
        if skip >= len {
            skip -= len;
            continue;
        }
        let n = (len - skip).min(buf.len() - done);
        if cx
            .m
            .copy_from_user(base + skip as u64, &mut buf[done..done + n])
            .is_err()
        {
            return (done, true);
        }
        done += n;
        skip = 0;
    }
    (done, false)
}

/// Reads into the segments. `offset`: preadv's position (the file offset stays); `None`:
/// the file offset, advanced by what reached the app.
fn do_readv(cx: &Ctx, f: &OpenFile, segs: &[(u64, usize)], offset: Option<i64>) -> SysResult {
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    if offset.is_some() && !f.seekable() {
        return Err(Errno::ESPIPE);
    }
    let want = total(segs);
    if want == 0 {
        return Ok(0);
    }
    let mut tmp = crate::bounce::bounce(cx.t, want.min(CHUNK))?;
    let mut done = 0usize;
    if f.seekable() {
        let start = offset.unwrap_or(f.pos() as i64);
        let mut result = Ok(());
        while done < want {
            let n = (want - done).min(tmp.len());
            let pos = start.checked_add(done as i64).ok_or(Errno::EINVAL)?;
            let got = match f.pread(&mut tmp[..n], pos) {
                Ok(g) => g,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let copied = scatter(cx, segs, done, &tmp[..got]);
            done += copied;
            if copied < got {
                result = Err(Errno::EFAULT);
                break;
            }
            if got < n {
                break;
            }
        }
        if offset.is_none() && done > 0 {
            f.lseek(start.saturating_add(done as i64), SEEK_SET as u32)?;
        }
        return match result {
            Err(e) if done == 0 => Err(e),
            _ => Ok(done),
        };
    }
    // A stream: never ask for more once something came, unless it is already there.
    while done < want {
        let n = (want - done).min(tmp.len());
        let got = match super::rw::read_chunk(cx, f, &mut tmp[..n], done == 0) {
            Ok(g) => g,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        // Bytes a fault leaves uncopied are lost, unlike Linux where they stay in the pipe.
        let copied = scatter(cx, segs, done, &tmp[..got]);
        done += copied;
        if copied < got {
            return if done == 0 {
                Err(Errno::EFAULT)
            } else {
                Ok(done)
            };
        }
        if got < n || f.poll(POLLIN) & POLLIN == 0 {
            break;
        }
    }
    Ok(done)
}

/// Writes the segments, a gathered chunk per write call.
fn do_writev(cx: &Ctx, f: &OpenFile, segs: &[(u64, usize)], offset: Option<i64>) -> SysResult {
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    if offset.is_some() && !f.seekable() {
        return Err(Errno::ESPIPE);
    }
    let want = total(segs);
    if want == 0 {
        return Ok(0);
    }
    let mut tmp = crate::bounce::bounce(cx.t, want.min(CHUNK))?;
    let mut done = 0usize;
    while done < want {
        let n = (want - done).min(tmp.len());
        let (got, faulted) = gather(cx, segs, done, &mut tmp[..n]);
        if got == 0 {
            return if done == 0 {
                Err(Errno::EFAULT)
            } else {
                Ok(done)
            };
        }
        let r = match offset {
            Some(off) => {
                let pos = off.checked_add(done as i64).ok_or(Errno::EINVAL)?;
                f.pwrite(&tmp[..got], pos)
            }
            None => super::rw::write_chunk(cx, f, &tmp[..got]),
        };
        let wrote = match r {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += wrote;
        if wrote < got || faulted {
            break;
        }
    }
    Ok(done)
}

pub fn sys_readv(cx: &Ctx, fd: i32, iov: UserPtr<Iovec>, cnt: u64) -> SysResult {
    let f = file(cx, fd)?;
    let segs = import_iovec(cx, iov, cnt)?;
    do_readv(cx, &f, &segs, None)
}

pub fn sys_writev(cx: &Ctx, fd: i32, iov: UserPtr<Iovec>, cnt: u64) -> SysResult {
    let f = file(cx, fd)?;
    let segs = import_iovec(cx, iov, cnt)?;
    super::rw::sigpipe_on_epipe(cx, do_writev(cx, &f, &segs, None))
}

/// On x86_64 the 64-bit position is entirely in `pos_l` (pos_h is ignored by the kernel).
pub fn sys_preadv(cx: &Ctx, fd: i32, iov: UserPtr<Iovec>, cnt: u64, pos: i64) -> SysResult {
    let f = file(cx, fd)?;
    if pos < 0 {
        return Err(Errno::EINVAL);
    }
    let segs = import_iovec(cx, iov, cnt)?;
    do_readv(cx, &f, &segs, Some(pos))
}

pub fn sys_pwritev(cx: &Ctx, fd: i32, iov: UserPtr<Iovec>, cnt: u64, pos: i64) -> SysResult {
    let f = file(cx, fd)?;
    if pos < 0 {
        return Err(Errno::EINVAL);
    }
    let segs = import_iovec(cx, iov, cnt)?;
    do_writev(cx, &f, &segs, Some(pos))
}
