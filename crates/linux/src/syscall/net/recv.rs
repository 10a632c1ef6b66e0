//! recvfrom, recvmsg, recvmmsg.
//!
//! Data lands in one kernel buffer and is scattered into the iovecs. A blocking receive waits
//! for the first bytes only (more with MSG_WAITALL on a stream). Descriptors passed with
//! SCM_RIGHTS become new descriptors of the receiver (MSG_CMSG_CLOEXEC: close-on-exec).

use alloc::vec::Vec;

use osprey_abi::socket::*;
use osprey_abi::uio::Iovec;
use osprey_abi::{Errno, IntoBytes};

use super::{blocking, blocking_for, nonblocking, write_addr};
use crate::net::{socket_of, Ancillary, Received};
use crate::syscall::fs::rwv::import_iovec;
use crate::syscall::{Ctx, Fd, SysResult};
use crate::uaccess::UserPtr;

/// Receives into `buf` with the blocking rules of the descriptor and flags.
fn recv_one(
    cx: &Ctx,
    fd: Fd,
    buf: &mut [u8],
    anc: &mut Ancillary,
    flags: u32,
) -> Result<Received, Errno> {
    let f = cx.p.files.get(fd)?;
    let sock = socket_of(&f)?;
    let nonblock = nonblocking(&f, flags);
    let stream = sock.triple().1 == SOCK_STREAM;
    let timeout = sock.timeout_ns(false);
    let mut got = blocking_for(cx, &f, nonblock, timeout, || {
        sock.recv(buf, anc, flags & !MSG_WAITALL)
    })?;
    if stream && flags & MSG_WAITALL != 0 && flags & MSG_PEEK == 0 && !nonblock {
        while got.len > 0 && got.len < buf.len() {
            match blocking(cx, &f, false, || {
                sock.recv(&mut buf[got.len..], anc, flags & !MSG_WAITALL)
            }) {
                Ok(r) if r.len > 0 => {
                    got.len += r.len;
                    got.full_len = got.len;
                }
                _ => break,
            }
        }
    }
    Ok(got)
}

pub fn sys_recvfrom(
    cx: &Ctx,
    fd: Fd,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    lenp: UserPtr<u32>,
) -> SysResult {
    socket_of(&cx.p.files.get(fd)?)?;
    let mut data = super::io_buffer(cx, len.min(super::super::fs::MAX_RW_COUNT))?;
    let mut anc = Ancillary::default();
    let r = recv_one(cx, fd, &mut data, &mut anc, flags)?;
    cx.m.copy_to_user(buf, &data[..r.len])?;
    if let Some(from) = &r.from {
        write_addr(cx, addr, lenp, from)?;
    } else if addr != 0 {
        // A connected stream leaves the address alone but reports length 0 (Linux).
        lenp.write(cx.m, &0)?;
    }
    Ok(if flags & MSG_TRUNC != 0 {
        r.full_len
    } else {
        r.len
    })
}

/// Installs received descriptors and writes the control messages; returns (bytes written,
/// whether some did not fit: MSG_CTRUNC).
fn write_control(
    cx: &Ctx,
    anc: Ancillary,
    control: u64,
    cap: u64,
    flags: u32,
) -> Result<(u64, bool), Errno> {
    let mut out: Vec<u8> = Vec::new();
    let mut truncated = false;
    if let Some(c) = anc.creds {
        push_cmsg(&mut out, SCM_CREDENTIALS, c.as_bytes());
    }
    if !anc.rights.is_empty() {
        // Only as many descriptors as fit are installed; the rest are dropped (closed).
        let room = (cap as usize).saturating_sub(out.len() + 16) / 4;
        let take = anc.rights.len().min(room);
        truncated = take < anc.rights.len();
        let mut fds: Vec<u8> = Vec::new();
        for f in anc.rights.into_iter().take(take) {
            let fd = cx.p.files.insert(f, flags & MSG_CMSG_CLOEXEC != 0)?;
            fds.extend_from_slice(&fd.to_ne_bytes());
        }
        if take > 0 {
            push_cmsg(&mut out, SCM_RIGHTS, &fds);
        }
    }
    if out.len() as u64 > cap {
        truncated = true;
        out.truncate(cap as usize);
    }
    if !out.is_empty() {
        cx.m.copy_to_user(control, &out)?;
    }
    Ok((out.len() as u64, truncated))
}

fn push_cmsg(out: &mut Vec<u8>, ty: i32, data: &[u8]) {
    let h = Cmsghdr {
        cmsg_len: (16 + data.len()) as u64,
        cmsg_level: SOL_SOCKET,
        cmsg_type: ty,
    };
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(8), 0);
}

fn recvmsg_one(cx: &Ctx, fd: Fd, msg: UserPtr<Msghdr>, flags: u32) -> SysResult {
    let mut h = msg.read(cx.m)?;
    let segs = import_iovec(cx, UserPtr::<Iovec>::new(h.msg_iov), h.msg_iovlen)?;
    let total = segs.iter().map(|s| s.1).fold(0usize, usize::saturating_add);
    let mut data = super::io_buffer(cx, total)?;
    let mut anc = Ancillary::default();
    let r = recv_one(cx, fd, &mut data, &mut anc, flags)?;
    let mut at = 0;
    for &(base, len) in &segs {
        if at >= r.len {
            break;
        }
        let n = len.min(r.len - at);
        cx.m.copy_to_user(base, &data[at..at + n])?;
        at += n;
    }
    let mut out_flags = 0u32;
    if r.full_len > r.len {
        out_flags |= MSG_TRUNC;
    }
    match &r.from {
        Some(from) if h.msg_name != 0 => {
            let bytes = from.to_bytes();
            let n = bytes.len().min(h.msg_namelen as usize);
            cx.m.copy_to_user(h.msg_name, &bytes[..n])?;
            h.msg_namelen = bytes.len() as u32;
        }
        _ => h.msg_namelen = 0,
    }
    let (clen, ctrunc) = write_control(cx, anc, h.msg_control, h.msg_controllen, flags)?;
    if ctrunc {
        out_flags |= MSG_CTRUNC;
    }
    h.msg_controllen = clen;
    h.msg_flags = out_flags as i32;
    msg.write(cx.m, &h)?;
    Ok(if flags & MSG_TRUNC != 0 {
        r.full_len
    } else {
        r.len
    })
}

pub fn sys_recvmsg(cx: &Ctx, fd: Fd, msg: UserPtr<Msghdr>, flags: u32) -> SysResult {
    recvmsg_one(cx, fd, msg, flags)
}

/// recvmmsg(2): the first message waits as recvmsg would, later ones only take what is
/// there (MSG_WAITFORONE behaviour; the timeout argument is not supported yet and must be
/// NULL: EINVAL otherwise, never ignored).
pub fn sys_recvmmsg(cx: &Ctx, fd: Fd, vec: u64, vlen: u32, flags: u32, timeout: u64) -> SysResult {
    if timeout != 0 {
        return Err(Errno::EINVAL);
    }
    let vlen = vlen.min(osprey_abi::uio::IOV_MAX as u32) as usize;
    let mut got = 0;
    while got < vlen {
        let at = vec + (got * 64) as u64;
        let f = if got == 0 {
            flags
        } else {
            flags | MSG_DONTWAIT
        };
        match recvmsg_one(cx, fd, UserPtr::new(at), f) {
            Ok(n) => {
                UserPtr::<u32>::new(at + 56).write(cx.m, &(n as u32))?;
                got += 1;
            }
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(got)
}
