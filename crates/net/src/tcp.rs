//! A TCP socket with Linux's semantics, over smoltcp's one-socket-per-connection model.
//!
//! Never blocks: EAGAIN (EINPROGRESS for connect) means "wait for readiness" (`poll`). The
//! caller polls the stack after calls that queue something (connect, send, recv that opened
//! the window, close) so frames leave at once.
//!
//! - listen() makes a [`Listener`](crate::stack::Listener): a pool of LISTEN sockets and the
//!   backlog of connections they became; accept() takes the oldest established one.
//! - connect() picks the interface by destination (loopback for local addresses), an
//!   ephemeral port, and reports ECONNREFUSED (RST) or ETIMEDOUT through SO_ERROR.
//! - close: FIN in the background (the connection becomes an orphan of the stack), RST when
//!   unread data remains or SO_LINGER is {on, 0}, as Linux.
//! - A reset gives ECONNRESET once (SO_ERROR, then recv or send), then end of file / EPIPE.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use osprey_abi::Errno;
use smoltcp::socket::tcp::State;
use smoltcp::time::Duration;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};
use spin::Mutex;

use crate::poll::*;
use crate::stack::{
    apply_opts, Claim, Family, Listener, Proto, Side, Sock, Stack, TcpOpts, MAX_BUF, MIN_BUF,
};

/// How long a connection attempt may take (Linux gives up after about two minutes of SYN
/// retransmissions).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(75);
/// Largest backlog (Linux's default somaxconn).
const SOMAXCONN: usize = 4096;

enum Phase {
    /// Not connected: new, bound, or after a failed connect.
    Idle,
    Listening(u64),
    Connecting(Sock),
    Connected(Sock),
}

struct State_ {
    phase: Phase,
    /// The local address and port bind() (or autobind) claimed.
    bound: Option<(Option<IpAddress>, u16)>,
    /// Whether the claim was made by connect's autobind (released when it fails).
    ephemeral: bool,
    opts: TcpOpts,
    reuseaddr: bool,
    reuseport: bool,
    /// SO_LINGER: Some(secs) when on.
    linger: Option<u32>,
    /// The pending error (SO_ERROR), reported once.
    error: Option<Errno>,
    /// A reset was noticed (its ECONNRESET is or was pending).
    reset: bool,
    shut_rd: bool,
    shut_wr: bool,
    /// When connect() started (to tell a timeout from a refusal).
    connect_started: smoltcp::time::Instant,
    /// IPV6_V6ONLY (for port clashes with IPv4 sockets).
    v6only: bool,
    /// The readiness signature [`TcpSocket::readiness_moved`] last saw (0: none since the
    /// app last changed the socket itself).
    seen: u64,
    /// A send found the buffer full: sends fail with EAGAIN until it is writable again
    /// ([`writable`]), as POLLOUT says.
    send_full: bool,
    /// A writer ran out of room (a send failed or queued only part of its data): until a
    /// send queues all it was given again, the bytes still unacknowledged count in the
    /// readiness signature, so that each ACK freeing room wakes that writer. Otherwise an
    /// ACK that only shrinks the send queue changes no readiness, as in Linux, which wakes
    /// writers on freed room only while SOCK_NOSPACE is set (`sk_stream_write_space`):
    /// a server answering with small writes was woken (its epoll instance fed, its thread
    /// unparked) by every ACK of an answer.
    nospace: bool,
}

/// Whether a connection's send buffer has room enough to wake a writer: a third of it free
/// (Linux's `sk_stream_is_writeable`: free space at least half the bytes queued). A writer
/// woken for every ACK would queue a segment or two per wake-up, each with its own stack
/// poll and virtio notify; this way it queues a third of the buffer at once.
fn writable(room: usize, queued: usize) -> bool {
    room > 0 && 2 * room >= queued
}

pub struct TcpSocket {
    stack: &'static Stack,
    id: u64,
    st: Mutex<State_>,
}

pub(crate) fn ip(a: IpAddr) -> IpAddress {
    IpAddress::from(a)
}

pub(crate) fn sockaddr(e: IpEndpoint) -> SocketAddr {
    SocketAddr::new(IpAddr::from(e.addr), e.port)
}

/// The address a socket bound to `a` listens on (None: any).
pub(crate) fn bind_addr(a: IpAddr) -> Option<IpAddress> {
    (!a.is_unspecified()).then(|| ip(a))
}

