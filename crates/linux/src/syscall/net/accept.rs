//! accept, accept4.

use osprey_abi::socket::{SOCK_CLOEXEC, SOCK_NONBLOCK};
use osprey_abi::Errno;

use super::{blocking_for, write_addr};
use crate::net::{socket_of, SocketFile};
use crate::syscall::{Ctx, Fd, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_accept(cx: &Ctx, fd: Fd, addr: u64, lenp: UserPtr<u32>) -> SysResult {
    sys_accept4(cx, fd, addr, lenp, 0)
}

/// accept4(2): waits for a connection unless the listening descriptor is O_NONBLOCK. The new
/// descriptor's O_NONBLOCK comes from `flags` only, as on Linux.
pub fn sys_accept4(cx: &Ctx, fd: Fd, addr: u64, lenp: UserPtr<u32>, flags: u32) -> SysResult {
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let f = cx.p.files.get(fd)?;
    let sock = socket_of(&f)?;
    if !sock.listening() {
        return Err(Errno::EINVAL);
    }
    let timeout = sock.timeout_ns(false);
    let (conn, peer) =
        blocking_for(cx, &f, f.nonblocking(), timeout, || sock.accept()).map_err(|e| {
            if e == Errno::ERESTARTSYS {
                Errno::ERESTARTNOHAND
            } else {
                e
            }
        })?;
    // The peer's address is written before the descriptor exists, so a bad pointer loses
    // nothing the app could have seen (Linux drops the connection the same way).
    write_addr(cx, addr, lenp, &peer)?;
    let file = SocketFile::open(conn, flags)?;
    Ok(cx.p.files.insert(file, flags & SOCK_CLOEXEC != 0)? as usize)
}
