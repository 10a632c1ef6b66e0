//! The PCI bus (QEMU `-M q35`): configuration space, finding devices, and MSI-X.
//!
//! * **Configuration space.** Through the PCI Express window (ECAM) the ACPI MCFG describes
//!   (one memory access per register), else through the legacy 0xCF8/0xCFC port pair (two
//!   port accesses under a lock). Whether the machine has a PCI bus at all is asked first of
//!   the ports (is there a host bridge at 00:00.0?), which costs two port accesses and no
//!   ACPI reading on microvm, which has none; a PCI Express machine without the legacy ports
//!   (microvm with `pcie=on`) is not looked at. An ECAM window that does not show the host
//!   bridge (listed, but not switched on by the firmware) is not used.
//! * **Finding devices.** The root bus is scanned, and the bus behind every PCI-to-PCI bridge
//!   (its secondary bus number), so a device behind a root port is found too.
//! * **BARs.** SeaBIOS (q35's default firmware) assigns them all below 4 GiB (a
//!   virtio-net-pci's sit at 0xfebc_0000 and 0xfebf_c000); qboot, the minimal firmware, and a
//!   VMM without firmware leave them at 0. [`Bus::assign_bars`] gives a device's unassigned
//!   memory BARs addresses in the 32-bit PCI hole, top down from the I/O APIC's window
//!   (0xfec0_0000), each aligned to its size, clear of every BAR already assigned on the bus,
//!   and above RAM and the ECAM window; that is where QEMU's PC machines leave room for PCI
//!   memory (the exact window is in the DSDT's `_CRS`, which is AML). A BAR above 4 GiB is
//!   added to the direct map when it is used.
//! * **MSI-X.** A device's interrupt is a memory write the device makes to the local APIC's
//!   window (`0xfee0_0000 | APIC ID << 12`, data = the vector): no I/O APIC, no interrupt
//!   routing tables (which would need the DSDT's AML). [`Bus::enable_msix`] programs one
//!   table entry and turns MSI-X on; the entry's mask bit is how the hal masks the vector
//!   while its driver is busy (`ioapic::route_msix`).
//!
//! The configuration-space helpers here are used at probe time, on one CPU, before the device
//! is handed to its driver.

use virtio_drivers::transport::pci::bus::{
    Command, ConfigurationAccess, DeviceFunction, DeviceFunctionInfo, HeaderType, PciRoot,
};
use x86_64::instructions::port::Port;

use crate::mm::{phys_to_virt, PhysAddr};

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;
/// What configuration space reads where no function answers.
const NOBODY: u32 = 0xffff_ffff;
/// The capability ID of MSI-X.
const CAP_MSIX: u8 = 0x11;
/// Below this the boot tables' direct map covers every physical address.
const MAPPED_END: u64 = 4 << 30;
/// The top of the 32-bit PCI hole on a PC: the I/O APIC, HPET and local APIC windows follow.
const HOLE_END: u64 = 0xfec0_0000;

/// Serializes the address/data port pair (another CPU's address write would redirect ours).
static PORT_LOCK: spin::Mutex<()> = spin::Mutex::new(());

/// How configuration space is reached.
#[derive(Clone, Copy, Debug)]
pub enum ConfigAccess {
    /// The ECAM window in the direct map: bus `b`'s space at `base + (b << 20)`.
    Ecam {
        base: u64,
        first_bus: u8,
        last_bus: u8,
    },
    /// The legacy port pair.
    Ports,
}

impl ConfigAccess {
    /// The ECAM address of a register, None outside the window's buses.
    fn ecam(&self, df: DeviceFunction, offset: u8) -> Option<*mut u32> {
        let ConfigAccess::Ecam {
            base,
            first_bus,
            last_bus,
        } = *self
        else {
            return None;
        };
        if df.bus < first_bus || df.bus > last_bus || !df.valid() {
            return None;
        }
        let off = ((df.bus as u64) << 20)
            | ((df.device as u64) << 15)
            | ((df.function as u64) << 12)
            | (offset as u64 & 0xffc);
        Some((base + off) as *mut u32)
    }

