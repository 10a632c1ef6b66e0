//! shutdown.

use osprey_abi::socket::{SHUT_RD, SHUT_RDWR};
use osprey_abi::Errno;

use crate::net::socket_of;
use crate::syscall::{Ctx, Fd, SysResult};

pub fn sys_shutdown(cx: &Ctx, fd: Fd, how: i32) -> SysResult {
    let sock = socket_of(&cx.p.files.get(fd)?)?;
    if !(SHUT_RD..=SHUT_RDWR).contains(&how) {
        return Err(Errno::EINVAL);
    }
    sock.shutdown(how)?;
    crate::iowait::notify();
    Ok(0)
}
