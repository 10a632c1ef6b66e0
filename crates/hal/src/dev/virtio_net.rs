//! The network card: virtio-net over virtio-mmio (QEMU `-M microvm`) or virtio-pci (QEMU
//! `-M q35`), our driver on the `virtio-drivers` crate's transports and virtqueues, behind a
//! safe interface ([`VirtioNet`], [`NetIrq`]).
//!
//! * **Finding it on PCI.** If the machine has a PCI bus (`super::pci`), the first function
//!   with virtio's vendor ID (0x1af4) and the network device ID (0x1041 modern, 0x1000
//!   transitional) is the card; its BARs are the firmware's, or placed by
//!   `pci::Bus::assign_bars` where the firmware left them empty (qboot). The mmio row is not
//!   looked at then.
//! * **Finding it on virtio-mmio.** QEMU's microvm has a row of virtio-mmio transports, 512
//!   bytes apart from 0xfeb0_0000, each wired to its own GSI: 8 transports from GSI 5 with one
//!   I/O APIC, 24 from GSI 24 (the second I/O APIC's first pin) when it has two (`ioapic2`, on
//!   with ACPI, the default). Devices fill the row from the top. QEMU also writes
//!   `virtio_mmio.device=512@0xfeb00e00:12` words on the kernel command line
//!   ("auto-kernel-cmdline"), but a PVH kernel gets the command line as it was before QEMU
//!   added them, and the DSDT that describes the slots would need an AML interpreter. So the
//!   command line's words are used when present (other VMMs, Linux-style boot), and otherwise
//!   the row is probed from the top: a slot is two register reads (magic, device ID).
//! * **Memory.** The queues live in frames from the frame allocator (physically contiguous,
//!   zeroed, in the direct map); the packet buffers are heap boxes, which are physically
//!   contiguous too (every heap arena is one run of frames), so the device addresses them by
//!   their direct-map address minus the direct-map base ([`KernelHal::share`]).
//! * **The driver.** Our own, on virtio-drivers' public `Transport` and `VirtQueue` (the crate's
//!   `VirtIONetRaw` is not used): that driver negotiates a fixed feature set without
//!   checksum offload, and notifies the device for every frame it queues. Its EVENT_IDX check
//!   (`VirtQueue::should_notify`: `avail_idx >= avail_event + 1`, not the wrapping
//!   `vring_need_event`) is true for every frame once the device has published an
//!   `avail_event`, so suppression never happens; each notify is an MMIO write, a VM exit
//!   (under TCG, a trip out of the translated code that takes QEMU's big lock). So:
//!   - **Features**: MAC, STATUS, VERSION_1, and CSUM / GUEST_CSUM when offered (QEMU offers
//!     them only with a peer that takes virtio-net headers: a tap, not the user network).
//!     No EVENT_IDX: the flag-based suppression (VRING_USED_F_NO_NOTIFY while QEMU's
//!     transmit bottom half runs, VRING_AVAIL_F_NO_INTERRUPT from us) works with the crate's
//!     queue. No TSO (smoltcp makes MSS-sized segments), no mergeable buffers.
//!   - **Transmit**: frames queued by one stack poll are announced together: [`VirtioNet::flush`]
//!     (the stack calls it at the end of every poll) or every [`TX_BATCH`] frames (the device
//!     starts early on a long burst), and only when the device has not suppressed
//!     notifications. Completions raise no interrupt (the sent buffers are taken back by the
//!     next transmit) except while the queue is full.
//!   - **Receive**: a used buffer is requeued at once; the device is told only when it asked
//!     (it clears VRING_USED_F_NO_NOTIFY when it ran out of buffers).
//!   - **Checksums**: with CSUM the stack leaves TCP checksums to the card: the frame gets
//!     the pseudo-header sum (`osprey_net::offload`, in the caller's fill) and the header
//!     NEEDS_CSUM with `csum_start`/`csum_offset`. With GUEST_CSUM a received frame says
//!     whether its checksum was checked (DATA_VALID) or never computed (NEEDS_CSUM: a local
//!     sender), and the caller checks the others in software.
//! * **Buffers.** Every receive descriptor holds a 2 KiB buffer (header plus a 1514-byte
//!   frame: no mergeable buffers, no large receive); a received frame is handed to the
//!   caller in place and its buffer goes straight back to the queue. Frames to send are
//!   written by the caller into a free transmit buffer (header and frame in one descriptor),
//!   which returns to the pool when the device says it is sent (never waiting for it).
//! * **Interrupts.** virtio-mmio: the device's line is routed level-triggered through the I/O
//!   APIC ([`super::ioapic`]). virtio-pci: MSI-X table entry 0, which both queues signal
//!   through (configuration changes signal nothing), edge-triggered to a device vector; its
//!   INTx line is disabled. Either way the hal masks the vector when it fires (the I/O APIC
//!   entry's or the MSI-X entry's mask bit). Whoever services the card calls
//!   [`NetIrq::ack`] (the device lowers the line; nothing to do for MSI-X), drains the queues,
//!   then [`NetIrq::unmask`]: a frame that came after the ack raises the line again (or left
//!   its message pending in the masked MSI-X entry) and interrupts at the unmask, so none is
//!   missed, and while the card is being serviced it does not interrupt.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;

