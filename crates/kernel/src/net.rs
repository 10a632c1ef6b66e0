//! The network card and the stack's poll loop.
//!
//! At boot [`init`] brings up the virtio-net card (`osprey_hal::dev::virtio_net`: virtio-pci
//! on q35, virtio-mmio on microvm) if QEMU gave one, and hands it to the stack
//! (`osprey_net::init`) with the address configuration from the kernel command line
//! (`ip=ADDR/PREFIX`, `gw=ADDR`; none: DHCP).
//!
//! Who polls the stack, and when (`Stack::poll` runs at *safe points*, never where a kernel
//! lock may be held by the interrupted code):
//! * **The card interrupts.** The hal masks its line; [`on_interrupt`] only raises
//!   `PENDING`, and the scheduler's interrupt path (`sched::on_timer`) handles it as it
//!   handles a timer: at once if the interrupt came from app code (which holds no kernel
//!   lock), else at the next safe point (the end of the system call, the idle loop, or
//!   50 us later). [`poll_if_pending`] then acknowledges the device, polls the stack, and
//!   unmasks the line: while the stack is being polled the card does not interrupt, so under
//!   load frames are picked up by polling.
//! * **The stack's timers.** `Polled::next_ns` (retransmissions, delayed ACKs, DHCP) is armed
//!   in the scheduler's timer list (`sched::set_net_timer`, through `Stack::arm_timer`: only
//!   if no later poll's request was armed meanwhile); when it passes it raises `PENDING` the
//!   same way.
//! * **A thread waits** (`Machine::idle`, used by blocking socket calls, poll and select):
//!   it serves a pending poll before it sleeps. (The socket calls poll the stack themselves
//!   right after queuing data, so what a thread sends goes out at once; an unconditional
//!   poll here would cost every pipe wait a stack poll.)
//!
//! After a poll that changed some socket's readiness, `iowait::notify` wakes the waiters.
//! `Stack::poll` must therefore never sleep (spin locks only): it runs in the idle thread and
//! in interrupt context.

use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};

use osprey_hal::dev::virtio_net::{NetIrq, VirtioNet};
use osprey_net::{Config, Nic};

use crate::machine::monotonic_ns;
use osprey_linux::net::counters;

/// The card's interrupt, once the stack owns the card.
static IRQ: spin::Once<Option<NetIrq>> = spin::Once::new();
/// The card interrupted or the stack's timer passed: poll at the next safe point.
static PENDING: AtomicBool = AtomicBool::new(false);
/// The card's interrupt vector (0: none).
static VECTOR: AtomicU16 = AtomicU16::new(0);
/// Interrupts taken (the boot self-check reports it).
static IRQS: AtomicU64 = AtomicU64::new(0);
/// One poll at a time: a second caller finds the work being done (and PENDING re-raised if
/// it came too late for the running poll, which then polls again).
static POLLING: AtomicBool = AtomicBool::new(false);

/// The card as the stack sees it, with the frame side of its checksum offloads
/// (`osprey_net::offload`).
struct Card {
    card: VirtioNet,
    /// The card completes TCP checksums of the frames we send.
    tx_csum: bool,
    /// The card says which received frames it checked; the others are checked here.
    rx_csum: bool,
}

impl Card {
    fn new(card: VirtioNet) -> Card {
        let (tx_csum, rx_csum) = card.offloads();
        Card {
            card,
            tx_csum,
            rx_csum,
        }
    }

    fn count(&self) {
        let s = self.card.stats();
        let c = &counters::C;
        c.tx_kicks.store(s.tx_kicks, Ordering::Relaxed);
        c.rx_kicks.store(s.rx_kicks, Ordering::Relaxed);
        c.tx_csum_offloaded
            .store(s.tx_csum_offloaded, Ordering::Relaxed);
        c.rx_csum_offloaded
            .store(s.rx_csum_offloaded, Ordering::Relaxed);
    }
}

impl Nic for Card {
    fn mac(&self) -> [u8; 6] {
        self.card.mac()
    }

    fn mtu(&self) -> usize {
        1500
    }

    fn offloads(&self) -> osprey_net::nic::Offloads {
        osprey_net::nic::Offloads {
            tx_checksum: self.tx_csum,
            rx_checksum: self.rx_csum,
        }
    }