/// Connecting to the unspecified address means the local machine (Linux).
pub(crate) fn dest(a: SocketAddr) -> IpEndpoint {
    let addr = match a.ip() {
        IpAddr::V4(v) if v.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v) if v.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    IpEndpoint::new(ip(addr), a.port())
}

/// Clamps a SO_RCVBUF/SO_SNDBUF request: Linux doubles the value for its bookkeeping and
/// reports the doubled size; the buffer here is that size.
pub fn buffer_size(req: i32) -> usize {
    (req.max(0) as usize)
        .saturating_mul(2)
        .clamp(MIN_BUF, MAX_BUF)
}

/// How many connections of listener `id`'s backlog accept() would take now.
fn ready_in_backlog(g: &crate::stack::Inner, id: u64) -> usize {
    g.listeners.get(&id).map_or(0, |l| {
        l.pending
            .iter()
            .filter(|&&s| {
                !matches!(
                    g.tcp_ref(s).state(),
                    State::Listen | State::SynReceived | State::Closed
                )
            })
            .count()
    })
}

impl TcpSocket {
    pub fn new(stack: &'static Stack) -> TcpSocket {
        TcpSocket {
            stack,
            id: stack.new_id(),
            st: Mutex::new(State_ {
                phase: Phase::Idle,
                bound: None,
                ephemeral: false,
                opts: TcpOpts::default(),
                reuseaddr: false,
                reuseport: false,
                linger: None,
                error: None,
                reset: false,
                shut_rd: false,
                shut_wr: false,
                connect_started: smoltcp::time::Instant::ZERO,
                v6only: false,
                seen: 0,
                send_full: false,
                nospace: false,
            }),
        }
    }