use core::sync::atomic::{fence, Ordering};

use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::pci::bus::DeviceFunction;
use virtio_drivers::transport::pci::{virtio_device_type, PciTransport};
use virtio_drivers::transport::{DeviceType, SomeTransport, Transport};
use virtio_drivers::{BufferDirection, Hal};

use super::access::{self, Access};
use super::{ioapic, pci};
use crate::mm::{frames, phys_to_virt, PhysAddr, DIRECT_MAP_BASE, KERNEL_VMA, PAGE_SIZE};

/// Descriptors per queue (and so receive buffers, and frames in flight to the device): a
/// 64 KiB send window is 45 full frames.
const RX_SIZE: usize = 128;
const TX_SIZE: usize = 128;
/// Receive and transmit buffer size: the virtio-net header (12 bytes) and a full frame.
const BUF_LEN: usize = 2048;
/// Frames queued before the device is told without waiting for the flush.
pub const TX_BATCH: usize = 16;
/// Receive buffers requeued before the device is told (if it is waiting for them).
const RX_BATCH: usize = 16;

const QUEUE_RECEIVE: u16 = 0;
const QUEUE_TRANSMIT: u16 = 1;

bitflags::bitflags! {
    /// The virtio-net features this driver can use (virtio 1.2, 5.1.3).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Features: u64 {
        /// The device completes partial checksums of frames we send.
        const CSUM = 1 << 0;
        /// We take frames with partial or already checked checksums.
        const GUEST_CSUM = 1 << 1;
        const MAC = 1 << 5;
        const STATUS = 1 << 16;
        const VERSION_1 = 1 << 32;
    }
}

/// Where the device is to complete a sent frame's TCP checksum: (`csum_start`,
/// `csum_offset`); None: the frame is complete.
pub type PartialCsum = Option<(u16, u16)>;

/// virtio_net_hdr flags.
const HDR_F_NEEDS_CSUM: u8 = 1;
const HDR_F_DATA_VALID: u8 = 2;
/// Offsets in virtio_net_hdr: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset
/// (and num_buffers with VERSION_1).
const HDR_FLAGS: usize = 0;
const HDR_CSUM_START: usize = 6;
const HDR_CSUM_OFFSET: usize = 8;

/// Offsets of the interrupt status and acknowledge registers, the same in the legacy and the
/// modern virtio-mmio layouts.
const REG_INTERRUPT_STATUS: usize = 0x60;
const REG_INTERRUPT_ACK: usize = 0x64;

/// virtio-pci's common configuration structure: the registers set here (the crate's transport
/// does not set MSI-X vectors), and its size.
const COMMON_CFG: u8 = 1;
const COMMON_MSIX_CONFIG: u64 = 0x10;
const COMMON_QUEUE_SELECT: u64 = 0x16;
const COMMON_QUEUE_MSIX_VECTOR: u64 = 0x1a;
const COMMON_CFG_LEN: u64 = 0x38;
/// "No vector" in virtio-pci's MSI-X vector registers.
const NO_VECTOR: u16 = 0xffff;

