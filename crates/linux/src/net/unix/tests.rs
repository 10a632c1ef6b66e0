//! Host tests of AF_UNIX sockets through the system-call table.

use osprey_abi::socket::*;
use osprey_abi::sysno::*;
use osprey_abi::Errno;

use crate::testing::TestEnv;

const NB: u64 = SOCK_NONBLOCK as u64;

fn pair(e: &TestEnv, ty: u32) -> (u64, u64) {
    let sv = e.m.alloc(8);
    assert_eq!(
        e.sys(SYS_SOCKETPAIR, &[AF_UNIX as u64, ty as u64 | NB, 0, sv]),
        0
    );
    (e.m.peek_i32(sv) as u64, e.m.peek_i32(sv + 4) as u64)
}

fn sun(e: &TestEnv, path: &[u8]) -> (u64, u64) {
    let mut b = AF_UNIX.to_ne_bytes().to_vec();
    b.extend_from_slice(path);
    (e.m.alloc_bytes(&b), b.len() as u64)
}

fn send(e: &TestEnv, fd: u64, data: &[u8]) -> isize {
    let b = e.m.alloc_bytes(data);
    e.sys(SYS_SENDTO, &[fd, b, data.len() as u64, 0, 0, 0])
}

fn recv(e: &TestEnv, fd: u64, cap: usize) -> Result<Vec<u8>, isize> {
    let b = e.m.alloc(cap as u64 + 1);
    match e.sys(SYS_RECVFROM, &[fd, b, cap as u64, 0, 0, 0]) {
        n if n >= 0 => Ok(e.m.peek(b, n as usize)),
        err => Err(err),
    }
}

#[test]
fn socketpair_streams_bytes_and_hangs_up() {
    let e = TestEnv::new();
    let (a, b) = pair(&e, SOCK_STREAM);
    assert_eq!(recv(&e, b, 8), Err(Errno::EAGAIN.as_ret()));
    assert_eq!(send(&e, a, b"hello "), 6);
    assert_eq!(send(&e, a, b"world"), 5);
    // A stream merges the two sends.
    assert_eq!(recv(&e, b, 64).unwrap(), b"hello world");
    // read/write work too.
    let buf = e.m.alloc_bytes(b"back");
    assert_eq!(e.sys(SYS_WRITE, &[b, buf, 4]), 4);
    assert_eq!(recv(&e, a, 2).unwrap(), b"ba");
    assert_eq!(recv(&e, a, 2).unwrap(), b"ck");
    // SHUT_WR: the peer reads the end; writing is EPIPE (MSG_NOSIGNAL: no signal).
    assert_eq!(e.sys(SYS_SHUTDOWN, &[a, SHUT_WR as u64]), 0);
    assert_eq!(recv(&e, b, 8).unwrap(), b"");
    let x = e.m.alloc_bytes(b"x");
    assert_eq!(
        e.sys(SYS_SENDTO, &[a, x, 1, MSG_NOSIGNAL as u64, 0, 0]),
        Errno::EPIPE.as_ret()
    );
    // Closing: the other end reads queued data, then the end, and cannot write.
    assert_eq!(send(&e, b, b"last"), 4);
    assert_eq!(e.sys(SYS_CLOSE, &[b]), 0);
    assert_eq!(recv(&e, a, 8).unwrap(), b"last");
    assert_eq!(recv(&e, a, 8).unwrap(), b"");
}

#[test]
fn seqpacket_and_dgram_pairs_keep_boundaries() {
    let e = TestEnv::new();
    for ty in [SOCK_SEQPACKET, SOCK_DGRAM] {
        let (a, b) = pair(&e, ty);
        assert_eq!(send(&e, a, b"one"), 3);
        assert_eq!(send(&e, a, b"three"), 5);
        assert_eq!(recv(&e, b, 64).unwrap(), b"one");
        // A short buffer truncates the record; the rest is gone.
        assert_eq!(recv(&e, b, 2).unwrap(), b"th");
        assert_eq!(recv(&e, b, 64), Err(Errno::EAGAIN.as_ret()));
    }
}

