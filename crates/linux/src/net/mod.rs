//! Sockets: the object behind a socket descriptor, whatever its family.
//!
//! A family (AF_UNIX in `unix`, AF_INET/AF_INET6 in `inet` over `osprey-net`) implements
//! [`Socket`]; [`SocketFile`] wraps one as the inode of an anonymous `socket:[ino]` file so
//! that read/write/poll/close and the fd table work as for any file, and the socket system
//! calls (`syscall::net`) find the [`Socket`] again with [`socket_of`].
//!
//! Blocking follows the pipes' rule: a socket never blocks inside these methods. An operation
//! that cannot proceed returns EAGAIN (EINPROGRESS for a connect in progress), and the system
//! call waits for readiness with `crate::iowait` unless the descriptor is O_NONBLOCK or the
//! call passed MSG_DONTWAIT. Whatever changes a socket's readiness calls `iowait::notify`.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use osprey_abi::socket::*;
use osprey_abi::Errno;
use osprey_vfs::{Dentry, Inode, Metadata, OpenFile};

pub mod addr;
pub mod counters;
pub mod inet;
pub mod unix;

pub use addr::SockAddr;

/// What `sendmsg` carries besides bytes, and what `recvmsg` hands back.
#[derive(Default)]
pub struct Ancillary {
    /// SCM_RIGHTS: open files passed along (AF_UNIX only).
    pub rights: Vec<Arc<OpenFile>>,
    /// SCM_CREDENTIALS.
    pub creds: Option<Ucred>,
}

/// What one `recvmsg` got.
pub struct Received {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The datagram's whole length (MSG_TRUNC: larger than `len` when the buffer was short).
    pub full_len: usize,
    /// Who sent it (datagram sockets; None for connected streams).
    pub from: Option<SockAddr>,
}

/// A socket of some family. Methods never block: EAGAIN means "wait for readiness and try
/// again" (see the module comment). `flags` are the MSG_* flags of the call.
pub trait Socket: Send + Sync {
    /// (domain, type, protocol) as `socket(2)` was given them (type without flags).
    fn triple(&self) -> (u16, u32, i32);

    fn bind(&self, addr: &SockAddr) -> Result<(), Errno>;
    fn listen(&self, backlog: i32) -> Result<(), Errno>;
    /// Starts or completes a connection. EINPROGRESS: started, wait for POLLOUT and read
    /// SO_ERROR ([`Socket::take_error`]). EALREADY/EISCONN as Linux.
    fn connect(&self, addr: &SockAddr) -> Result<(), Errno>;
    /// A connection from the backlog and the peer's address; EAGAIN when there is none.
    fn accept(&self) -> Result<(Arc<dyn Socket>, SockAddr), Errno>;

    /// Sends `data` (to `to`, for an unconnected datagram socket). A stream may send less
    /// than asked. EPIPE when the stream's sending side is shut (the caller raises SIGPIPE
    /// unless MSG_NOSIGNAL).
    fn send(
        &self,
        data: &[u8],
        to: Option<&SockAddr>,
        anc: Ancillary,
        flags: u32,
    ) -> Result<usize, Errno>;
    /// Receives into `buf` (MSG_PEEK leaves the data queued). 0 bytes from a stream is end of
    /// stream.
    fn recv(&self, buf: &mut [u8], anc: &mut Ancillary, flags: u32) -> Result<Received, Errno>;

    fn shutdown(&self, how: i32) -> Result<(), Errno>;
    /// POLLIN/POLLOUT/POLLHUP/POLLRDHUP/POLLERR among `events` (errors and hang-ups always).
    fn poll(&self, events: u16) -> u16;

    fn local_addr(&self) -> Result<SockAddr, Errno>;
    /// ENOTCONN when not connected.
    fn peer_addr(&self) -> Result<SockAddr, Errno>;

