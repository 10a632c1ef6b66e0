//! The one TCP/IP stack of the VM: two smoltcp interfaces, their sockets, and the card.
//!
//! smoltcp's Ethernet interface never delivers a packet to itself, so the stack has two:
//! - `lo`, over an in-memory loop device (medium IP, 64 KiB MTU), holding 127.0.0.1/8, ::1
//!   and a copy of every address of the card's interface: a connection to any local address
//!   is made here, whatever the card does (and works with no card at all);
//! - `eth`, over the card (`Box<dyn Nic>`), with a static address or DHCPv4, an IPv6
//!   link-local address, and the default route.
//!
//! Each interface has its own smoltcp `SocketSet`; a connection lives in the set of the
//! interface its destination is reached through ([`Inner::side_for`]). A listener bound to
//! the wildcard keeps listening sockets in both. Everything sits behind one lock: the kernel's
//! poll (interrupts, timers) and the socket calls of the app's threads take it in turn.
//!
//! The Linux semantics above smoltcp (backlog, ports, close and reset rules) are in
//! `tcp.rs` and `udp.rs`; this file keeps what they share: port claims, listener pools, and
//! orphans (connections the app closed that still finish their FIN handshake).

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use smoltcp::iface::{
    Config as IfaceConfig, Interface, PollIngressSingleResult, PollResult, SocketHandle, SocketSet,
};
use smoltcp::phy::{self, Checksum, ChecksumCapabilities, Device, DeviceCapabilities, Medium};
use smoltcp::socket::{dhcpv4, tcp};
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{
    EthernetAddress, HardwareAddress, IpAddress, IpCidr, IpListenEndpoint, Ipv4Cidr,
};
use spin::{Mutex, MutexGuard, Once};

use crate::Nic;

/// How the interface gets its address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// A static IPv4 address and prefix length (`--ip`); None: DHCP.
    pub ip: Option<([u8; 4], u8)>,
    /// The default gateway (`--gw`); with DHCP the lease's router.
    pub gateway: Option<[u8; 4]>,
    /// DNS servers for a static configuration (DHCP brings its own: [`Stack::dns_servers`]).
    pub dns: Vec<[u8; 4]>,
    /// Seeds TCP initial sequence numbers and DHCP transaction ids: give a random value.
    pub seed: u64,
}

/// What one [`Stack::poll`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    /// Some socket's readiness may have changed: wake the threads waiting on sockets.
    pub changed: bool,
    /// When the stack next needs polling even if no frame arrives (CLOCK_MONOTONIC ns:
    /// retransmissions, delayed ACKs, DHCP renewal); None: only when a frame arrives.
    pub next_ns: Option<u64>,
    /// Which poll this was (they are numbered under the stack's lock): [`Stack::arm_timer`]
    /// arms `next_ns` only if no later poll's was armed already.
    pub seq: u64,
}

/// Which interface (and socket set) a smoltcp socket belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Lo,
    Eth,
}

/// A smoltcp socket: its interface and its handle there.
pub(crate) type Sock = (Side, SocketHandle);

/// Transport protocols, for port claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Proto {
    Tcp,
    Udp,
}

/// A socket's hold on a local port (bind, listen, autobind), checked as Linux does.
#[derive(Clone, Debug)]
pub(crate) struct Claim {
    pub owner: u64,
    pub addr: Option<IpAddress>,
    /// Which families the claim covers: an IPv6 wildcard with IPV6_V6ONLY does not clash
    /// with an IPv4 wildcard on the same port (redis and nginx bind both).
    pub family: Family,
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub listening: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6Only,
    /// An IPv6 socket without IPV6_V6ONLY: IPv4-mapped addresses too.
    Dual,
}

impl Family {
    pub fn of(addr: &core::net::SocketAddr, v6only: bool) -> Family {
        match addr {
            core::net::SocketAddr::V4(_) => Family::V4,
            core::net::SocketAddr::V6(_) if v6only => Family::V6Only,
            core::net::SocketAddr::V6(_) => Family::Dual,
        }
    }
}

/// Per-connection TCP settings (socket options that smoltcp takes at creation or later).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TcpOpts {
    pub rcvbuf: usize,
    pub sndbuf: usize,
    pub nodelay: bool,
    /// Keep-alive probes after this many idle seconds (SO_KEEPALIVE with TCP_KEEPIDLE).
    pub keepalive: Option<u32>,
}

/// Default buffer sizes: large enough that a bulk transfer is not window-limited on the
/// loop interface, small enough that a thousand idle connections fit in a small VM.
pub(crate) const DEFAULT_TCP_BUF: usize = 64 * 1024;
pub(crate) const MIN_BUF: usize = 2048;
/// Smallest buffer memory pressure shrinks a connection's to.
const MIN_TCP_BUF: usize = 4 * 1024;
pub(crate) const MAX_BUF: usize = 4 * 1024 * 1024;

impl Default for TcpOpts {
    fn default() -> Self {
        TcpOpts {
            rcvbuf: DEFAULT_TCP_BUF,
            sndbuf: DEFAULT_TCP_BUF,
            nodelay: false,
            keepalive: None,
        }
    }
}

/// A listening port: smoltcp has one socket per connection, so a listener is a pool of
/// sockets in LISTEN state (`idle`), refilled as SYNs take them, and the connections they
/// became (`pending`) until accept() takes them: the backlog.
pub(crate) struct Listener {
    pub endpoint: IpListenEndpoint,
    pub idle: Vec<Sock>,
    pub pending: VecDeque<Sock>,
    pub backlog: usize,
    pub opts: TcpOpts,
}

/// Listening sockets kept ready per interface. The pool is refilled after every received
/// packet, so a burst of SYNs never finds it empty while the backlog has room.
const IDLE_PER_SIDE: usize = 2;
/// How long a connection may wait in a listener's backlog without a packet.
const POOL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a closed connection may take to finish (Linux's tcp_fin_timeout).
const ORPHAN_TIMEOUT: Duration = Duration::from_secs(60);
/// First and last ephemeral port (Linux's ip_local_port_range).
const EPHEMERAL: (u16, u16) = (32768, 60999);

/// An in-memory loop: every packet sent is received by the same interface.
struct LoopDev {
    queue: VecDeque<Vec<u8>>,
}

struct LoopRx(Vec<u8>);
struct LoopTx<'a>(&'a mut VecDeque<Vec<u8>>);

impl phy::RxToken for LoopRx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for LoopTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0u8; len];
        let r = f(&mut buf);
        self.0.push_back(buf);
        r
    }
}

