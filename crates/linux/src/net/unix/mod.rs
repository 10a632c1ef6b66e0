//! AF_UNIX sockets: SOCK_STREAM, SOCK_SEQPACKET (`stream.rs`) and SOCK_DGRAM (`dgram.rs`).
//!
//! Every socket has its own receive queue of messages (bytes, SCM_RIGHTS files, the sender's
//! credentials and address). A sender appends to its peer's queue, so a connected pair needs
//! no shared object; a socket holds its peer weakly, and when a socket goes away (its last
//! descriptor closed) its Drop marks the peer hung up: reads then see end of stream after the
//! queued data, writes EPIPE. Queues are bounded by the receiver's SO_RCVBUF (and, for
//! datagrams, by a message count), which is what makes a writer wait.
//!
//! Names: abstract names live in a table of this module; a path name is a socket node made
//! in the VFS by bind (`mknod` S_IFSOCK, EADDRINUSE when the name exists) and the table maps
//! its (device, inode) to the bound socket, as Linux finds a socket from its inode. The
//! system calls resolve paths ([`resolve`]) because only they know the cwd. A node outlives
//! its socket (as on Linux): connecting to it then gives ECONNREFUSED.
//!
//! Locking: one spin lock per socket, never two at once (a sender locks itself, lets go,
//! then locks its peer), so no order can deadlock. Every change of a queue or a state tells
//! the affected socket's poll source (epoll) and calls `iowait::notify`.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use osprey_abi::poll::*;
use osprey_abi::socket::*;
use osprey_abi::Errno;
use osprey_vfs::OpenFile;
use spin::Mutex;

use super::addr::UnixAddr;
use super::{Ancillary, Received, SockAddr, Socket};
use crate::syscall::Ctx;

mod dgram;
mod stream;

#[cfg(test)]
mod tests;

/// Default and largest SO_RCVBUF/SO_SNDBUF (Linux's 212992 default, wmem_max).
const BUF_DEFAULT: usize = 212_992;
const BUF_MAX: usize = 4 << 20;
/// Queued datagrams per receiver (net.unix.max_dgram_qlen).
const DGRAM_QLEN: usize = 512;
/// Largest listen backlog (SOMAXCONN).
const SOMAXCONN: usize = 4096;

/// A name in the socket namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Abstract(Vec<u8>),
    Node(u64, u64),
}

static NAMES: Mutex<BTreeMap<Key, Weak<UnixSocket>>> = Mutex::new(BTreeMap::new());
static AUTOBIND: AtomicU64 = AtomicU64::new(1);

fn lookup(key: &Key) -> Option<Arc<UnixSocket>> {
    NAMES.lock().get(key).and_then(Weak::upgrade)
}

/// The socket bound at `addr`; ECONNREFUSED when nobody is (a stale node, a free name).
fn target(addr: &SockAddr) -> Result<Arc<UnixSocket>, Errno> {
    let key = match addr {
        SockAddr::Unix(UnixAddr::Abstract(n)) => Key::Abstract(n.clone()),
        SockAddr::Unix(UnixAddr::Node { dev, ino, .. }) => Key::Node(*dev, *ino),
        SockAddr::Unix(UnixAddr::Unnamed) => return Err(Errno::EINVAL),
        // A path the system call did not resolve (not expected): refuse rather than guess.
        SockAddr::Unix(UnixAddr::Path(_)) => return Err(Errno::ENOENT),
        _ => return Err(Errno::EINVAL),
    };
    lookup(&key).ok_or(Errno::ECONNREFUSED)
}

