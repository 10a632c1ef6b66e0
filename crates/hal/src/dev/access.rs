//! The device accesses of the network path and what they cost: under TCG each is an exit to
//! QEMU, which takes QEMU's big lock (held by its main loop while slirp or the tap works), so
//! a single register write can cost tens of microseconds. `osprey --verbose` prints these
//! next to the network counters, to see where a request's exits go.

use core::sync::atomic::{AtomicU64, Ordering};

/// What was accessed.
#[derive(Clone, Copy)]
pub enum Access {
    /// A virtio queue notification (the transmit or receive queue).
    Notify = 0,
    /// The card's interrupt acknowledgement (status read, then ack write).
    IrqAck = 1,
    /// Masking or unmasking a device line (an I/O APIC redirection entry or MSI-X vector).
    Mask = 2,
}

const KINDS: usize = 3;

static COUNT: [AtomicU64; KINDS] = [const { AtomicU64::new(0) }; KINDS];
static TSC: [AtomicU64; KINDS] = [const { AtomicU64::new(0) }; KINDS];

/// Runs `f` (the access), counting it and its TSC ticks under `what`.
#[inline]
pub fn timed<R>(what: Access, f: impl FnOnce() -> R) -> R {
    let t0 = crate::time::tsc();
    let r = f();
    let i = what as usize;
    COUNT[i].fetch_add(1, Ordering::Relaxed);
    TSC[i].fetch_add(crate::time::tsc().saturating_sub(t0), Ordering::Relaxed);
    r
}

/// (count, TSC ticks) since boot, all CPUs, for each kind: notify, irq_ack, mask.
pub fn stats() -> [(u64, u64); KINDS] {
    core::array::from_fn(|i| {
        (
            COUNT[i].load(Ordering::Relaxed),
            TSC[i].load(Ordering::Relaxed),
        )
    })
}