/// virtio-drivers' view of the machine: DMA frames, and addresses as the device sees them.
pub struct KernelHal;

/// The physical address of kernel memory at `v`: the direct map (heap, frames) or the kernel
/// image (static data, the boot stack).
fn kernel_virt_to_phys(v: u64) -> u64 {
    if v >= KERNEL_VMA {
        v - KERNEL_VMA
    } else {
        assert!(
            v >= DIRECT_MAP_BASE,
            "DMA buffer outside kernel memory: {v:#x}"
        );
        v - DIRECT_MAP_BASE
    }
}

// SAFETY: dma_alloc returns zeroed, page-aligned frames that nothing else owns (taken from the
// frame allocator), mapped in the direct map; mmio_phys_to_virt maps through the direct map,
// which covers the MMIO window below 4 GiB and gets a BAR above it added; share gives the
// physical address of memory the kernel owns (direct map or kernel image, both identity-offset
// mappings of contiguous physical memory), with no copying needed since the device sees all of
// RAM.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (u64, NonNull<u8>) {
        let Some(p) = frames::alloc_contiguous(pages as u64) else {
            return (0, NonNull::dangling());
        };
        let v = phys_to_virt(p);
        // SAFETY: the frames were just taken from the allocator: `pages` pages at `v` in the
        // direct map that nothing else refers to.
        unsafe { core::ptr::write_bytes(v, 0, pages * PAGE_SIZE as usize) };
        (p.0, NonNull::new(v).expect("the direct map is not at 0"))
    }

    unsafe fn dma_dealloc(paddr: u64, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        for i in 0..pages as u64 {
            frames::free(PhysAddr(paddr + i * PAGE_SIZE));
        }
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: u64, size: usize) -> NonNull<u8> {
        if paddr + size as u64 > 1 << 32 {
            // A 64-bit BAR the firmware put above 4 GiB (probe time only).
            crate::mm::paging::direct_map_range(paddr, paddr + size as u64)
                .expect("no memory to map a device's registers");
        }
        NonNull::new(phys_to_virt(PhysAddr(paddr))).expect("the direct map is not at 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> u64 {
        kernel_virt_to_phys(buffer.as_ptr() as *mut u8 as u64)
    }

    unsafe fn unshare(_paddr: u64, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// A virtio-mmio slot named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmioSlot {
    pub addr: u64,
    pub size: u64,
    pub gsi: u32,
}

/// Parses one `virtio_mmio.device=<size>[K|M]@<addr>:<irq>[:<id>]` value (Linux's syntax).
fn parse_slot(v: &str) -> Option<MmioSlot> {
    let (size, rest) = v.split_once('@')?;
    let (size, mult) = match size.as_bytes().last()? {
        b'K' | b'k' => (&size[..size.len() - 1], 1024),
        b'M' | b'm' => (&size[..size.len() - 1], 1 << 20),
        _ => (size, 1),
    };
    let size = parse_num(size)? * mult;
    let mut parts = rest.split(':');
    let addr = parse_num(parts.next()?)?;
    let gsi = parse_num(parts.next()?)? as u32;
    Some(MmioSlot { addr, size, gsi })
}

fn parse_num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Where microvm puts its virtio-mmio transports.
const MICROVM_MMIO_BASE: u64 = 0xfeb0_0000;
const MICROVM_MMIO_STRIDE: u64 = 0x200;

/// The virtio-mmio slots to look at: the command line's, else microvm's row, top first.
pub fn mmio_slots(cmdline: &str) -> alloc::vec::Vec<MmioSlot> {
    let listed: Vec<MmioSlot> = cmdline
        .split_ascii_whitespace()
        .filter_map(|w| w.strip_prefix("virtio_mmio.device="))
        .filter_map(parse_slot)
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    let two_ioapics = ioapic::chips().iter().any(|io| io.gsi_base == 24);
    let (first_gsi, count) = if two_ioapics { (24, 24) } else { (5, 8) };
    (0..count)
        .rev()
        .map(|i| MmioSlot {
            addr: MICROVM_MMIO_BASE + i as u64 * MICROVM_MMIO_STRIDE,
            size: MICROVM_MMIO_STRIDE,
            gsi: first_gsi + i,
        })
        .collect()
}

/// The card's interrupt: acknowledging the device and unmasking its line, usable while
/// another CPU or thread drives the queues (those registers are not the queues').
#[derive(Clone, Copy, Debug)]
pub struct NetIrq {
    /// virtio-mmio: the device's register page (direct map), whose interrupt status is read
    /// and acknowledged; 0 for MSI-X, which has nothing to acknowledge.
    regs: u64,
    vector: u8,
}

impl NetIrq {
    /// The vector the card interrupts on (`Trap::Interrupt { vector }`).
    pub fn vector(&self) -> u8 {
        self.vector
    }

    /// Acknowledges whatever the device signalled, which lowers its line.
    pub fn ack(&self) {
        if self.regs == 0 {
            return;
        }
        let status = (self.regs + REG_INTERRUPT_STATUS as u64) as *const u32;
        let ack = (self.regs + REG_INTERRUPT_ACK as u64) as *mut u32;
        access::timed(Access::IrqAck, || {
            // SAFETY: `regs` is the device's register page in the direct map (checked at
            // probe: it answered with the virtio magic); these two 32-bit registers are read
            // and written only here (the transport's own ack_interrupt is never called), so
            // no access of the driver's is disturbed.
            unsafe {
                let s = status.read_volatile();
                if s != 0 {
                    ack.write_volatile(s);
                }
            }
        });
    }

    /// Lets the line interrupt again (it was masked when it fired).
    pub fn unmask(&self) {
        ioapic::unmask(self.vector);
    }
}

/// Where the card sits.
#[derive(Clone, Copy, Debug)]
pub enum Location {
    Mmio {
        /// Physical address of its register window.
        addr: u64,
        gsi: u32,
        /// The virtio-mmio version (2: modern).
        version: u32,
    },
    Pci {
        bus: u8,
        device: u8,
        function: u8,
        /// Whether its interrupt comes by MSI-X (else it is only polled).
        msix: bool,
    },
}

impl core::fmt::Display for Location {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match *self {
            Location::Mmio { addr, gsi, version } => {
                write!(f, "{addr:#x} (virtio-mmio v{version}, GSI {gsi})")
            }
            Location::Pci {
                bus,
                device,
                function,
                msix,
            } => write!(
                f,
                "{bus:02x}:{device:02x}.{function} (virtio-pci, {})",
                if msix { "MSI-X" } else { "no interrupt" }
            ),
        }
    }
}