#[test]
fn path_bind_listen_connect_accept() {
    let e = TestEnv::new();
    let srv = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64 | NB, 0]) as u64;
    let (addr, len) = sun(&e, b"/tmp/sock");
    // Nobody there yet: ENOENT; listen unbound: EINVAL.
    let cli = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64 | NB, 0]) as u64;
    assert_eq!(
        e.sys(SYS_CONNECT, &[cli, addr, len]),
        Errno::ENOENT.as_ret()
    );
    assert_eq!(e.sys(SYS_LISTEN, &[srv, 4]), Errno::EINVAL.as_ret());
    assert_eq!(e.sys(SYS_BIND, &[srv, addr, len]), 0);
    // The node exists and is a socket; binding it again is EADDRINUSE.
    let st = e.m.alloc(144);
    assert_eq!(e.sys(SYS_STAT, &[e.m.cstr("/tmp/sock"), st]), 0);
    let mode = u32::from_le_bytes(e.m.peek(st + 24, 4).try_into().unwrap());
    assert_eq!(mode & 0o170000, 0o140000);
    let other = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64, 0]) as u64;
    assert_eq!(
        e.sys(SYS_BIND, &[other, addr, len]),
        Errno::EADDRINUSE.as_ret()
    );
    // Bound but not listening: ECONNREFUSED.
    assert_eq!(
        e.sys(SYS_CONNECT, &[cli, addr, len]),
        Errno::ECONNREFUSED.as_ret()
    );
    assert_eq!(e.sys(SYS_LISTEN, &[srv, 4]), 0);
    let aout = e.m.alloc(128);
    let alen = e.m.alloc_bytes(&128u32.to_le_bytes());
    assert_eq!(
        e.sys(SYS_ACCEPT4, &[srv, aout, alen, 0]),
        Errno::EAGAIN.as_ret()
    );
    assert_eq!(e.sys(SYS_CONNECT, &[cli, addr, len]), 0);
    assert_eq!(send(&e, cli, b"early"), 5);
    let conn = e.sys(SYS_ACCEPT4, &[srv, aout, alen, NB]);
    assert!(conn > 0);
    let conn = conn as u64;
    // The client is unnamed: the address is just the family.
    assert_eq!(e.m.peek_i32(alen), 2);
    assert_eq!(recv(&e, conn, 16).unwrap(), b"early");
    // getpeername of the client: the server's path.
    let plen = e.m.alloc_bytes(&128u32.to_le_bytes());
    assert_eq!(e.sys(SYS_GETPEERNAME, &[cli, aout, plen]), 0);
    assert_eq!(e.m.peek(aout + 2, 10), b"/tmp/sock\0");
    // SO_PEERCRED carries our pid.
    let cred = e.m.alloc(12);
    let clen = e.m.alloc_bytes(&12u32.to_le_bytes());
    assert_eq!(
        e.sys(
            SYS_GETSOCKOPT,
            &[conn, SOL_SOCKET as u64, SO_PEERCRED as u64, cred, clen]
        ),
        0
    );
    assert_eq!(e.m.peek_i32(cred), crate::process::PID);
    // The server closes: the node stays, connecting is refused.
    assert_eq!(e.sys(SYS_CLOSE, &[srv]), 0);
    let c2 = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64, 0]) as u64;
    assert_eq!(
        e.sys(SYS_CONNECT, &[c2, addr, len]),
        Errno::ECONNREFUSED.as_ret()
    );
    // A type mismatch is EPROTOTYPE... once something listens again.
    assert_eq!(e.sys(SYS_UNLINK, &[e.m.cstr("/tmp/sock")]), 0);
}

