//! AF_UNIX SOCK_DGRAM: connectionless messages to a bound name, or to the peer set by
//! connect(). A socket connected to a peer takes datagrams from that peer only (EPERM for
//! others, Linux's unix_may_send).

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use osprey_abi::Errno;

use super::{own_creds, target, Msg, UnixSocket};
use crate::net::addr::UnixAddr;
use crate::net::{Ancillary, SockAddr};

/// connect(): sets the default destination; AF_UNSPEC dissolves it.
pub(super) fn connect(s: &UnixSocket, addr: &SockAddr) -> Result<(), Errno> {
    if *addr == SockAddr::Unspec {
        let mut st = s.st.lock();
        st.peer = None;
        st.peer_addr = UnixAddr::Unnamed;
        drop(st);
        s.changed();
        return Ok(());
    }
    let t = target(addr)?;
    if t.ty != s.ty {
        return Err(Errno::EPROTOTYPE);
    }
    let peer_addr = t.st.lock().addr.clone();
    let mut st = s.st.lock();
    st.peer = Some(Arc::downgrade(&t));
    st.peer_addr = peer_addr;
    st.peercred = Some(own_creds());
    drop(st);
    s.changed();
    Ok(())
}

pub(super) fn send(
    s: &UnixSocket,
    data: &[u8],
    to: Option<&SockAddr>,
    anc: Ancillary,
) -> Result<usize, Errno> {
    let (peer, from, snd_shut) = {
        let st = s.st.lock();
        (
            st.peer.as_ref().map(Weak::upgrade),
            st.addr.clone(),
            st.snd_shut,
        )
    };
    if snd_shut {
        return Err(Errno::EPIPE);
    }
    let dest = match to {
        Some(a) => {
            let t = target(a)?;
            if t.ty != s.ty {
                return Err(Errno::EPROTOTYPE);
            }
            t
        }
        // The connected peer went away: ECONNREFUSED (Linux: ECONNRESET when it closed after
        // the connect, ECONNREFUSED when its name is gone; one error for both here).
        None => match peer {
            Some(Some(p)) => p,
            Some(None) => return Err(Errno::ECONNREFUSED),
            None => return Err(Errno::ENOTCONN),
        },
    };
    // The destination, if connected, must be connected to us.
    let allowed = {
        let d = dest.st.lock();
        match &d.peer {
            None => true,
            Some(p) => core::ptr::eq(p.as_ptr(), s),
        }
    };
    if !allowed {
        return Err(Errno::EPERM);
    }
    let msg = Msg {
        data: Vec::new(),
        off: 0,
        rights: anc.rights,
        creds: anc.creds.unwrap_or_else(own_creds),
        from,
    };
    dest.deliver(msg, data, true)
}