    fn port_address(df: DeviceFunction, offset: u8) -> u32 {
        0x8000_0000
            | (df.bus as u32) << 16
            | (df.device as u32 & 31) << 11
            | (df.function as u32 & 7) << 8
            | (offset as u32 & 0xfc)
    }
}

impl ConfigurationAccess for ConfigAccess {
    fn read_word(&self, df: DeviceFunction, offset: u8) -> u32 {
        match self {
            ConfigAccess::Ecam { .. } => match self.ecam(df, offset) {
                // SAFETY: the address lies in the ECAM window the MCFG describes, which `root`
                // made sure the direct map covers; configuration reads have no side effects
                // on memory.
                Some(p) => unsafe { p.read_volatile() },
                None => NOBODY,
            },
            ConfigAccess::Ports => crate::cpu::without_interrupts(|| {
                let _g = PORT_LOCK.lock();
                // SAFETY: the PCI configuration ports select and read a configuration
                // register; no memory effects. PORT_LOCK keeps the pair together.
                unsafe {
                    Port::<u32>::new(CONFIG_ADDRESS).write(Self::port_address(df, offset));
                    Port::<u32>::new(CONFIG_DATA).read()
                }
            }),
        }
    }

    fn write_word(&mut self, df: DeviceFunction, offset: u8, data: u32) {
        match self {
            ConfigAccess::Ecam { .. } => {
                if let Some(p) = self.ecam(df, offset) {
                    // SAFETY: as in read_word; the caller chose the register to change (the
                    // device's own configuration, not memory).
                    unsafe { p.write_volatile(data) }
                }
            }
            ConfigAccess::Ports => crate::cpu::without_interrupts(|| {
                let _g = PORT_LOCK.lock();
                // SAFETY: as in read_word.
                unsafe {
                    Port::<u32>::new(CONFIG_ADDRESS).write(Self::port_address(df, offset));
                    Port::<u32>::new(CONFIG_DATA).write(data);
                }
            }),
        }
    }

    unsafe fn unsafe_clone(&self) -> Self {
        *self
    }
}

/// The PCI bus: virtio-drivers' root (which the transport needs) and the same access for the
/// registers it does not expose.
pub struct Bus {
    pub root: PciRoot<ConfigAccess>,
    access: ConfigAccess,
    /// Where the 32-bit PCI hole starts (above RAM and the ECAM window).
    hole_start: u64,
}

/// The PCI bus, if the machine has one (see the module comment for how that is decided).
/// `ports_only`: never use ECAM (`pci=ports` on the kernel command line).
pub fn bus(ports_only: bool) -> Option<Bus> {
    let host_bridge = DeviceFunction {
        bus: 0,
        device: 0,
        function: 0,
    };
    if ConfigAccess::Ports.read_word(host_bridge, 0) & 0xffff == 0xffff {
        return None;
    }
    let ecam = if ports_only {
        None
    } else {
        crate::boot::pci_ecam()
    };
    let access = match ecam {
        Some(e) => {
            let start = e.base + ((e.first_bus as u64) << 20);
            let end = e.base + ((e.last_bus as u64 + 1) << 20);
            if end > MAPPED_END && crate::mm::paging::direct_map_range(start, end).is_err() {
                log::warn!("pci: no memory to map the ECAM window at {start:#x}; using ports");
                ConfigAccess::Ports
            } else {
                ConfigAccess::Ecam {
                    base: phys_to_virt(PhysAddr(e.base)) as u64,
                    first_bus: e.first_bus,
                    last_bus: e.last_bus,
                }
            }
        }
        None => ConfigAccess::Ports,
    };
    // A window the MCFG lists but the firmware did not switch on reads as nothing.
    let access = if access.read_word(host_bridge, 0) & 0xffff == 0xffff {
        ConfigAccess::Ports
    } else {
        access
    };
    match access {
        ConfigAccess::Ecam {
            base,
            first_bus,
            last_bus,
        } => log::info!(
            "pci: configuration space through ECAM at {:#x} (buses {first_bus}-{last_bus})",
            base - crate::mm::DIRECT_MAP_BASE
        ),
        ConfigAccess::Ports => log::info!("pci: configuration space through ports 0xcf8/0xcfc"),
    }
    let hole_start = match access {
        ConfigAccess::Ecam { base, last_bus, .. } => {
            let ecam_end = (base - crate::mm::DIRECT_MAP_BASE) + ((last_bus as u64 + 1) << 20);
            if ecam_end <= HOLE_END {
                ecam_end
            } else {
                0
            }
        }
        ConfigAccess::Ports => 0,
    }
    .max(crate::boot::low_ram_end());
    Some(Bus {
        root: PciRoot::new(access),
        access,
        hole_start,
    })
}

