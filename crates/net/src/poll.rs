//! poll(2) event bits, as the socket layer reports readiness.

pub const POLLIN: u16 = osprey_abi::poll::POLLIN as u16;
pub const POLLOUT: u16 = osprey_abi::poll::POLLOUT as u16;
pub const POLLERR: u16 = osprey_abi::poll::POLLERR as u16;
pub const POLLHUP: u16 = osprey_abi::poll::POLLHUP as u16;
pub const POLLRDHUP: u16 = osprey_abi::poll::POLLRDHUP as u16;

/// A readiness signature: poll bits and the bytes queued each way, mixed so that a change of
/// any of them moves it (never 0, which means "nothing seen").
pub(crate) fn signature(bits: u16, queued: usize, unsent: usize) -> u64 {
    let sig = (bits as u64)
        ^ (queued as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (unsent as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    sig.max(1)
}