impl Device for LoopDev {
    type RxToken<'a> = LoopRx;
    type TxToken<'a> = LoopTx<'a>;

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = 65535;
        // Nothing corrupts memory-to-memory packets.
        caps.checksum = ChecksumCapabilities::ignored();
        caps
    }

    fn receive(&mut self, _t: Instant) -> Option<(LoopRx, LoopTx<'_>)> {
        let p = self.queue.pop_front()?;
        Some((LoopRx(p), LoopTx(&mut self.queue)))
    }

    fn transmit(&mut self, _t: Instant) -> Option<LoopTx<'_>> {
        Some(LoopTx(&mut self.queue))
    }
}

/// The card as a smoltcp device. A received frame is copied out of the card's buffer (the
/// `Nic` hands frames to a callback, smoltcp wants a token it consumes later).
struct NicDev {
    nic: Box<dyn Nic>,
    rx: Vec<u8>,
    /// Frames taken from the card already (net channels: a socket's queued segments, or
    /// frames the classifier left to the shared stack), handed to smoltcp before the card's.
    inject: VecDeque<Vec<u8>>,
    /// Only `inject` is received from (a reader draining its channel must not take the
    /// card's frames, which need classifying first).
    inject_only: bool,
}

struct NicRx<'a>(&'a [u8]);
struct NicTx<'a>(&'a mut dyn Nic);

impl phy::RxToken for NicRx<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl phy::TxToken for NicTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut f = Some(f);
        let mut r = None;
        self.0.transmit(len, &mut |buf| {
            if let Some(f) = f.take() {
                r = Some(f(buf));
            }
        });
        match (r, f) {
            (Some(r), _) => r,
            // No buffer after all (transmit() checked can_transmit): the frame is lost, as on
            // a wire; TCP retransmits.
            (None, Some(f)) => f(&mut vec![0u8; len]),
            (None, None) => unreachable!("fill ran without a result"),
        }
    }
}

impl Device for NicDev {
    type RxToken<'a> = NicRx<'a>;
    type TxToken<'a> = NicTx<'a>;

    fn capabilities(&self) -> DeviceCapabilities {
        let off = self.nic.offloads();
        // Checksum::Tx: the stack computes on send only; Rx: checks on receive only.
        let l4 = |tx_by_card: bool| match (tx_by_card, off.rx_checksum) {
            (false, false) => Checksum::Both,
            (true, false) => Checksum::Rx,
            (false, true) => Checksum::Tx,
            (true, true) => Checksum::None,
        };
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = self.nic.mtu() + 14;
        caps.checksum.tcp = l4(off.tx_checksum);
        caps.checksum.udp = l4(false); // see Offloads::tx_checksum
        caps
    }

    fn receive(&mut self, _t: Instant) -> Option<(NicRx<'_>, NicTx<'_>)> {
        if let Some(f) = self.inject.pop_front() {
            // The old buffer goes back to the pool of frame buffers.
            let old = core::mem::replace(&mut self.rx, f);
            FRAME_POOL.lock().give(old);
            return Some((NicRx(&self.rx), NicTx(&mut *self.nic)));
        }
        if self.inject_only {
            return None;
        }
        let rx = &mut self.rx;
        let got = self.nic.receive(&mut |frame| {
            rx.clear();
            rx.extend_from_slice(frame);
        });
        got.then(|| (NicRx(&self.rx), NicTx(&mut *self.nic)))
    }

    fn transmit(&mut self, _t: Instant) -> Option<NicTx<'_>> {
        if self.nic.can_transmit() {
            Some(NicTx(&mut *self.nic))
        } else {
            None
        }
    }
}

struct Eth {
    iface: Interface,
    dev: NicDev,
    dhcp: Option<SocketHandle>,
}

/// A connection the app closed: kept until its FIN handshake (or RST) is done.
struct Orphan {
    sock: Sock,
    deadline: Instant,
}

pub(crate) struct Inner {
    lo: Interface,
    lo_dev: LoopDev,
    lo_socks: SocketSet<'static>,
    eth: Option<Eth>,
    eth_socks: SocketSet<'static>,
    pub now: Instant,
    ports: BTreeMap<(Proto, u16), Vec<Claim>>,
    next_ephemeral: u16,
    pub listeners: BTreeMap<u64, Listener>,
    orphans: Vec<Orphan>,
    dns: Vec<IpAddr>,
    /// Bytes of socket buffers allocated, and the most allowed: smoltcp's buffers are
    /// allocated whole when a socket is made, so a flood of connections could otherwise
    /// exhaust the kernel heap. Over budget, listeners stop taking SYNs (they get RST) and
    /// new sockets get ENOBUFS.
    buf_used: usize,
    buf_budget: usize,
    /// Net channels ([`Stack::set_channels`]): on, the card's TCP segments of a connection
    /// the app holds are queued for it (by flow) instead of going through smoltcp at once.
    chan_on: bool,
    /// Flow (local port, remote address, remote port) -> the owning socket's id.
    flows: BTreeMap<(u16, IpAddress, u16), u64>,
    /// Socket id -> its channel: segments waiting for the socket's reader.
    channels: BTreeMap<u64, Channel>,
    /// Sockets whose channel got segments since [`Stack::take_channel_hits`].
    chan_hits: Vec<u64>,
    /// When the stack last asked to be polled (timers): a poll at or after it runs them.
    timer_at: Option<Instant>,
    /// Polls so far (numbers [`Polled::seq`]).
    polls: u64,
    /// A channel was drained since the last poll: a poll is due ([`Stack::take_drained`]).
    pub drained: bool,
    /// UDP sockets in the card's set. Sending a datagram frees room in its socket's buffer
    /// (POLLOUT, the readiness signature), so with any of them a poll that sent something
    /// counts as a readiness change; a TCP segment's bytes stay in its buffer until they are
    /// acknowledged (an arrival), so sending them alone changes nothing anyone waits for.
    pub eth_udp: usize,
}

/// A connection's net channel: received segments, in order, for its reader to process.
struct Channel {
    flow: (u16, IpAddress, u16),
    frames: VecDeque<Vec<u8>>,
    /// When the oldest queued segment arrived.
    since: Instant,
}

/// How long segments may wait for their reader: past that a poll of the shared stack
/// processes them, so a connection the app does not touch for a while (it sent a reply and
/// sleeps) still gets its ACKs, sends the rest of its data and answers its peer.
const CHANNEL_WAIT: Duration = Duration::from_millis(2);

/// Segments a channel holds at most; past that the shared stack processes them (after the
/// ones queued, to keep the order).
const CHANNEL_MAX: usize = 64;

/// Frame buffers for channels, reused (a frame copy per segment; no allocation once warm).
struct FramePool(Vec<Vec<u8>>);