    pub fn stack(&self) -> &'static Stack {
        self.stack
    }

    /// The socket's identity (net channels name their owner by it).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Brings the state up to date with the smoltcp socket: a connection completed, failed
    /// or was reset.
    fn refresh(&self, st: &mut State_) {
        let mut g = self.stack.lock();
        // Net channels: the segments queued for this connection are processed now, by the
        // thread that uses it.
        if let Phase::Connected(_) = st.phase {
            g.drain_channel(self.id);
        }
        match st.phase {
            Phase::Connecting(s) => match g.tcp(s).state() {
                State::SynSent | State::SynReceived => {}
                State::Closed => {
                    let timed_out =
                        g.now - st.connect_started >= CONNECT_TIMEOUT - Duration::from_secs(1);
                    st.error = Some(if timed_out {
                        Errno::ETIMEDOUT
                    } else {
                        Errno::ECONNREFUSED
                    });
                    g.remove(s);
                    st.phase = Phase::Idle;
                    if st.ephemeral {
                        if let Some((_, port)) = st.bound.take() {
                            g.release(Proto::Tcp, port, self.id);
                        }
                        st.ephemeral = false;
                    }
                }
                _ => {
                    let t = g.tcp(s);
                    t.set_timeout(None);
                    st.phase = Phase::Connected(s);
                    g.open_channel(self.id, s);
                }
            },
            // Closed without our FIN: a reset (or a retransmission timeout).
            Phase::Connected(s)
                if !st.reset && !st.shut_wr && g.tcp(s).state() == State::Closed =>
            {
                st.reset = true;
                st.error = Some(Errno::ECONNRESET);
            }
            _ => {}
        }
    }

    pub fn bind(&self, addr: SocketAddr) -> Result<(), Errno> {
        let mut st = self.st.lock();
        if st.bound.is_some() || !matches!(st.phase, Phase::Idle) {
            return Err(Errno::EINVAL);
        }
        let mut g = self.stack.lock();
        let a = bind_addr(addr.ip());
        if let Some(a) = a {
            if !g.is_local(a) && !a.is_multicast() {
                return Err(Errno::EADDRNOTAVAIL);
            }
        }
        let port = g.claim(
            Proto::Tcp,
            addr.port(),
            Claim {
                owner: self.id,
                addr: a,
                family: Family::of(&addr, st.v6only),
                reuseaddr: st.reuseaddr,
                reuseport: st.reuseport,
                listening: false,
            },
        )?;
        st.bound = Some((a, port));
        Ok(())
    }

    fn autobind(&self, st: &mut State_, g: &mut crate::stack::Inner) -> Result<u16, Errno> {
        if let Some((_, p)) = st.bound {
            return Ok(p);
        }
        let port = g.claim(
            Proto::Tcp,
            0,
            Claim {
                owner: self.id,
                addr: None,
                family: Family::Dual,
                reuseaddr: st.reuseaddr,
                reuseport: st.reuseport,
                listening: false,
            },
        )?;
        st.bound = Some((None, port));
        st.ephemeral = true;
        Ok(port)
    }

    pub fn listen(&self, backlog: i32) -> Result<(), Errno> {
        let mut st = self.st.lock();
        let backlog = (backlog.max(0) as usize).clamp(1, SOMAXCONN);
        let mut g = self.stack.lock();
        match st.phase {
            Phase::Listening(id) => {
                if let Some(l) = g.listeners.get_mut(&id) {
                    l.backlog = backlog;
                }
                g.refill_listeners();
                return Ok(());
            }
            Phase::Idle => {}
            _ => return Err(Errno::EINVAL),
        }
        let port = self.autobind(&mut st, &mut g)?;
        st.ephemeral = false;
        g.claim_listen(port, self.id)?;
        let addr = st.bound.and_then(|b| b.0);
        let id = self.id;
        g.listeners.insert(
            id,
            Listener {
                endpoint: IpListenEndpoint { addr, port },
                idle: alloc::vec::Vec::new(),
                pending: alloc::collections::VecDeque::new(),
                backlog,
                opts: st.opts,
            },
        );
        g.refill_listeners();
        st.phase = Phase::Listening(id);
        Ok(())
    }

    /// Whether the connection goes through the card (not the loop interface, where what is
    /// sent must be readable by the peer at once, as on Linux).
    pub fn on_card(&self) -> bool {
        matches!(self.st.lock().phase, Phase::Connected((Side::Eth, _)))
    }

    pub fn is_listening(&self) -> bool {
        matches!(self.st.lock().phase, Phase::Listening(_))
    }

    /// The oldest established connection of the backlog; EAGAIN when none, EINVAL when not
    /// listening.
    pub fn accept(&self) -> Result<(TcpSocket, SocketAddr), Errno> {
        let mut st = self.st.lock();
        st.seen = 0;
        let Phase::Listening(id) = st.phase else {
            return Err(Errno::EINVAL);
        };
        let mut g = self.stack.lock();
        let pending: alloc::vec::Vec<Sock> = match g.listeners.get(&id) {
            Some(l) => l.pending.iter().copied().collect(),
            None => return Err(Errno::EINVAL),
        };
        for s in pending {
            let state = g.tcp(s).state();
            let take = match state {
                State::Listen | State::SynReceived => continue,
                // Reset before it was accepted: forget it.
                State::Closed => false,
                _ => true,
            };
            if let Some(l) = g.listeners.get_mut(&id) {
                l.pending.retain(|&p| p != s);
            }
            if !take {
                g.remove(s);
                continue;
            }
            let t = g.tcp(s);
            let (Some(local), Some(remote)) = (t.local_endpoint(), t.remote_endpoint()) else {
                g.orphan(s, true);
                continue;
            };
            // The backlog's timeout does not apply to an accepted connection.
            g.tcp(s).set_timeout(None);
            g.refill_listeners();
            let sock = TcpSocket::new(self.stack);
            g.open_channel(sock.id, s);
            {
                let mut ns = sock.st.lock();
                ns.phase = Phase::Connected(s);
                // The port is the listener's: not claimed again.
                ns.bound = Some((Some(local.addr), local.port));
                ns.opts = st.opts;
                ns.reuseaddr = st.reuseaddr;
                ns.linger = st.linger;
            }
            return Ok((sock, sockaddr(remote)));
        }
        Err(Errno::EAGAIN)
    }

    /// Starts a connection: EINPROGRESS, then POLLOUT and SO_ERROR tell how it went; a
    /// second call gives 0 once connected (EALREADY while in progress, EISCONN after).
    pub fn connect(&self, to: SocketAddr) -> Result<(), Errno> {
        let mut st = self.st.lock();
        self.refresh(&mut st);
        match st.phase {
            Phase::Connecting(_) => return Err(Errno::EALREADY),
            Phase::Connected(_) => {
                return if core::mem::replace(&mut st.connect_started, smoltcp::time::Instant::ZERO)
                    != smoltcp::time::Instant::ZERO
                {
                    Ok(())
                } else {
                    Err(Errno::EISCONN)
                }
            }
            Phase::Listening(_) => return Err(Errno::EINVAL),
            Phase::Idle => {}
        }
        if let Some(e) = st.error.take() {
            // The outcome of the previous attempt, reported to this call as Linux does.
            return Err(e);
        }
        let remote = dest(to);
        if remote.port == 0 {
            return Err(Errno::ECONNREFUSED);
        }
        let mut g = self.stack.lock();
        let side = g.side_for(remote.addr).ok_or(Errno::ENETUNREACH)?;
        let port = self.autobind(&mut st, &mut g)?;
        let local_addr = match st.bound.and_then(|b| b.0) {
            Some(a) => Some(a),
            None if side == Side::Lo => Some(match remote.addr {
                IpAddress::Ipv4(a) if a.is_loopback() => IpAddress::Ipv4(Ipv4Addr::LOCALHOST),
                other => other,
            }),
            None => None,
        };
        let s = g.new_tcp(side, &st.opts)?;
        g.tcp(s).set_timeout(Some(CONNECT_TIMEOUT));
        let now = g.now;
        let r = g.connect_tcp(
            s,
            remote,
            IpListenEndpoint {
                addr: local_addr,
                port,
            },
        );
        if let Err(e) = r {
            g.remove(s);
            return Err(e);
        }
        st.connect_started = now;
        if st.connect_started == smoltcp::time::Instant::ZERO {
            st.connect_started = smoltcp::time::Instant::from_micros(1);
        }
        st.phase = Phase::Connecting(s);
        Err(Errno::EINPROGRESS)
    }

    /// Queues bytes; a short count when the buffer fills, EAGAIN when it is full.
    pub fn send(&self, data: &[u8]) -> Result<usize, Errno> {
        let mut st = self.st.lock();
        st.seen = 0;
        self.refresh(&mut st);
        let s = match st.phase {
            Phase::Connected(s) => s,
            Phase::Connecting(_) => return Err(Errno::EAGAIN),
            _ => return Err(st.error.take().unwrap_or(Errno::EPIPE)),
        };
        if st.shut_wr {
            return Err(Errno::EPIPE);
        }
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        let mut g = self.stack.lock();
        let t = g.tcp(s);
        if !t.may_send() {
            return Err(Errno::EPIPE);
        }
        if data.is_empty() {
            return Ok(0);
        }
        let room = t.send_capacity() - t.send_queue();
        if st.send_full && !writable(room, t.send_queue()) {
            return Err(Errno::EAGAIN);
        }
        match t.send_slice(data) {
            Ok(0) | Err(_) => {
                st.send_full = true;
                st.nospace = true;
                Err(Errno::EAGAIN)
            }
            Ok(n) => {
                st.send_full = false;
                st.nospace = n < data.len();
                Ok(n)
            }
        }
    }

    /// Takes (or with `peek` copies) received bytes; 0 at end of stream, EAGAIN when none.
    pub fn recv(&self, buf: &mut [u8], peek: bool) -> Result<usize, Errno> {
        self.recv_ex(buf, peek).map(|r| r.0)
    }

    /// [`TcpSocket::recv`], also telling whether the read reopened a window that had shrunk
    /// to half or less (the peer may be waiting for that window update).
    pub fn recv_ex(&self, buf: &mut [u8], peek: bool) -> Result<(usize, bool), Errno> {
        let mut st = self.st.lock();
        st.seen = 0;
        self.refresh(&mut st);
        let s = match st.phase {
            Phase::Connected(s) => s,
            Phase::Connecting(_) => return Err(Errno::EAGAIN),
            _ => return Err(st.error.take().unwrap_or(Errno::ENOTCONN)),
        };
        if st.shut_rd {
            return Ok((0, false));
        }
        let mut g = self.stack.lock();
        let t = g.tcp(s);
        let queued = t.recv_queue();
        if queued > 0 && !buf.is_empty() {
            let r = if peek {
                t.peek_slice(buf)
            } else {
                t.recv_slice(buf)
            };
            let reopened = !peek && queued * 2 >= t.recv_capacity();
            return match r {
                Ok(n) => Ok((n, reopened)),
                Err(_) => Ok((0, false)),
            };
        }
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        if buf.is_empty() {
            return Ok((0, false));
        }
        match t.recv_slice(buf) {
            Ok(0) => Err(Errno::EAGAIN),
            Ok(n) => Ok((n, false)),
            // FIN received, or closed: end of stream.
            Err(_) => Ok((0, false)),
        }
    }

    /// shutdown(2): `how` is SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2).
    pub fn shutdown(&self, how: i32) -> Result<(), Errno> {
        let mut st = self.st.lock();
        st.seen = 0;
        self.refresh(&mut st);
        if !(0..=2).contains(&how) {
            return Err(Errno::EINVAL);
        }
        let s = match st.phase {
            Phase::Connected(s) => s,
            Phase::Listening(_) => return Ok(()),
            _ => return Err(Errno::ENOTCONN),
        };
        if how != 1 {
            st.shut_rd = true;
        }
        if how != 0 && !st.shut_wr {
            st.shut_wr = true;
            // smoltcp's close() is a half close: FIN after the queued data.
            self.stack.lock().tcp(s).close();
        }
        Ok(())
    }

    /// Readiness as poll(2) reports it (POLLIN, POLLOUT, POLLRDHUP, POLLHUP, POLLERR).
    pub fn poll(&self) -> u16 {
        let mut st = self.st.lock();
        self.poll_locked(&mut st).0
    }

    /// Whether the socket's readiness (poll bits, bytes queued in, and bytes unsent while a
    /// writer ran out of room: `nospace`) moved since
    /// the previous call, or since the app last took data or a connection, queued data or
    /// shut it down (those forget the last signature, so that an arrival restoring it still
    /// counts). Epoll's readiness sources are fed from this after each stack poll.
    ///
    /// The look and the record are one step under the socket's lock, as are the app's
    /// operations: a look that raced with an accept or a recv cannot record the state from
    /// before it (that stale record once hid the next connection to a listener for good).
    pub fn readiness_moved(&self) -> bool {
        let mut st = self.st.lock();
        let (bits, queued, unsent) = self.poll_locked(&mut st);
        let unsent = if st.nospace { unsent } else { 0 };
        let sig = crate::poll::signature(bits, queued, unsent);
        core::mem::replace(&mut st.seen, sig) != sig
    }

    /// Poll bits, and the bytes queued in and not yet acknowledged out (for a listener: the
    /// connections ready in its backlog, and 0), all from one look under the stack's lock.
    fn poll_locked(&self, st: &mut State_) -> (u16, usize, usize) {
        self.refresh(st);
        let err = if st.error.is_some() { POLLERR } else { 0 };
        let mut g = self.stack.lock();
        match st.phase {
            Phase::Idle => (POLLOUT | POLLHUP | err, 0, 0),
            Phase::Connecting(_) => (err, 0, 0),
            Phase::Listening(id) => {
                let ready = ready_in_backlog(&g, id);
                (if ready > 0 { POLLIN } else { 0 }, ready, 0)
            }
            Phase::Connected(s) => {
                let t = g.tcp(s);
                let closed = t.state() == State::Closed;
                let peer_done = !t.may_recv() || closed;
                let mut m = err;
                if t.recv_queue() > 0 || peer_done || st.shut_rd {
                    m |= POLLIN;
                }
                if peer_done {
                    m |= POLLRDHUP;
                }
                let room = t.send_capacity() - t.send_queue();
                if st.shut_wr || !t.may_send() || writable(room, t.send_queue()) {
                    m |= POLLOUT;
                }
                if closed || ((st.shut_wr || !t.may_send()) && (peer_done || st.shut_rd)) {
                    m |= POLLHUP;
                }
                (m, t.recv_queue(), t.send_queue())
            }
        }
    }

    /// SO_ERROR: the pending error, cleared.
    pub fn take_error(&self) -> Option<Errno> {
        let mut st = self.st.lock();
        self.refresh(&mut st);
        st.error.take()
    }

    pub fn bytes_readable(&self) -> usize {
        let st = self.st.lock();
        match st.phase {
            Phase::Connected(s) => {
                let mut g = self.stack.lock();
                g.drain_channel(self.id);
                g.tcp(s).recv_queue()
            }
            _ => 0,
        }
    }

    /// Bytes queued but not yet acknowledged (SIOCOUTQ).
    pub fn bytes_unsent(&self) -> usize {
        let st = self.st.lock();
        match st.phase {
            Phase::Connected(s) => self.stack.lock().tcp(s).send_queue(),
            _ => 0,
        }
    }

    /// getsockname: the bound or connected local address (None: unbound).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        let st = self.st.lock();
        if let Phase::Connected(s) | Phase::Connecting(s) = st.phase {
            if let Some(e) = self.stack.lock().tcp(s).local_endpoint() {
                return Some(sockaddr(e));
            }
        }
        st.bound.map(|(a, port)| {
            SocketAddr::new(
                a.map(IpAddr::from)
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                port,
            )
        })
    }

    /// getpeername: ENOTCONN unless connected.
    pub fn peer_addr(&self) -> Result<SocketAddr, Errno> {
        let mut st = self.st.lock();
        self.refresh(&mut st);
        match st.phase {
            Phase::Connected(s) => self
                .stack
                .lock()
                .tcp(s)
                .remote_endpoint()
                .map(sockaddr)
                .ok_or(Errno::ENOTCONN),
            _ => Err(Errno::ENOTCONN),
        }
    }

    // ---- options ----

    fn update_opts(&self, f: impl FnOnce(&mut TcpOpts)) {
        let mut st = self.st.lock();
        f(&mut st.opts);
        let opts = st.opts;
        let mut g = self.stack.lock();
        match st.phase {
            Phase::Connected(s) | Phase::Connecting(s) => {
                let side = s.0;
                apply_opts(g.tcp(s), side, &opts);
            }
            Phase::Listening(id) => {
                if let Some(l) = g.listeners.get_mut(&id) {
                    l.opts = opts;
                }
            }
            Phase::Idle => {}
        }
    }

    pub fn set_nodelay(&self, on: bool) {
        self.update_opts(|o| o.nodelay = on);
    }
    pub fn nodelay(&self) -> bool {
        self.st.lock().opts.nodelay
    }
    /// SO_KEEPALIVE (with the idle time TCP_KEEPIDLE gives, seconds).
    pub fn set_keepalive(&self, idle_secs: Option<u32>) {
        self.update_opts(|o| o.keepalive = idle_secs);
    }
    pub fn keepalive(&self) -> Option<u32> {
        self.st.lock().opts.keepalive
    }
    /// SO_RCVBUF/SO_SNDBUF: take effect for connections made after (smoltcp's buffers are
    /// fixed at creation); accepted connections inherit the listener's.
    pub fn set_buffers(&self, rcv: Option<usize>, snd: Option<usize>) {
        self.update_opts(|o| {
            if let Some(r) = rcv {
                o.rcvbuf = r;
            }
            if let Some(s) = snd {
                o.sndbuf = s;
            }
        });
    }
    pub fn buffers(&self) -> (usize, usize) {
        let st = self.st.lock();
        match st.phase {
            Phase::Connected(s) => {
                let mut g = self.stack.lock();
                let t = g.tcp(s);
                (t.recv_capacity(), t.send_capacity())
            }
            _ => (st.opts.rcvbuf, st.opts.sndbuf),
        }
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
    pub fn set_linger(&self, linger: Option<u32>) {
        self.st.lock().linger = linger;
    }
    pub fn linger(&self) -> Option<u32> {
        self.st.lock().linger
    }
}

impl TcpSocket {
    /// close(2): FIN in the background, or RST when unread data remains or SO_LINGER is
    /// {on, 0}; a listener resets the connections it had not handed out. Idempotent.
    pub fn close(&self) {
        let mut st = self.st.lock();
        let mut g = self.stack.lock();
        match core::mem::replace(&mut st.phase, Phase::Idle) {
            Phase::Idle => {}
            Phase::Listening(id) => g.drop_listener(id),
            Phase::Connecting(s) => g.orphan(s, true),
            Phase::Connected(s) => {
                g.close_channel(self.id);
                let abort = st.linger == Some(0) || g.tcp(s).recv_queue() > 0;
                g.orphan(s, abort);
            }
        }
        if let Some((_, port)) = st.bound.take() {
            g.release(Proto::Tcp, port, self.id);
        }
    }
}

impl Drop for TcpSocket {
    fn drop(&mut self) {
        self.close();
    }
}