/// The virtio-net card.
pub struct VirtioNet {
    transport: SomeTransport<'static>,
    rxq: VirtQueue<KernelHal, RX_SIZE>,
    txq: VirtQueue<KernelHal, TX_SIZE>,
    features: Features,
    /// virtio_net_hdr's size: 12 bytes (VERSION_1), 10 for a legacy device.
    hdr_len: usize,
    mac: [u8; 6],
    /// Receive buffers the device holds, by descriptor token.
    rx: Vec<Option<Box<[u8]>>>,
    /// Transmit buffers the device holds, by token, with the length handed to it.
    tx_busy: Vec<Option<(Box<[u8]>, usize)>>,
    tx_free: Vec<Box<[u8]>>,
    /// Frames and receive buffers queued since the device was last told.
    tx_unkicked: usize,
    rx_unkicked: usize,
    /// Transmit completions interrupt (only while the queue is full).
    tx_irq_on: bool,
    stats: Stats,
    irq: Option<NetIrq>,
    location: Location,
}

/// What the driver did, for the network counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Transmit queue notifications (MMIO writes).
    pub tx_kicks: u64,
    /// Receive queue notifications.
    pub rx_kicks: u64,
    /// Frames sent with NEEDS_CSUM.
    pub tx_csum_offloaded: u64,
    /// Frames received that the device vouched for (DATA_VALID or NEEDS_CSUM).
    pub rx_csum_offloaded: u64,
}