impl FramePool {
    fn take(&mut self) -> Vec<u8> {
        self.0.pop().unwrap_or_default()
    }
    fn give(&mut self, mut b: Vec<u8>) {
        if self.0.len() < 256 && b.capacity() >= 64 && b.capacity() <= 2048 {
            b.clear();
            self.0.push(b);
        }
    }
}

static FRAME_POOL: Mutex<FramePool> = Mutex::new(FramePool(Vec::new()));

/// Channel statistics: segments queued to channels, processed by their readers.
pub static CHAN_QUEUED: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
pub static CHAN_DRAINED: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// The flow of an Ethernet frame carrying an IPv4 TCP segment: (destination port, source
/// address, source port), i.e. the receiving socket's (local port, remote address, remote
/// port). None for anything else (ARP, IPv6, UDP, fragments, short frames): the shared stack
/// takes those.
fn tcp_flow(f: &[u8]) -> Option<(u16, IpAddress, u16)> {
    if f.len() < 14 + 20 + 20 || f[12..14] != [0x08, 0x00] {
        return None;
    }
    let ip = &f[14..];
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    if ip[0] >> 4 != 4 || ihl < 20 || ip[9] != 6 || ip.len() < ihl + 20 {
        return None;
    }
    // Fragments (more fragments set, or an offset) go to the stack, which reassembles.
    if u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff != 0 {
        return None;
    }
    let src = IpAddress::Ipv4(Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]));
    let tcp = &ip[ihl..];
    let sport = u16::from_be_bytes([tcp[0], tcp[1]]);
    let dport = u16::from_be_bytes([tcp[2], tcp[3]]);
    Some((dport, src, sport))
}

/// Socket buffer budget unless the kernel sets one ([`Stack::set_buffer_budget`]).
pub const DEFAULT_BUFFER_BUDGET: usize = 32 * 1024 * 1024;

pub struct Stack {
    inner: Mutex<Inner>,
    ids: core::sync::atomic::AtomicU64,
    has_nic: core::sync::atomic::AtomicBool,
    /// Data was queued for sending since the last poll ([`Stack::defer_tx`]).
    tx_due: core::sync::atomic::AtomicBool,
    /// The sequence number of the poll whose `next_ns` the timer holds ([`Stack::arm_timer`]).
    armed: Mutex<u64>,
    /// The latest poll's `next_ns` (u64::MAX: none), readable without the stack's lock
    /// ([`Stack::timer_overdue`]).
    next_at: core::sync::atomic::AtomicU64,
}

fn instant(now_ns: u64) -> Instant {
    Instant::from_micros((now_ns / 1000) as i64)
}

/// A zeroed buffer, or Err when the heap cannot give it (never a kernel panic).
pub(crate) fn zeroed(len: usize) -> Result<Vec<u8>, osprey_abi::Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| osprey_abi::Errno::ENOBUFS)?;
    v.resize(len, 0);
    Ok(v)
}

pub(crate) fn is_loopback(a: IpAddress) -> bool {
    IpAddr::from(a).is_loopback()
}

fn v4(a: [u8; 4]) -> IpAddress {
    IpAddress::Ipv4(Ipv4Addr::from(a))
}