impl Bus {
    /// Every function on the root bus and on the buses behind bridges.
    pub fn devices(&self) -> alloc::vec::Vec<(DeviceFunction, DeviceFunctionInfo)> {
        let mut found = alloc::vec::Vec::new();
        let mut buses = alloc::vec![0u8];
        let mut seen = [false; 256];
        while let Some(bus) = buses.pop() {
            if core::mem::replace(&mut seen[bus as usize], true) {
                continue;
            }
            for (df, info) in self.root.enumerate_bus(bus) {
                if info.header_type == HeaderType::PciPciBridge {
                    let secondary = (self.access.read_word(df, 0x18) >> 8) as u8;
                    if secondary != 0 {
                        buses.push(secondary);
                    }
                }
                found.push((df, info));
            }
        }
        found
    }

    /// Where a memory BAR of a device lies, in the direct map (added to it if above 4 GiB), and
    /// its size. None for an I/O BAR, an unassigned one, or no memory to map it.
    pub fn bar_virt(&mut self, df: DeviceFunction, bar: u8) -> Option<(u64, u64)> {
        let info = self.root.bar_info(df, bar).ok()??;
        let (phys, size) = info.memory_address_size()?;
        if phys == 0 {
            return None;
        }
        if phys + size > MAPPED_END {
            crate::mm::paging::direct_map_range(phys, phys + size).ok()?;
        }
        Some((phys_to_virt(PhysAddr(phys)) as u64, size))
    }

    /// Gives each unassigned memory BAR of `df` an address (see the module comment), largest
    /// first; returns (BAR, address) for each. Err(BAR) when one does not fit in the hole.
    pub fn assign_bars(&mut self, df: DeviceFunction) -> Result<alloc::vec::Vec<(u8, u64)>, u8> {
        use virtio_drivers::transport::pci::bus::{BarInfo, MemoryBarType};
        let Ok(bars) = self.root.bars(df) else {
            return Ok(alloc::vec::Vec::new());
        };
        let mut wanted: alloc::vec::Vec<(u8, u64, bool)> = bars
            .iter()
            .enumerate()
            .filter_map(|(i, b)| match b {
                Some(BarInfo::Memory {
                    address: 0,
                    size,
                    address_type,
                    ..
                }) if *size > 0 && *size <= 1 << 30 => {
                    Some((i as u8, *size, *address_type == MemoryBarType::Width64))
                }
                _ => None,
            })
            .collect();
        wanted.sort_by_key(|w| core::cmp::Reverse(w.1));
        // Every memory BAR already assigned on the bus, below 4 GiB.
        let mut used: alloc::vec::Vec<(u64, u64)> = alloc::vec::Vec::new();
        for (other, _) in self.devices() {
            if let Ok(bars) = self.root.bars(other) {
                used.extend(bars.iter().flatten().filter_map(|b| {
                    let (a, s) = b.memory_address_size()?;
                    (a != 0 && a < MAPPED_END).then_some((a, a + s))
                }));
            }
        }
        let mut done = alloc::vec::Vec::new();
        for (bar, size, wide) in wanted {
            let mut top = HOLE_END;
            let at = loop {
                let Some(at) = top.checked_sub(size).map(|a| a & !(size - 1)) else {
                    return Err(bar);
                };
                if at < self.hole_start {
                    return Err(bar);
                }
                match used.iter().find(|&&(a, b)| at < b && a < at + size) {
                    Some(&(a, _)) => top = a,
                    None => break at,
                }
            };
            used.push((at, at + size));
            if wide {
                self.root.set_bar_64(df, bar, at);
            } else {
                self.root.set_bar_32(df, bar, at as u32);
            }
            done.push((bar, at));
        }
        Ok(done)
    }

