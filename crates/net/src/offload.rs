//! Checksum offload for a card that computes TCP checksums of the frames it sends and checks
//! those of the frames it delivers (virtio-net's VIRTIO_NET_F_CSUM and GUEST_CSUM): the frame
//! side of it, kept here (no unsafe, host-tested) so the driver only copies numbers into the
//! virtio-net header.
//!
//! * **Sending** ([`tx_partial_checksum`]). When the card offers it, smoltcp leaves TCP
//!   checksums at zero (the stack's `ChecksumCapabilities`); the frame then gets the
//!   pseudo-header sum in its checksum field, and the card (the host, or its NIC) folds in
//!   the segment from `csum_start` and stores the complement at `csum_start + csum_offset`:
//!   virtio's NEEDS_CSUM, as Linux's CHECKSUM_PARTIAL. Only TCP: UDP keeps its software
//!   checksum (a computed 0 must go out as 0xffff, a detail left out of the device's hands).
//! * **Receiving** ([`l4_checksum_ok`]). A frame the card marks DATA_VALID (checked) or
//!   NEEDS_CSUM (from a local sender that never computed it: nothing went over a wire) is
//!   taken as it is; any other frame is checked here in software, since smoltcp no longer
//!   checks TCP or UDP checksums once the card says it does.

use smoltcp::wire::{
    checksum, EthernetFrame, EthernetProtocol, IpProtocol, Ipv4Packet, Ipv6Packet, TcpPacket,
    UdpPacket,
};

/// Offset of the checksum field in a TCP header.
const TCP_CHECKSUM_OFFSET: u16 = 16;

/// Where the card is to put a TCP checksum: from `start` (the TCP header's offset in the
/// frame) to the end, stored at `start + offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartialChecksum {
    pub start: u16,
    pub offset: u16,
}

/// The IP layer of an Ethernet frame: the L4 protocol, where its header starts, and the
/// pseudo-header sum over its length. None for non-IP frames, IPv4 fragments, IPv6 with
/// extension headers, and truncated or inconsistent headers.
fn l4_of(frame: &[u8]) -> Option<(IpProtocol, usize, usize, u16)> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    let hdr = EthernetFrame::<&[u8]>::header_len();
    match eth.ethertype() {
        EthernetProtocol::Ipv4 => {
            let ip = Ipv4Packet::new_checked(&frame[hdr..]).ok()?;
            if ip.more_frags() || ip.frag_offset() != 0 {
                return None;
            }
            let ihl = ip.header_len() as usize;
            let len = (ip.total_len() as usize).checked_sub(ihl)?;
            let proto = ip.next_header();
            let sum = checksum::pseudo_header_v4(&ip.src_addr(), &ip.dst_addr(), proto, len as u32);
            Some((proto, hdr + ihl, len, sum))
        }
        EthernetProtocol::Ipv6 => {
            let ip = Ipv6Packet::new_checked(&frame[hdr..]).ok()?;
            let len = ip.payload_len() as usize;
            let proto = ip.next_header();
            let sum = checksum::pseudo_header_v6(&ip.src_addr(), &ip.dst_addr(), proto, len as u32);
            Some((proto, hdr + ip.header_len(), len, sum))
        }
        _ => None,
    }
}