#[test]
fn abstract_datagrams_carry_the_sender() {
    let e = TestEnv::new();
    let s = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_DGRAM as u64 | NB, 0]) as u64;
    let c = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_DGRAM as u64 | NB, 0]) as u64;
    let (sa, sl) = sun(&e, b"\0srv");
    let (ca, cl) = sun(&e, b"\0cli");
    assert_eq!(e.sys(SYS_BIND, &[s, sa, sl]), 0);
    assert_eq!(e.sys(SYS_BIND, &[c, ca, cl]), 0);
    let d = e.m.alloc_bytes(b"ping");
    assert_eq!(e.sys(SYS_SENDTO, &[c, d, 4, 0, sa, sl]), 4);
    let buf = e.m.alloc(16);
    let from = e.m.alloc(128);
    let flen = e.m.alloc_bytes(&128u32.to_le_bytes());
    assert_eq!(e.sys(SYS_RECVFROM, &[s, buf, 16, 0, from, flen]), 4);
    assert_eq!(e.m.peek_i32(flen), 6);
    assert_eq!(e.m.peek(from + 2, 4), b"\0cli");
    // Nobody at a free abstract name: ECONNREFUSED.
    let (na, nl) = sun(&e, b"\0none");
    assert_eq!(
        e.sys(SYS_SENDTO, &[c, d, 4, 0, na, nl]),
        Errno::ECONNREFUSED.as_ret()
    );
    // The abstract name is free again once its socket is closed.
    assert_eq!(e.sys(SYS_CLOSE, &[s]), 0);
    let s2 = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_DGRAM as u64, 0]) as u64;
    assert_eq!(e.sys(SYS_BIND, &[s2, sa, sl]), 0);
}

#[test]
fn scm_rights_pass_a_pipe() {
    let e = TestEnv::new();
    let (a, b) = pair(&e, SOCK_STREAM);
    let fds = e.m.alloc(8);
    assert_eq!(e.sys(SYS_PIPE2, &[fds, 0]), 0);
    let (pr, pw) = (e.m.peek_i32(fds), e.m.peek_i32(fds + 4));
    // sendmsg with one byte and SCM_RIGHTS [pr].
    let mut cmsg = Vec::new();
    cmsg.extend_from_slice(&20u64.to_ne_bytes());
    cmsg.extend_from_slice(&SOL_SOCKET.to_ne_bytes());
    cmsg.extend_from_slice(&SCM_RIGHTS.to_ne_bytes());
    cmsg.extend_from_slice(&pr.to_ne_bytes());
    cmsg.extend_from_slice(&[0; 4]);
    let control = e.m.alloc_bytes(&cmsg);
    let data = e.m.alloc_bytes(b"F");
    let mut iov = data.to_ne_bytes().to_vec();
    iov.extend_from_slice(&1u64.to_ne_bytes());
    let iov = e.m.alloc_bytes(&iov);
    let msghdr = |control: u64, clen: u64| {
        let mut h = Vec::new();
        h.extend_from_slice(&0u64.to_ne_bytes()); // name
        h.extend_from_slice(&0u64.to_ne_bytes()); // namelen + pad
        h.extend_from_slice(&iov.to_ne_bytes());
        h.extend_from_slice(&1u64.to_ne_bytes());
        h.extend_from_slice(&control.to_ne_bytes());
        h.extend_from_slice(&clen.to_ne_bytes());
        h.extend_from_slice(&0u64.to_ne_bytes()); // flags + pad
        e.m.alloc_bytes(&h)
    };
    assert_eq!(e.sys(SYS_SENDMSG, &[a, msghdr(control, 24), 0]), 1);
    // The sender closes its copy; the pipe's read end lives on in flight.
    assert_eq!(e.sys(SYS_CLOSE, &[pr as u64]), 0);
    let rcontrol = e.m.alloc(64);
    let h = msghdr(rcontrol, 64);
    assert_eq!(e.sys(SYS_RECVMSG, &[b, h, 0]), 1);
    let got = e.m.peek(rcontrol, 24);
    assert_eq!(
        i32::from_ne_bytes(got[12..16].try_into().unwrap()),
        SCM_RIGHTS
    );
    let newfd = i32::from_ne_bytes(got[16..20].try_into().unwrap()) as u64;
    // Writing the pipe is read through the received descriptor.
    let msg = e.m.alloc_bytes(b"via pipe");
    assert_eq!(e.sys(SYS_WRITE, &[pw as u64, msg, 8]), 8);
    let out = e.m.alloc(16);
    assert_eq!(e.sys(SYS_READ, &[newfd, out, 16]), 8);
    assert_eq!(e.m.peek(out, 8), b"via pipe");
}

