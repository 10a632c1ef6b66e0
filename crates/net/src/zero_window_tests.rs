//! smoltcp's zero-window handling, segment by segment: one smoltcp interface with one TCP
//! socket, and a peer scripted by hand (raw IPv4 packets in, the socket's segments out, the
//! clock advanced explicitly). Each test is a case that upstream smoltcp 0.14.0 gets wrong and
//! `vendor/smoltcp` (vendor/smoltcp/OSPREY-PATCH.md) fixes; each fails without its patch.
//! They are what could stall a bulk transfer in both directions over the guest's loopback
//! (crates/cli/tests/net_loopback.rs, `tcp_udp_loopback_two_cpus`).

extern crate std;

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{ChecksumCapabilities, Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::*;

const PEER: Ipv4Address = Ipv4Address::new(10, 0, 0, 1);
const LOCAL: Ipv4Address = Ipv4Address::new(10, 0, 0, 2);
const PEER_PORT: u16 = 5000;
const PORT: u16 = 80;
/// The peer's initial sequence number.
const PEER_ISN: u32 = 1000;

/// An IP-medium device: packets pushed into `rx` are received, transmitted ones land in `tx`.
#[derive(Default)]
struct Wire {
    rx: VecDeque<Vec<u8>>,
    tx: Vec<Vec<u8>>,
}

struct Rx(Vec<u8>);
struct Tx<'a>(&'a mut Vec<Vec<u8>>);

impl smoltcp::phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl smoltcp::phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0u8; len];
        let r = f(&mut buf);
        self.0.push(buf);
        r
    }
}

impl Device for Wire {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx<'_>)> {
        let p = self.rx.pop_front()?;
        Some((Rx(p), Tx(&mut self.tx)))
    }
    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx(&mut self.tx))
    }
    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = 1500;
        caps
    }
}

/// A segment the socket sent, as the peer sees it.
#[derive(Debug, Clone, Copy)]
struct Seg {
    seq: u32,
    ack: Option<u32>,
    win: u16,
    len: usize,
    control: TcpControl,
}

/// The socket under test (listening on 10.0.0.2:80) and the peer's view of it.
struct Harness {
    wire: Wire,
    iface: Interface,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
    now_ms: i64,
    /// The socket's next sequence number (its SND.NXT as the peer last saw it).
    local_next: u32,
    /// The peer's next sequence number (the data it sends next).
    peer_next: u32,
}