    fn receive(&mut self, consume: &mut dyn FnMut(&[u8])) -> bool {
        let check = self.rx_csum;
        loop {
            let (mut bad, mut taken) = (false, false);
            let got = self.card.receive(&mut |f, vouched| {
                // The stack does not check TCP/UDP checksums when the card does: frames the
                // card did not vouch for are checked here.
                if check && !vouched && !osprey_net::offload::l4_checksum_ok(f) {
                    bad = true;
                } else {
                    consume(f);
                    taken = true;
                }
            });
            if !got {
                return false;
            }
            counters::bump(&counters::C.rx_frames);
            if taken {
                return true;
            }
            // Dropped, as a wire's damage: a bad checksum, or a buffer the device returned
            // malformed (the stack must not see the previous frame again as a new one).
            if bad {
                counters::bump(&counters::C.rx_csum_bad);
            }
        }
    }

    fn can_transmit(&mut self) -> bool {
        self.card.can_transmit()
    }

    fn transmit(&mut self, len: usize, fill: &mut dyn FnMut(&mut [u8])) -> bool {
        let offload = self.tx_csum;
        let sent = self.card.transmit(len, &mut |b| {
            fill(b);
            if offload {
                osprey_net::offload::tx_partial_checksum(b).map(|p| (p.start, p.offset))
            } else {
                None
            }
        });
        if sent {
            counters::bump(&counters::C.tx_frames);
        }
        sent
    }

    fn flush(&mut self) {
        self.card.flush();
        self.count();
    }
}

/// Parses `a.b.c.d`.
fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for b in out.iter_mut() {
        *b = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// The address configuration on the command line: `ip=ADDR/PREFIX`, `gw=ADDR`.
pub fn config_from_cmdline(cmdline: &str) -> Config {
    use osprey_proto::cmdline;
    let ip = cmdline::get(cmdline, cmdline::IP).and_then(|v| {
        let (a, p) = v.split_once('/')?;
        let p: u8 = p.parse().ok().filter(|&p| p <= 32)?;
        Some((parse_ipv4(a)?, p))
    });
    let gateway = cmdline::get(cmdline, cmdline::GATEWAY).and_then(parse_ipv4);
    // TCP initial sequence numbers, DHCP transaction ids and ephemeral ports come from the
    // seed: an unpredictable one, as Linux's are.
    let mut seed = [0u8; 8];
    crate::rng::fill(&mut seed);
    Config {
        ip,
        gateway,
        seed: u64::from_ne_bytes(seed),
        ..Default::default()
    }
}

/// Brings up the card and the stack, if the VM has a card. `self_check`: first prove the
/// card works by asking QEMU's user network for the gateway's MAC address (ARP), and log
/// what happened (`osprey --verbose` shows it).
/// `netstate=signal` on the command line: [`dump_on_signal`] writes the TCP state.
static STATE_ON_SIGNAL: AtomicBool = AtomicBool::new(false);

/// Before a signal from the host is delivered (`netstate=signal`): every TCP connection's
/// state on stderr, to see what a stalled transfer waits for before the app is killed.
pub fn dump_on_signal() {
    if !STATE_ON_SIGNAL.load(Ordering::Relaxed) {
        return;
    }
    if let Some(stack) = osprey_net::stack::existing() {
        let mut s = alloc::string::String::new();
        let _ = stack.dump_tcp(&mut s);
        osprey_hal::dev::serial::write_frame(osprey_proto::frame::Tag::Stderr as u8, s.as_bytes());
    }
}

pub fn init(cmdline: &str, self_check: bool) {
    use osprey_proto::cmdline as kc;
    if kc::get(cmdline, kc::NET_STATE) == Some("signal") {
        STATE_ON_SIGNAL.store(true, Ordering::Relaxed);
    }
    if kc::get(cmdline, kc::NET_DEFER) == Some("0") {
        osprey_linux::net::inet::DEFER_TX.store(false, Ordering::Relaxed);
    }
    if kc::get(cmdline, kc::NET).is_none() && !cmdline.contains("virtio_mmio.device=") {
        return; // no card (`--net none`): no probing, no boot time spent
    }
    let mut card = match VirtioNet::probe(cmdline) {
        Ok(Some(c)) => c,
        Ok(None) => return,
        Err(e) => {
            log::error!("net: the virtio-net card did not come up: {e:?}");
            return;
        }
    };
    let config = config_from_cmdline(cmdline);
    let mac = card.mac();
    log::info!(
        "net: virtio-net at {}, vector {}, MAC {}",
        card.location(),
        card.irq().map_or(0, |i| i.vector()),
        fmt_mac(mac)
    );
    if let Some(i) = card.irq() {
        VECTOR.store(i.vector() as u16, Ordering::Relaxed);
    }
    if self_check {
        arp_self_check(&mut card, &config);
    }
    let irq = card.irq();
    if let Some(irq) = irq {
        irq.ack();
        irq.unmask();
    }
    IRQ.call_once(|| irq);
    osprey_net::init(Box::new(Card::new(card)), config, monotonic_ns());
    osprey_linux::net::inet::set_channels(kc::get(cmdline, kc::NET_CHANNELS) == Some("1"));
    crate::bootchart::mark("network card ready");
    // The first poll starts DHCP and arms the stack's timer, whatever the app does first.
    poll();
}

/// How long the boot waits for a DHCP lease before it starts the program without one.
const LEASE_WAIT_NS: u64 = 5_000_000_000;

/// With DHCP, waits for the lease (at most `LEASE_WAIT_NS`) before the program starts: a
/// server binds and a client connects or resolves a name from its first instructions, and
/// without an address the connect fails (EADDRNOTAVAIL) and /etc/resolv.conf has no server.
/// A container, too, has its address before its process starts. Under QEMU's user network
/// the lease takes two round trips to QEMU itself: a few milliseconds of the boot.
pub fn wait_for_lease() {
    let Some(stack) = osprey_net::stack() else {
        return;
    };
    if !stack.awaiting_lease() {
        return;
    }
    let deadline = monotonic_ns() + LEASE_WAIT_NS;
    if crate::sched::boot_wait(deadline, || !stack.awaiting_lease()) {
        crate::bootchart::mark("DHCP lease");
    } else {
        let msg = alloc::format!(
            "osprey: no DHCP lease after {} s: the program starts without an IPv4 address \
             (--ip ADDR/PREFIX gives a static one)\n",
            LEASE_WAIT_NS / 1_000_000_000
        );
        osprey_hal::dev::serial::write_frame(
            osprey_proto::frame::Tag::Stderr as u8,
            msg.as_bytes(),
        );
    }
}

fn fmt_mac(m: [u8; 6]) -> alloc::string::String {
    alloc::format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0],
        m[1],
        m[2],
        m[3],
        m[4],
        m[5]
    )
}

