//! The socket system calls. They parse and check the app's arguments, find the socket
//! ([`crate::net::socket_of`]), call its family through [`crate::net::Socket`], and do the
//! waiting a blocking descriptor needs (the families never block).

use alloc::vec::Vec;

use osprey_abi::socket::MSG_DONTWAIT;
use osprey_abi::Errno;
use osprey_vfs::OpenFile;

use crate::net::SockAddr;
use crate::syscall::Ctx;
use crate::uaccess::UserPtr;

pub mod accept;
pub mod connect;
pub mod name;
pub mod recv;
pub mod send;
pub mod shutdown;
pub mod socket;
pub mod sockopt;

#[cfg(test)]
mod tests;

/// Longest sockaddr accepted (sizeof(struct sockaddr_storage)).
const SOCKADDR_MAX: u32 = 128;

/// Reads the address an app passes with its length (bind, connect, sendto). EINVAL for a
/// length above sockaddr_storage.
fn read_addr(cx: &Ctx, addr: u64, len: u32) -> Result<SockAddr, Errno> {
    if len > SOCKADDR_MAX {
        return Err(Errno::EINVAL);
    }
    let mut raw = alloc::vec![0u8; len as usize];
    cx.m.copy_from_user(addr, &mut raw)?;
    SockAddr::parse(&raw)
}

/// Writes an address back through (addr, *addrlen) as Linux does: at most *addrlen bytes,
/// and *addrlen set to the address's full length. Nothing when `addr` is NULL.
fn write_addr(cx: &Ctx, addr: u64, lenp: UserPtr<u32>, a: &SockAddr) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    let cap = lenp.read(cx.m)?;
    if (cap as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let bytes: Vec<u8> = a.to_bytes();
    let n = bytes.len().min(cap as usize);
    cx.m.copy_to_user(addr, &bytes[..n])?;
    lenp.write(cx.m, &(bytes.len() as u32))
}

/// Whether a call on `f` with MSG_* `flags` must not wait.
fn nonblocking(f: &OpenFile, flags: u32) -> bool {
    f.nonblocking() || flags & MSG_DONTWAIT != 0
}

/// Most bytes one send or receive moves through its kernel buffer: a stream call moves less
/// (a short count), a datagram is never this large.
const IO_MAX: usize = 16 << 20;

/// A kernel buffer of `len` bytes (at most [`IO_MAX`]): the thread's kept bounce buffer when
/// it fits, else a fresh one; ENOMEM instead of a kernel panic when the heap cannot give it.
fn io_buffer<'a>(cx: &'a Ctx, len: usize) -> Result<crate::bounce::Bounce<'a>, Errno> {
    crate::bounce::bounce(cx.t, len.min(IO_MAX))
}

/// Runs a socket operation on `f`, waiting for its readiness while it says EAGAIN unless
/// `nonblock` (only `f`'s readiness source wakes the wait: `iowait::wait_until_files`).
fn blocking<T>(
    cx: &Ctx,
    f: &OpenFile,
    nonblock: bool,
    op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, Errno> {
    let mut op = op;
    if nonblock {
        op()
    } else {
        crate::iowait::retry_blocking_on(cx, Some(f), op)
    }
}

/// [`blocking`] with a socket's SO_RCVTIMEO/SO_SNDTIMEO: past the timeout the call fails with
/// EAGAIN, and a signal gives EINTR (Linux does not restart a call with a timeout).
fn blocking_for<T>(
    cx: &Ctx,
    f: &OpenFile,
    nonblock: bool,
    timeout_ns: Option<u64>,
    mut op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, Errno> {
    let Some(t) = timeout_ns.filter(|_| !nonblock) else {
        return blocking(cx, f, nonblock, op);
    };
    let deadline = cx.m.monotonic_ns().saturating_add(t);
    let mut result = None;
    match crate::iowait::wait_until_files(cx, &[f], Some(deadline), || match op() {
        Err(Errno::EAGAIN) => Ok(None),
        r => {
            result = Some(r);
            Ok(Some(()))
        }
    }) {
        Ok(Some(())) => result.unwrap_or(Err(Errno::EAGAIN)),
        Ok(None) => Err(Errno::EAGAIN),
        Err(Errno::ERESTARTNOHAND) => Err(Errno::EINTR),
        Err(e) => Err(e),
    }
}
