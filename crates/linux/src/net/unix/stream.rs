//! AF_UNIX SOCK_STREAM and SOCK_SEQPACKET: listen, connect, accept, send.
//!
//! connect() makes the server's end of the connection at once and queues it on the
//! listener's backlog, so the client can write before the server accepts (as on Linux); a
//! full backlog is EAGAIN (a blocking connect on Linux would wait for room; here the call
//! fails with EAGAIN too). A listener that closes with connections queued drops them, and
//! their clients see the hang-up. SEQPACKET keeps record boundaries: a send is one record,
//! all or nothing.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use osprey_abi::socket::*;
use osprey_abi::Errno;

use super::{own_creds, target, Listen, Msg, UnixSocket, SOMAXCONN};
use crate::net::{Ancillary, SockAddr, Socket};

pub(super) fn listen(s: &UnixSocket, backlog: i32) -> Result<(), Errno> {
    if !s.stream_like() {
        return Err(Errno::EOPNOTSUPP);
    }
    let backlog = (backlog.max(0) as usize).min(SOMAXCONN);
    let mut st = s.st.lock();
    if st.connected || st.key.is_none() {
        return Err(Errno::EINVAL);
    }
    match &mut st.listen {
        Some(l) => l.backlog = backlog,
        None => {
            st.listen = Some(Listen {
                queue: Default::default(),
                backlog,
            })
        }
    }
    Ok(())
}

pub(super) fn connect(s: &UnixSocket, addr: &SockAddr) -> Result<(), Errno> {
    {
        let st = s.st.lock();
        if st.connected {
            return Err(Errno::EISCONN);
        }
        if st.listen.is_some() {
            return Err(Errno::EINVAL);
        }
    }
    let server = target(addr)?;
    if server.ty != s.ty {
        return Err(Errno::EPROTOTYPE);
    }
    let me = s.me.upgrade().ok_or(Errno::EINVAL)?;
    let (my_addr, creds) = (s.st.lock().addr.clone(), own_creds());
    let (conn, server_addr) = {
        let mut ls = server.st.lock();
        let server_addr = ls.addr.clone();
        let Some(l) = ls.listen.as_mut() else {
            return Err(Errno::ECONNREFUSED);
        };
        // Linux lets the backlog hold backlog + 1 connections. (Checked before anything is
        // made: a failed attempt must change nothing and notify no one, or a blocking
        // connect retrying it would wake itself forever.)
        if l.queue.len() > l.backlog {
            return Err(Errno::EAGAIN);
        }
        // The server's end of the connection, queued for accept().
        let conn = UnixSocket::new(s.ty);
        {
            let mut cs = conn.st.lock();
            cs.addr = server_addr.clone();
            cs.peer = Some(Arc::downgrade(&me));
            cs.peer_addr = my_addr;
            cs.connected = true;
            cs.peercred = Some(creds);
        }
        l.queue.push_back(conn.clone());
        (conn, server_addr)
    };
    {
        let mut st = s.st.lock();
        st.peer = Some(Arc::downgrade(&conn));
        st.peer_addr = server_addr;
        st.connected = true;
        st.peercred = Some(creds);
    }
    server.changed();
    s.changed();
    Ok(())
}

pub(super) fn accept(s: &UnixSocket) -> Result<(Arc<dyn Socket>, SockAddr), Errno> {
    let conn = {
        let mut st = s.st.lock();
        let l = st.listen.as_mut().ok_or(Errno::EINVAL)?;
        l.queue.pop_front().ok_or(Errno::EAGAIN)?
    };
    s.changed();
    let peer = SockAddr::Unix(conn.st.lock().peer_addr.clone());
    Ok((conn, peer))
}

pub(super) fn send(
    s: &UnixSocket,
    data: &[u8],
    to: Option<&SockAddr>,
    anc: Ancillary,
) -> Result<usize, Errno> {
    let (peer, from) = {
        let st = s.st.lock();
        if st.listen.is_some() || !st.connected {
            // Linux: EOPNOTSUPP with an address on an unconnected stream, else ENOTCONN.
            return Err(if to.is_some() {
                Errno::EOPNOTSUPP
            } else {
                Errno::ENOTCONN
            });
        }
        if st.snd_shut {
            return Err(Errno::EPIPE);
        }
        (st.peer.as_ref().and_then(Weak::upgrade), st.addr.clone())
    };
    // An address with a stream: EISCONN (connected); a record socket ignores it (Linux).
    if to.is_some() && s.ty == SOCK_STREAM {
        return Err(Errno::EISCONN);
    }
    let peer = peer.ok_or(Errno::EPIPE)?;
    let msg = Msg {
        data: Vec::new(),
        off: 0,
        rights: anc.rights,
        creds: anc.creds.unwrap_or_else(own_creds),
        from,
    };
    if data.is_empty() && s.ty == SOCK_STREAM && msg.rights.is_empty() {
        return Ok(0);
    }
    peer.deliver(msg, data, s.ty == SOCK_SEQPACKET)
}
