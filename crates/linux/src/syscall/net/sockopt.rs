//! getsockopt, setsockopt. The options every socket has are answered here; the rest go to
//! the family.

use osprey_abi::socket::*;
use osprey_abi::Errno;

use crate::net::socket_of;
use crate::syscall::{Ctx, Fd, SysResult};
use crate::uaccess::UserPtr;

/// Longest option value accepted from the app.
const OPT_MAX: u32 = 4096;

pub fn sys_getsockopt(
    cx: &Ctx,
    fd: Fd,
    level: i32,
    name: i32,
    val: u64,
    lenp: UserPtr<u32>,
) -> SysResult {
    let sock = socket_of(&cx.p.files.get(fd)?)?;
    let cap = lenp.read(cx.m)?;
    if (cap as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let (domain, kind, protocol) = sock.triple();
    let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
    let bytes = match (level, name) {
        (SOL_SOCKET, SO_TYPE) => int(kind as i32),
        (SOL_SOCKET, SO_DOMAIN) => int(domain as i32),
        (SOL_SOCKET, SO_PROTOCOL) => int(protocol),
        (SOL_SOCKET, SO_ERROR) => int(sock.take_error()),
        (SOL_SOCKET, SO_ACCEPTCONN) => int(sock.listening() as i32),
        _ => sock.getsockopt(level, name),
    }?;
    let n = bytes.len().min(cap as usize);
    cx.m.copy_to_user(val, &bytes[..n])?;
    lenp.write(cx.m, &(n as u32))?;
    Ok(0)
}

pub fn sys_setsockopt(cx: &Ctx, fd: Fd, level: i32, name: i32, val: u64, len: u32) -> SysResult {
    let sock = socket_of(&cx.p.files.get(fd)?)?;
    if len > OPT_MAX {
        return Err(Errno::EINVAL);
    }
    let mut v = alloc::vec![0u8; len as usize];
    cx.m.copy_from_user(val, &mut v)?;
    match (level, name) {
        (SOL_SOCKET, SO_TYPE | SO_DOMAIN | SO_PROTOCOL | SO_ERROR | SO_ACCEPTCONN) => {
            Err(Errno::ENOPROTOOPT)
        }
        _ => sock.setsockopt(level, name, &v).map(|_| 0),
    }
}