/// Sends an ARP request for the gateway (QEMU's user network answers for 10.0.2.2) and waits
/// up to a second for the reply, polling the card with interrupts on.
fn arp_self_check(card: &mut VirtioNet, config: &Config) {
    let gw = config.gateway.unwrap_or([10, 0, 2, 2]);
    let me = config.ip.map_or([10, 0, 2, 15], |(a, _)| a);
    let mac = card.mac();
    let mut frame = [0u8; 42];
    frame[0..6].copy_from_slice(&[0xff; 6]);
    frame[6..12].copy_from_slice(&mac);
    frame[12..14].copy_from_slice(&[0x08, 0x06]); // ARP
    frame[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]); // Ethernet, IPv4, request
    frame[22..28].copy_from_slice(&mac);
    frame[28..32].copy_from_slice(&me);
    frame[32..38].copy_from_slice(&[0; 6]);
    frame[38..42].copy_from_slice(&gw);
    let irqs_before = IRQS.load(Ordering::SeqCst);
    let start = monotonic_ns();
    if !card.transmit(frame.len(), &mut |b| {
        b.copy_from_slice(&frame);
        None
    }) {
        log::warn!("net: self-check: cannot queue the ARP request");
        return;
    }
    card.flush();
    osprey_hal::cpu::enable_interrupts();
    let mut frames = 0u32;
    let mut answer = None;
    while answer.is_none() && monotonic_ns() - start < 1_000_000_000 {
        while card.receive(&mut |f, _| {
            frames += 1;
            let is_reply = f.len() >= 42
                && f[12..14] == [0x08, 0x06]
                && f[20..22] == [0, 2]
                && f[28..32] == gw;
            if is_reply {
                let mut m = [0u8; 6];
                m.copy_from_slice(&f[22..28]);
                answer = Some(m);
            }
        }) {}
        core::hint::spin_loop();
    }
    let us = (monotonic_ns() - start) / 1000;
    let irqs = IRQS.load(Ordering::SeqCst) - irqs_before;
    match answer {
        Some(m) => log::info!(
            "net: self-check: ARP reply: {}.{}.{}.{} is at {} after {us} us ({frames} frames, {irqs} interrupts)",
            gw[0],
            gw[1],
            gw[2],
            gw[3],
            fmt_mac(m)
        ),
        None => log::warn!(
            "net: self-check: no ARP reply from {}.{}.{}.{} in {us} us ({frames} frames, {irqs} interrupts)",
            gw[0],
            gw[1],
            gw[2],
            gw[3]
        ),
    }
}