/// Turns an AF_UNIX path address into the node it names, for bind (`create`: makes the
/// socket node, EADDRINUSE if the name exists) or connect/sendto (the node must exist:
/// ENOENT, ECONNREFUSED if it is not a socket). Other addresses pass through.
pub fn resolve(cx: &Ctx, addr: SockAddr, create: bool) -> Result<SockAddr, Errno> {
    let SockAddr::Unix(UnixAddr::Path(path)) = addr else {
        return Ok(addr);
    };
    let base = cx.p.fs.lock().cwd.clone();
    if create {
        let mode =
            osprey_vfs::FileType::Socket.mode_bits() | (0o777 & !crate::syscall::fs::umask(cx));
        cx.p.vfs.mknod(&base, &path, mode, 0).map_err(|e| {
            if e == Errno::EEXIST {
                Errno::EADDRINUSE
            } else {
                e
            }
        })?;
    }
    let m = cx.p.vfs.stat(&base, &path, true)?;
    if m.file_type() != osprey_vfs::FileType::Socket {
        return Err(Errno::ECONNREFUSED);
    }
    Ok(SockAddr::Unix(UnixAddr::Node {
        path,
        dev: m.dev,
        ino: m.ino,
    }))
}

/// Undoes `resolve(.., create = true)` when the bind itself failed (Linux unlinks too).
pub fn unresolve(cx: &Ctx, addr: &SockAddr) {
    if let SockAddr::Unix(UnixAddr::Node { path, .. }) = addr {
        let base = cx.p.fs.lock().cwd.clone();
        let _ = cx.p.vfs.unlink(&base, path);
    }
}

/// The credentials a socket carries (SO_PEERCRED, SCM_CREDENTIALS by default). Osprey runs
/// one process; its pid is fixed and the app runs as root.
fn own_creds() -> Ucred {
    Ucred {
        pid: crate::process::PID,
        uid: 0,
        gid: 0,
    }
}

/// A kernel copy of what the app sends. ENOMEM when the heap cannot have it.
fn copy_out(data: &[u8]) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(data.len()).map_err(|_| Errno::ENOMEM)?;
    v.extend_from_slice(data);
    Ok(v)
}

/// One queued message: a datagram, a seqpacket record, or a stretch of stream bytes.
struct Msg {
    data: Vec<u8>,
    /// Bytes already read (streams read messages piecemeal).
    off: usize,
    rights: Vec<Arc<OpenFile>>,
    creds: Ucred,
    from: UnixAddr,
}

struct Listen {
    queue: VecDeque<Arc<UnixSocket>>,
    backlog: usize,
}

struct State {
    /// The bound name and its table key.
    addr: UnixAddr,
    key: Option<Key>,
    /// The connected peer (streams; a datagram socket's default destination).
    peer: Option<Weak<UnixSocket>>,
    peer_addr: UnixAddr,
    /// A stream was connected (stays true after the peer goes: reads then see the end).
    connected: bool,
    listen: Option<Listen>,
    rx: VecDeque<Msg>,
    rx_bytes: usize,
    /// No more data will arrive (own SHUT_RD, the peer's SHUT_WR, the peer gone).
    rcv_shut: bool,
    /// Nothing may be sent (own SHUT_WR, the peer's SHUT_RD, the peer gone).
    snd_shut: bool,
    passcred: bool,
    peercred: Option<Ucred>,
    rcvbuf: usize,
    sndbuf: usize,
    /// SO_ERROR.
    error: i32,
}

pub struct UnixSocket {
    ty: u32,
    me: Weak<UnixSocket>,
    st: Mutex<State>,
    source: osprey_vfs::PollSource,
}

impl UnixSocket {
    pub fn new(ty: u32) -> Arc<UnixSocket> {
        Arc::new_cyclic(|me| UnixSocket {
            ty,
            me: me.clone(),
            st: Mutex::new(State {
                addr: UnixAddr::Unnamed,
                key: None,
                peer: None,
                peer_addr: UnixAddr::Unnamed,
                connected: false,
                listen: None,
                rx: VecDeque::new(),
                rx_bytes: 0,
                rcv_shut: false,
                snd_shut: false,
                passcred: false,
                peercred: None,
                rcvbuf: BUF_DEFAULT,
                sndbuf: BUF_DEFAULT,
                error: 0,
            }),
            source: osprey_vfs::PollSource::new(),
        })
    }

