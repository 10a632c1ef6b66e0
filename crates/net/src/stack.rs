//! The one TCP/IP stack of the VM: the interface, its sockets, and the card.
//!
//! PLACEHOLDER (session 3 scaffolding): this fixes the interface the kernel calls, so the
//! driver and the stack can be written in parallel. It owns the card and drops what arrives;
//! the smoltcp stack replaces the body of `Stack`, keeping these signatures.

use alloc::boxed::Box;

use spin::{Mutex, Once};

use crate::Nic;

/// How the interface gets its address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// A static IPv4 address and prefix length (`--ip`); None: DHCP.
    pub ip: Option<([u8; 4], u8)>,
    /// The default gateway (`--gw`); with DHCP the lease's router.
    pub gateway: Option<[u8; 4]>,
}

/// What one [`Stack::poll`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    /// Some socket's readiness may have changed: wake the threads waiting on sockets.
    pub changed: bool,
    /// When the stack next needs polling even if no frame arrives (CLOCK_MONOTONIC ns:
    /// retransmissions, delayed ACKs, DHCP renewal); None: only when a frame arrives.
    pub next_ns: Option<u64>,
}

pub struct Stack {
    nic: Mutex<Box<dyn Nic>>,
}

impl Stack {
    /// Processes received frames and timers, sends what is due.
    pub fn poll(&self, now_ns: u64) -> Polled {
        let _ = now_ns;
        let mut nic = self.nic.lock();
        while nic.receive(&mut |_frame| {}) {}
        Polled::default()
    }
}

static STACK: Once<Stack> = Once::new();

/// Makes the VM's stack over `nic` (once, at boot, when the VM has a card).
pub fn init(nic: Box<dyn Nic>, config: Config, now_ns: u64) -> &'static Stack {
    let _ = (config, now_ns);
    STACK.call_once(|| Stack {
        nic: Mutex::new(nic),
    })
}

/// The stack, if the VM has a network card.
pub fn stack() -> Option<&'static Stack> {
    STACK.get()
}
