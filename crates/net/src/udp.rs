//! A UDP socket with Linux's semantics.
//!
//! A socket bound to the wildcard (or to the card's address) is one smoltcp socket on each
//! interface, so that it hears local and outside peers alike; sends go out of the interface
//! that reaches the destination. Datagram boundaries are kept; a short buffer gets the head
//! of the datagram and its full length (MSG_TRUNC). A connected socket only hears its peer.

use alloc::vec;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use osprey_abi::Errno;
use smoltcp::socket::udp::{self, PacketBuffer, PacketMetadata, UdpMetadata};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};
use spin::Mutex;

use crate::poll::*;
use crate::stack::{zeroed, Claim, Family, Proto, Side, Sock, Stack};
use crate::tcp::{bind_addr, dest, sockaddr};

/// Default payload space per direction (Linux's default rmem is about 208 KiB).
const DEFAULT_UDP_BUF: usize = 208 * 1024;
/// Datagrams queued per direction.
const UDP_PACKETS: usize = 128;
/// Largest UDP payload over IPv4.
const MAX_DATAGRAM: usize = 65507;

struct UState {
    bound: Option<(Option<IpAddress>, u16)>,
    socks: Vec<Sock>,
    peer: Option<IpEndpoint>,
    rcvbuf: usize,
    sndbuf: usize,
    reuseaddr: bool,
    reuseport: bool,
    broadcast: bool,
    v6only: bool,
    /// The readiness signature [`UdpSocket::readiness_moved`] last saw (0: none since the
    /// app last sent or received).
    seen: u64,
}

/// What one recv got.
pub struct Datagram {
    pub len: usize,
    pub full_len: usize,
    pub from: SocketAddr,
}

pub struct UdpSocket {
    stack: &'static Stack,
    id: u64,
    st: Mutex<UState>,
}

impl UdpSocket {
    pub fn new(stack: &'static Stack) -> UdpSocket {
        UdpSocket {
            stack,
            id: stack.new_id(),
            st: Mutex::new(UState {
                bound: None,
                socks: Vec::new(),
                peer: None,
                rcvbuf: DEFAULT_UDP_BUF,
                sndbuf: DEFAULT_UDP_BUF,
                reuseaddr: false,
                reuseport: false,
                broadcast: false,
                v6only: false,
                seen: 0,
            }),
        }
    }

