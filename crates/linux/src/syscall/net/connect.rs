//! bind, listen, connect.

use osprey_abi::poll::{POLLERR, POLLHUP, POLLOUT};
use osprey_abi::Errno;

use super::read_addr;
use crate::net::socket_of;
use crate::syscall::{Ctx, Fd, SysResult};

pub fn sys_bind(cx: &Ctx, fd: Fd, addr: u64, len: u32) -> SysResult {
    let sock = socket_of(&cx.p.files.get(fd)?)?;
    // An AF_UNIX path is made a socket node here (the family cannot walk paths), and
    // removed again if the bind fails.
    let a = crate::net::unix::resolve(cx, read_addr(cx, addr, len)?, true)?;
    if let Err(e) = sock.bind(&a) {
        crate::net::unix::unresolve(cx, &a);
        return Err(e);
    }
    Ok(0)
}

pub fn sys_listen(cx: &Ctx, fd: Fd, backlog: i32) -> SysResult {
    let sock = socket_of(&cx.p.files.get(fd)?)?;
    sock.listen(backlog)?;
    Ok(0)
}

/// connect(2): a blocking socket waits until the connection is made or fails (its error, as
/// SO_ERROR would give it); O_NONBLOCK returns EINPROGRESS. A signal while waiting gives
/// EINTR and the connection goes on in the background, as on Linux.
pub fn sys_connect(cx: &Ctx, fd: Fd, addr: u64, len: u32) -> SysResult {
    let f = cx.p.files.get(fd)?;
    let sock = socket_of(&f)?;
    let a = crate::net::unix::resolve(cx, read_addr(cx, addr, len)?, false)?;
    match sock.connect(&a) {
        Err(Errno::EINPROGRESS) if !f.nonblocking() => {}
        // A local listener's full backlog: a blocking connect waits for room (AF_UNIX).
        Err(Errno::EAGAIN) if !f.nonblocking() => {
            // Interrupted: ERESTARTSYS, as Linux's unix_stream_connect (restarts under
            // SA_RESTART).
            return crate::iowait::retry_blocking(cx, || sock.connect(&a)).map(|_| 0);
        }
        r => return r.map(|_| 0),
    }
    let ev = (POLLOUT | POLLERR | POLLHUP) as u16;
    crate::iowait::wait_until_files(cx, &[&f], None, || Ok((sock.poll(ev) != 0).then_some(())))
        .map_err(|e| {
            if e == Errno::ERESTARTNOHAND {
                Errno::EINTR
            } else {
                e
            }
        })?;
    match sock.take_error() {
        0 => Ok(0),
        e => Err(Errno::from_code(e).unwrap_or(Errno::EIO)),
    }
}
