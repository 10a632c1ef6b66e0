//! Osprey's TCP/IP: smoltcp behind the socket semantics Linux programs rely on, over any
//! network card that implements [`Nic`].
//!
//! This crate has no unsafe code and builds for the host: its tests run two stacks against
//! each other over an in-memory wire. The kernel gives it a card (virtio-net) and polls it;
//! `osprey-linux`'s AF_INET sockets call into it.

#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

pub mod nic;
pub mod offload;
pub mod poll;
pub mod stack;
pub mod tcp;
pub mod udp;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod zero_window_tests;

pub use nic::{Nic, Offloads};
pub use stack::{init, local, stack, Config, Polled, Stack};
pub use tcp::TcpSocket;
pub use udp::{Datagram, UdpSocket};
