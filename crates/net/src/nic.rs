//! What the stack needs from a network card. Object safe (the stack holds a `Box<dyn Nic>`),
//! so the kernel's virtio-net driver and the host tests' in-memory wire are interchangeable.

/// Checksums the card computes or checks so the stack need not (virtio-net's
/// VIRTIO_NET_F_CSUM / GUEST_CSUM). The frame side is in [`crate::offload`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offloads {
    /// The card fills in the TCP checksums of frames it sends (the stack leaves them at zero;
    /// the card's driver prepares them with [`crate::offload::tx_partial_checksum`]). UDP
    /// checksums are always the stack's.
    pub tx_checksum: bool,
    /// The TCP/UDP checksums of the frames the card delivers are checked (the stack does not
    /// check them: the card did, or its driver with [`crate::offload::l4_checksum_ok`]).
    pub rx_checksum: bool,
}

/// A network card: whole Ethernet frames (no FCS) in and out.
pub trait Nic: Send {
    /// The card's MAC address.
    fn mac(&self) -> [u8; 6];
    /// Largest IP packet (Ethernet payload) the card carries: 1500 for virtio-net.
    fn mtu(&self) -> usize;
    /// Checksum offloads the card offers.
    fn offloads(&self) -> Offloads {
        Offloads::default()
    }
    /// Hands the oldest received frame to `consume` and returns true; false when none is
    /// waiting. The frame's buffer goes back to the card when `consume` returns.
    fn receive(&mut self, consume: &mut dyn FnMut(&[u8])) -> bool;
    /// Whether [`Nic::transmit`] would find a free buffer now (a card may take back the
    /// buffers of frames it has sent to answer).
    fn can_transmit(&mut self) -> bool;
    /// Sends a frame of `len` bytes that `fill` writes into the card's buffer. False (frame
    /// not sent) when no buffer is free.
    fn transmit(&mut self, len: usize, fill: &mut dyn FnMut(&mut [u8])) -> bool;
    /// Makes sure the card will send what [`Nic::transmit`] queued: a card may hold frames
    /// back to tell the device about a batch at once (a virtio notify is a VM exit). The
    /// stack calls it at the end of every poll that may have sent.
    fn flush(&mut self) {}
}