    /// Lets the device answer memory accesses and master the bus (DMA), with its legacy INTx line
    /// disabled (its interrupts come by MSI-X or not at all).
    pub fn enable_device(&mut self, df: DeviceFunction) {
        let (_, command) = self.root.get_status_command(df);
        self.root.set_command(
            df,
            command | Command::MEMORY_SPACE | Command::BUS_MASTER | Command::INTERRUPT_DISABLE,
        );
    }

    /// MSI-X table entry `entry` of the device, masked. None if the device has no MSI-X, the
    /// table is shorter, or its BAR is unassigned.
    pub fn msix_entry(&mut self, df: DeviceFunction, entry: u16) -> Option<MsixEntry> {
        let cap = self.root.capabilities(df).find(|c| c.id == CAP_MSIX)?;
        let table_size = (cap.private_header & 0x7ff) + 1;
        if entry >= table_size {
            return None;
        }
        let table = self.access.read_word(df, cap.offset + 4);
        let (bar_base, bar_size) = self.bar_virt(df, (table & 7) as u8)?;
        let at = (table & !7) as u64 + entry as u64 * 16;
        if at + 16 > bar_size {
            return None;
        }
        let e = MsixEntry {
            df,
            cap: cap.offset,
            addr: bar_base + at,
        };
        // SAFETY: the entry lies inside the device's memory BAR (bounds checked against the
        // BAR's size), mapped by the direct map; its vector-control word is the fourth.
        unsafe { (e.addr as *mut u32).add(3).write_volatile(1) };
        Some(e)
    }

    /// Points `e` at `vector` on the CPU with local APIC ID `apic_id` and turns the device's MSI-X
    /// on (the entry stays masked: see [`MsixEntry::control_word`]).
    pub fn enable_msix(&mut self, e: &MsixEntry, vector: u8, apic_id: u32) {
        let p = e.addr as *mut u32;
        // SAFETY: `p` is the MSI-X table entry msix_entry found inside the device's BAR, in the
        // direct map; it is device memory that only this driver writes, during probe.
        unsafe {
            p.write_volatile(0xfee0_0000 | (apic_id & 0xff) << 12);
            p.add(1).write_volatile(0);
            p.add(2).write_volatile(vector as u32); // fixed delivery, edge-triggered
        }
        // Message control (the capability's upper half): enable (bit 15), function mask off (14).
        let control = self.access.read_word(e.df, e.cap);
        self.access
            .write_word(e.df, e.cap, (control | 1 << 31) & !(1 << 30));
    }

    /// The device's vendor-specific capabilities (virtio's structures): (cfg_type, BAR, offset,
    /// length) each, read from configuration space.
    pub fn vendor_caps(&self, df: DeviceFunction) -> alloc::vec::Vec<(u8, u8, u32, u32)> {
        let access = self.access;
        self.root
            .capabilities(df)
            .filter(|c| c.id == virtio_drivers::transport::pci::bus::PCI_CAP_ID_VNDR)
            .map(|c| {
                (
                    (c.private_header >> 8) as u8,
                    access.read_word(df, c.offset + 4) as u8,
                    access.read_word(df, c.offset + 8),
                    access.read_word(df, c.offset + 12),
                )
            })
            .collect()
    }
}

/// One MSI-X table entry of a device.
#[derive(Debug)]
pub struct MsixEntry {
    df: DeviceFunction,
    /// The MSI-X capability's offset in configuration space.
    cap: u8,
    /// The entry, in the direct map.
    addr: u64,
}

impl MsixEntry {
    /// The address (direct map) of the entry's vector-control word: bit 0 masks it.
    pub fn control_word(&self) -> u64 {
        self.addr + 12
    }
}