    /// A socket option's value as bytes (the syscall truncates to the caller's length).
    /// Options every family shares (SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR) are answered
    /// by the system call before asking the family. ENOPROTOOPT when unknown.
    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno>;
    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno>;
    /// The pending error (SO_ERROR), cleared by reading it; 0 for none.
    fn take_error(&self) -> i32 {
        0
    }
    /// Whether listen() was called (SO_ACCEPTCONN).
    fn listening(&self) -> bool {
        false
    }
    /// FIONREAD/SIOCINQ: bytes that a read would return now.
    fn bytes_readable(&self) -> usize {
        0
    }
    /// SO_RCVTIMEO (`send` false) or SO_SNDTIMEO (`send` true): how long a blocking
    /// recv/accept or send waits before EAGAIN, in ns; None: forever.
    fn timeout_ns(&self, send: bool) -> Option<u64> {
        let _ = send;
        None
    }
    /// The socket's readiness source, if the family keeps one (`Inode::poll_source`):
    /// `changed()` after every change of readiness lets epoll keep a ready list instead of
    /// polling every registered socket at every wake. None: epoll polls this socket each time.
    fn poll_source(&self) -> Option<&osprey_vfs::PollSource> {
        None
    }
}

const S_IFSOCK: u32 = 0o140000;
static SOCK_INO: AtomicU64 = AtomicU64::new(1);
static SOCK_DEV: spin::Once<u64> = spin::Once::new();

/// A socket as a file: the inode of a `socket:[ino]` descriptor.
pub struct SocketFile {
    pub sock: Arc<dyn Socket>,
    meta: Metadata,
}

impl SocketFile {
    pub fn new(sock: Arc<dyn Socket>) -> Arc<SocketFile> {
        let dev = *SOCK_DEV.call_once(osprey_vfs::alloc_dev);
        let ino = SOCK_INO.fetch_add(1, Ordering::Relaxed);
        Arc::new(SocketFile {
            sock,
            meta: Metadata {
                dev,
                ino,
                mode: S_IFSOCK | 0o777,
                nlink: 1,
                blksize: 4096,
                ..Metadata::default()
            },
        })
    }

    /// An open file description for `sock` with status flags `flags` (O_NONBLOCK).
    pub fn open(sock: Arc<dyn Socket>, flags: u32) -> Result<Arc<OpenFile>, Errno> {
        let inode = SocketFile::new(sock);
        let name = alloc::format!("socket:[{}]", inode.meta.ino);
        OpenFile::new(
            Dentry::anonymous(inode, name.as_bytes()),
            osprey_abi::fcntl::O_RDWR | (flags & osprey_abi::fcntl::O_NONBLOCK),
        )
    }
}

impl Inode for SocketFile {
    fn metadata(&self) -> Metadata {
        self.meta
    }
    fn seekable(&self) -> bool {
        false
    }
    /// read(2): recv with no flags.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut anc = Ancillary::default();
        Ok(self.sock.recv(buf, &mut anc, 0)?.len)
    }
    /// write(2): send with no flags (EPIPE raises SIGPIPE in the write system call).
    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize, Errno> {
        self.sock.send(buf, None, Ancillary::default(), 0)
    }
    fn poll(&self, events: u16) -> u16 {
        self.sock.poll(events)
    }
    fn poll_source(&self) -> Option<&osprey_vfs::PollSource> {
        self.sock.poll_source()
    }
}

/// The socket behind an open file, ENOTSOCK if it is not one.
pub fn socket_of(f: &Arc<OpenFile>) -> Result<Arc<dyn Socket>, Errno> {
    f.io()
        .as_any()
        .downcast_ref::<SocketFile>()
        .map(|s| s.sock.clone())
        .ok_or(Errno::ENOTSOCK)
}

/// Makes a socket of `domain`, `ty` (SOCK_* without flags) and `protocol`.
pub fn create(domain: u16, ty: u32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    match domain {
        AF_INET | AF_INET6 => inet::create(domain, ty, protocol),
        AF_UNIX => unix::create(ty, protocol),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// Makes a connected pair (socketpair(2)): AF_UNIX only, as on Linux.
pub fn create_pair(
    domain: u16,
    ty: u32,
    protocol: i32,
) -> Result<(Arc<dyn Socket>, Arc<dyn Socket>), Errno> {
    let _ = (ty, protocol);
    match domain {
        AF_UNIX => unix::create_pair(ty, protocol),
        AF_INET | AF_INET6 => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}
