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

/// A zeroed kernel buffer of `len` bytes for data the app sends or receives: ENOMEM when
/// the heap cannot have it (the lengths come from the app, up to MAX_RW_COUNT).
fn buffer(len: usize) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    v.resize(len, 0);
    Ok(v)
}

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

/// Runs a socket operation, waiting for readiness while it says EAGAIN unless `nonblock`.
fn blocking<T>(cx: &Ctx, nonblock: bool, op: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    let mut op = op;
    if nonblock {
        op()
    } else {
        crate::iowait::retry_blocking(cx, op)
    }
}