    /// socketpair(2): two sockets connected to each other.
    pub fn pair(ty: u32) -> (Arc<UnixSocket>, Arc<UnixSocket>) {
        let (a, b) = (UnixSocket::new(ty), UnixSocket::new(ty));
        for (x, y) in [(&a, &b), (&b, &a)] {
            let mut s = x.st.lock();
            s.peer = Some(Arc::downgrade(y));
            s.connected = true;
            s.peercred = Some(own_creds());
        }
        (a, b)
    }

    fn stream_like(&self) -> bool {
        self.ty != SOCK_DGRAM
    }

    /// Readiness changed: tell the epoll instances watching (the poll source), wake the
    /// waiters.
    fn changed(&self) {
        self.source.changed();
        crate::iowait::notify();
    }

    fn peer(&self) -> Option<Arc<UnixSocket>> {
        self.st.lock().peer.as_ref().and_then(Weak::upgrade)
    }

    /// Queues `msg` for this socket to receive, if it has room (EAGAIN otherwise; EPIPE
    /// when it no longer receives). `all`: the whole message or nothing (datagrams,
    /// records); else as much as fits. Returns the bytes queued.
    fn deliver(&self, mut msg: Msg, bytes: &[u8], all: bool) -> Result<usize, Errno> {
        let r = {
            let mut s = self.st.lock();
            let room = s.rcvbuf.saturating_sub(s.rx_bytes);
            let mut refuse = if s.rcv_shut {
                Some(Errno::EPIPE)
            } else if all {
                if bytes.len() > s.rcvbuf.max(s.sndbuf) {
                    Some(Errno::EMSGSIZE)
                } else if (bytes.len() > room && !s.rx.is_empty())
                    || (!self.stream_like() && s.rx.len() >= DGRAM_QLEN)
                {
                    // An empty queue takes any message that fits the buffer at all, so one
                    // large record cannot wait forever.
                    Some(Errno::EAGAIN)
                } else {
                    None
                }
            } else if room == 0 {
                Some(Errno::EAGAIN)
            } else {
                None
            };
            // Only what is queued is copied (a stream takes as much as there is room for).
            if refuse.is_none() {
                let take = if all {
                    bytes.len()
                } else {
                    bytes.len().min(room)
                };
                match copy_out(&bytes[..take]) {
                    Ok(v) => msg.data = v,
                    Err(e) => refuse = Some(e),
                }
            }
            match refuse {
                // The refused message (and any files it carries) is dropped after the lock
                // is released: dropping a file may close a socket, which locks its peer.
                Some(e) => Err((e, msg)),
                None => {
                    let n = msg.data.len();
                    s.rx_bytes += n;
                    s.rx.push_back(msg);
                    Ok(n)
                }
            }
        };
        match r {
            Ok(n) => {
                self.changed();
                Ok(n)
            }
            Err((e, msg)) => {
                drop(msg);
                Err(e)
            }
        }
    }

    /// Whether a message of `len` bytes could be queued now (POLLOUT of a sender).
    fn has_room(&self) -> bool {
        let s = self.st.lock();
        s.rcv_shut || (s.rx_bytes < s.rcvbuf && (self.stream_like() || s.rx.len() < DGRAM_QLEN))
    }

