//! The CPUs and I/O APICs of the machine, from the ACPI MADT (the `APIC` table), read once at
//! boot with the `acpi` crate.
//!
//! The tables are read in place through the direct map. On the VMMs Osprey boots on they lie in
//! low memory (QEMU microvm: below 1 MiB), which the boot page tables map (all of 0..4 GiB); a
//! table above 4 GiB, which is not RAM and so not in the direct map, gets its 2 MiB pages added
//! to the direct map before it is read.

use core::ptr::NonNull;

use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};

use crate::cpu::MAX_CPUS;
use crate::mm::{phys_to_virt, PhysAddr};

/// The boot page tables map physical 0..4 GiB in the direct map.
const MAPPED_END: u64 = 4 << 30;

/// What the MADT lists.
pub struct Topology {
    /// Local APIC IDs of the usable processors, in the table's order (the boot CPU among them).
    pub lapic_ids: [u32; MAX_CPUS],
    pub ncpus: usize,
    pub ioapics: [IoApic; 8],
    pub nioapics: usize,
}

/// An I/O APIC the MADT lists (device interrupts will be routed through it).
#[derive(Clone, Copy, Debug, Default)]
pub struct IoApic {
    pub id: u8,
    /// Physical address of its registers.
    pub address: u32,
    /// The first global system interrupt it serves.
    pub gsi_base: u32,
}

#[derive(Clone, Copy)]
struct DirectMap;

impl AcpiHandler for DirectMap {
    unsafe fn map_physical_region<T>(&self, phys: usize, size: usize) -> PhysicalMapping<Self, T> {
        let end = (phys as u64).saturating_add(size as u64);
        if end > MAPPED_END {
            crate::mm::paging::direct_map_range(phys as u64, end)
                .expect("no memory to map the ACPI tables");
        }
        let virt = phys_to_virt(PhysAddr(phys as u64)) as *mut T;
        // SAFETY: the direct map covers [phys, phys + size) for the kernel's lifetime (the boot
        // tables below 4 GiB, direct_map_range above), so the pointer is non-null and valid;
        // the caller (the acpi crate) promises a `T` lies there. Nothing new needs unmapping.
        unsafe { PhysicalMapping::new(phys, NonNull::new_unchecked(virt), size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// Reads the MADT through the RSDP at `rsdp` (physical; 0 if the loader gave none). None if
/// there is no usable table: the caller then runs on the boot CPU alone.
pub(crate) fn discover(rsdp: u64) -> Option<Topology> {
    if rsdp == 0 {
        return None;
    }
    // SAFETY: the PVH loader says an RSDP lies at `rsdp` (in firmware-reserved low memory that
    // nothing writes); from_rsdp validates its signature and checksum before using it, and
    // every table it reads is mapped by DirectMap.
    let tables = match unsafe { AcpiTables::from_rsdp(DirectMap, rsdp as usize) } {
        Ok(t) => t,
        Err(e) => {
            log::warn!("acpi: bad RSDP at {rsdp:#x}: {e:?}");
            return None;
        }
    };
    let madt = match tables.find_table::<Madt>() {
        Ok(m) => m,
        Err(e) => {
            log::warn!("acpi: no MADT ({e:?}); running on one CPU");
            return None;
        }
    };
    let mut t = Topology {
        lapic_ids: [0; MAX_CPUS],
        ncpus: 0,
        ioapics: [IoApic::default(); 8],
        nioapics: 0,
    };
    for e in madt.get().entries() {
        match e {
            MadtEntry::LocalApic(l) => {
                // Bit 0: enabled; bit 1: online capable (may be enabled later, which Osprey
                // does not support: such CPUs are not started).
                let flags = { l.flags };
                if flags & 1 != 0 && t.ncpus < MAX_CPUS {
                    t.lapic_ids[t.ncpus] = l.apic_id as u32;
                    t.ncpus += 1;
                }
            }
            MadtEntry::LocalX2Apic(l) => {
                let (flags, id) = ({ l.flags }, { l.x2apic_id });
                // xAPIC mode addresses IDs below 255 only; others stay off.
                if flags & 1 != 0 && id < 255 && t.ncpus < MAX_CPUS {
                    t.lapic_ids[t.ncpus] = id;
                    t.ncpus += 1;
                }
            }
            MadtEntry::IoApic(io) if t.nioapics < t.ioapics.len() => {
                t.ioapics[t.nioapics] = IoApic {
                    id: io.io_apic_id,
                    address: io.io_apic_address,
                    gsi_base: io.global_system_interrupt_base,
                };
                t.nioapics += 1;
            }
            _ => {}
        }
    }
    Some(t)
}

/// The PCI Express memory-mapped configuration window (ECAM) of PCI segment 0, from the MCFG.
#[derive(Clone, Copy, Debug)]
pub struct Ecam {
    /// Physical address of bus 0's configuration space (the window's base as if it started
    /// at bus 0, which is how the MCFG gives it).
    pub base: u64,
    pub first_bus: u8,
    pub last_bus: u8,
}

/// Reads the MCFG through the RSDP at `rsdp` (physical; 0 if the loader gave none). None when
/// there is no table or it lists no window for segment 0 (a machine with no PCI Express, or
/// configuration space only through the legacy ports).
pub(crate) fn pci_ecam(rsdp: u64) -> Option<Ecam> {
    if rsdp == 0 {
        return None;
    }
    // SAFETY: as in `discover`.
    let tables = unsafe { AcpiTables::from_rsdp(DirectMap, rsdp as usize) }.ok()?;
    let mcfg = tables.find_table::<acpi::mcfg::Mcfg>().ok()?;
    let entry = mcfg
        .get()
        .entries()
        .iter()
        .find(|e| { e.pci_segment_group } == 0)
        .copied()?;
    Some(Ecam {
        base: entry.base_address,
        first_bus: entry.bus_number_start,
        last_bus: entry.bus_number_end,
    })
}
