//! Socket addresses: parsed from and written back to the app's `sockaddr_*` bytes.

use alloc::vec::Vec;

use osprey_abi::socket::*;
use osprey_abi::{Errno, FromBytes, IntoBytes};

/// A socket address of one of the families Osprey has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    /// AF_UNSPEC (connect to it dissolves a datagram association).
    Unspec,
    /// AF_UNIX: a path, an abstract name (the bytes after the leading NUL), or unnamed.
    Unix(UnixAddr),
    /// AF_INET: address and port, in host order.
    V4 { addr: [u8; 4], port: u16 },
    /// AF_INET6.
    V6 {
        addr: [u8; 16],
        port: u16,
        flowinfo: u32,
        scope_id: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnixAddr {
    Unnamed,
    Path(Vec<u8>),
    Abstract(Vec<u8>),
    /// A path already resolved to the file-system node it names (device, inode): the
    /// system calls turn `Path` into this (`net::unix::resolve`) before bind, connect and
    /// sendto reach the family, which cannot walk paths itself (no cwd). Written back as
    /// the path.
    Node {
        path: Vec<u8>,
        dev: u64,
        ino: u64,
    },
}

impl SockAddr {
    /// Parses `len` bytes of a `sockaddr` the app passed (bind, connect, sendto). EINVAL when
    /// too short for its family, EAFNOSUPPORT for a family Osprey does not have.
    pub fn parse(bytes: &[u8]) -> Result<SockAddr, Errno> {
        if bytes.len() < 2 {
            return Err(Errno::EINVAL);
        }
        let family = u16::from_ne_bytes([bytes[0], bytes[1]]);
        match family {
            AF_UNSPEC => Ok(SockAddr::Unspec),
            AF_UNIX => {
                let path = &bytes[2..bytes.len().min(2 + UNIX_PATH_MAX)];
                Ok(SockAddr::Unix(if path.is_empty() {
                    UnixAddr::Unnamed
                } else if path[0] == 0 {
                    UnixAddr::Abstract(path[1..].to_vec())
                } else {
                    // A path ends at its first NUL; the length need not count it.
                    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                    UnixAddr::Path(path[..end].to_vec())
                }))
            }
            AF_INET => {
                let sa = SockaddrIn::read_from_prefix(bytes)
                    .map_err(|_| Errno::EINVAL)?
                    .0;
                Ok(SockAddr::V4 {
                    addr: sa.sin_addr.to_ne_bytes(),
                    port: u16::from_be(sa.sin_port),
                })
            }
            AF_INET6 => {
                // Linux accepts the 24-byte RFC 2133 form without scope id.
                if bytes.len() < 24 {
                    return Err(Errno::EINVAL);
                }
                let mut full = [0u8; 28];
                let n = bytes.len().min(28);
                full[..n].copy_from_slice(&bytes[..n]);
                let sa = SockaddrIn6::read_from_bytes(&full).map_err(|_| Errno::EINVAL)?;
                Ok(SockAddr::V6 {
                    addr: sa.sin6_addr,
                    port: u16::from_be(sa.sin6_port),
                    flowinfo: sa.sin6_flowinfo,
                    scope_id: sa.sin6_scope_id,
                })
            }
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }

    /// The `sockaddr` bytes Linux would write back (getsockname, accept, recvfrom): the
    /// length returned to the app is this length even when its buffer is shorter.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            SockAddr::Unspec => AF_UNSPEC.to_ne_bytes().to_vec(),
            SockAddr::Unix(u) => {
                let mut v = AF_UNIX.to_ne_bytes().to_vec();
                match u {
                    UnixAddr::Unnamed => {}
                    UnixAddr::Path(p) | UnixAddr::Node { path: p, .. } => {
                        v.extend_from_slice(p);
                        v.push(0);
                    }
                    UnixAddr::Abstract(name) => {
                        v.push(0);
                        v.extend_from_slice(name);
                    }
                }
                v
            }
            SockAddr::V4 { addr, port } => SockaddrIn {
                sin_family: AF_INET,
                sin_port: port.to_be(),
                sin_addr: u32::from_ne_bytes(*addr),
                sin_zero: [0; 8],
            }
            .as_bytes()
            .to_vec(),
            SockAddr::V6 {
                addr,
                port,
                flowinfo,
                scope_id,
            } => SockaddrIn6 {
                sin6_family: AF_INET6,
                sin6_port: port.to_be(),
                sin6_flowinfo: *flowinfo,
                sin6_addr: *addr,
                sin6_scope_id: *scope_id,
            }
            .as_bytes()
            .to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_round_trips_in_network_order() {
        let raw = [2u8, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        let a = SockAddr::parse(&raw).unwrap();
        assert_eq!(
            a,
            SockAddr::V4 {
                addr: [127, 0, 0, 1],
                port: 8080
            }
        );
        assert_eq!(a.to_bytes(), raw);
        assert_eq!(SockAddr::parse(&raw[..8]), Err(Errno::EINVAL));
    }

    #[test]
    fn unix_paths_abstract_and_unnamed() {
        let mut raw = AF_UNIX.to_ne_bytes().to_vec();
        raw.extend_from_slice(b"/tmp/s\0junk");
        let a = SockAddr::parse(&raw).unwrap();
        assert_eq!(a, SockAddr::Unix(UnixAddr::Path(b"/tmp/s".to_vec())));
        assert_eq!(
            a.to_bytes(),
            [&AF_UNIX.to_ne_bytes()[..], b"/tmp/s\0"].concat()
        );
        let mut raw = AF_UNIX.to_ne_bytes().to_vec();
        raw.extend_from_slice(b"\0name");
        assert_eq!(
            SockAddr::parse(&raw).unwrap(),
            SockAddr::Unix(UnixAddr::Abstract(b"name".to_vec()))
        );
        assert_eq!(
            SockAddr::parse(&AF_UNIX.to_ne_bytes()).unwrap(),
            SockAddr::Unix(UnixAddr::Unnamed)
        );
    }

    #[test]
    fn v6_short_form_and_unknown_family() {
        let mut raw = [0u8; 24];
        raw[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
        raw[3] = 80;
        raw[23] = 1;
        match SockAddr::parse(&raw).unwrap() {
            SockAddr::V6 { addr, port, .. } => {
                assert_eq!(port, 80);
                assert_eq!(addr[15], 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(SockAddr::parse(&[99, 0, 0, 0]), Err(Errno::EAFNOSUPPORT));
    }
}