    /// Takes one message's worth (datagram, record) or stream bytes from the queue into
    /// `buf`; None when the queue is empty.
    fn take(&self, buf: &mut [u8], anc: &mut Ancillary, flags: u32) -> Option<Received> {
        let peek = flags & MSG_PEEK != 0;
        let mut s = self.st.lock();
        if s.rx.is_empty() {
            return None;
        }
        let passcred = s.passcred;
        let mut got = 0;
        let full;
        let mut from = None;
        if self.ty == SOCK_STREAM {
            let mut i = 0;
            while got < buf.len() && i < s.rx.len() {
                let m = &mut s.rx[i];
                // Passed files mark a boundary: never merge them with bytes before them.
                if got > 0 && !m.rights.is_empty() {
                    break;
                }
                let n = (m.data.len() - m.off).min(buf.len() - got);
                buf[got..got + n].copy_from_slice(&m.data[m.off..m.off + n]);
                got += n;
                let had_rights = !m.rights.is_empty();
                if had_rights {
                    anc.rights = if peek {
                        m.rights.clone()
                    } else {
                        core::mem::take(&mut m.rights)
                    };
                }
                if passcred && anc.creds.is_none() {
                    anc.creds = Some(m.creds);
                }
                if !peek {
                    m.off += n;
                }
                i += 1;
                if had_rights {
                    break;
                }
            }
            full = got;
            if !peek {
                while s.rx.front().is_some_and(|m| m.off == m.data.len()) {
                    s.rx.pop_front();
                }
                s.rx_bytes -= got;
            }
        } else {
            let m = s.rx.front_mut().expect("checked not empty above");
            let n = m.data.len().min(buf.len());
            buf[..n].copy_from_slice(&m.data[..n]);
            got = n;
            full = m.data.len();
            anc.rights = if peek {
                m.rights.clone()
            } else {
                core::mem::take(&mut m.rights)
            };
            if passcred {
                anc.creds = Some(m.creds);
            }
            if self.ty == SOCK_DGRAM {
                from = Some(SockAddr::Unix(m.from.clone()));
            }
            if !peek {
                s.rx_bytes -= full;
                s.rx.pop_front();
            }
        }
        drop(s);
        if !peek {
            // The senders' POLLOUT depends on our room.
            self.changed();
            if let Some(p) = self.peer() {
                p.changed();
            }
        }
        Some(Received {
            len: got,
            full_len: full,
            from,
        })
    }

    fn bind_key(&self, addr: UnixAddr, key: Key) -> Result<(), Errno> {
        let mut s = self.st.lock();
        if s.key.is_some() {
            return Err(Errno::EINVAL);
        }
        let mut names = NAMES.lock();
        if names.get(&key).is_some_and(|w| w.strong_count() > 0) {
            return Err(Errno::EADDRINUSE);
        }
        names.insert(key.clone(), self.me.clone());
        s.key = Some(key);
        s.addr = addr;
        Ok(())
    }

    /// Linux's autobind: an abstract name of five hex digits, for an unnamed socket that
    /// binds with an empty address or sends datagrams with SO_PASSCRED receivers.
    fn autobind(&self) -> Result<(), Errno> {
        loop {
            let n = AUTOBIND.fetch_add(1, Ordering::Relaxed) & 0xfffff;
            let name = alloc::format!("{n:05x}").into_bytes();
            match self.bind_key(UnixAddr::Abstract(name.clone()), Key::Abstract(name)) {
                Err(Errno::EADDRINUSE) => continue,
                r => return r,
            }
        }
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        // Epoll registrations of this socket find it gone at their next look.
        self.source.changed();
        let s = self.st.get_mut();
        if let Some(key) = s.key.take() {
            let mut names = NAMES.lock();
            if names.get(&key).is_some_and(|w| w.strong_count() == 0) {
                names.remove(&key);
            }
        }
        // The peer of a stream is hung up: end of stream after its queued data, EPIPE on
        // writes. (A datagram peer finds us gone at its next send: ECONNREFUSED.)
        if let Some(p) = s.peer.take().and_then(|w| w.upgrade()) {
            if self.ty != SOCK_DGRAM {
                let mut ps = p.st.lock();
                ps.rcv_shut = true;
                ps.snd_shut = true;
            }
            p.changed();
        }
        crate::iowait::notify();
    }
}

impl Socket for UnixSocket {
    fn triple(&self) -> (u16, u32, i32) {
        (AF_UNIX, self.ty, 0)
    }

    fn bind(&self, addr: &SockAddr) -> Result<(), Errno> {
        let SockAddr::Unix(u) = addr else {
            return Err(Errno::EINVAL);
        };
        match u {
            UnixAddr::Unnamed => self.autobind(),
            UnixAddr::Abstract(n) => self.bind_key(u.clone(), Key::Abstract(n.clone())),
            UnixAddr::Node { path, dev, ino } => {
                self.bind_key(UnixAddr::Path(path.clone()), Key::Node(*dev, *ino))
            }
            UnixAddr::Path(_) => Err(Errno::ENOENT),
        }
    }