impl Harness {
    /// A connection established by the peer, which advertised `peer_win` bytes (no window
    /// scaling, no timestamps, no SACK); the socket has a `rx_buf`-byte receive buffer and
    /// acknowledges at once (no delayed ACKs), Nagle off.
    fn established(rx_buf: usize, peer_win: u16) -> Harness {
        let mut wire = Wire::default();
        let mut iface = Interface::new(
            Config::new(HardwareAddress::Ip),
            &mut wire,
            Instant::from_millis(0),
        );
        iface.update_ip_addrs(|a| a.push(IpCidr::new(LOCAL.into(), 24)).unwrap());
        let mut s = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; rx_buf]),
            tcp::SocketBuffer::new(vec![0; 8192]),
        );
        s.set_ack_delay(None);
        s.set_nagle_enabled(false);
        s.listen(PORT).unwrap();
        let mut sockets = SocketSet::new(vec![]);
        let handle = sockets.add(s);
        let mut h = Harness {
            wire,
            iface,
            sockets,
            handle,
            now_ms: 0,
            local_next: 0,
            peer_next: PEER_ISN,
        };
        let out = h.send(PEER_ISN, None, peer_win, TcpControl::Syn, &[]);
        let synack = out.iter().find(|s| s.control == TcpControl::Syn).unwrap();
        assert_eq!(synack.ack, Some(PEER_ISN + 1));
        h.local_next = synack.seq + 1;
        h.peer_next = PEER_ISN + 1;
        let (next, local) = (h.peer_next, h.local_next);
        h.send(next, Some(local), peer_win, TcpControl::None, &[]);
        assert_eq!(h.socket().state(), tcp::State::Established);
        h
    }

    fn socket(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket>(self.handle)
    }

    /// Polls the interface at the current time; returns what the socket sent.
    fn poll(&mut self) -> Vec<Seg> {
        let now = Instant::from_millis(self.now_ms);
        self.iface.poll(now, &mut self.wire, &mut self.sockets);
        let caps = ChecksumCapabilities::default();
        let mut out = Vec::new();
        for p in self.wire.tx.drain(..) {
            let ip = Ipv4Packet::new_checked(&p[..]).unwrap();
            let t = TcpPacket::new_checked(ip.payload()).unwrap();
            let r =
                TcpRepr::parse(&t, &ip.src_addr().into(), &ip.dst_addr().into(), &caps).unwrap();
            out.push(Seg {
                seq: r.seq_number.0 as u32,
                ack: r.ack_number.map(|a| a.0 as u32),
                win: r.window_len,
                len: r.payload.len(),
                control: r.control,
            });
        }
        out
    }

    /// The peer sends one segment; returns what the socket sent in reply (same instant).
    fn send(
        &mut self,
        seq: u32,
        ack: Option<u32>,
        win: u16,
        control: TcpControl,
        payload: &[u8],
    ) -> Vec<Seg> {
        let tcp = TcpRepr {
            src_port: PEER_PORT,
            dst_port: PORT,
            control,
            seq_number: TcpSeqNumber(seq as i32),
            ack_number: ack.map(|a| TcpSeqNumber(a as i32)),
            window_len: win,
            window_scale: None,
            max_seg_size: (control == TcpControl::Syn).then_some(1460),
            sack_permitted: false,
            sack_ranges: [None; 3],
            timestamp: None,
            payload,
        };
        let ip = Ipv4Repr {
            src_addr: PEER,
            dst_addr: LOCAL,
            next_header: IpProtocol::Tcp,
            payload_len: tcp.buffer_len(),
            hop_limit: 64,
        };
        let caps = ChecksumCapabilities::default();
        let mut buf = vec![0u8; ip.buffer_len() + tcp.buffer_len()];
        let mut p = Ipv4Packet::new_unchecked(&mut buf[..]);
        ip.emit(&mut p, &caps);
        let mut t = TcpPacket::new_unchecked(p.payload_mut());
        tcp.emit(&mut t, &PEER.into(), &LOCAL.into(), &caps);
        self.wire.rx.push_back(buf);
        self.poll()
    }

    /// Advances the clock `ms` milliseconds, polling every 10 ms; returns what was sent.
    fn advance(&mut self, ms: i64) -> Vec<Seg> {
        let mut out = Vec::new();
        for _ in 0..ms / 10 {
            self.now_ms += 10;
            out.extend(self.poll());
        }
        out
    }
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// Both ends have a zero window; the peer's window then opens and it says so on its
/// zero-window probe (one byte of new data, which our zero window cannot take). The probe's
/// ACK and window must still be processed (RFC 9293 3.10.7.4: with RCV.WND zero, "special
/// allowance should be made to accept valid ACKs"), so the socket sends at once. Upstream
/// dropped the whole segment and sent nothing but a zero-window ACK: with each end waiting
/// for the other's window, the transfer stalled.
#[test]
fn a_zero_window_still_takes_the_window_update_of_a_probe() {
    let mut h = Harness::established(64, 1000);
    let s = h.local_next;
    assert_eq!(h.socket().send_slice(&data(2000)).unwrap(), 2000);
    let out = h.poll();
    assert_eq!(out.iter().map(|s| s.len).sum::<usize>(), 1000, "{out:?}");

    // The peer acknowledges all of it with a zero window, and fills ours.
    let r = h.peer_next;
    let out = h.send(r, Some(s + 1000), 0, TcpControl::Psh, &data(64));
    h.peer_next += 64;
    let last = out.last().unwrap();
    assert_eq!((last.ack, last.win), (Some(r + 64), 0), "{out:?}");

    // The peer's window opens; its probe carries the news.
    let r = h.peer_next;
    let out = h.send(r, Some(s + 1000), 1000, TcpControl::Psh, b"x");
    assert!(
        out.iter().any(|g| g.seq == s + 1000 && g.len == 1000),
        "the socket sends into the opened window at once: {out:?}"
    );
    assert!(
        out.iter().all(|g| g.ack == Some(r) && g.win == 0),
        "the probe's byte was not taken: {out:?}"
    );
    assert_eq!(h.socket().recv_queue(), 64);
}

/// The same allowance for a pure ACK that is not acceptable to a zero window (its sequence
/// number is one beyond RCV.NXT: the peer's window update after a probe byte we refused).
#[test]
fn a_zero_window_takes_the_ack_of_an_out_of_window_segment() {
    let mut h = Harness::established(64, 1000);
    let s = h.local_next;
    h.socket().send_slice(&data(2000)).unwrap();
    h.poll();
    let r = h.peer_next;
    h.send(r, Some(s + 1000), 0, TcpControl::Psh, &data(64));
    h.peer_next += 64;
    let r = h.peer_next;
    let out = h.send(r + 1, Some(s + 1000), 1000, TcpControl::None, &[]);
    assert!(
        out.iter().any(|g| g.seq == s + 1000 && g.len == 1000),
        "{out:?}"
    );
}

