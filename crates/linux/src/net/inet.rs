//! AF_INET and AF_INET6 sockets: TCP (SOCK_STREAM) and UDP (SOCK_DGRAM) over `osprey-net`.
//!
//! The Linux semantics (backlog, connect errors, resets, ports) live in `osprey-net`, where
//! they are tested against a second stack; this file translates: `sockaddr`s to and from
//! `core::net` addresses (an AF_INET6 socket sees IPv4 peers as `::ffff:a.b.c.d`), socket
//! options, and kicks the stack after every call that queued something, so that frames
//! leave (and loopback peers hear them) at once, waking waiters when readiness changed.
//!
//! A VM without a network card still has the loop interface: 127.0.0.1 and ::1 work, other
//! destinations give ENETUNREACH.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::net::{Ipv6Addr, SocketAddr, SocketAddrV6};
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

use osprey_abi::socket::*;
use osprey_abi::Errno;
use osprey_net::{Stack, TcpSocket, UdpSocket};
use spin::Mutex;

use super::{Ancillary, Received, SockAddr, Socket};
use crate::iowait;

const TCP_MAXSEG: i32 = 2;
const TCP_CORK: i32 = 3;
const TCP_KEEPIDLE: i32 = 4;
const TCP_KEEPINTVL: i32 = 5;
const TCP_KEEPCNT: i32 = 6;
const TCP_DEFER_ACCEPT: i32 = 9;
const TCP_QUICKACK: i32 = 12;
const TCP_USER_TIMEOUT: i32 = 18;
const TCP_FASTOPEN: i32 = 23;
const IP_TOS: i32 = 1;
const IP_TTL: i32 = 2;
const IPV6_UNICAST_HOPS: i32 = 16;
const IPV6_TCLASS: i32 = 67;

fn now_ns() -> u64 {
    iowait::machine().map_or(0, |m| m.monotonic_ns())
}

/// The VM's stack: the card's, or the loopback-only one. The first socket sizes its buffer
/// budget to a quarter of RAM.
fn stack() -> &'static Stack {
    static SIZED: spin::Once<()> = spin::Once::new();
    let mut seed = [0u8; 8];
    let m = iowait::machine();
    if let Some(m) = m {
        m.random(&mut seed);
    }
    let s = osprey_net::local(u64::from_ne_bytes(seed), now_ns());
    STACK_MADE.call_once(|| s);
    SIZED.call_once(|| {
        if let Some(m) = m {
            let total = m.memory().0 as usize;
            s.set_buffer_budget((total / 4).max(4 << 20));
        }
    });
    s
}

/// Runs the stack now (frames out, loopback delivered) and wakes waiters if some socket's
/// readiness changed.
fn kick(stack: &Stack) {
    super::counters::bump(&super::counters::C.kicks);
    let t0 = now_ns();
    let p = stack.poll(t0);
    super::counters::add(&super::counters::C.poll_ns, now_ns() - t0);
    // What the stack asked for next (a timer it set, frames a full card did not take) is
    // the kernel's network timer's to do: nothing else would poll before a frame arrives.
    if let Some(m) = iowait::machine() {
        stack.arm_timer(&p, |next| m.net_timer(next));
    }
    after_poll(stack, p.changed);
}

/// After a poll of `stack` (a socket call's or the kernel's): the sockets whose net channel
/// got segments are told (their readiness sources fire: epoll looks at them, and only them),
/// then, if the poll changed readiness some other way, every watched socket is looked at
/// ([`readiness_changed`]); waiters are woken either way.
pub fn after_poll(stack: &Stack, changed: bool) {
    let hits = stack.take_channel_hits();
    if !hits.is_empty() {
        super::counters::add(&super::counters::C.chan_hits, hits.len() as u64);
        let owners: Vec<Arc<InetSocket>> = {
            let o = CHANNEL_OWNERS.lock();
            hits.iter()
                .filter_map(|id| o.get(id).and_then(Weak::upgrade))
                .collect()
        };
        for s in owners {
            s.source.changed();
        }
        if !changed {
            iowait::notify();
        }
    }
    if changed {
        readiness_changed();
    }
}

/// A socket call processed its channel's segments: the ACKs they call for go out with the
/// next poll (the thread's answer or its next wait, else the timer).
fn note_drained(stack: &Stack) {
    if stack.take_drained() && stack.defer_tx() {
        arm_deferral(stack);
    }
}