    fn listen(&self, backlog: i32) -> Result<(), Errno> {
        stream::listen(self, backlog)
    }

    fn connect(&self, addr: &SockAddr) -> Result<(), Errno> {
        if self.stream_like() {
            stream::connect(self, addr)
        } else {
            dgram::connect(self, addr)
        }
    }

    fn accept(&self) -> Result<(Arc<dyn Socket>, SockAddr), Errno> {
        stream::accept(self)
    }

    fn send(
        &self,
        data: &[u8],
        to: Option<&SockAddr>,
        anc: Ancillary,
        flags: u32,
    ) -> Result<usize, Errno> {
        if flags & MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        if self.stream_like() {
            stream::send(self, data, to, anc)
        } else {
            dgram::send(self, data, to, anc)
        }
    }

    fn recv(&self, buf: &mut [u8], anc: &mut Ancillary, flags: u32) -> Result<Received, Errno> {
        if flags & MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        if let Some(r) = self.take(buf, anc, flags) {
            return Ok(r);
        }
        let s = self.st.lock();
        if s.listen.is_some() {
            return Err(Errno::EINVAL);
        }
        if self.stream_like() && !s.connected {
            return Err(Errno::EINVAL);
        }
        if s.rcv_shut && (self.stream_like() || s.peer.is_some()) {
            return Ok(Received {
                len: 0,
                full_len: 0,
                from: None,
            });
        }
        Err(Errno::EAGAIN)
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        let (rd, wr) = match how {
            SHUT_RD => (true, false),
            SHUT_WR => (false, true),
            SHUT_RDWR => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let peer = {
            // Linux lets an unconnected socket be shut down too.
            let mut s = self.st.lock();
            s.rcv_shut |= rd;
            s.snd_shut |= wr;
            s.peer.as_ref().and_then(Weak::upgrade)
        };
        // The peer's opposite directions close with ours (Linux's unix_shutdown).
        if let Some(p) = peer {
            if self.stream_like() {
                let mut ps = p.st.lock();
                ps.snd_shut |= rd;
                ps.rcv_shut |= wr;
            }
            p.changed();
        }
        self.changed();
        Ok(())
    }

    fn poll(&self, events: u16) -> u16 {
        let (mut m, writable_peer) = {
            let s = self.st.lock();
            let mut m = 0u16;
            if s.rcv_shut && s.snd_shut {
                m |= POLLHUP as u16;
            }
            if s.rcv_shut {
                m |= (POLLRDHUP | POLLIN | POLLRDNORM) as u16;
            }
            if !s.rx.is_empty() || s.listen.as_ref().is_some_and(|l| !l.queue.is_empty()) {
                m |= (POLLIN | POLLRDNORM) as u16;
            }
            if s.error != 0 {
                m |= POLLERR as u16;
            }
            let mut peer = None;
            if self.stream_like() {
                if !s.connected && s.listen.is_none() {
                    m |= POLLHUP as u16;
                }
                if s.connected && !s.snd_shut {
                    peer = s.peer.as_ref().and_then(Weak::upgrade);
                }
            } else {
                peer = s.peer.as_ref().and_then(Weak::upgrade);
                if s.peer.is_none() {
                    // An unconnected datagram socket can always try to send.
                    m |= (POLLOUT | POLLWRNORM) as u16;
                }
            }
            if s.snd_shut && self.stream_like() {
                // Writing would fail at once (EPIPE): that does not block.
                m |= (POLLOUT | POLLWRNORM) as u16;
            }
            (m, peer)
        };
        if let Some(p) = writable_peer {
            if p.has_room() {
                m |= (POLLOUT | POLLWRNORM) as u16;
            }
        }
        m & (events | (POLLHUP | POLLERR) as u16)
    }

    fn local_addr(&self) -> Result<SockAddr, Errno> {
        Ok(SockAddr::Unix(self.st.lock().addr.clone()))
    }

    fn peer_addr(&self) -> Result<SockAddr, Errno> {
        let s = self.st.lock();
        if s.peer.is_none() && !s.connected {
            return Err(Errno::ENOTCONN);
        }
        Ok(SockAddr::Unix(s.peer_addr.clone()))
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        use osprey_abi::IntoBytes;
        let s = self.st.lock();
        let int = |v: usize| Ok((v as i32).to_ne_bytes().to_vec());
        match (level, name) {
            (SOL_SOCKET, SO_PEERCRED) => Ok(s
                .peercred
                .unwrap_or(Ucred {
                    pid: 0,
                    uid: u32::MAX,
                    gid: u32::MAX,
                })
                .as_bytes()
                .to_vec()),
            (SOL_SOCKET, SO_PASSCRED) => int(s.passcred as usize),
            (SOL_SOCKET, SO_RCVBUF) => int(s.rcvbuf),
            (SOL_SOCKET, SO_SNDBUF) => int(s.sndbuf),
            _ => Err(Errno::ENOPROTOOPT),
        }
    }

    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        let v = value
            .get(..4)
            .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(Errno::EINVAL)?;
        let mut s = self.st.lock();
        match (level, name) {
            (SOL_SOCKET, SO_PASSCRED) => s.passcred = v != 0,
            // Linux doubles the value for bookkeeping and reports the doubled value.
            (SOL_SOCKET, SO_RCVBUF | SO_RCVBUFFORCE) => {
                s.rcvbuf = (v.max(0) as usize * 2).clamp(2304, BUF_MAX)
            }
            (SOL_SOCKET, SO_SNDBUF | SO_SNDBUFFORCE) => {
                s.sndbuf = (v.max(0) as usize * 2).clamp(4608, BUF_MAX)
            }
            // Accepted and meaningless for a local socket.
            (SOL_SOCKET, SO_REUSEADDR | SO_KEEPALIVE) => {}
            _ => return Err(Errno::ENOPROTOOPT),
        }
        drop(s);
        self.changed();
        Ok(())
    }