#[test]
fn epoll_sees_socket_readiness_edges() {
    use osprey_abi::poll::*;
    let e = TestEnv::new();
    let (a, b) = pair(&e, SOCK_STREAM);
    let ep = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let mut ev = (EPOLLIN | EPOLLET | EPOLLRDHUP).to_le_bytes().to_vec();
    ev.extend_from_slice(&42u64.to_le_bytes());
    let evp = e.m.alloc_bytes(&ev);
    assert_eq!(e.sys(SYS_EPOLL_CTL, &[ep, EPOLL_CTL_ADD as u64, b, evp]), 0);
    let out = e.m.alloc(24);
    assert_eq!(e.sys(SYS_EPOLL_WAIT, &[ep, out, 2, 0]), 0);
    assert_eq!(send(&e, a, b"1"), 1);
    assert_eq!(e.sys(SYS_EPOLL_WAIT, &[ep, out, 2, 0]), 1);
    assert_eq!(e.sys(SYS_EPOLL_WAIT, &[ep, out, 2, 0]), 0);
    // More data is a new edge even though the socket was already readable (Linux).
    assert_eq!(send(&e, a, b"2"), 1);
    assert_eq!(e.sys(SYS_EPOLL_WAIT, &[ep, out, 2, 0]), 1);
    // The peer shutting its writing side: EPOLLRDHUP.
    assert_eq!(e.sys(SYS_SHUTDOWN, &[a, SHUT_WR as u64]), 0);
    assert_eq!(e.sys(SYS_EPOLL_WAIT, &[ep, out, 2, 0]), 1);
    let got = u32::from_le_bytes(e.m.peek(out, 4).try_into().unwrap());
    assert_eq!(got, EPOLLIN | EPOLLRDHUP);
}

#[test]
fn linux_errors_of_unconnected_and_connected_sockets() {
    let e = TestEnv::new();
    let s = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64 | NB, 0]) as u64;
    // Unconnected stream: recv EINVAL, send ENOTCONN, shutdown allowed (as Linux).
    assert_eq!(recv(&e, s, 4), Err(Errno::EINVAL.as_ret()));
    assert_eq!(e.sys(SYS_SHUTDOWN, &[s, SHUT_RDWR as u64]), 0);
    let x = e.m.alloc_bytes(b"x");
    assert_eq!(
        e.sys(SYS_SENDTO, &[s, x, 1, MSG_NOSIGNAL as u64, 0, 0]),
        Errno::ENOTCONN.as_ret()
    );
    // A datagram socket connected to another takes datagrams only from it: EPERM.
    let (a, b) = pair(&e, SOCK_DGRAM);
    let c = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_DGRAM as u64 | NB, 0]) as u64;
    let (aa, al) = sun(&e, b"\0dg-a");
    assert_eq!(e.sys(SYS_BIND, &[a, aa, al]), 0);
    assert_eq!(
        e.sys(SYS_SENDTO, &[c, x, 1, 0, aa, al]),
        Errno::EPERM.as_ret()
    );
    assert_eq!(send(&e, b, b"ok"), 2);
    // FIONREAD (SIOCINQ): the next datagram's size.
    let n = e.m.alloc(4);
    assert_eq!(
        e.sys(SYS_IOCTL, &[a, osprey_abi::ioctl::FIONREAD as u64, n]),
        0
    );
    assert_eq!(e.m.peek_i32(n), 2);
    // A full backlog: a non-blocking connect is EAGAIN.
    let l = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64, 0]) as u64;
    let (la, ll) = sun(&e, b"\0listener");
    assert_eq!(e.sys(SYS_BIND, &[l, la, ll]), 0);
    assert_eq!(e.sys(SYS_LISTEN, &[l, 0]), 0);
    let c1 = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64 | NB, 0]) as u64;
    let c2 = e.sys(SYS_SOCKET, &[AF_UNIX as u64, SOCK_STREAM as u64 | NB, 0]) as u64;
    assert_eq!(e.sys(SYS_CONNECT, &[c1, la, ll]), 0);
    assert_eq!(e.sys(SYS_CONNECT, &[c2, la, ll]), Errno::EAGAIN.as_ret());
    assert_eq!(e.sys(SYS_CONNECT, &[c1, la, ll]), Errno::EISCONN.as_ret());
}