/// Makes sure a deferred send goes out within about [`TX_DEFER_NS`] even if its thread does
/// not wait: arms the network timer, unless the stack's own timer request comes within
/// [`TX_DEFER_COVERED_NS`] (its poll sends the data). A connection that just received
/// usually has its delayed ACK due within 10 ms, so an answer to a request arms nothing:
/// each arming moves the kernel's network timer, and under TCG each LAPIC programming that
/// follows costs 10-20 us of the vCPU's time.
fn arm_deferral(stack: &Stack) {
    if let Some(m) = iowait::machine() {
        let now = m.monotonic_ns();
        if !stack.timer_due_by(now + TX_DEFER_COVERED_NS) {
            m.net_timer(Some(now + TX_DEFER_NS));
        }
    }
}

/// TCP sockets with a net channel, by their `osprey-net` id.
static CHANNEL_OWNERS: Mutex<BTreeMap<u64, Weak<InetSocket>>> = Mutex::new(BTreeMap::new());

/// Whether net channels are on (`netchan=1` on the kernel command line).
pub fn set_channels(on: bool) {
    CHANNELS.store(on, Relaxed);
    if let Some(s) = osprey_net::stack() {
        s.set_channels(on);
    }
}

static CHANNELS: AtomicBool = AtomicBool::new(false);

/// Whether TCP sends wait for the thread's next wait (`flush_deferred`) instead of polling
/// the stack at once (`OSPREY_KERNEL_CMDLINE=netdefer=0` turns it off).
pub static DEFER_TX: AtomicBool = AtomicBool::new(true);
/// How long a deferred send may wait for its thread to wait (or its CPU to go idle: the
/// idle loop flushes too). A safety net for a thread that sends and then computes without a
/// system call that waits: an event loop waits right after answering, so its answers never
/// wait for this timer. Long on purpose: a short one was armed (and fired, for nothing) for
/// nearly every answer, and under TCG each LAPIC programming costs 10-20 us of the vCPU's
/// time; at 2 ms the previous answer's deadline is usually still armed and covers this one.
const TX_DEFER_NS: u64 = 2_000_000;
/// A stack timer request due this soon covers a deferred send (`arm_deferral`): the
/// delayed-ACK timer of a connection that just received (smoltcp's default, 10 ms) counts.
const TX_DEFER_COVERED_NS: u64 = 10_000_000;

/// Sends what TCP sockets queued since the last poll: called by a thread about to wait
/// (iowait), before it looks at readiness.
///
/// Also polls when the stack's timer request is overdue: the kernel's timer should have
/// polled then, and a thread that waits (it looks again every 2 ms) must not wait forever on
/// a connection whose retransmission or window probe nobody sends.
pub fn flush_deferred() {
    if let Some(s) = STACK_MADE.get() {
        if s.tx_due() || iowait::machine().is_some_and(|m| s.timer_overdue(m.monotonic_ns())) {
            kick(s);
        }
    }
}

/// [`flush_deferred`] for a thread about to look at readiness and perhaps sleep (iowait).
/// When another thread waits to run on this CPU, what was sent waits for that thread's own
/// wait (or the idle loop's flush, or the network timer): a server's event-loop threads
/// sharing a vCPU then send their answers with one poll and one notify of the card instead
/// of one each (a notify costs 40-90 us of the vCPU under TCG: `--verbose`'s notify_ns).
/// An overdue stack timer still polls at once.
pub fn flush_deferred_before_wait() {
    if let Some(s) = STACK_MADE.get() {
        let m = iowait::machine();
        let overdue = m.is_some_and(|m| s.timer_overdue(m.monotonic_ns()));
        let batch = m.is_some_and(|m| m.others_runnable());
        if overdue || (s.tx_due() && !batch) {
            kick(s);
        }
    }
}

/// The stack, once a socket made it (`flush_deferred` must not make one).
static STACK_MADE: spin::Once<&'static Stack> = spin::Once::new();

/// Every AF_INET socket, weakly: the ones epoll watches are checked after each poll.
static LIVE: Mutex<Vec<Weak<InetSocket>>> = Mutex::new(Vec::new());