    pub fn stack(&self) -> &'static Stack {
        self.stack
    }

    fn do_bind(
        &self,
        st: &mut UState,
        addr: Option<IpAddress>,
        port: u16,
        family: Family,
    ) -> Result<(), Errno> {
        let mut g = self.stack.lock();
        if let Some(a) = addr {
            if !g.is_local(a) && !a.is_multicast() {
                return Err(Errno::EADDRNOTAVAIL);
            }
        }
        let port = g.claim(
            Proto::Udp,
            port,
            Claim {
                owner: self.id,
                addr,
                family,
                reuseaddr: st.reuseaddr,
                reuseport: st.reuseport,
                listening: false,
            },
        )?;
        for side in g.sides_for_bind(addr) {
            if let Err(e) = g.reserve(st.rcvbuf + st.sndbuf) {
                for s in core::mem::take(&mut st.socks) {
                    g.remove(s);
                }
                g.release(Proto::Udp, port, self.id);
                return Err(e);
            }
            let (rxb, txb) = match (zeroed(st.rcvbuf), zeroed(st.sndbuf)) {
                (Ok(r), Ok(t)) => (r, t),
                _ => {
                    g.unreserve(st.rcvbuf + st.sndbuf);
                    for s in core::mem::take(&mut st.socks) {
                        g.remove(s);
                    }
                    g.release(Proto::Udp, port, self.id);
                    return Err(Errno::ENOBUFS);
                }
            };
            let mut s = udp::Socket::new(
                PacketBuffer::new(vec![PacketMetadata::EMPTY; UDP_PACKETS], rxb),
                PacketBuffer::new(vec![PacketMetadata::EMPTY; UDP_PACKETS], txb),
            );
            if s.bind(IpListenEndpoint { addr, port }).is_err() {
                g.unreserve(st.rcvbuf + st.sndbuf);
                continue;
            }
            let h = g.sockets(side).add(s);
            if side == Side::Eth {
                g.eth_udp += 1;
            }
            st.socks.push((side, h));
        }
        st.bound = Some((addr, port));
        Ok(())
    }

    pub fn bind(&self, addr: SocketAddr) -> Result<(), Errno> {
        let mut st = self.st.lock();
        if st.bound.is_some() {
            return Err(Errno::EINVAL);
        }
        let family = Family::of(&addr, st.v6only);
        self.do_bind(&mut st, bind_addr(addr.ip()), addr.port(), family)
    }

    fn autobind(&self, st: &mut UState) -> Result<(), Errno> {
        if st.bound.is_none() {
            self.do_bind(st, None, 0, Family::Dual)?;
        }
        Ok(())
    }

    /// Sets (Some) or dissolves (None) the default destination.
    pub fn connect(&self, to: Option<SocketAddr>) -> Result<(), Errno> {
        let mut st = self.st.lock();
        match to {
            None => st.peer = None,
            Some(a) => {
                let d = dest(a);
                if d.port == 0 {
                    return Err(Errno::EINVAL);
                }
                if self.stack.lock().side_for(d.addr).is_none() {
                    return Err(Errno::ENETUNREACH);
                }
                self.autobind(&mut st)?;
                st.peer = Some(d);
            }
        }
        Ok(())
    }

    /// Sends one datagram to `to` (or the connected peer).
    pub fn send(&self, data: &[u8], to: Option<SocketAddr>) -> Result<usize, Errno> {
        let mut st = self.st.lock();
        st.seen = 0;
        let d = match to {
            Some(a) => dest(a),
            None => st.peer.ok_or(Errno::EDESTADDRREQ)?,
        };
        if d.port == 0 {
            return Err(Errno::EINVAL);
        }
        if data.len() > MAX_DATAGRAM {
            return Err(Errno::EMSGSIZE);
        }
        if let IpAddress::Ipv4(a) = d.addr {
            if a.is_broadcast() && !st.broadcast {
                return Err(Errno::EACCES);
            }
        }
        self.autobind(&mut st)?;
        let mut g = self.stack.lock();
        let side = g.side_for(d.addr).ok_or(Errno::ENETUNREACH)?;
        let s = st
            .socks
            .iter()
            .copied()
            .find(|s| s.0 == side)
            .ok_or(Errno::ENETUNREACH)?;
        let u = g.sockets(s.0).get_mut::<udp::Socket>(s.1);
        if data.len() > u.payload_send_capacity() {
            return Err(Errno::EMSGSIZE);
        }
        match u.send_slice(data, UdpMetadata::from(d)) {
            Ok(()) => Ok(data.len()),
            Err(udp::SendError::BufferFull) => Err(Errno::EAGAIN),
            Err(udp::SendError::Unaddressable) => Err(Errno::EINVAL),
        }
    }

    /// Receives one datagram into `buf` (its head when `buf` is short); EAGAIN when none.
    pub fn recv(&self, buf: &mut [u8], peek: bool) -> Result<Datagram, Errno> {
        let mut st = self.st.lock();
        st.seen = 0;
        let mut g = self.stack.lock();
        for &s in &st.socks {
            let u = g.sockets(s.0).get_mut::<udp::Socket>(s.1);
            while let Ok((data, meta)) = u.peek() {
                let (from, full) = (meta.endpoint, data.len());
                if st.peer.is_some_and(|p| p != from) {
                    // Not from the connected peer: Linux never queues it.
                    let _ = u.recv();
                    continue;
                }
                let n = full.min(buf.len());
                if peek {
                    if let Ok((data, _)) = u.peek() {
                        buf[..n].copy_from_slice(&data[..n]);
                    }
                } else if let Ok((data, _)) = u.recv() {
                    buf[..n].copy_from_slice(&data[..n]);
                }
                return Ok(Datagram {
                    len: n,
                    full_len: full,
                    from: sockaddr(from),
                });
            }
        }
        Err(Errno::EAGAIN)
    }

    pub fn poll(&self) -> u16 {
        let st = self.st.lock();
        self.poll_locked(&st).0
    }

    /// Poll bits, and the bytes queued in and out (for the readiness signature).
    fn poll_locked(&self, st: &UState) -> (u16, usize, usize) {
        let mut g = self.stack.lock();
        let mut m = 0;
        if st.socks.is_empty() {
            return (POLLOUT, 0, 0);
        }
        let (mut queued, mut unsent) = (0, 0);
        for &s in &st.socks {
            let u = g.sockets(s.0).get_mut::<udp::Socket>(s.1);
            if u.can_recv() {
                m |= POLLIN;
            }
            if u.can_send() {
                m |= POLLOUT;
            }
            queued += u.recv_queue();
            unsent += u.send_queue();
        }
        (m, queued, unsent)
    }

    /// As [`crate::TcpSocket::readiness_moved`]: whether poll bits or queued bytes moved since
    /// the last look or the app's last send or receive, looked at and recorded in one step.
    pub fn readiness_moved(&self) -> bool {
        let mut st = self.st.lock();
        let (bits, queued, unsent) = self.poll_locked(&st);
        let sig = crate::poll::signature(bits, queued, unsent);
        core::mem::replace(&mut st.seen, sig) != sig
    }

    /// FIONREAD: the size of the next datagram.
    pub fn bytes_readable(&self) -> usize {
        let st = self.st.lock();
        let mut g = self.stack.lock();
        for &s in &st.socks {
            if let Ok((d, _)) = g.sockets(s.0).get_mut::<udp::Socket>(s.1).peek() {
                return d.len();
            }
        }
        0
    }

    /// getsockname: the bound address; for a socket bound to the wildcard and connected, the
    /// address its datagrams leave from (as Linux: programs find their own address by
    /// connecting a UDP socket and asking).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        let st = self.st.lock();
        let (a, port) = st.bound?;
        let a = a.or_else(|| self.stack.lock().source_for(st.peer?.addr));
        Some(SocketAddr::new(
            a.map(IpAddr::from)
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            port,
        ))
    }

    pub fn peer_addr(&self) -> Result<SocketAddr, Errno> {
        self.st.lock().peer.map(sockaddr).ok_or(Errno::ENOTCONN)
    }

    /// SO_RCVBUF/SO_SNDBUF: sizes for a socket not bound yet (smoltcp's buffers are fixed
    /// once made).
    pub fn set_buffers(&self, rcv: Option<usize>, snd: Option<usize>) {
        let mut st = self.st.lock();
        if let Some(r) = rcv {
            st.rcvbuf = r;
        }
        if let Some(s) = snd {
            st.sndbuf = s;
        }
    }
    pub fn buffers(&self) -> (usize, usize) {
        let st = self.st.lock();
        (st.rcvbuf, st.sndbuf)
    }
    pub fn set_reuse(&self, addr: Option<bool>, port: Option<bool>) {
        let mut st = self.st.lock();
        if let Some(a) = addr {
            st.reuseaddr = a;
        }
        if let Some(p) = port {
            st.reuseport = p;
        }
    }
    pub fn reuse(&self) -> (bool, bool) {
        let st = self.st.lock();
        (st.reuseaddr, st.reuseport)
    }
    pub fn set_v6only(&self, on: bool) {
        self.st.lock().v6only = on;
    }
    pub fn set_broadcast(&self, on: bool) {
        self.st.lock().broadcast = on;
    }
    pub fn broadcast(&self) -> bool {
        self.st.lock().broadcast
    }
}

impl UdpSocket {
    /// close(2): the socket stops hearing; datagrams already handed to the card are gone.
    pub fn close(&self) {
        let mut st = self.st.lock();
        let mut g = self.stack.lock();
        for s in core::mem::take(&mut st.socks) {
            g.remove(s);
        }
        if let Some((_, port)) = st.bound.take() {
            g.release(Proto::Udp, port, self.id);
        }
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        self.close();
    }
}
