//! AF_INET/AF_INET6 through the system calls, over the loopback-only stack (the host tests
//! have no card): the sockaddr translation, options and blocking rules of this layer. The
//! protocol semantics are tested in `osprey-net` against a second stack.

use osprey_abi::fcntl::O_NONBLOCK;
use osprey_abi::ioctl::FIONREAD;
use osprey_abi::socket::*;
use osprey_abi::sysno::*;
use osprey_abi::Errno;

use crate::testing::TestEnv;

fn sin(h: &TestEnv, ip: [u8; 4], port: u16) -> u64 {
    let mut b = vec![0u8; 16];
    b[..2].copy_from_slice(&AF_INET.to_ne_bytes());
    b[2..4].copy_from_slice(&port.to_be_bytes());
    b[4..8].copy_from_slice(&ip);
    h.m.alloc_bytes(&b)
}

fn sin6(h: &TestEnv, ip: [u8; 16], port: u16) -> u64 {
    let mut b = vec![0u8; 28];
    b[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
    b[2..4].copy_from_slice(&port.to_be_bytes());
    b[8..24].copy_from_slice(&ip);
    h.m.alloc_bytes(&b)
}

/// getsockname's port.
fn port_of(h: &TestEnv, fd: isize) -> u16 {
    let buf = h.m.alloc(28);
    let len = h.m.alloc_bytes(&28u32.to_ne_bytes());
    assert_eq!(h.sys(SYS_GETSOCKNAME, &[fd as u64, buf, len]), 0);
    let b = h.m.peek(buf, 4);
    u16::from_be_bytes([b[2], b[3]])
}

fn int_opt(h: &TestEnv, fd: isize, level: i32, name: i32) -> i32 {
    let v = h.m.alloc(4);
    let len = h.m.alloc_bytes(&4u32.to_ne_bytes());
    assert_eq!(
        h.sys(
            SYS_GETSOCKOPT,
            &[fd as u64, level as u64, name as u64, v, len]
        ),
        0
    );
    h.m.peek_i32(v)
}

#[test]
fn tcp_over_loopback_through_the_system_calls() {
    let h = TestEnv::new();
    let srv = h.sys(SYS_SOCKET, &[AF_INET as u64, SOCK_STREAM as u64, 0]);
    assert!(srv >= 0);
    let one = h.m.alloc_bytes(&1i32.to_ne_bytes());
    assert_eq!(
        h.sys(
            SYS_SETSOCKOPT,
            &[srv as u64, SOL_SOCKET as u64, SO_REUSEADDR as u64, one, 4]
        ),
        0
    );
    assert_eq!(int_opt(&h, srv, SOL_SOCKET, SO_REUSEADDR), 1);
    assert_eq!(
        h.sys(SYS_BIND, &[srv as u64, sin(&h, [127, 0, 0, 1], 0), 16]),
        0
    );
    assert_eq!(h.sys(SYS_LISTEN, &[srv as u64, 8]), 0);
    assert_eq!(int_opt(&h, srv, SOL_SOCKET, SO_ACCEPTCONN), 1);
    assert_eq!(int_opt(&h, srv, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    let port = port_of(&h, srv);
    assert!(port != 0);

    let cli = h.sys(
        SYS_SOCKET,
        &[AF_INET as u64, (SOCK_STREAM | SOCK_NONBLOCK) as u64, 0],
    );
    let to = sin(&h, [127, 0, 0, 1], port);
    assert_eq!(
        h.sys(SYS_CONNECT, &[cli as u64, to, 16]),
        Errno::EINPROGRESS.as_ret()
    );
    assert_eq!(int_opt(&h, cli, SOL_SOCKET, SO_ERROR), 0);
    assert_eq!(
        h.sys(
            SYS_SETSOCKOPT,
            &[cli as u64, IPPROTO_TCP as u64, TCP_NODELAY as u64, one, 4]
        ),
        0
    );
    assert_eq!(int_opt(&h, cli, IPPROTO_TCP, TCP_NODELAY), 1);

    let peer = h.m.alloc(16);
    let plen = h.m.alloc_bytes(&16u32.to_ne_bytes());
    let conn = h.sys(SYS_ACCEPT4, &[srv as u64, peer, plen, O_NONBLOCK as u64]);
    assert!(conn >= 0, "accept4: {conn}");
    let p = h.m.peek(peer, 8);
    assert_eq!(&p[4..8], &[127, 0, 0, 1]);
    assert_eq!(u16::from_be_bytes([p[2], p[3]]), port_of(&h, cli));

    let msg = h.m.alloc_bytes(b"ping!");
    assert_eq!(h.sys(SYS_SENDTO, &[cli as u64, msg, 5, 0, 0, 0]), 5);
    let n = h.m.alloc(4);
    assert_eq!(h.sys(SYS_IOCTL, &[conn as u64, FIONREAD as u64, n]), 0);
    assert_eq!(h.m.peek_i32(n), 5);
    let buf = h.m.alloc(16);
    assert_eq!(
        h.sys(SYS_RECVFROM, &[conn as u64, buf, 16, MSG_PEEK as u64, 0, 0]),
        5
    );
    assert_eq!(h.sys(SYS_READ, &[conn as u64, buf, 16]), 5);
    assert_eq!(h.m.peek(buf, 5), b"ping!");
    assert_eq!(
        h.sys(SYS_READ, &[conn as u64, buf, 16]),
        Errno::EAGAIN.as_ret()
    );

    // The client closes: the server reads end of file.
    assert_eq!(h.sys(SYS_CLOSE, &[cli as u64]), 0);
    assert_eq!(h.sys(SYS_READ, &[conn as u64, buf, 16]), 0);
    assert_eq!(h.sys(SYS_CLOSE, &[conn as u64]), 0);
    assert_eq!(h.sys(SYS_CLOSE, &[srv as u64]), 0);
}

#[test]
fn refused_connect_blocks_then_fails() {
    let h = TestEnv::new();
    let c = h.sys(SYS_SOCKET, &[AF_INET as u64, SOCK_STREAM as u64, 0]);
    // Port 1 on loopback: nobody listens; a blocking connect waits for the RST.
    assert_eq!(
        h.sys(SYS_CONNECT, &[c as u64, sin(&h, [127, 0, 0, 1], 1), 16]),
        Errno::ECONNREFUSED.as_ret()
    );
    // Not connected: ENOTCONN for the peer, EPIPE for a write (SIGPIPE raised by write).
    let buf = h.m.alloc(28);
    let len = h.m.alloc_bytes(&28u32.to_ne_bytes());
    assert_eq!(
        h.sys(SYS_GETPEERNAME, &[c as u64, buf, len]),
        Errno::ENOTCONN.as_ret()
    );
    // Unknown options are ENOPROTOOPT.
    assert_eq!(
        h.sys(
            SYS_GETSOCKOPT,
            &[c as u64, IPPROTO_TCP as u64, 999, buf, len]
        ),
        Errno::ENOPROTOOPT.as_ret()
    );
}

#[test]
fn udp_v6_socket_talks_to_v4_and_v6_loopback() {
    let h = TestEnv::new();
    let a = h.sys(SYS_SOCKET, &[AF_INET6 as u64, SOCK_DGRAM as u64, 0]);
    let mut any = [0u8; 16];
    assert_eq!(h.sys(SYS_BIND, &[a as u64, sin6(&h, any, 0), 28]), 0);
    let port = port_of(&h, a);
    // From an AF_INET socket to 127.0.0.1: the v6 socket sees ::ffff:127.0.0.1.
    let b = h.sys(SYS_SOCKET, &[AF_INET as u64, SOCK_DGRAM as u64, 0]);
    let msg = h.m.alloc_bytes(b"datagram");
    assert_eq!(
        h.sys(
            SYS_SENDTO,
            &[b as u64, msg, 8, 0, sin(&h, [127, 0, 0, 1], port), 16]
        ),
        8
    );
    let buf = h.m.alloc(64);
    let from = h.m.alloc(28);
    let flen = h.m.alloc_bytes(&28u32.to_ne_bytes());
    assert_eq!(
        h.sys(
            SYS_RECVFROM,
            &[a as u64, buf, 4, MSG_TRUNC as u64, from, flen]
        ),
        8,
        "MSG_TRUNC gives the datagram's real length"
    );
    assert_eq!(h.m.peek(buf, 4), b"data");
    let f = h.m.peek(from, 28);
    assert_eq!(u16::from_ne_bytes([f[0], f[1]]), AF_INET6);
    assert_eq!(
        &f[8..24],
        &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]
    );
    // ::1 to ::1.
    any[15] = 1;
    let c = h.sys(SYS_SOCKET, &[AF_INET6 as u64, SOCK_DGRAM as u64, 0]);
    assert_eq!(
        h.sys(SYS_SENDTO, &[c as u64, msg, 8, 0, sin6(&h, any, port), 28]),
        8
    );
    assert_eq!(h.sys(SYS_RECVFROM, &[a as u64, buf, 64, 0, 0, 0]), 8);
    assert_eq!(
        h.sys(
            SYS_RECVFROM,
            &[a as u64, buf, 64, MSG_DONTWAIT as u64, 0, 0]
        ),
        Errno::EAGAIN.as_ret()
    );
}