/// A poll of the stack changed some socket's readiness (the kernel's card poll and every
/// kick call this): tell epoll which sockets, then wake the waiters.
///
/// smoltcp does not say which sockets a poll touched, so each socket an epoll instance
/// watches keeps a signature of its readiness (poll bits, bytes queued in and still to
/// send, kept by `osprey-net` under the socket's lock: `readiness_moved`) and its `PollSource`
/// fires when the signature moved. That gives edge-triggered
/// epoll an edge for every arrival of data, every freed room and every state change, as
/// Linux's wake-ups do, at the cost of a look at each watched socket per poll; only watched
/// sockets are looked at. Per-socket notifications from the stack would remove the scan.
pub fn readiness_changed() {
    use super::counters::{add, bump, C};
    bump(&C.scans);
    let t0 = now_ns();
    let watched: Vec<Arc<InetSocket>> = {
        let mut live = LIVE.lock();
        let mut out = Vec::new();
        live.retain(|w| match w.upgrade() {
            Some(s) => {
                if s.source.watched() {
                    out.push(s);
                }
                true
            }
            None => false,
        });
        out
    };
    add(&C.scanned, watched.len() as u64);
    for s in watched {
        let moved = match &s.kind {
            Kind::Tcp(t) => t.readiness_moved(),
            Kind::Udp(u) => u.readiness_moved(),
        };
        if moved {
            bump(&C.fired);
            s.source.changed();
        }
    }
    add(&C.scan_ns, now_ns() - t0);
    iowait::notify();
}

enum Kind {
    Tcp(TcpSocket),
    Udp(UdpSocket),
}

/// Options recorded for getsockopt (accepted, with no effect on smoltcp).
struct Misc {
    v6only: bool,
    keepalive: bool,
    keepidle: u32,
    keepintvl: u32,
    keepcnt: u32,
    /// Other accepted options, by (level, name): their last value.
    stored: BTreeMap<(i32, i32), Vec<u8>>,
}

pub struct InetSocket {
    domain: u16,
    kind: Kind,
    misc: Mutex<Misc>,
    /// Tells epoll the socket's readiness may have changed ([`readiness_changed`]).
    source: osprey_vfs::PollSource,
}

