//! sendto, sendmsg, sendmmsg.
//!
//! The iovecs are gathered into one kernel buffer (at most MAX_RW_COUNT) and handed to the
//! family in one call, so a datagram is one datagram. A blocking stream send goes on until
//! all of it is queued, as Linux's does. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.

use osprey_abi::socket::*;
use osprey_abi::uio::Iovec;
use osprey_abi::{Errno, FromBytes};

use super::{blocking_for, nonblocking, read_addr};
use crate::net::{socket_of, Ancillary, SockAddr};
use crate::syscall::fs::rwv::import_iovec;
use crate::syscall::{Ctx, Fd, SysResult};
use crate::uaccess::UserPtr;

/// One message's worth: bytes, destination, ancillary data.
struct Outgoing<'a> {
    data: crate::bounce::Bounce<'a>,
    to: Option<SockAddr>,
    anc: Ancillary,
}

fn send_one(cx: &Ctx, fd: Fd, mut msg: Outgoing<'_>, flags: u32) -> SysResult {
    let f = cx.p.files.get(fd)?;
    let sock = socket_of(&f)?;
    // An AF_UNIX destination path becomes the node it names (see net::unix::resolve).
    if let Some(to) = msg.to.take() {
        msg.to = Some(crate::net::unix::resolve(cx, to, false)?);
    }
    let nonblock = nonblocking(&f, flags);
    let stream = sock.triple().1 == SOCK_STREAM;
    let mut anc = Some(msg.anc);
    let mut done = 0;
    let r = loop {
        // SO_SNDTIMEO bounds each wait for room (a stream returns what it sent by then).
        let r = blocking_for(cx, &f, nonblock, sock.timeout_ns(true), || {
            sock.send(
                &msg.data[done..],
                msg.to.as_ref(),
                anc.take().unwrap_or_default(),
                flags,
            )
        });
        match r {
            Ok(n) => {
                done += n;
                if !stream || nonblock || done >= msg.data.len() {
                    break Ok(done);
                }
            }
            Err(_) if done > 0 => break Ok(done),
            Err(e) => break Err(e),
        }
    };
    if flags & MSG_NOSIGNAL != 0 {
        r
    } else {
        crate::syscall::fs::rw::sigpipe_on_epipe(cx, r)
    }
}

fn gather<'a>(cx: &'a Ctx, segs: &[(u64, usize)]) -> Result<crate::bounce::Bounce<'a>, Errno> {
    let total = segs.iter().map(|s| s.1).fold(0usize, usize::saturating_add);
    let mut data = super::io_buffer(cx, total)?;
    let mut at = 0;
    for &(base, len) in segs {
        let n = len.min(data.len() - at);
        cx.m.copy_from_user(base, &mut data[at..at + n])?;
        at += n;
    }
    Ok(data)
}

/// Parses the control messages of a sendmsg: SCM_RIGHTS (descriptors to pass) and
/// SCM_CREDENTIALS. EINVAL for a malformed header, EBADF for a descriptor that is not open.
fn parse_control(cx: &Ctx, control: u64, len: u64) -> Result<Ancillary, Errno> {
    let mut anc = Ancillary::default();
    if control == 0 || len == 0 {
        return Ok(anc);
    }
    if len > 64 * 1024 {
        return Err(Errno::ENOBUFS);
    }
    let mut raw = alloc::vec![0u8; len as usize];
    cx.m.copy_from_user(control, &mut raw)?;
    let mut at = 0usize;
    while at + 16 <= raw.len() {
        let (h, _) = Cmsghdr::read_from_prefix(&raw[at..]).map_err(|_| Errno::EINVAL)?;
        let clen = h.cmsg_len as usize;
        if clen < 16 || at + clen > raw.len() {
            return Err(Errno::EINVAL);
        }
        let data = &raw[at + 16..at + clen];
        match (h.cmsg_level, h.cmsg_type) {
            (SOL_SOCKET, SCM_RIGHTS) => {
                for fd in data.chunks_exact(4) {
                    let fd = i32::from_ne_bytes([fd[0], fd[1], fd[2], fd[3]]);
                    anc.rights.push(cx.p.files.get(fd)?);
                }
            }
            (SOL_SOCKET, SCM_CREDENTIALS) => {
                let (c, _) = Ucred::read_from_prefix(data).map_err(|_| Errno::EINVAL)?;
                anc.creds = Some(c);
            }
            _ => return Err(Errno::EINVAL),
        }
        at += clen.next_multiple_of(8);
    }
    Ok(anc)
}

fn read_msghdr<'a>(cx: &'a Ctx, msg: UserPtr<Msghdr>) -> Result<Outgoing<'a>, Errno> {
    let h = msg.read(cx.m)?;
    let to = if h.msg_name != 0 && h.msg_namelen != 0 {
        Some(read_addr(cx, h.msg_name, h.msg_namelen)?)
    } else {
        None
    };
    let segs = import_iovec(cx, UserPtr::<Iovec>::new(h.msg_iov), h.msg_iovlen)?;
    let data = gather(cx, &segs)?;
    let anc = parse_control(cx, h.msg_control, h.msg_controllen)?;
    Ok(Outgoing { data, to, anc })
}

pub fn sys_sendto(
    cx: &Ctx,
    fd: Fd,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    alen: u32,
) -> SysResult {
    // Not a socket: fail before copying anything.
    socket_of(&cx.p.files.get(fd)?)?;
    let mut data = super::io_buffer(cx, len.min(super::super::fs::MAX_RW_COUNT))?;
    cx.m.copy_from_user(buf, &mut data)?;
    let to = if addr != 0 {
        Some(read_addr(cx, addr, alen)?)
    } else {
        None
    };
    send_one(
        cx,
        fd,
        Outgoing {
            data,
            to,
            anc: Ancillary::default(),
        },
        flags,
    )
}

pub fn sys_sendmsg(cx: &Ctx, fd: Fd, msg: UserPtr<Msghdr>, flags: u32) -> SysResult {
    socket_of(&cx.p.files.get(fd)?)?;
    let m = read_msghdr(cx, msg)?;
    send_one(cx, fd, m, flags)
}

/// `struct mmsghdr`: a msghdr and the length sent or received.
const MMSGHDR: usize = 64;

/// sendmmsg(2): sends up to `vlen` messages; stops at the first error, returning how many
/// went (the error if none did).
pub fn sys_sendmmsg(cx: &Ctx, fd: Fd, vec: u64, vlen: u32, flags: u32) -> SysResult {
    socket_of(&cx.p.files.get(fd)?)?;
    let vlen = vlen.min(osprey_abi::uio::IOV_MAX as u32) as usize;
    let mut sent = 0;
    while sent < vlen {
        let at = vec + (sent * MMSGHDR) as u64;
        let r = read_msghdr(cx, UserPtr::new(at)).and_then(|m| send_one(cx, fd, m, flags));
        match r {
            Ok(n) => {
                UserPtr::<u32>::new(at + 56).write(cx.m, &(n as u32))?;
                sent += 1;
            }
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(sent)
}