/// Prepares a TCP frame the stack left unchecksummed for the card: writes the pseudo-header
/// sum into its checksum field and says where the card puts the checksum. None (the frame
/// goes as it is): not TCP over IPv4 or IPv6 (smoltcp computed those checksums itself).
pub fn tx_partial_checksum(frame: &mut [u8]) -> Option<PartialChecksum> {
    let (proto, start, len, sum) = l4_of(frame)?;
    if proto != IpProtocol::Tcp || frame.len() < start + len || len < 20 {
        return None;
    }
    let at = start + TCP_CHECKSUM_OFFSET as usize;
    frame[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    Some(PartialChecksum {
        start: u16::try_from(start).ok()?,
        offset: TCP_CHECKSUM_OFFSET,
    })
}

/// Whether a received frame's TCP or UDP checksum is right (true for every other frame: those
/// smoltcp checks itself, or has no checksum to check). For frames the card did not vouch
/// for.
pub fn l4_checksum_ok(frame: &[u8]) -> bool {
    let Some((proto, start, len, _)) = l4_of(frame) else {
        return true;
    };
    let Some(seg) = frame.get(start..start + len) else {
        return false; // shorter than its IP header says: smoltcp drops it anyway
    };
    let eth = EthernetFrame::new_unchecked(frame);
    let (src, dst) = match eth.ethertype() {
        EthernetProtocol::Ipv4 => {
            let ip = Ipv4Packet::new_unchecked(eth.payload());
            (ip.src_addr().into(), ip.dst_addr().into())
        }
        _ => {
            let ip = Ipv6Packet::new_unchecked(eth.payload());
            (ip.src_addr().into(), ip.dst_addr().into())
        }
    };
    match proto {
        IpProtocol::Tcp => match TcpPacket::new_checked(seg) {
            Ok(p) => p.verify_checksum(&src, &dst),
            Err(_) => false,
        },
        IpProtocol::Udp => match UdpPacket::new_checked(seg) {
            // IPv4 UDP without a checksum (0) is allowed; smoltcp's check knows it.
            Ok(p) => p.verify_checksum(&src, &dst),
            Err(_) => false,
        },
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use smoltcp::phy::ChecksumCapabilities;
    use smoltcp::wire::{
        IpAddress, Ipv4Address, Ipv4Repr, Ipv6Address, TcpControl, TcpRepr, TcpSeqNumber, UdpRepr,
    };

    const SRC4: Ipv4Address = Ipv4Address::new(10, 213, 5, 2);
    const DST4: Ipv4Address = Ipv4Address::new(10, 213, 5, 1);

    fn tcp_repr(payload: &[u8]) -> TcpRepr<'_> {
        TcpRepr {
            src_port: 7000,
            dst_port: 40000,
            control: TcpControl::Psh,
            seq_number: TcpSeqNumber(12345),
            ack_number: Some(TcpSeqNumber(777)),
            window_len: 1024,
            window_scale: None,
            max_seg_size: None,
            sack_permitted: false,
            sack_ranges: [None, None, None],
            timestamp: None,
            payload,
        }
    }

    /// An Ethernet/IP/TCP frame from `src` to `dst` with the TCP checksum computed (`full`)
    /// or left at 0.
    fn tcp_frame_between(src: IpAddress, dst: IpAddress, payload: &[u8], full: bool) -> Vec<u8> {
        let mut caps = ChecksumCapabilities::default();
        if !full {
            caps.tcp = smoltcp::phy::Checksum::None;
        }
        let macs = ([0x52, 0x54, 0, 0x12, 0x34, 0x56], [2, 0, 0, 0, 0, 1]);
        crate::tests::tcp_frame(macs, src, dst, &tcp_repr(payload), &caps)
    }

    /// An Ethernet/IPv4/TCP frame with the TCP checksum computed (`full`) or left at 0.
    fn tcp4_frame(payload: &[u8], full: bool) -> Vec<u8> {
        tcp_frame_between(IpAddress::Ipv4(SRC4), IpAddress::Ipv4(DST4), payload, full)
    }

    /// What the card does with a NEEDS_CSUM frame: the complement of the sum from `start`,
    /// stored at `start + offset`.
    fn card_completes(frame: &mut [u8], pc: PartialChecksum) {
        let s = pc.start as usize;
        let sum = !checksum::data(&frame[s..]);
        let at = s + pc.offset as usize;
        frame[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    }

    #[test]
    fn tcp4_partial_checksum_completed_by_the_card_equals_the_software_one() {
        for len in [0usize, 1, 2, 3, 100, 1459, 1460] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let want = tcp4_frame(&payload, true);
            let mut got = tcp4_frame(&payload, false);
            assert_ne!(want, got, "the stack left the checksum out");
            let pc = tx_partial_checksum(&mut got).expect("a TCP frame");
            assert_eq!(
                pc,
                PartialChecksum {
                    start: 34,
                    offset: 16
                }
            );
            card_completes(&mut got, pc);
            assert_eq!(want, got, "payload of {len} bytes");
            assert!(l4_checksum_ok(&got));
        }
    }

    #[test]
    fn tcp6_partial_checksum_completed_by_the_card_equals_the_software_one() {
        let src = Ipv6Address::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
        let dst = Ipv6Address::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
        let payload = b"hello over ipv6, checksummed by the card";
        let build = |full: bool| {
            tcp_frame_between(IpAddress::Ipv6(src), IpAddress::Ipv6(dst), payload, full)
        };
        let want = build(true);
        let mut got = build(false);
        let pc = tx_partial_checksum(&mut got).expect("a TCP frame");
        assert_eq!(pc.start, 14 + 40);
        card_completes(&mut got, pc);
        assert_eq!(want, got);
    }

    #[test]
    fn non_tcp_frames_are_left_alone() {
        // ARP
        let mut arp = vec![0xffu8; 42];
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        let before = arp.clone();
        assert_eq!(tx_partial_checksum(&mut arp), None);
        assert_eq!(arp, before);
        // UDP keeps its software checksum.
        let udp = UdpRepr {
            src_port: 53,
            dst_port: 5353,
        };
        let payload = b"dns?";
        let ip = Ipv4Repr {
            src_addr: SRC4,
            dst_addr: DST4,
            next_header: IpProtocol::Udp,
            payload_len: udp.header_len() + payload.len(),
            hop_limit: 64,
        };
        let mut buf = vec![0u8; 14 + ip.buffer_len() + udp.header_len() + payload.len()];
        buf[12..14].copy_from_slice(&[0x08, 0x00]);
        let mut p = Ipv4Packet::new_unchecked(&mut buf[14..]);
        ip.emit(&mut p, &ChecksumCapabilities::default());
        udp.emit(
            &mut UdpPacket::new_unchecked(p.payload_mut()),
            &IpAddress::Ipv4(SRC4),
            &IpAddress::Ipv4(DST4),
            payload.len(),
            |b| b.copy_from_slice(payload),
            &ChecksumCapabilities::default(),
        );
        let before = buf.clone();
        assert_eq!(tx_partial_checksum(&mut buf), None);
        assert_eq!(buf, before);
        assert!(l4_checksum_ok(&buf));
        // A corrupted UDP payload fails the software check.
        let n = buf.len();
        buf[n - 1] ^= 0x40;
        assert!(!l4_checksum_ok(&buf));
        // A truncated frame is not prepared.
        let mut short = tcp4_frame(b"abc", false);
        short.truncate(40);
        assert_eq!(tx_partial_checksum(&mut short), None);
    }

    #[test]
    fn received_frames_with_a_bad_tcp_checksum_are_caught() {
        let mut f = tcp4_frame(b"some payload bytes", true);
        assert!(l4_checksum_ok(&f));
        let n = f.len();
        f[n - 3] ^= 1;
        assert!(!l4_checksum_ok(&f));
        // Not IP at all: nothing to check.
        assert!(l4_checksum_ok(&[0u8; 20]));
    }
}