impl Stack {
    /// A stack with the loop interface only (no card yet).
    pub fn new_loopback(seed: u64, now_ns: u64) -> Stack {
        let now = instant(now_ns);
        let mut lo_dev = LoopDev {
            queue: VecDeque::new(),
        };
        let mut cfg = IfaceConfig::new(HardwareAddress::Ip);
        cfg.random_seed = seed;
        let mut lo = Interface::new(cfg, &mut lo_dev, now);
        lo.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(v4([127, 0, 0, 1]), 8));
            let _ = a.push(IpCidr::new(IpAddress::Ipv6(Ipv6Addr::LOCALHOST), 128));
        });
        Stack {
            inner: Mutex::new(Inner {
                lo,
                lo_dev,
                lo_socks: SocketSet::new(vec![]),
                eth: None,
                eth_socks: SocketSet::new(vec![]),
                now,
                ports: BTreeMap::new(),
                next_ephemeral: EPHEMERAL.0 + (seed % 1000) as u16,
                listeners: BTreeMap::new(),
                orphans: Vec::new(),
                dns: Vec::new(),
                buf_used: 0,
                buf_budget: DEFAULT_BUFFER_BUDGET,
                chan_on: false,
                flows: BTreeMap::new(),
                channels: BTreeMap::new(),
                chan_hits: Vec::new(),
                timer_at: None,
                polls: 0,
                drained: false,
                eth_udp: 0,
            }),
            ids: core::sync::atomic::AtomicU64::new(1),
            has_nic: core::sync::atomic::AtomicBool::new(false),
            tx_due: core::sync::atomic::AtomicBool::new(false),
            armed: Mutex::new(0),
            next_at: core::sync::atomic::AtomicU64::new(u64::MAX),
        }
    }

    /// A stack over `nic` configured by `config`.
    pub fn new(nic: Box<dyn Nic>, config: Config, now_ns: u64) -> Stack {
        let s = Stack::new_loopback(config.seed, now_ns);
        s.attach(nic, config, now_ns);
        s
    }

    /// Gives the stack its card (once).
    fn attach(&self, nic: Box<dyn Nic>, config: Config, now_ns: u64) {
        let now = instant(now_ns);
        let mut g = self.inner.lock();
        if g.eth.is_some() {
            return;
        }
        let mac = nic.mac();
        let mut dev = NicDev {
            nic,
            rx: Vec::new(),
            inject: VecDeque::new(),
            inject_only: false,
        };
        let mut cfg = IfaceConfig::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        cfg.random_seed = config.seed ^ 0x5eed;
        let mut iface = Interface::new(cfg, &mut dev, now);
        // IPv6 link-local address from the MAC (modified EUI-64).
        let ll = Ipv6Addr::new(
            0xfe80,
            0,
            0,
            0,
            u16::from_be_bytes([mac[0] ^ 2, mac[1]]),
            u16::from_be_bytes([mac[2], 0xff]),
            u16::from_be_bytes([0xfe, mac[3]]),
            u16::from_be_bytes([mac[4], mac[5]]),
        );
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(IpAddress::Ipv6(ll), 64));
        });
        let mut dhcp = None;
        match config.ip {
            Some((ip, prefix)) => {
                iface.update_ip_addrs(|a| {
                    let _ = a.push(IpCidr::new(v4(ip), prefix.min(32)));
                });
                if let Some(gw) = config.gateway {
                    let _ = iface
                        .routes_mut()
                        .add_default_ipv4_route(Ipv4Addr::from(gw));
                }
                g.dns = config.dns.iter().map(|&d| IpAddr::from(d)).collect();
            }
            None => dhcp = Some(g.eth_socks.add(dhcpv4::Socket::new())),
        }
        g.eth = Some(Eth { iface, dev, dhcp });
        g.mirror_addresses();
        self.has_nic
            .store(true, core::sync::atomic::Ordering::Release);
    }

    /// Processes received frames and timers, sends what is due.
    pub fn poll(&self, now_ns: u64) -> Polled {
        // Cleared before the poll: data queued after this point waits for the next one.
        self.tx_due
            .store(false, core::sync::atomic::Ordering::SeqCst);
        let mut g = self.inner.lock();
        let p = g.poll(instant(now_ns));
        self.next_at.store(
            p.next_ns.unwrap_or(u64::MAX),
            core::sync::atomic::Ordering::SeqCst,
        );
        p
    }

    /// Arms the caller's timer (`arm`: the kernel's network timer) for the poll `p` asked
    /// for, unless a later poll's request was armed already. Polls on several CPUs (a socket
    /// call's, the kernel's) finish in one order and arm in another: the earlier poll's
    /// request, armed last, would replace the later one's (a retransmission, a zero-window
    /// probe) with its own, or with none, and with every thread waiting nothing would poll
    /// again.
    pub fn arm_timer(&self, p: &Polled, arm: impl FnOnce(Option<u64>)) {
        let mut last = self.armed.lock();
        if p.seq > *last {
            *last = p.seq;
            arm(p.next_ns);
        }
    }

    /// Whether the latest poll's timer request is past at `now_ns` (a safety net for a
    /// waiting thread: a timer the kernel lost must not leave the stack unpolled).
    pub fn timer_overdue(&self, now_ns: u64) -> bool {
        now_ns >= self.next_at.load(core::sync::atomic::Ordering::SeqCst)
    }

    /// Whether the latest poll asked to be polled again by `deadline_ns` (a deferred send
    /// needs no timer of its own then: that poll sends it).
    pub fn timer_due_by(&self, deadline_ns: u64) -> bool {
        self.next_at.load(core::sync::atomic::Ordering::SeqCst) <= deadline_ns
    }

    /// Turns net channels on or off (the kernel's `netchan=` boot flag). Only connections
    /// made after the change get a channel.
    pub fn set_channels(&self, on: bool) {
        self.inner.lock().chan_on = on;
    }

    /// The ids of the sockets whose channel got segments since the last call (their readers
    /// should look: fire their readiness sources, wake the waiters).
    pub fn take_channel_hits(&self) -> Vec<u64> {
        let mut g = self.inner.lock();
        if g.chan_hits.is_empty() {
            return Vec::new();
        }
        core::mem::take(&mut g.chan_hits)
    }

    /// Whether a socket call drained its channel since the last poll, so that a poll is due
    /// (answered by [`Stack::defer_tx`]'s note, like a send's).
    pub fn take_drained(&self) -> bool {
        let mut g = self.inner.lock();
        core::mem::take(&mut g.drained)
    }

    /// Notes that a socket queued data to send, to go out at the next poll ([`Stack::tx_due`]):
    /// a thread that answers several connections in a row sends all the answers with one
    /// poll (each poll walks every socket). True when the note is new (the caller makes
    /// sure a poll comes soon).
    pub fn defer_tx(&self) -> bool {
        !self.tx_due.swap(true, core::sync::atomic::Ordering::SeqCst)
    }

    /// Whether data queued since the last poll waits for one.
    pub fn tx_due(&self) -> bool {
        self.tx_due.load(core::sync::atomic::Ordering::SeqCst)
    }

    /// [`Stack::poll`] unless the stack is busy (None): for an interrupt handler, which must
    /// not spin on a lock the thread it interrupted may hold. On None, poll again soon (the
    /// holder's own poll may already take the frames).
    pub fn try_poll(&self, now_ns: u64) -> Option<Polled> {
        self.inner.try_lock().map(|mut g| g.poll(instant(now_ns)))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock()
    }

    /// A new socket identity (port claims are per owner).
    pub(crate) fn new_id(&self) -> u64 {
        self.ids.fetch_add(1, core::sync::atomic::Ordering::Relaxed)
    }

    /// The interface's IPv4 address and prefix length, once configured (DHCP may take a
    /// moment).
    pub fn ipv4(&self) -> Option<(Ipv4Addr, u8)> {
        let g = self.inner.lock();
        let eth = g.eth.as_ref()?;
        eth.iface.ip_addrs().iter().find_map(|c| match c {
            IpCidr::Ipv4(c) => Some((c.address(), c.prefix_len())),
            _ => None,
        })
    }

    /// Whether the card's address is still to come from DHCP (no static configuration, no
    /// lease yet).
    pub fn awaiting_lease(&self) -> bool {
        let g = self.inner.lock();
        g.eth.as_ref().is_some_and(|eth| {
            eth.dhcp.is_some()
                && !eth
                    .iface
                    .ip_addrs()
                    .iter()
                    .any(|c| matches!(c, IpCidr::Ipv4(_)))
        })
    }

    /// DNS servers: the static configuration's or the DHCP lease's.
    pub fn dns_servers(&self) -> Vec<IpAddr> {
        self.inner.lock().dns.clone()
    }

    /// Caps the bytes of socket buffers (give a share of the VM's memory).
    pub fn set_buffer_budget(&self, bytes: usize) {
        self.inner.lock().buf_budget = bytes;
    }

    /// Bytes of socket buffers in use.
    pub fn buffer_bytes(&self) -> usize {
        self.inner.lock().buf_used
    }

    /// Open smoltcp sockets (both interfaces), for leak checks.
    pub fn socket_count(&self) -> usize {
        let g = self.inner.lock();
        g.lo_socks.iter().count() + g.eth_socks.iter().count()
    }

    /// One line per TCP connection (both interfaces; listening sockets left out) with its
    /// sequence-space and timer state, and the loop device's queue and the stack's next
    /// poll: what a stalled connection is waiting for.
    pub fn dump_tcp(&self, w: &mut dyn core::fmt::Write) -> core::fmt::Result {
        let g = self.inner.lock();
        writeln!(
            w,
            "net: now={} next poll={:?} loop queue={} packets",
            g.now,
            g.timer_at,
            g.lo_dev.queue.len()
        )?;
        for (name, set) in [("lo", &g.lo_socks), ("eth", &g.eth_socks)] {
            for (_, sock) in set.iter() {
                if let smoltcp::socket::Socket::Tcp(t) = sock {
                    if t.state() == tcp::State::Listen {
                        continue;
                    }
                    write!(w, "net: {name} ")?;
                    t.write_state(w)?;
                    writeln!(w)?;
                }
            }
        }
        Ok(())
    }
}