impl Drop for VirtioNet {
    fn drop(&mut self) {
        // The device must not reach the queues or buffers once they are freed (the fields
        // are dropped after this).
        self.transport.queue_unset(QUEUE_RECEIVE);
        self.transport.queue_unset(QUEUE_TRANSMIT);
    }
}

// SAFETY: the transport's MMIO pointers refer to device registers reachable from any CPU, and
// the queues to DMA frames owned by this value; nothing in it is tied to one CPU or thread.
unsafe impl Send for VirtioNet {}

fn buffer() -> Option<Box<[u8]>> {
    let mut v = Vec::new();
    v.try_reserve_exact(BUF_LEN).ok()?;
    v.resize(BUF_LEN, 0u8);
    Some(v.into_boxed_slice())
}

/// Why no card could be brought up.
#[derive(Debug)]
pub enum ProbeError {
    /// A slot answered but its transport is unusable.
    Transport(MmioSlot, virtio_drivers::transport::mmio::MmioError),
    /// The device refused the driver's set-up (queues, features).
    Device(virtio_drivers::Error),
    /// A PCI function with virtio's network ID whose transport is unusable (unassigned BAR,
    /// missing capability).
    Pci(
        DeviceFunction,
        virtio_drivers::transport::pci::VirtioPciError,
    ),
    /// No memory for queues or buffers.
    NoMemory,
}

impl VirtioNet {
    /// Brings up the first virtio-net device on the PCI bus if the machine has one, else among
    /// the command line's virtio-mmio slots, with its interrupt routed (unmasked). Ok(None):
    /// the VM has no network card.
    pub fn probe(cmdline: &str) -> Result<Option<VirtioNet>, ProbeError> {
        use osprey_proto::cmdline;
        let ports_only = cmdline::get(cmdline, cmdline::PCI) == Some("ports");
        if let Some(bus) = pci::bus(ports_only) {
            return Self::probe_pci(bus);
        }
        Self::probe_mmio(cmdline)
    }

    /// Makes the card around a transport (feature negotiation, queues), with every receive
    /// buffer posted.
    fn bring_up(
        mut transport: SomeTransport<'static>,
        location: Location,
    ) -> Result<VirtioNet, ProbeError> {
        let features = transport.begin_init(Features::all());
        let mac = transport
            .read_consistent(|| transport.read_config_space::<[u8; 6]>(0))
            .map_err(ProbeError::Device)?;
        let rxq = VirtQueue::new(&mut transport, QUEUE_RECEIVE, false, false)
            .map_err(ProbeError::Device)?;
        let txq = VirtQueue::new(&mut transport, QUEUE_TRANSMIT, false, false)
            .map_err(ProbeError::Device)?;
        transport.finish_init();
        let mut net = VirtioNet {
            transport,
            rxq,
            txq,
            features,
            hdr_len: if features.contains(Features::VERSION_1) {
                12
            } else {
                10
            },
            mac,
            rx: (0..RX_SIZE).map(|_| None).collect(),
            tx_busy: (0..TX_SIZE).map(|_| None).collect(),
            tx_free: Vec::new(),
            tx_unkicked: 0,
            rx_unkicked: 0,
            tx_irq_on: false,
            stats: Stats::default(),
            irq: None,
            location,
        };
        // Sent frames are taken back when sending the next ones, not on an interrupt.
        net.txq.set_dev_notify(false);
        for _ in 0..RX_SIZE {
            let b = buffer().ok_or(ProbeError::NoMemory)?;
            net.give_rx(b).map_err(ProbeError::Device)?;
        }
        net.kick_rx();
        log::info!("virtio-net: features {:?}", features);
        Ok(net)
    }