/// Whether `vector` is the card's.
pub fn is_irq(vector: u8) -> bool {
    VECTOR.load(Ordering::Relaxed) == vector as u16
}

/// The card interrupted (its line is masked now): poll at the next safe point.
pub fn on_interrupt() {
    IRQS.fetch_add(1, Ordering::Relaxed);
    counters::bump(&counters::C.irqs);
    PENDING.store(true, Ordering::SeqCst);
}

/// A poll is due (the idle loop does not halt while one is).
pub fn pending() -> bool {
    PENDING.load(Ordering::Relaxed)
}

/// The stack's timer passed.
pub fn timer_fired() {
    PENDING.store(true, Ordering::SeqCst);
}

/// At a safe point: if the card interrupted or a timer passed, poll.
#[inline]
pub fn poll_if_pending() {
    if PENDING.load(Ordering::Relaxed) {
        poll();
    }
}

/// Polls the stack now (a thread about to wait, or a pending interrupt or timer).
pub fn poll() {
    let Some(stack) = osprey_net::stack() else {
        PENDING.store(false, Ordering::Relaxed);
        return;
    };
    if POLLING.swap(true, Ordering::Acquire) {
        return; // another CPU is at it; PENDING stays raised for it to see
    }
    counters::bump(&counters::C.kernel_polls);
    let irq = IRQ.get().copied().flatten();
    let mut changed = false;
    let mut last;
    loop {
        PENDING.store(false, Ordering::SeqCst);
        // Acknowledge first: a frame that arrives after this raises the line again.
        if let Some(i) = irq {
            i.ack();
        }
        let t0 = monotonic_ns();
        let p = stack.poll(t0);
        counters::add(&counters::C.poll_ns, monotonic_ns() - t0);
        changed |= p.changed;
        last = p;
        // Raised meanwhile by an interrupt on another CPU, which left the work to us.
        if !PENDING.load(Ordering::SeqCst) {
            break;
        }
    }
    if let Some(i) = irq {
        i.unmask();
    }
    POLLING.store(false, Ordering::Release);
    // Only if no later poll (a socket call's, on another CPU) armed its own request already.
    stack.arm_timer(&last, crate::sched::set_net_timer);
    log_counters_every(5_000_000_000);
    osprey_linux::net::inet::after_poll(stack, changed);
}

/// Logs the network counters (`osprey --verbose` shows them), when the VM has a card.
pub fn log_counters() {
    if osprey_net::stack().is_some() {
        let (arms, arm_tsc) = osprey_hal::dev::lapic::arm_stats();
        let ns = osprey_hal::time::tsc_to_ns;
        let [notify, ack, mask] = osprey_hal::dev::access::stats();
        log::debug!(
            "{} timer_arms={arms} arm_ns={} notifies_dev={} notify_ns={} irq_acks={} irq_ack_ns={} \
             masks={} mask_ns={}",
            counters::summary(),
            ns(arm_tsc),
            notify.0,
            ns(notify.1),
            ack.0,
            ns(ack.1),
            mask.0,
            ns(mask.1)
        );
    }
}

/// With `--verbose`, logs the counters at most every `period_ns` (a load's figures can be
/// read while the app runs; a server killed from outside never reaches its exit).
fn log_counters_every(period_ns: u64) {
    static LAST: AtomicU64 = AtomicU64::new(0);
    if !log::log_enabled!(log::Level::Debug) {
        return;
    }
    let now = monotonic_ns();
    let last = LAST.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= period_ns
        && LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        log_counters();
    }
}