impl Inner {
    pub fn sockets(&mut self, side: Side) -> &mut SocketSet<'static> {
        match side {
            Side::Lo => &mut self.lo_socks,
            Side::Eth => &mut self.eth_socks,
        }
    }

    pub fn tcp_ref(&self, s: Sock) -> &tcp::Socket<'static> {
        match s.0 {
            Side::Lo => self.lo_socks.get::<tcp::Socket>(s.1),
            Side::Eth => self.eth_socks.get::<tcp::Socket>(s.1),
        }
    }

    pub fn tcp(&mut self, s: Sock) -> &mut tcp::Socket<'static> {
        self.sockets(s.0).get_mut::<tcp::Socket>(s.1)
    }

    /// Whether `addr` is one of this machine's addresses (or loopback).
    pub fn is_local(&self, addr: IpAddress) -> bool {
        is_loopback(addr) || self.lo.has_ip_addr(addr)
    }

    /// The interface that reaches `dst`: loopback for local addresses, the card otherwise
    /// (None: no route, ENETUNREACH).
    pub fn side_for(&self, dst: IpAddress) -> Option<Side> {
        if self.is_local(dst) {
            Some(Side::Lo)
        } else if self.eth.is_some() {
            Some(Side::Eth)
        } else {
            None
        }
    }

    /// The address a datagram or connection to `dst` leaves from, as Linux picks it for a
    /// socket bound to the wildcard: the destination itself when it is one of ours (loopback
    /// included), else the card's address (None: no route, or no address yet).
    pub fn source_for(&self, dst: IpAddress) -> Option<IpAddress> {
        match self.side_for(dst)? {
            Side::Lo => Some(dst),
            Side::Eth => self.eth.as_ref()?.iface.get_source_address(&dst),
        }
    }

    /// Interfaces a socket bound to `addr` (None: the wildcard) listens on.
    pub fn sides_for_bind(&self, addr: Option<IpAddress>) -> Vec<Side> {
        let mut v = vec![Side::Lo];
        if self.eth.is_some() && !addr.is_some_and(is_loopback) {
            v.push(Side::Eth);
        }
        v
    }

    /// Copies the card's addresses onto the loop interface, so that connections to them
    /// from inside are made there.
    fn mirror_addresses(&mut self) {
        let own: Vec<IpCidr> = match &self.eth {
            Some(e) => e
                .iface
                .ip_addrs()
                .iter()
                .map(|c| {
                    IpCidr::new(
                        c.address(),
                        if c.address().version() == smoltcp::wire::IpVersion::Ipv4 {
                            32
                        } else {
                            128
                        },
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        self.lo.update_ip_addrs(|a| {
            a.retain(|c| is_loopback(c.address()));
            for c in own {
                let _ = a.push(c);
            }
        });
    }

    // ---- net channels ----

    /// Gives connection `s` (owned by socket `id`) a channel, if channels are on and it
    /// goes through the card.
    pub fn open_channel(&mut self, id: u64, s: Sock) {
        if !self.chan_on || s.0 != Side::Eth || self.channels.contains_key(&id) {
            return;
        }
        let t = self.tcp_ref(s);
        let (Some(local), Some(remote)) = (t.local_endpoint(), t.remote_endpoint()) else {
            return;
        };
        let flow = (local.port, remote.addr, remote.port);
        self.flows.insert(flow, id);
        self.channels.insert(
            id,
            Channel {
                flow,
                frames: VecDeque::new(),
                since: self.now,
            },
        );
    }

    /// Processes the segments socket `id`'s channel holds (in the caller's context: the
    /// thread that reads or writes the socket). Whether there were any.
    pub fn drain_channel(&mut self, id: u64) -> bool {
        let Some(c) = self.channels.get_mut(&id) else {
            return false;
        };
        if c.frames.is_empty() {
            return false;
        }
        let n = c.frames.len();
        let Some(eth) = self.eth.as_mut() else {
            c.frames.clear();
            return false;
        };
        eth.dev.inject.extend(c.frames.drain(..));
        CHAN_DRAINED.fetch_add(n as u64, core::sync::atomic::Ordering::Relaxed);
        self.ingress_injected();
        // ACKs and window updates the segments call for leave with the next poll, which
        // the reader's answer or its next wait makes.
        self.drained = true;
        true
    }

    /// Runs smoltcp over the injected frames only. Whether some socket's state changed.
    fn ingress_injected(&mut self) -> bool {
        let now = self.now;
        let Some(eth) = self.eth.as_mut() else {
            return false;
        };
        eth.dev.inject_only = true;
        let mut changed = false;
        let mut listeners = false;
        while !eth.dev.inject.is_empty() {
            match eth
                .iface
                .poll_ingress_single(now, &mut eth.dev, &mut self.eth_socks)
            {
                PollIngressSingleResult::None => break,
                PollIngressSingleResult::PacketProcessed => {}
                PollIngressSingleResult::SocketStateChanged => {
                    changed = true;
                    listeners = true;
                }
            }
        }
        eth.dev.inject_only = false;
        eth.dev.nic.flush(); // an RST or ACK the segments called for
        if listeners {
            self.refill_listeners();
        }
        changed
    }

    /// Closes socket `id`'s channel: what it holds is processed first, and the flow's
    /// later segments go to the shared stack.
    pub fn close_channel(&mut self, id: u64) {
        self.drain_channel(id);
        if let Some(c) = self.channels.remove(&id) {
            self.flows.remove(&c.flow);
        }
    }

    /// Takes the card's frames (a bounded batch), queueing each TCP segment of a flow with a
    /// channel there and processing the rest with smoltcp. Whether some socket's state
    /// changed (the shared stack's part), and whether the batch was full.
    fn ingress_classified(&mut self) -> (bool, bool) {
        let mut changed = false;
        // Segments their reader left waiting too long are processed here.
        let now = self.now;
        let stale: Vec<u64> = self
            .channels
            .iter()
            .filter(|(_, c)| !c.frames.is_empty() && now >= c.since + CHANNEL_WAIT)
            .map(|(&id, _)| id)
            .collect();
        for id in stale {
            self.drain_channel(id);
            changed = true;
        }
        let mut taken = 0;
        loop {
            let Some(eth) = self.eth.as_mut() else {
                break;
            };
            let mut frame = None;
            let got = eth.dev.nic.receive(&mut |f| {
                let mut b = FRAME_POOL.lock().take();
                b.extend_from_slice(f);
                frame = Some(b);
            });
            if !got {
                break;
            }
            taken += 1;
            let Some(f) = frame else { continue };
            let owner = tcp_flow(&f).and_then(|k| self.flows.get(&k).copied());
            match owner.and_then(|id| self.channels.get_mut(&id).map(|c| (id, c))) {
                Some((id, c)) if c.frames.len() < CHANNEL_MAX => {
                    if c.frames.is_empty() {
                        c.since = self.now;
                    }
                    c.frames.push_back(f);
                    CHAN_QUEUED.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                    if !self.chan_hits.contains(&id) {
                        self.chan_hits.push(id);
                    }
                }
                Some((id, _)) => {
                    // A full channel (its reader is slow): the shared stack catches up.
                    self.drain_channel(id);
                    if let Some(eth) = self.eth.as_mut() {
                        eth.dev.inject.push_back(f);
                    }
                    changed |= self.ingress_injected();
                    if !self.chan_hits.contains(&id) {
                        self.chan_hits.push(id);
                    }
                }
                None => {
                    if let Some(eth) = self.eth.as_mut() {
                        eth.dev.inject.push_back(f);
                    }
                    changed |= self.ingress_injected();
                }
            }
            if taken >= 4096 {
                return (changed, true);
            }
        }
        (changed, false)
    }

    // ---- ports ----

    /// Whether a new claim (`addr`, `reuseaddr`, `reuseport`, `listening`) on `port` clashes
    /// with the existing ones (Linux's rules, without TIME_WAIT: closed connections hold no
    /// port here).
    fn clashes(&self, proto: Proto, port: u16, new: &Claim) -> bool {
        let Some(claims) = self.ports.get(&(proto, port)) else {
            return false;
        };
        claims.iter().any(|c| {
            if c.owner == new.owner {
                return false;
            }
            let families = !matches!(
                (c.family, new.family),
                (Family::V4, Family::V6Only) | (Family::V6Only, Family::V4)
            );
            let overlap = families
                && match (c.addr, new.addr) {
                    (None, _) | (_, None) => true,
                    (Some(a), Some(b)) => a == b,
                };
            if !overlap || (c.reuseport && new.reuseport) {
                return false;
            }
            match proto {
                // SO_REUSEADDR on both lets sockets share a port unless one listens.
                Proto::Tcp => !c.reuseaddr || !new.reuseaddr || c.listening || new.listening,
                Proto::Udp => !(c.reuseaddr && new.reuseaddr),
            }
        })
    }

    /// Claims `port` (0: an ephemeral one) for `claim.owner`; EADDRINUSE on a clash.
    pub fn claim(
        &mut self,
        proto: Proto,
        port: u16,
        claim: Claim,
    ) -> Result<u16, osprey_abi::Errno> {
        let port = if port == 0 {
            let span = EPHEMERAL.1 - EPHEMERAL.0 + 1;
            let mut found = None;
            for _ in 0..span {
                let p = self.next_ephemeral;
                self.next_ephemeral = if p >= EPHEMERAL.1 { EPHEMERAL.0 } else { p + 1 };
                if !self.ports.contains_key(&(proto, p)) {
                    found = Some(p);
                    break;
                }
            }
            found.ok_or(osprey_abi::Errno::EADDRINUSE)?
        } else {
            if self.clashes(proto, port, &claim) {
                return Err(osprey_abi::Errno::EADDRINUSE);
            }
            port
        };
        self.ports.entry((proto, port)).or_default().push(claim);
        Ok(port)
    }

    /// Marks `owner`'s claim on `port` listening; EADDRINUSE if another listener holds it.
    pub fn claim_listen(&mut self, port: u16, owner: u64) -> Result<(), osprey_abi::Errno> {
        let Some(mine) = self
            .ports
            .get(&(Proto::Tcp, port))
            .and_then(|v| v.iter().find(|c| c.owner == owner))
            .cloned()
        else {
            return Err(osprey_abi::Errno::EINVAL);
        };
        let probe = Claim {
            listening: true,
            ..mine
        };
        if self.clashes(Proto::Tcp, port, &probe) {
            return Err(osprey_abi::Errno::EADDRINUSE);
        }
        if let Some(c) = self
            .ports
            .get_mut(&(Proto::Tcp, port))
            .and_then(|v| v.iter_mut().find(|c| c.owner == owner))
        {
            c.listening = true;
        }
        Ok(())
    }

    pub fn release(&mut self, proto: Proto, port: u16, owner: u64) {
        if let Some(v) = self.ports.get_mut(&(proto, port)) {
            v.retain(|c| c.owner != owner);
            if v.is_empty() {
                self.ports.remove(&(proto, port));
            }
        }
    }

    // ---- TCP sockets ----

    /// Reserves `bytes` of buffers; ENOBUFS over budget.
    pub fn reserve(&mut self, bytes: usize) -> Result<(), osprey_abi::Errno> {
        if self.buf_used + bytes > self.buf_budget {
            return Err(osprey_abi::Errno::ENOBUFS);
        }
        self.buf_used += bytes;
        Ok(())
    }

    pub fn unreserve(&mut self, bytes: usize) {
        self.buf_used = self.buf_used.saturating_sub(bytes);
    }

    /// A new smoltcp TCP socket with `opts`, in `side`'s set; ENOBUFS over the budget.
    ///
    /// Under memory pressure (over half the budget used) the buffers are smaller than asked,
    /// so that many connections degrade throughput rather than get refused.
    pub fn new_tcp(&mut self, side: Side, opts: &TcpOpts) -> Result<Sock, osprey_abi::Errno> {
        // Half the buffer for each halving of the room left below half the budget.
        let free = self.buf_budget.saturating_sub(self.buf_used);
        let (mut shift, mut level) = (0, self.buf_budget / 2);
        while free < level && shift < 4 {
            shift += 1;
            level /= 2;
        }
        let rx = (opts.rcvbuf >> shift).max(MIN_TCP_BUF.min(opts.rcvbuf));
        let tx = (opts.sndbuf >> shift).max(MIN_TCP_BUF.min(opts.sndbuf));
        self.reserve(rx + tx)?;
        let (rxb, txb) = match (zeroed(rx), zeroed(tx)) {
            (Ok(r), Ok(t)) => (r, t),
            _ => {
                self.unreserve(rx + tx);
                return Err(osprey_abi::Errno::ENOBUFS);
            }
        };
        let mut s = tcp::Socket::new(tcp::SocketBuffer::new(rxb), tcp::SocketBuffer::new(txb));
        apply_opts(&mut s, side, opts);
        Ok((side, self.sockets(side).add(s)))
    }

    /// smoltcp's connect() on `s` (it needs the interface's context beside the socket).
    pub fn connect_tcp(
        &mut self,
        s: Sock,
        remote: smoltcp::wire::IpEndpoint,
        local: IpListenEndpoint,
    ) -> Result<(), osprey_abi::Errno> {
        let (cx, set) = match s.0 {
            Side::Lo => (self.lo.context(), &mut self.lo_socks),
            Side::Eth => match self.eth.as_mut() {
                Some(e) => (e.iface.context(), &mut self.eth_socks),
                None => return Err(osprey_abi::Errno::ENETUNREACH),
            },
        };
        set.get_mut::<tcp::Socket>(s.1)
            .connect(cx, remote, local)
            .map_err(|_| osprey_abi::Errno::EADDRNOTAVAIL)
    }

    /// Removes a socket from its set, returning its buffers to the budget.
    pub fn remove(&mut self, s: Sock) {
        let bytes = match self.sockets(s.0).remove(s.1) {
            smoltcp::socket::Socket::Tcp(t) => t.recv_capacity() + t.send_capacity(),
            smoltcp::socket::Socket::Udp(u) => {
                if s.0 == Side::Eth {
                    self.eth_udp = self.eth_udp.saturating_sub(1);
                }
                u.payload_recv_capacity() + u.payload_send_capacity()
            }
            _ => 0,
        };
        self.buf_used = self.buf_used.saturating_sub(bytes);
    }

    /// The app closed a connection: it finishes in the background (RST when `abort`).
    pub fn orphan(&mut self, s: Sock, abort: bool) {
        let t = self.tcp(s);
        if abort {
            t.abort();
        } else {
            t.close();
        }
        let deadline = self.now + ORPHAN_TIMEOUT;
        self.orphans.push(Orphan { sock: s, deadline });
    }

    /// Forgets backlog connections that were reset or timed out before accept().
    fn prune_backlogs(&mut self) {
        if self.listeners.is_empty() {
            return;
        }
        let mut ls = core::mem::take(&mut self.listeners);
        for l in ls.values_mut() {
            l.pending.retain(|&s| {
                let closed = self.tcp(s).state() == tcp::State::Closed;
                if closed {
                    self.remove(s);
                }
                !closed
            });
        }
        self.listeners = ls;
    }

    fn reap_orphans(&mut self) -> bool {
        self.prune_backlogs();
        let now = self.now;
        let mut i = 0;
        let mut any = false;
        while i < self.orphans.len() {
            let s = self.orphans[i].sock;
            let state = self.tcp(s).state();
            if matches!(state, tcp::State::Closed | tcp::State::TimeWait) {
                self.remove(s);
                self.orphans.swap_remove(i);
                any = true;
                continue;
            }
            if now >= self.orphans[i].deadline {
                self.tcp(s).abort();
            }
            i += 1;
        }
        any
    }

    /// Tops up every listener's pool of LISTEN sockets, moving the ones SYNs took to the
    /// backlog. Returns whether some connection arrived.
    pub fn refill_listeners(&mut self) -> bool {
        if self.listeners.is_empty() {
            return false;
        }
        // Taken out for the loop (no allocation), so the sockets can be worked on.
        let mut ls = core::mem::take(&mut self.listeners);
        let mut arrived = false;
        for l in ls.values_mut() {
            arrived |= self.refill(l);
        }
        self.listeners = ls;
        arrived
    }

    fn refill(&mut self, l: &mut Listener) -> bool {
        let mut arrived = false;
        let mut i = 0;
        while i < l.idle.len() {
            let s = l.idle[i];
            if self.tcp(s).state() == tcp::State::Listen {
                i += 1;
            } else {
                l.idle.swap_remove(i);
                l.pending.push_back(s);
                arrived = true;
            }
        }
        for side in [Side::Lo, Side::Eth] {
            if side == Side::Eth && (self.eth.is_none() || l.endpoint.addr.is_some_and(is_loopback))
            {
                continue;
            }
            let have = l.idle.iter().filter(|s| s.0 == side).count();
            let room = l.backlog.saturating_sub(l.pending.len());
            for _ in have..IDLE_PER_SIDE.min(room) {
                let Ok(s) = self.new_tcp(side, &l.opts) else {
                    break;
                };
                // A handshake never completed (a SYN flood), or a connection never accepted,
                // gives up: its buffers go back.
                self.tcp(s).set_timeout(Some(POOL_TIMEOUT));
                if self.tcp(s).listen(l.endpoint).is_err() {
                    self.remove(s);
                    break;
                }
                l.idle.push(s);
            }
        }
        arrived
    }

    /// Closes a listener: connections not accepted yet are reset, as on Linux.
    pub fn drop_listener(&mut self, id: u64) {
        if let Some(l) = self.listeners.remove(&id) {
            for s in l.idle {
                self.remove(s);
            }
            for s in l.pending {
                self.orphan(s, true);
            }
        }
    }

    // ---- polling ----

    fn poll(&mut self, now: Instant) -> Polled {
        self.now = now;
        let mut changed = false;
        // The loop interface: send, then take back what was sent, until it is quiet (each
        // round is a step of the conversation between two local sockets).
        for _ in 0..64 {
            if self
                .lo
                .poll_egress(now, &mut self.lo_dev, &mut self.lo_socks)
                == PollResult::SocketStateChanged
            {
                changed = true;
            }
            let mut any = false;
            loop {
                match self
                    .lo
                    .poll_ingress_single(now, &mut self.lo_dev, &mut self.lo_socks)
                {
                    PollIngressSingleResult::None => break,
                    PollIngressSingleResult::PacketProcessed => any = true,
                    PollIngressSingleResult::SocketStateChanged => {
                        any = true;
                        changed = true;
                        self.refill_listeners();
                    }
                }
            }
            if !any {
                break;
            }
        }
        let timers_due = self.timer_at.is_some_and(|t| now >= t);
        if self.eth.is_some() && self.chan_on {
            // Net channels: segments of connections with a channel wait for their readers;
            // the rest goes through smoltcp here. A poll that only sends (a socket call's)
            // changes no readiness unless timers ran (a connection timing out).
            let (ch, more) = self.ingress_classified();
            changed |= ch;
            if let Some(eth) = self.eth.as_mut() {
                if egress_due(&mut eth.iface, now, &self.eth_socks)
                    && egress_all(&mut eth.iface, now, &mut eth.dev, &mut self.eth_socks)
                    && timers_due
                {
                    changed = true;
                }
            }
            changed |= self.dhcp();
            changed |= more;
        } else if self.eth.is_some() {
            // A bounded batch per poll: a flood cannot keep the caller here forever.
            let mut more = false;
            for n in 0..4096 {
                let eth = match self.eth.as_mut() {
                    Some(e) => e,
                    None => break,
                };
                match eth
                    .iface
                    .poll_ingress_single(now, &mut eth.dev, &mut self.eth_socks)
                {
                    PollIngressSingleResult::None => break,
                    PollIngressSingleResult::PacketProcessed => {}
                    PollIngressSingleResult::SocketStateChanged => {
                        changed = true;
                        self.refill_listeners();
                    }
                }
                more = n == 4095;
            }
            // What was sent changes readiness only through timers that ran (a retransmission
            // giving up, a keep-alive timing out) or datagrams leaving their buffers: a
            // server's answer, sent by the poll its thread makes before it waits, costs no
            // look at every watched socket and no wake-up (as with net channels above).
            let sent_matters = timers_due || self.eth_udp > 0;
            if let Some(eth) = self.eth.as_mut() {
                if egress_due(&mut eth.iface, now, &self.eth_socks)
                    && egress_all(&mut eth.iface, now, &mut eth.dev, &mut self.eth_socks)
                    && sent_matters
                {
                    changed = true;
                }
            }
            changed |= self.dhcp();
            if more {
                changed = true;
            }
        }
        changed |= self.reap_orphans();
        // What drained channels called for has just been sent.
        self.drained = false;
        self.polls += 1;
        self.flush_nic();
        Polled {
            changed,
            next_ns: self.next_poll(),
            seq: self.polls,
        }
    }

    /// Lets the card send what this poll queued (one virtio notify for the batch).
    fn flush_nic(&mut self) {
        if let Some(eth) = self.eth.as_mut() {
            eth.dev.nic.flush();
        }
    }

    /// Applies what the DHCP client learned.
    fn dhcp(&mut self) -> bool {
        let Some(eth) = self.eth.as_mut() else {
            return false;
        };
        let Some(h) = eth.dhcp else {
            return false;
        };
        let event = match self.eth_socks.get_mut::<dhcpv4::Socket>(h).poll() {
            None => return false,
            Some(dhcpv4::Event::Configured(c)) => {
                Some((c.address, c.router, c.dns_servers.clone()))
            }
            Some(dhcpv4::Event::Deconfigured) => None,
        };
        eth.iface
            .update_ip_addrs(|a| a.retain(|c| !matches!(c, IpCidr::Ipv4(_))));
        eth.iface.routes_mut().remove_default_ipv4_route();
        match event {
            Some((addr, router, dns)) => {
                log::info!("net: DHCP lease {addr}, router {router:?}");
                eth.iface.update_ip_addrs(|a| {
                    let _ = a.push(IpCidr::Ipv4(Ipv4Cidr::new(
                        addr.address(),
                        addr.prefix_len(),
                    )));
                });
                if let Some(r) = router {
                    let _ = eth.iface.routes_mut().add_default_ipv4_route(r);
                }
                self.dns = dns.iter().map(|&d| IpAddr::V4(d)).collect();
            }
            None => {
                log::info!("net: DHCP lease lost");
                self.dns.clear();
            }
        }
        self.mirror_addresses();
        true
    }

    fn next_poll(&mut self) -> Option<u64> {
        let now = self.now;
        let mut at = self.lo.poll_at(now, &self.lo_socks);
        if let Some(eth) = self.eth.as_mut() {
            at = min_opt(at, eth.iface.poll_at(now, &self.eth_socks));
        }
        for o in &self.orphans {
            at = min_opt(at, Some(o.deadline));
        }
        for c in self.channels.values() {
            if !c.frames.is_empty() {
                at = min_opt(at, Some(c.since + CHANNEL_WAIT));
            }
        }
        self.timer_at = at;
        at.map(|t| t.total_micros().max(0) as u64 * 1000)
    }
}

/// Whether some socket of `iface` has something to send now (data, an ACK due, a timer
/// that passed, DHCP): otherwise its egress pass, which visits every socket and costs most
/// of a poll under TCG, is skipped (a received request is only ACKed with the answer or when
/// the delayed ACK's timer passes).
fn egress_due(iface: &mut Interface, now: Instant, socks: &SocketSet<'static>) -> bool {
    iface.poll_at(now, socks).is_some_and(|t| t <= now)
}

/// Most egress passes in one poll (each sends at most one packet per socket).
const EGRESS_PASSES: usize = 256;

/// Sends everything the sockets have to send that the card takes: smoltcp's `poll_egress`
/// dispatches at most one packet per socket per call, so one call per poll made a stream
/// send one segment per stack poll (the rest waited for the next poll, at once by the
/// timer: a poll, a timer interrupt and a card notify per segment). Passes stop when one
/// sends nothing (all sent, the window or the card full). Whether anything was sent.
fn egress_all(
    iface: &mut Interface,
    now: Instant,
    dev: &mut NicDev,
    socks: &mut SocketSet<'static>,
) -> bool {
    let mut sent = false;
    for _ in 0..EGRESS_PASSES {
        if iface.poll_egress(now, dev, socks) != PollResult::SocketStateChanged {
            break;
        }
        sent = true;
    }
    sent
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Applies socket options to a smoltcp TCP socket.
pub(crate) fn apply_opts(s: &mut tcp::Socket<'static>, side: Side, opts: &TcpOpts) {
    s.set_nagle_enabled(!opts.nodelay);
    // On the loop interface a delayed ACK only stalls the sender: nothing else is in flight
    // to piggyback on, and nobody may poll for 10 ms.
    if side == Side::Lo {
        s.set_ack_delay(None);
    }
    s.set_keep_alive(
        opts.keepalive
            .map(|secs| Duration::from_secs(secs.max(1) as u64)),
    );
}

static STACK: Once<Stack> = Once::new();

/// Makes the VM's stack over `nic` (once, at boot, when the VM has a card). If a socket
/// already made the loopback-only stack, the card is attached to it.
pub fn init(nic: Box<dyn Nic>, config: Config, now_ns: u64) -> &'static Stack {
    let seed = config.seed;
    let s = STACK.call_once(|| Stack::new_loopback(seed, now_ns));
    s.attach(nic, config, now_ns);
    s
}

/// The stack, if the VM has a network card.
pub fn stack() -> Option<&'static Stack> {
    // No lock: the kernel may ask from its interrupt path.
    STACK
        .get()
        .filter(|s| s.has_nic.load(core::sync::atomic::Ordering::Acquire))
}

/// The stack, if one was made (card or loopback only).
pub fn existing() -> Option<&'static Stack> {
    STACK.get()
}

/// The stack the sockets use: the card's, or a loopback-only one made on first use.
pub fn local(seed: u64, now_ns: u64) -> &'static Stack {
    STACK.call_once(|| Stack::new_loopback(seed, now_ns))
}