    fn probe_pci(mut bus: pci::Bus) -> Result<Option<VirtioNet>, ProbeError> {
        let Some((df, _)) = bus
            .devices()
            .into_iter()
            .find(|(_, info)| virtio_device_type(info) == Some(DeviceType::Network))
        else {
            return Ok(None);
        };
        // Firmware without PCI set-up (qboot) leaves the BARs at 0.
        match bus.assign_bars(df) {
            Ok(assigned) => {
                for (bar, at) in assigned {
                    log::info!(
                        "pci: {df} BAR{bar} placed at {at:#x} (the firmware left it unassigned)"
                    );
                }
            }
            Err(bar) => log::warn!("pci: {df} BAR{bar}: no room in the PCI hole"),
        }
        bus.enable_device(df);
        let transport = PciTransport::new::<KernelHal, _>(&mut bus.root, df)
            .map_err(|e| ProbeError::Pci(df, e))?;
        let mut net = Self::bring_up(
            SomeTransport::from(transport),
            Location::Pci {
                bus: df.bus,
                device: df.device,
                function: df.function,
                msix: false,
            },
        )?;
        net.irq = msix_route(&mut bus, df);
        match net.irq {
            Some(_) => {
                net.location = Location::Pci {
                    bus: df.bus,
                    device: df.device,
                    function: df.function,
                    msix: true,
                }
            }
            None => log::warn!("virtio-net at {df}: no MSI-X; the card will only be polled"),
        }
        Ok(Some(net))
    }

    fn probe_mmio(cmdline: &str) -> Result<Option<VirtioNet>, ProbeError> {
        for slot in mmio_slots(cmdline) {
            // The window must lie in the MMIO hole below 4 GiB that the direct map covers, and
            // hold the header and the net config space.
            if slot.size < 0x200 || slot.addr < 0xc000_0000 || slot.addr + slot.size > 1 << 32 {
                log::warn!("virtio-mmio: ignoring slot {slot:?} outside the MMIO hole");
                continue;
            }
            let regs = phys_to_virt(PhysAddr(slot.addr));
            let header = NonNull::new(regs as *mut VirtIOHeader).expect("direct map");
            // SAFETY: QEMU puts a virtio-mmio register window of `size` bytes at `addr` (the
            // command line says so, and it lies in the MMIO hole checked above), mapped by the
            // direct map for good; each slot is turned into at most one transport, here.
            let transport = match unsafe { MmioTransport::new(header, slot.size as usize) } {
                Ok(t) => t,
                // An empty slot says device ID 0.
                Err(
                    virtio_drivers::transport::mmio::MmioError::InvalidDeviceID(_)
                    | virtio_drivers::transport::mmio::MmioError::BadMagic(_),
                ) => continue,
                Err(e) => {
                    log::warn!("virtio-mmio at {:#x}: {e}", slot.addr);
                    continue;
                }
            };
            if transport.device_type() != DeviceType::Network {
                continue;
            }
            let version = transport.version() as u32;
            let mut net = Self::bring_up(
                SomeTransport::from(transport),
                Location::Mmio {
                    addr: slot.addr,
                    gsi: slot.gsi,
                    version,
                },
            )?;
            net.irq = ioapic::route_level(slot.gsi).map(|vector| NetIrq {
                regs: regs as u64,
                vector,
            });
            if net.irq.is_none() {
                log::warn!(
                    "virtio-net: no I/O APIC serves GSI {}; the card will only be polled",
                    slot.gsi
                );
            }
            return Ok(Some(net));
        }
        Ok(None)
    }

    fn give_rx(&mut self, mut b: Box<[u8]>) -> Result<(), virtio_drivers::Error> {
        // SAFETY: the buffer is kept in `self.rx` under the returned token and not touched
        // until the device hands it back (receive), nor freed before: dropping VirtioNet
        // unsets the queues before the buffers are dropped.
        let token = unsafe { self.rxq.add(&[], &mut [&mut b])? };
        self.rx[token as usize] = Some(b);
        self.rx_unkicked += 1;
        Ok(())
    }

    /// Tells the device about new receive buffers if it is waiting for some.
    fn kick_rx(&mut self) {
        if self.rx_unkicked == 0 {
            return;
        }
        self.rx_unkicked = 0;
        // The ring's index was published (add); the device's flag is read after it.
        fence(Ordering::SeqCst);
        if self.rxq.should_notify() {
            access::timed(Access::Notify, || self.transport.notify(QUEUE_RECEIVE));
            self.stats.rx_kicks += 1;
        }
    }