    fn take_error(&self) -> i32 {
        core::mem::take(&mut self.st.lock().error)
    }

    fn listening(&self) -> bool {
        self.st.lock().listen.is_some()
    }

    fn bytes_readable(&self) -> usize {
        let s = self.st.lock();
        if self.ty == SOCK_STREAM {
            s.rx_bytes
        } else {
            s.rx.front().map_or(0, |m| m.data.len())
        }
    }

    /// Streams and records: a source. Datagram sockets have none (epoll polls them at every
    /// scan): a sender's POLLOUT depends on its destination's queue, and the destination's
    /// reads do not know every sender to tell.
    fn poll_source(&self) -> Option<&osprey_vfs::PollSource> {
        self.stream_like().then_some(&self.source)
    }
}

/// socket(AF_UNIX, ty, protocol): protocol 0 (or PF_UNIX) only.
pub fn create(ty: u32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    check(ty, protocol)?;
    Ok(UnixSocket::new(ty))
}

/// Two connected sockets.
pub type SocketPair = (Arc<dyn Socket>, Arc<dyn Socket>);

/// socketpair(AF_UNIX, ty, protocol).
pub fn create_pair(ty: u32, protocol: i32) -> Result<SocketPair, Errno> {
    check(ty, protocol)?;
    let (a, b) = UnixSocket::pair(ty);
    Ok((a, b))
}

fn check(ty: u32, protocol: i32) -> Result<(), Errno> {
    if protocol != 0 && protocol != AF_UNIX as i32 {
        return Err(Errno::EPROTONOSUPPORT);
    }
    match ty {
        SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET => Ok(()),
        // SOCK_RAW is Linux's alias of SOCK_DGRAM for AF_UNIX; rarely used, not here.
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}
