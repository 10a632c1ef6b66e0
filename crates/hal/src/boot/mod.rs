//! Boot: the PVH entry (assembly), the start-info block, and the order in which the machine is
//! brought up before the kernel's main runs.

use core::arch::global_asm;

use crate::{cpu, dev, mm, time, trap};

mod acpi;
mod start_info;

pub use acpi::{Ecam, IoApic};
pub use start_info::MemoryRegion;

/// What the MADT says (None: no usable ACPI tables), read at boot on a VM with several CPUs
/// and on first use otherwise.
static TOPOLOGY: spin::Once<Option<acpi::Topology>> = spin::Once::new();
static RSDP: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
/// The usable RAM regions the loader reported.
static MEMORY: spin::Once<&'static [MemoryRegion]> = spin::Once::new();

/// The end of the highest RAM region below 4 GiB (device windows lie above it).
pub(crate) fn low_ram_end() -> u64 {
    MEMORY.get().map_or(0, |m| {
        m.iter()
            .filter(|r| r.start < 1 << 32)
            .map(|r| r.end.min(1 << 32))
            .max()
            .unwrap_or(0)
    })
}

fn topology() -> Option<&'static acpi::Topology> {
    TOPOLOGY
        .call_once(|| acpi::discover(RSDP.load(core::sync::atomic::Ordering::Relaxed)))
        .as_ref()
}

/// The I/O APICs the firmware lists.
pub fn ioapics() -> &'static [IoApic] {
    topology().map_or(&[], |t| &t.ioapics[..t.nioapics])
}

/// The PCI Express configuration window from the ACPI MCFG (None: no table, or no RSDP).
/// Read on each call: only device probing asks, once.
pub(crate) fn pci_ecam() -> Option<Ecam> {
    acpi::pci_ecam(RSDP.load(core::sync::atomic::Ordering::Relaxed))
}

/// The I/O APICs the firmware lists, if the MADT was read already (None: not yet; reading
/// it costs about 5 ms of TCG time on a one-CPU VM, which skips it at boot).
pub fn ioapics_if_read() -> Option<&'static [IoApic]> {
    TOPOLOGY
        .get()
        .map(|t| t.as_ref().map_or(&[][..], |t| &t.ioapics[..t.nioapics]))
}

global_asm!(include_str!("pvh.S"), options(att_syntax));

extern "Rust" {
    fn __osprey_kernel_main(info: BootInfo) -> !;
}

extern "C" {
    static osprey_boot_tsc: u64;
}

/// What the kernel learns from the boot loader.
pub struct BootInfo {
    /// The initramfs (the PVH module), in the direct map. Empty if none was given.
    pub initrd: &'static [u8],
    /// The kernel command line.
    pub cmdline: &'static str,
    /// Usable RAM regions, physical.
    pub memory: &'static [MemoryRegion],
    /// Physical address of the ACPI RSDP, 0 if none.
    pub rsdp: u64,
    /// The TSC when the PVH entry ran its first instruction.
    pub entry_tsc: u64,
}

/// Called by `pvh.S` in long mode, on the boot stack, with the direct map and kernel map live.
/// TSC values at the hal's boot steps, for `--bootchart`.
static MARKS: spin::Mutex<([(&str, u64); 12], usize)> = spin::Mutex::new(([("", 0); 12], 0));

pub(crate) fn mark(name: &'static str) {
    let t = time::tsc();
    let mut m = MARKS.lock();
    let n = m.1;
    if n < m.0.len() {
        m.0[n] = (name, t);
        m.1 += 1;
    }
}

/// The hal's boot milestones: (name, TSC). An AP may add "hal: all CPUs online" at any time
/// after the kernel's main has started.
pub fn milestones() -> alloc::vec::Vec<(&'static str, u64)> {
    let m = MARKS.lock();
    m.0[..m.1].to_vec()
}

#[no_mangle]
extern "C" fn osprey_hal_start(start_info_paddr: u32) -> ! {
    mark("hal: long mode");
    cpu::percpu::init_boot_cpu();
    dev::serial::init();
    dev::serial::write_frame(osprey_proto::frame::Tag::Ready as u8, &[]);
    let si = start_info::parse(start_info_paddr as u64);
    MEMORY.call_once(|| si.memory);
    mm::frames::init(si.memory, si.reserved());
    mm::paging::init_kernel_space(si.memory);
    mark("hal: memory");
    RSDP.store(si.rsdp, core::sync::atomic::Ordering::Relaxed);
    // A VM that says it has one CPU needs no MADT at boot (half a millisecond under TCG).
    let topology = match dev::fw_cfg::cpu_count() {
        Some(1) => None,
        _ => {
            let t = topology();
            mark("hal: ACPI MADT");
            t
        }
    };
    cpu::init_boot_cpu();
    mark("hal: cpu");
    trap::init();
    dev::pic::disable();
    mm::heap::init();
    time::init();
    mark("hal: traps, timer");
    if let Some(t) = topology {
        // The command line is read in place later (BootInfo::cmdline).
        let cmdline = match si.cmdline.as_ptr() as u64 {
            v if (mm::DIRECT_MAP_BASE..mm::KERNEL_VMA).contains(&v) => MemoryRegion {
                start: v - mm::DIRECT_MAP_BASE,
                end: v - mm::DIRECT_MAP_BASE + si.cmdline.len() as u64 + 1,
            },
            _ => MemoryRegion::default(),
        };
        let [a, b] = si.reserved();
        if cpu::smp::start_aps(&t.lapic_ids[..t.ncpus], si.memory, &[a, b, cmdline]) {
            mark("hal: APs started");
        }
    }
    if osprey_proto::cmdline::get(si.cmdline, osprey_proto::cmdline::SELFTEST) == Some("tlb") {
        match cpu::tlb::selftest() {
            Ok(aps) => {
                let msg = alloc::format!("osprey: selftest tlb: ok on {aps} APs\n");
                dev::serial::write_frame(osprey_proto::frame::Tag::Stderr as u8, msg.as_bytes());
            }
            Err(e) => panic!("selftest tlb failed: {e}"),
        }
    }
    // SAFETY: reading a u64 that pvh.S wrote before paging was on; nothing writes it later.
    let entry_tsc = unsafe { core::ptr::addr_of!(osprey_boot_tsc).read_volatile() };
    let info = BootInfo {
        initrd: si.initrd,
        cmdline: si.cmdline,
        memory: si.memory,
        rsdp: si.rsdp,
        entry_tsc,
    };
    // SAFETY: the kernel crate defines this symbol with `kernel_main!`, with this signature.
    unsafe { __osprey_kernel_main(info) }
}