/// Makes an AF_INET/AF_INET6 socket of type `ty` (SOCK_STREAM or SOCK_DGRAM).
pub fn create(domain: u16, ty: u32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    let kind = match (ty, protocol) {
        (SOCK_STREAM, 0 | IPPROTO_TCP) => Kind::Tcp(TcpSocket::new(stack())),
        (SOCK_DGRAM, 0 | IPPROTO_UDP) => Kind::Udp(UdpSocket::new(stack())),
        (SOCK_STREAM | SOCK_DGRAM, _) => return Err(Errno::EPROTONOSUPPORT),
        (SOCK_RAW, _) => return Err(Errno::EPROTONOSUPPORT),
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    Ok(InetSocket::new(domain, kind))
}

impl InetSocket {
    /// A new socket, registered for [`readiness_changed`].
    fn new(domain: u16, kind: Kind) -> Arc<InetSocket> {
        let s = Arc::new(InetSocket {
            domain,
            kind,
            source: osprey_vfs::PollSource::new(),
            misc: Mutex::new(Misc {
                v6only: false,
                keepalive: false,
                keepidle: 7200,
                keepintvl: 75,
                keepcnt: 9,
                stored: BTreeMap::new(),
            }),
        });
        LIVE.lock().push(Arc::downgrade(&s));
        if let (Kind::Tcp(t), true) = (&s.kind, CHANNELS.load(Relaxed)) {
            CHANNEL_OWNERS.lock().insert(t.id(), Arc::downgrade(&s));
        }
        s
    }

    fn stack(&self) -> &'static Stack {
        match &self.kind {
            Kind::Tcp(t) => t.stack(),
            Kind::Udp(u) => u.stack(),
        }
    }

    /// The app's address as the stack's: IPv4-mapped IPv6 addresses become IPv4.
    fn addr_in(&self, a: &SockAddr) -> Result<SocketAddr, Errno> {
        match (self.domain, a) {
            (AF_INET, SockAddr::V4 { addr, port }) => Ok(SocketAddr::from((*addr, *port))),
            (AF_INET6, SockAddr::V6 { addr, port, .. }) => {
                let v6 = Ipv6Addr::from(*addr);
                Ok(match v6.to_ipv4_mapped() {
                    Some(v4) if !self.misc.lock().v6only => SocketAddr::from((v4, *port)),
                    Some(_) => return Err(Errno::ENETUNREACH),
                    None => SocketAddr::from((v6, *port)),
                })
            }
            (AF_INET6, SockAddr::V4 { .. }) => Err(Errno::EINVAL),
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }

    /// The stack's address as the app's family has it.
    fn addr_out(&self, a: SocketAddr) -> SockAddr {
        match (self.domain, a) {
            (AF_INET, SocketAddr::V4(v)) => SockAddr::V4 {
                addr: v.ip().octets(),
                port: v.port(),
            },
            (AF_INET, SocketAddr::V6(v)) => SockAddr::V4 {
                addr: v.ip().to_ipv4_mapped().map_or([0; 4], |a| a.octets()),
                port: v.port(),
            },
            (_, a) => {
                let v6 = match a {
                    SocketAddr::V4(v) => SocketAddrV6::new(v.ip().to_ipv6_mapped(), v.port(), 0, 0),
                    SocketAddr::V6(v) => v,
                };
                SockAddr::V6 {
                    addr: v6.ip().octets(),
                    port: v6.port(),
                    flowinfo: 0,
                    scope_id: v6.scope_id(),
                }
            }
        }
    }

    fn unspecified(&self) -> SockAddr {
        self.addr_out(match self.domain {
            AF_INET => SocketAddr::from(([0u8; 4], 0)),
            _ => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        })
    }

    fn keepalive_setting(m: &Misc) -> Option<u32> {
        m.keepalive.then_some(m.keepidle)
    }
}

fn int(v: &[u8]) -> Result<i32, Errno> {
    match v.len() {
        0..=3 => Err(Errno::EINVAL),
        _ => Ok(i32::from_ne_bytes([v[0], v[1], v[2], v[3]])),
    }
}

fn bytes(v: i32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

impl Socket for InetSocket {
    fn triple(&self) -> (u16, u32, i32) {
        match self.kind {
            Kind::Tcp(_) => (self.domain, SOCK_STREAM, IPPROTO_TCP),
            Kind::Udp(_) => (self.domain, SOCK_DGRAM, IPPROTO_UDP),
        }
    }

    fn bind(&self, addr: &SockAddr) -> Result<(), Errno> {
        let a = self.addr_in(addr)?;
        match &self.kind {
            Kind::Tcp(t) => t.bind(a),
            Kind::Udp(u) => u.bind(a),
        }
    }

    fn listen(&self, backlog: i32) -> Result<(), Errno> {
        match &self.kind {
            Kind::Tcp(t) => t.listen(backlog),
            Kind::Udp(_) => Err(Errno::EOPNOTSUPP),
        }
    }

    fn connect(&self, addr: &SockAddr) -> Result<(), Errno> {
        match &self.kind {
            Kind::Tcp(t) => {
                let r = t.connect(self.addr_in(addr)?);
                kick(t.stack());
                r
            }
            Kind::Udp(u) => match addr {
                SockAddr::Unspec => u.connect(None),
                a => u.connect(Some(self.addr_in(a)?)),
            },
        }
    }

    fn accept(&self) -> Result<(Arc<dyn Socket>, SockAddr), Errno> {
        let Kind::Tcp(t) = &self.kind else {
            return Err(Errno::EOPNOTSUPP);
        };
        let (conn, peer) = t.accept()?;
        // The pool was refilled: let the new LISTEN sockets be seen.
        kick(t.stack());
        let s = InetSocket::new(self.domain, Kind::Tcp(conn));
        {
            let (from, mut to) = (self.misc.lock(), s.misc.lock());
            to.keepalive = from.keepalive;
            to.keepidle = from.keepidle;
            to.keepintvl = from.keepintvl;
            to.keepcnt = from.keepcnt;
            to.v6only = from.v6only;
        }
        Ok((s, self.addr_out(peer)))
    }

    fn send(
        &self,
        data: &[u8],
        to: Option<&SockAddr>,
        _anc: Ancillary,
        _flags: u32,
    ) -> Result<usize, Errno> {
        let r = match &self.kind {
            // A stream ignores the address, as Linux does for a connected TCP socket.
            Kind::Tcp(t) => t.send(data),
            Kind::Udp(u) => {
                let to = match to {
                    Some(a) => Some(self.addr_in(a)?),
                    None => None,
                };
                u.send(data, to)
            }
        };
        if r.is_ok() {
            let stack = self.stack();
            let defer = DEFER_TX.load(Relaxed) && matches!(&self.kind, Kind::Tcp(t) if t.on_card());
            if !defer {
                kick(stack);
            } else if stack.defer_tx() {
                // What a thread sends goes out when it next waits (`flush_deferred`, from
                // iowait: an event loop answers all its ready connections, then waits) or,
                // for a thread that keeps computing, when the network timer fires.
                arm_deferral(stack);
            }
        }
        r
    }

    fn recv(&self, buf: &mut [u8], _anc: &mut Ancillary, flags: u32) -> Result<Received, Errno> {
        let peek = flags & MSG_PEEK != 0;
        match &self.kind {
            Kind::Tcp(t) => {
                let r = t.recv_ex(buf, peek);
                note_drained(t.stack());
                let (n, reopened) = r?;
                if reopened {
                    // The window had shrunk to half or less: a window update is due, and
                    // on the loop interface nobody else would poll for it (a sender waiting
                    // for room would wait forever). A read from a roomy window needs no
                    // poll: the next one (the answer's, a frame's) advertises it.
                    kick(t.stack());
                }
                Ok(Received {
                    len: n,
                    full_len: n,
                    from: None,
                })
            }
            Kind::Udp(u) => {
                let d = u.recv(buf, peek)?;
                Ok(Received {
                    len: d.len,
                    full_len: d.full_len,
                    from: Some(self.addr_out(d.from)),
                })
            }
        }
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        match &self.kind {
            Kind::Tcp(t) => {
                t.shutdown(how)?;
                kick(t.stack());
                Ok(())
            }
            Kind::Udp(u) => {
                if !(0..=2).contains(&how) {
                    return Err(Errno::EINVAL);
                }
                u.peer_addr().map(|_| ())
            }
        }
    }

    fn poll(&self, events: u16) -> u16 {
        let m = match &self.kind {
            Kind::Tcp(t) => {
                let m = t.poll();
                note_drained(t.stack());
                m
            }
            Kind::Udp(u) => u.poll(),
        };
        let always = osprey_net::poll::POLLERR | osprey_net::poll::POLLHUP;
        m & (events | always)
    }

    fn local_addr(&self) -> Result<SockAddr, Errno> {
        let a = match &self.kind {
            Kind::Tcp(t) => t.local_addr(),
            Kind::Udp(u) => u.local_addr(),
        };
        Ok(match a {
            // An IPv6 wildcard bind reads back as ::, not 0.0.0.0.
            Some(a) if a.ip().is_unspecified() => {
                let mut u = self.unspecified();
                if let SockAddr::V4 { port, .. } | SockAddr::V6 { port, .. } = &mut u {
                    *port = a.port();
                }
                u
            }
            Some(a) => self.addr_out(a),
            None => self.unspecified(),
        })
    }

    fn peer_addr(&self) -> Result<SockAddr, Errno> {
        let a = match &self.kind {
            Kind::Tcp(t) => t.peer_addr(),
            Kind::Udp(u) => u.peer_addr(),
        }?;
        Ok(self.addr_out(a))
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        let m = self.misc.lock();
        let b = |on: bool| Ok(bytes(on as i32));
        match (level, name, &self.kind) {
            (SOL_SOCKET, SO_REUSEADDR, k) => b(match k {
                Kind::Tcp(t) => t.reuse().0,
                Kind::Udp(u) => u.reuse().0,
            }),
            (SOL_SOCKET, SO_REUSEPORT, k) => b(match k {
                Kind::Tcp(t) => t.reuse().1,
                Kind::Udp(u) => u.reuse().1,
            }),
            (SOL_SOCKET, SO_KEEPALIVE, _) => b(m.keepalive),
            (SOL_SOCKET, SO_RCVBUF | SO_SNDBUF, k) => {
                let (r, s) = match k {
                    Kind::Tcp(t) => t.buffers(),
                    Kind::Udp(u) => u.buffers(),
                };
                Ok(bytes(if name == SO_RCVBUF { r } else { s } as i32))
            }
            (SOL_SOCKET, SO_LINGER, Kind::Tcp(t)) => {
                let l = t.linger();
                let mut v = bytes(l.is_some() as i32);
                v.extend_from_slice(&(l.unwrap_or(0) as i32).to_ne_bytes());
                Ok(v)
            }
            (SOL_SOCKET, SO_BROADCAST, Kind::Udp(u)) => b(u.broadcast()),
            (SOL_SOCKET, SO_RCVTIMEO | SO_SNDTIMEO, _) => Ok(m
                .stored
                .get(&(level, name))
                .cloned()
                .unwrap_or_else(|| alloc::vec![0u8; 16])),
            (SOL_SOCKET, SO_RCVLOWAT | SO_SNDLOWAT, _) => Ok(m
                .stored
                .get(&(level, name))
                .cloned()
                .unwrap_or_else(|| bytes(1))),
            (IPPROTO_TCP, TCP_NODELAY, Kind::Tcp(t)) => b(t.nodelay()),
            (IPPROTO_TCP, TCP_KEEPIDLE, Kind::Tcp(_)) => Ok(bytes(m.keepidle as i32)),
            (IPPROTO_TCP, TCP_KEEPINTVL, Kind::Tcp(_)) => Ok(bytes(m.keepintvl as i32)),
            (IPPROTO_TCP, TCP_KEEPCNT, Kind::Tcp(_)) => Ok(bytes(m.keepcnt as i32)),
            (IPPROTO_TCP, TCP_MAXSEG, Kind::Tcp(_)) => Ok(m
                .stored
                .get(&(level, name))
                .cloned()
                .unwrap_or_else(|| bytes(1448))),
            (IPPROTO_IP, IP_TTL, _) | (IPPROTO_IPV6, IPV6_UNICAST_HOPS, _) => Ok(m
                .stored
                .get(&(level, name))
                .cloned()
                .unwrap_or_else(|| bytes(64))),
            (IPPROTO_IPV6, IPV6_V6ONLY, _) if self.domain == AF_INET6 => b(m.v6only),
            (SOL_SOCKET, SO_OOBINLINE | SO_PRIORITY | SO_DONTROUTE | SO_BROADCAST, _)
            | (
                IPPROTO_TCP,
                TCP_CORK | TCP_DEFER_ACCEPT | TCP_QUICKACK | TCP_USER_TIMEOUT | TCP_FASTOPEN,
                Kind::Tcp(_),
            )
            | (IPPROTO_IP, IP_TOS, _)
            | (IPPROTO_IPV6, IPV6_TCLASS, _) => Ok(m
                .stored
                .get(&(level, name))
                .cloned()
                .unwrap_or_else(|| bytes(0))),
            _ => Err(Errno::ENOPROTOOPT),
        }
    }

    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        let mut m = self.misc.lock();
        match (level, name, &self.kind) {
            (SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT, k) => {
                let on = int(value)? != 0;
                let (a, p) = if name == SO_REUSEADDR {
                    (Some(on), None)
                } else {
                    (None, Some(on))
                };
                match k {
                    Kind::Tcp(t) => t.set_reuse(a, p),
                    Kind::Udp(u) => u.set_reuse(a, p),
                }
            }
            (SOL_SOCKET, SO_KEEPALIVE, k) => {
                m.keepalive = int(value)? != 0;
                if let Kind::Tcp(t) = k {
                    t.set_keepalive(Self::keepalive_setting(&m));
                }
            }
            (SOL_SOCKET, SO_RCVBUF | SO_SNDBUF | SO_RCVBUFFORCE | SO_SNDBUFFORCE, k) => {
                let size = osprey_net::tcp::buffer_size(int(value)?);
                let (r, s) = if matches!(name, SO_RCVBUF | SO_RCVBUFFORCE) {
                    (Some(size), None)
                } else {
                    (None, Some(size))
                };
                match k {
                    Kind::Tcp(t) => t.set_buffers(r, s),
                    Kind::Udp(u) => u.set_buffers(r, s),
                }
            }
            (SOL_SOCKET, SO_LINGER, k) => {
                if value.len() < 8 {
                    return Err(Errno::EINVAL);
                }
                let on = int(&value[..4])? != 0;
                let secs = int(&value[4..8])?.max(0) as u32;
                if let Kind::Tcp(t) = k {
                    t.set_linger(on.then_some(secs));
                }
            }
            (SOL_SOCKET, SO_BROADCAST, k) => {
                let on = int(value)? != 0;
                if let Kind::Udp(u) = k {
                    u.set_broadcast(on);
                }
                m.stored.insert((level, name), bytes(on as i32));
            }
            (SOL_SOCKET, SO_RCVTIMEO | SO_SNDTIMEO, _) => {
                if value.len() < 16 {
                    return Err(Errno::EINVAL);
                }
                let usec = i64::from_ne_bytes(value[8..16].try_into().unwrap_or_default());
                if !(0..1_000_000).contains(&usec) {
                    return Err(Errno::EDOM);
                }
                m.stored.insert((level, name), value[..16].to_vec());
            }
            (IPPROTO_TCP, TCP_NODELAY, Kind::Tcp(t)) => t.set_nodelay(int(value)? != 0),
            (IPPROTO_TCP, TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT, Kind::Tcp(t)) => {
                let v = int(value)?;
                if v < 1 {
                    return Err(Errno::EINVAL);
                }
                match name {
                    TCP_KEEPIDLE => m.keepidle = v as u32,
                    TCP_KEEPINTVL => m.keepintvl = v as u32,
                    _ => m.keepcnt = v as u32,
                }
                t.set_keepalive(Self::keepalive_setting(&m));
            }
            (IPPROTO_IPV6, IPV6_V6ONLY, k) if self.domain == AF_INET6 => {
                m.v6only = int(value)? != 0;
                match k {
                    Kind::Tcp(t) => t.set_v6only(m.v6only),
                    Kind::Udp(u) => u.set_v6only(m.v6only),
                }
            }
            (
                SOL_SOCKET,
                SO_OOBINLINE | SO_PRIORITY | SO_DONTROUTE | SO_RCVLOWAT | SO_SNDLOWAT,
                _,
            )
            | (
                IPPROTO_TCP,
                TCP_CORK | TCP_DEFER_ACCEPT | TCP_QUICKACK | TCP_USER_TIMEOUT | TCP_FASTOPEN
                | TCP_MAXSEG,
                Kind::Tcp(_),
            )
            | (IPPROTO_IP, IP_TOS | IP_TTL, _)
            | (IPPROTO_IPV6, IPV6_TCLASS | IPV6_UNICAST_HOPS, _) => {
                m.stored.insert((level, name), bytes(int(value)?));
            }
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(())
    }

    fn timeout_ns(&self, send: bool) -> Option<u64> {
        let name = if send { SO_SNDTIMEO } else { SO_RCVTIMEO };
        let m = self.misc.lock();
        let v = m.stored.get(&(SOL_SOCKET, name))?;
        let sec = i64::from_ne_bytes(v.get(..8)?.try_into().ok()?);
        let usec = i64::from_ne_bytes(v.get(8..16)?.try_into().ok()?);
        // {0, 0} is "no timeout".
        let ns = (sec.max(0) as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(usec.max(0) as u64 * 1000);
        (ns > 0).then_some(ns)
    }

    fn take_error(&self) -> i32 {
        let e = match &self.kind {
            Kind::Tcp(t) => t.take_error(),
            Kind::Udp(_) => None,
        };
        e.map_or(0, |e| e as i32)
    }

    fn listening(&self) -> bool {
        matches!(&self.kind, Kind::Tcp(t) if t.is_listening())
    }

    fn bytes_readable(&self) -> usize {
        match &self.kind {
            Kind::Tcp(t) => t.bytes_readable(),
            Kind::Udp(u) => u.bytes_readable(),
        }
    }

    fn poll_source(&self) -> Option<&osprey_vfs::PollSource> {
        Some(&self.source)
    }
}

impl Drop for InetSocket {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Tcp(t) => {
                if CHANNELS.load(Relaxed) {
                    CHANNEL_OWNERS.lock().remove(&t.id());
                }
                t.close()
            }
            Kind::Udp(u) => u.close(),
        }
        // The FIN or RST leaves now, and a loopback peer hears it.
        kick(self.stack());
    }
}

#[cfg(test)]
#[path = "inet_tests.rs"]
mod tests;
