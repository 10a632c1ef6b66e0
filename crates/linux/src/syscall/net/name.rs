//! getsockname, getpeername.

use super::write_addr;
use crate::net::socket_of;
use crate::syscall::{Ctx, Fd, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_getsockname(cx: &Ctx, fd: Fd, addr: u64, lenp: UserPtr<u32>) -> SysResult {
    let sock = socket_of(&cx.p.files.get(fd)?)?;
    let a = sock.local_addr()?;
    write_addr(cx, addr, lenp, &a).map(|_| 0)
}

pub fn sys_getpeername(cx: &Ctx, fd: Fd, addr: u64, lenp: UserPtr<u32>) -> SysResult {
    let sock = socket_of(&cx.p.files.get(fd)?)?;
    let a = sock.peer_addr()?;
    write_addr(cx, addr, lenp, &a).map(|_| 0)
}
