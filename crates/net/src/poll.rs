//! poll(2) event bits, as the socket layer reports readiness.

pub const POLLIN: u16 = osprey_abi::poll::POLLIN as u16;
pub const POLLOUT: u16 = osprey_abi::poll::POLLOUT as u16;
pub const POLLERR: u16 = osprey_abi::poll::POLLERR as u16;
pub const POLLHUP: u16 = osprey_abi::poll::POLLHUP as u16;
pub const POLLRDHUP: u16 = osprey_abi::poll::POLLRDHUP as u16;