/// The peer acknowledges part of what was sent and closes its window (it dropped the rest);
/// then it opens its window with nothing more acknowledged. The unacknowledged data is still
/// in flight, so the retransmit timer must run (RFC 6298 5.1). Upstream's zero-window-probe
/// timer had replaced the retransmit timer and, stopped by the window update, left the timer
/// idle: the data was never sent again.
#[test]
fn data_in_flight_when_the_window_reopens_is_retransmitted() {
    let mut h = Harness::established(4096, 1000);
    let s = h.local_next;
    h.socket().send_slice(&data(300)).unwrap();
    let out = h.poll();
    assert_eq!(out.iter().map(|s| s.len).sum::<usize>(), 300, "{out:?}");
    let r = h.peer_next;
    h.send(r, Some(s + 100), 0, TcpControl::None, &[]);
    let out = h.send(r, Some(s + 100), 1000, TcpControl::None, &[]);
    assert!(out.iter().all(|g| g.len == 0), "{out:?}");
    let out = h.advance(10_000);
    assert!(
        out.iter().any(|g| g.seq == s + 100 && g.len == 200),
        "bytes 100..300 are retransmitted: {out:?}"
    );
}

/// The retransmit timer expires while the peer's window is zero: nothing can be resent, so
/// the zero-window probe must take over (RFC 9293 3.8.6.1). Upstream left the timer idle,
/// and if the peer's window update was then lost, the socket never sent anything again.
#[test]
fn a_retransmit_timeout_into_a_zero_window_starts_probing() {
    let mut h = Harness::established(4096, 1000);
    let s = h.local_next;
    h.socket().send_slice(&data(300)).unwrap();
    h.poll();
    // Nothing acknowledged, the window closed.
    let r = h.peer_next;
    h.send(r, Some(s), 0, TcpControl::None, &[]);
    let out = h.advance(30_000);
    assert!(
        out.iter().any(|g| g.seq == s && g.len == 1),
        "a one-byte probe at the first unacknowledged byte: {out:?}"
    );
}

/// A segment with data and FIN that extends past our receive window: its data is trimmed to
/// the window, so its FIN is not in sequence and must be ignored (RFC 9293 3.10.7.4).
/// Upstream took the FIN: CLOSE-WAIT, the end of the stream reported with the tail of the
/// data missing, and the FIN acknowledged at the wrong sequence number.
#[test]
fn a_fin_after_data_trimmed_to_the_window_is_ignored() {
    let mut h = Harness::established(64, 1000);
    let s = h.local_next;
    let r = h.peer_next;
    let d = data(100);
    let out = h.send(r, Some(s), 1000, TcpControl::Fin, &d);
    assert_eq!(h.socket().state(), tcp::State::Established);
    assert_eq!(out.last().unwrap().ack, Some(r + 64), "{out:?}");

    // The application reads, the window opens, the peer retransmits the rest and its FIN.
    let mut got = vec![0u8; 64];
    assert_eq!(h.socket().recv_slice(&mut got).unwrap(), 64);
    h.poll();
    let out = h.send(r + 64, Some(s), 1000, TcpControl::Fin, &d[64..]);
    assert_eq!(out.last().unwrap().ack, Some(r + 101), "{out:?}");
    assert_eq!(h.socket().state(), tcp::State::CloseWait);
    let mut rest = vec![0u8; 64];
    assert_eq!(h.socket().recv_slice(&mut rest).unwrap(), 36);
    got.extend_from_slice(&rest[..36]);
    assert_eq!(got, d);
}

/// The socket is closed (LAST-ACK) with data still queued ahead of its FIN while the peer's
/// window is zero; then the peer's window opens. Its window update acknowledges nothing new,
/// but the window must still be taken (RFC 9293 3.10.7.4, fifth step). Upstream 0.14.0
/// answered such an ACK in LAST-ACK with a challenge ACK and returned before the window
/// update: the socket saw the window as zero for ever, and the peer never got the rest of the
/// data nor the FIN. (Seen in `tcp_udp_loopback_two_cpus`: the echo server closing.)
#[test]
fn a_window_update_reaches_a_socket_closed_with_data_queued() {
    let mut h = Harness::established(4096, 1000);
    let s = h.local_next;
    h.socket().send_slice(&data(2000)).unwrap();
    h.poll();
    // The peer takes 1000 bytes, closes its window and sends its FIN.
    let r = h.peer_next;
    h.send(r, Some(s + 1000), 0, TcpControl::Fin, &[]);
    assert_eq!(h.socket().state(), tcp::State::CloseWait);
    h.socket().close();
    h.poll();
    assert_eq!(h.socket().state(), tcp::State::LastAck);
    let out = h.send(r + 1, Some(s + 1000), 1000, TcpControl::None, &[]);
    assert!(
        out.iter().any(|g| g.seq == s + 1000 && g.len == 1000),
        "the rest of the data goes into the opened window: {out:?}"
    );
}