    /// Tells the device about the frames queued since the last time, unless it suppressed
    /// notifications (its transmit bottom half is running and will see them).
    fn kick_tx(&mut self) {
        if self.tx_unkicked == 0 {
            return;
        }
        self.tx_unkicked = 0;
        fence(Ordering::SeqCst);
        if self.txq.should_notify() {
            access::timed(Access::Notify, || self.transport.notify(QUEUE_TRANSMIT));
            self.stats.tx_kicks += 1;
        }
    }

    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }

    /// The checksum offloads negotiated: (the device completes TCP checksums of frames we
    /// send, received frames say whether their checksum was checked).
    pub fn offloads(&self) -> (bool, bool) {
        (
            self.features.contains(Features::CSUM),
            self.features.contains(Features::GUEST_CSUM),
        )
    }

    /// What the driver did so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The interrupt, if one could be routed.
    pub fn irq(&self) -> Option<NetIrq> {
        self.irq
    }

    /// Where the card sits.
    pub fn location(&self) -> Location {
        self.location
    }

    /// Hands the oldest received frame to `consume`, with whether the device vouched for
    /// its TCP/UDP checksum (DATA_VALID, or NEEDS_CSUM from a local sender; always false
    /// without GUEST_CSUM), and gives its buffer back to the device; false when none is
    /// waiting.
    pub fn receive(&mut self, consume: &mut dyn FnMut(&[u8], bool)) -> bool {
        let Some(token) = self.rxq.peek_used() else {
            self.kick_rx();
            return false;
        };
        let Some(mut b) = self.rx.get_mut(token as usize).and_then(Option::take) else {
            log::error!(
                "virtio-net: the device used receive token {token}, which it does not hold"
            );
            return false;
        };
        // SAFETY: `b` is the buffer added under this token (give_rx).
        match unsafe { self.rxq.pop_used(token, &[], &mut [&mut b]) } {
            Ok(len) => match (len as usize).checked_sub(self.hdr_len) {
                Some(n) if self.hdr_len + n <= b.len() => {
                    let vouched = self.features.contains(Features::GUEST_CSUM)
                        && b[HDR_FLAGS] & (HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM) != 0;
                    if vouched {
                        self.stats.rx_csum_offloaded += 1;
                    }
                    consume(&b[self.hdr_len..self.hdr_len + n], vouched);
                }
                _ => log::warn!("virtio-net: bad receive length {len}"),
            },
            Err(e) => log::warn!("virtio-net: bad receive: {e}"),
        }
        if let Err(e) = self.give_rx(b) {
            log::error!("virtio-net: cannot requeue a receive buffer: {e}");
        }
        if self.rx_unkicked >= RX_BATCH {
            self.kick_rx();
        }
        true
    }

    /// Takes back the transmit buffers the device is done with.
    fn reclaim(&mut self) {
        while let Some(token) = self.txq.peek_used() {
            let Some((b, n)) = self.tx_busy.get_mut(token as usize).and_then(Option::take) else {
                log::error!(
                    "virtio-net: the device used transmit token {token}, which it does not hold"
                );
                return;
            };
            // SAFETY: the same buffer and length added under this token (transmit).
            if let Err(e) = unsafe { self.txq.pop_used(token, &[&b[..n]], &mut []) } {
                log::warn!("virtio-net: bad transmit completion: {e}");
            }
            self.tx_free.push(b);
        }
        if self.tx_irq_on && self.txq.available_desc() > 0 {
            self.txq.set_dev_notify(false);
            self.tx_irq_on = false;
        }
    }

    /// Whether a frame could be sent now (taking back what the device sent if the queue
    /// looks full).
    pub fn can_transmit(&mut self) -> bool {
        if self.txq.available_desc() == 0 {
            self.reclaim();
        }
        self.txq.available_desc() > 0
    }

    /// Queues a frame of `len` bytes written by `fill`, which returns where the device is to
    /// put its TCP checksum (`csum_start`, `csum_offset`: the frame holds the pseudo-header
    /// sum) if it is to (only heeded with CSUM); false when the queue is full or the frame
    /// too big. The device hears of it at the next [`VirtioNet::flush`] (or after
    /// [`TX_BATCH`] frames).
    pub fn transmit(&mut self, len: usize, fill: &mut dyn FnMut(&mut [u8]) -> PartialCsum) -> bool {
        self.reclaim();
        if self.txq.available_desc() == 0 {
            return false;
        }
        let hdr = self.hdr_len;
        if hdr + len > BUF_LEN {
            return false;
        }
        let Some(mut b) = self.tx_free.pop().or_else(buffer) else {
            return false;
        };
        b[..hdr].fill(0);
        if let Some((start, offset)) = fill(&mut b[hdr..hdr + len]) {
            if self.features.contains(Features::CSUM) {
                b[HDR_FLAGS] = HDR_F_NEEDS_CSUM;
                b[HDR_CSUM_START..HDR_CSUM_START + 2].copy_from_slice(&start.to_le_bytes());
                b[HDR_CSUM_OFFSET..HDR_CSUM_OFFSET + 2].copy_from_slice(&offset.to_le_bytes());
                self.stats.tx_csum_offloaded += 1;
            }
        }
        let n = hdr + len;
        // SAFETY: the buffer is kept in `tx_busy` under the returned token, untouched until
        // the device hands it back (reclaim), and outlives the queue as in give_rx.
        match unsafe { self.txq.add(&[&b[..n]], &mut []) } {
            Ok(token) => {
                self.tx_busy[token as usize] = Some((b, n));
                self.tx_unkicked += 1;
                if self.txq.available_desc() == 0 {
                    // Full: the device must hear now, and say when it has sent some.
                    self.txq.set_dev_notify(true);
                    self.tx_irq_on = true;
                    self.kick_tx();
                } else if self.tx_unkicked >= TX_BATCH {
                    self.kick_tx();
                }
                true
            }
            Err(e) => {
                log::warn!("virtio-net: cannot queue a frame: {e}");
                self.tx_free.push(b);
                false
            }
        }
    }

    /// Tells the device about the frames queued since the last time (and receive buffers
    /// it may be waiting for).
    pub fn flush(&mut self) {
        self.kick_tx();
        self.kick_rx();
    }
}

