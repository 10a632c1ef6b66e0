//! Event counters of the network path, for finding where a request's time goes
//! (`osprey --verbose` logs them when the app exits; BENCHMARKS.md divides them by the
//! requests a load made). Relaxed atomic increments: cheap enough to keep.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One counter per event.
pub struct Counters {
    /// Stack polls by the kernel (card interrupt, stack timer, a thread about to wait).
    pub kernel_polls: AtomicU64,
    /// Stack polls by socket calls (send, recv, accept, connect, close, shutdown).
    pub kicks: AtomicU64,
    /// Scans of the watched sockets after a changing poll, and sockets looked at.
    pub scans: AtomicU64,
    pub scanned: AtomicU64,
    /// Sockets whose readiness moved (their PollSource fired).
    pub fired: AtomicU64,
    /// iowait notifications, and threads unparked by them.
    pub notifies: AtomicU64,
    pub unparks: AtomicU64,
    /// Times a thread went to sleep in iowait, and times it woke to find nothing.
    pub sleeps: AtomicU64,
    pub empty_wakes: AtomicU64,
    /// Card interrupts, frames received and sent.
    pub irqs: AtomicU64,
    pub rx_frames: AtomicU64,
    pub tx_frames: AtomicU64,
    /// virtio notifies of the transmit and receive queues (MMIO writes, VM exits).
    pub tx_kicks: AtomicU64,
    pub rx_kicks: AtomicU64,
    /// Frames whose TCP checksum the card computed / whose checksum it vouched for.
    pub tx_csum_offloaded: AtomicU64,
    pub rx_csum_offloaded: AtomicU64,
    /// Received frames dropped for a bad checksum found in software.
    pub rx_csum_bad: AtomicU64,
    /// Sockets told that their net channel got segments (the segments queued and processed
    /// are counted by `osprey-net`: `stack::CHAN_QUEUED`, `CHAN_DRAINED`).
    pub chan_hits: AtomicU64,
    /// Guest nanoseconds spent in stack polls (kernel's and kicks) and in the scans.
    pub poll_ns: AtomicU64,
    pub scan_ns: AtomicU64,
}

pub static C: Counters = Counters {
    kernel_polls: AtomicU64::new(0),
    kicks: AtomicU64::new(0),
    scans: AtomicU64::new(0),
    scanned: AtomicU64::new(0),
    fired: AtomicU64::new(0),
    notifies: AtomicU64::new(0),
    unparks: AtomicU64::new(0),
    sleeps: AtomicU64::new(0),
    empty_wakes: AtomicU64::new(0),
    irqs: AtomicU64::new(0),
    rx_frames: AtomicU64::new(0),
    tx_frames: AtomicU64::new(0),
    tx_kicks: AtomicU64::new(0),
    rx_kicks: AtomicU64::new(0),
    tx_csum_offloaded: AtomicU64::new(0),
    rx_csum_offloaded: AtomicU64::new(0),
    rx_csum_bad: AtomicU64::new(0),
    chan_hits: AtomicU64::new(0),
    poll_ns: AtomicU64::new(0),
    scan_ns: AtomicU64::new(0),
};

/// Adds one to `c`.
#[inline]
pub fn bump(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}

/// Adds `n` to `c`.
#[inline]
pub fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Relaxed);
}

/// The counters as one line (`name=value ...`).
pub fn summary() -> alloc::string::String {
    let c = &C;
    let v = |a: &AtomicU64| a.load(Relaxed);
    alloc::format!(
        "net counters: kernel_polls={} kicks={} scans={} scanned={} fired={} notifies={} \
         unparks={} sleeps={} empty_wakes={} irqs={} rx_frames={} tx_frames={} \
         tx_kicks={} rx_kicks={} tx_csum_offloaded={} rx_csum_offloaded={} rx_csum_bad={} \
         chan_queued={} chan_drained={} chan_hits={} poll_ns={} scan_ns={}",
        v(&c.kernel_polls),
        v(&c.kicks),
        v(&c.scans),
        v(&c.scanned),
        v(&c.fired),
        v(&c.notifies),
        v(&c.unparks),
        v(&c.sleeps),
        v(&c.empty_wakes),
        v(&c.irqs),
        v(&c.rx_frames),
        v(&c.tx_frames),
        v(&c.tx_kicks),
        v(&c.rx_kicks),
        v(&c.tx_csum_offloaded),
        v(&c.rx_csum_offloaded),
        v(&c.rx_csum_bad),
        osprey_net::stack::CHAN_QUEUED.load(Relaxed),
        osprey_net::stack::CHAN_DRAINED.load(Relaxed),
        v(&c.chan_hits),
        v(&c.poll_ns),
        v(&c.scan_ns),
    )
}
