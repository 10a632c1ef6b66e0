//! socket, socketpair.

use osprey_abi::socket::*;
use osprey_abi::Errno;

use crate::net::{create, create_pair, SocketFile};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Splits socket()'s type argument into the type and its SOCK_NONBLOCK/SOCK_CLOEXEC flags.
fn split_type(ty: u32) -> Result<(u32, u32), Errno> {
    let flags = ty & !SOCK_TYPE_MASK;
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok((ty & SOCK_TYPE_MASK, flags))
}

pub fn sys_socket(cx: &Ctx, domain: i32, ty: u32, protocol: i32) -> SysResult {
    let (kind, flags) = split_type(ty)?;
    let domain = u16::try_from(domain).map_err(|_| Errno::EAFNOSUPPORT)?;
    let sock = create(domain, kind, protocol)?;
    let file = SocketFile::open(sock, flags)?;
    Ok(cx.p.files.insert(file, flags & SOCK_CLOEXEC != 0)? as usize)
}

pub fn sys_socketpair(
    cx: &Ctx,
    domain: i32,
    ty: u32,
    protocol: i32,
    sv: UserPtr<[i32; 2]>,
) -> SysResult {
    let (kind, flags) = split_type(ty)?;
    let domain = u16::try_from(domain).map_err(|_| Errno::EAFNOSUPPORT)?;
    let (a, b) = create_pair(domain, kind, protocol)?;
    let cloexec = flags & SOCK_CLOEXEC != 0;
    let fa = cx.p.files.insert(SocketFile::open(a, flags)?, cloexec)?;
    let fb = match SocketFile::open(b, flags).and_then(|f| cx.p.files.insert(f, cloexec)) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = cx.p.files.close(fa);
            return Err(e);
        }
    };
    if let Err(e) = sv.write(cx.m, &[fa, fb]) {
        let _ = cx.p.files.close(fa);
        let _ = cx.p.files.close(fb);
        return Err(e);
    }
    Ok(0)
}