/// Gives the virtio-pci card at `df` MSI-X table entry 0 on a device vector, both queues
/// signalling through it (configuration changes through none), and unmasks it. None when the
/// device has no usable MSI-X or no vector is free.
fn msix_route(bus: &mut pci::Bus, df: DeviceFunction) -> Option<NetIrq> {
    let (_, bar, offset, length) = bus
        .vendor_caps(df)
        .into_iter()
        .find(|c| c.0 == COMMON_CFG)?;
    let (base, size) = bus.bar_virt(df, bar)?;
    if (length as u64) < COMMON_CFG_LEN || offset as u64 + COMMON_CFG_LEN > size {
        return None;
    }
    let common = base + offset as u64;
    let entry = bus.msix_entry(df, 0)?;
    // SAFETY: the control word is entry 0's in this device's MSI-X table, inside its BAR in the
    // direct map for good; the entry serves this vector and nothing else from now on.
    let vector = unsafe { ioapic::route_msix(entry.control_word()) }?;
    bus.enable_msix(&entry, vector, crate::cpu::apic_id(0).unwrap_or(0));
    let reg = |off: u64| (common + off) as *mut u16;
    // SAFETY: the common configuration structure lies in the device's BAR (bounds checked
    // above), in the direct map. The transport owns these registers too, but the card is still
    // being probed on this CPU alone: nothing else selects a queue meanwhile. The device
    // answers a vector it cannot use with NO_VECTOR, checked on read-back.
    let ok = unsafe {
        reg(COMMON_MSIX_CONFIG).write_volatile(NO_VECTOR);
        (0..2u16).all(|q| {
            reg(COMMON_QUEUE_SELECT).write_volatile(q);
            reg(COMMON_QUEUE_MSIX_VECTOR).write_volatile(0);
            reg(COMMON_QUEUE_MSIX_VECTOR).read_volatile() == 0
        })
    };
    if !ok {
        log::warn!("virtio-net at {df}: the device refused MSI-X vector 0 for its queues");
        return None;
    }
    ioapic::unmask(vector);
    Some(NetIrq { regs: 0, vector })
}
