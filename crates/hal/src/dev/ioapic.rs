//! The I/O APICs: device interrupt lines (global system interrupts, GSIs) routed to a vector on
//! the boot CPU; and the device vectors themselves, which MSI-X entries (PCI devices,
//! `dev::pci`) take from the same table so that the trap entry masks both kinds alike.
//!
//! Device lines are routed level-triggered and *masked by the hal when they fire*: the trap
//! entry masks the line before it sends the LAPIC's EOI ([`mask_if_device`]), so a line that
//! stays asserted does not interrupt again, and the driver unmasks it ([`unmask`]) once it has
//! acknowledged the device and drained its work. While the driver is busy the line stays
//! masked: under load the device is polled, not interrupted (Linux's NAPI idea).
//!
//! Registers: IOREGSEL at +0x00 selects a register, IOWIN at +0x10 reads or writes it;
//! register 1 holds the version and the last redirection entry, entry `n` is registers
//! `0x10 + 2n` (low: vector, trigger, mask) and `0x11 + 2n` (high: destination APIC ID).

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::mm::{phys_to_virt, PhysAddr};

const REG_VERSION: u32 = 0x01;
const REDIR_BASE: u32 = 0x10;
const LOW_LEVEL: u32 = 1 << 15;
const LOW_MASKED: u32 = 1 << 16;

/// First and last vector the hal hands out for device lines.
pub const DEVICE_VECTOR_FIRST: u8 = 0x30;
const DEVICE_VECTORS: usize = 16;

/// Per device vector: whether it is taken, and where its redirection entry lives (the chip's
/// register window in the direct map, and the entry's low register), so masking costs two
/// device accesses and no look-up.
static TAKEN: [AtomicBool; DEVICE_VECTORS] = [const { AtomicBool::new(false) }; DEVICE_VECTORS];
static ENTRY_BASE: [AtomicU64; DEVICE_VECTORS] = [const { AtomicU64::new(0) }; DEVICE_VECTORS];
static ENTRY_REG: [AtomicU32; DEVICE_VECTORS] = [const { AtomicU32::new(0) }; DEVICE_VECTORS];
/// Per device vector taken by an MSI-X entry: the address (direct map) of the entry's
/// vector-control word, whose bit 0 masks it (0: the vector is an I/O APIC line). One write
/// masks or unmasks it; a message the device wanted to send meanwhile stays pending in the
/// device and is sent at the unmask, so masking loses nothing, as with a level-triggered line.
static MSIX_CTRL: [AtomicU64; DEVICE_VECTORS] = [const { AtomicU64::new(0) }; DEVICE_VECTORS];
/// Per device vector routed to an I/O APIC line: the low word of its redirection entry as the
/// hal last wrote it, mask bit clear (only the hal writes entries: no need to read it back).
static ENTRY_LOW: [AtomicU32; DEVICE_VECTORS] = [const { AtomicU32::new(0) }; DEVICE_VECTORS];

/// Serializes IOREGSEL/IOWIN pairs (another CPU's select would redirect our access). Taken
/// with interrupts off: the trap entry masks lines under it.
static LOCK: spin::Mutex<()> = spin::Mutex::new(());

fn read(base: *mut u32, reg: u32) -> u32 {
    select(base, reg);
    // SAFETY: `base` is an I/O APIC's register page in the direct map (from the MADT, below
    // 4 GiB, which the boot tables map); IOREGSEL is at +0 and IOWIN at +0x10 (u32 index 4).
    // Callers hold LOCK, so no other select intervenes.
    unsafe { base.add(4).read_volatile() }
}

fn write(base: *mut u32, reg: u32, v: u32) {
    select(base, reg);
    // SAFETY: as in `read`; `select` just selected `reg` on this chip.
    unsafe { base.add(4).write_volatile(v) }
}

/// The chip and register IOREGSEL last selected (under LOCK): selecting again the register
/// already selected is skipped. Each access is a device exit (microseconds under TCG), and a
/// line is masked and unmasked once per interrupt: with this and the kept entries below, an
/// unmask is one access instead of four.
static SELECTED: (AtomicU64, AtomicU32) = (AtomicU64::new(0), AtomicU32::new(u32::MAX));

fn select(base: *mut u32, reg: u32) {
    if SELECTED.0.load(Ordering::Relaxed) == base as u64
        && SELECTED.1.load(Ordering::Relaxed) == reg
    {
        return;
    }
    // SAFETY: as in `read`.
    unsafe { base.write_volatile(reg) };
    SELECTED.0.store(base as u64, Ordering::Relaxed);
    SELECTED.1.store(reg, Ordering::Relaxed);
}

/// QEMU microvm's I/O APICs: GSIs 0-23, and 24-47 with `ioapic2` (on by default).
const MICROVM_IOAPICS: [(u32, u32); 2] = [(0xfec0_0000, 0), (0xfec1_0000, 24)];

/// The I/O APICs: the MADT's if it was read at boot (several CPUs), else QEMU microvm's two
/// fixed ones, each kept only if its version register answers like an I/O APIC (a missing
/// chip reads as all zeros or all ones). This spares a one-CPU VM the MADT.
pub fn chips() -> alloc::vec::Vec<crate::boot::IoApic> {
    crate::cpu::without_interrupts(|| {
        let _g = LOCK.lock();
        chips_locked()
    })
}

fn chips_locked() -> alloc::vec::Vec<crate::boot::IoApic> {
    if let Some(listed) = crate::boot::ioapics_if_read() {
        return listed.to_vec();
    }
    MICROVM_IOAPICS
        .iter()
        .filter(|&&(address, _)| {
            let base = phys_to_virt(PhysAddr(address as u64)) as *mut u32;
            let v = read(base, REG_VERSION);
            let (version, last) = (v & 0xff, (v >> 16) & 0xff);
            (0x11..=0x20).contains(&version) && last > 0 && last < 0xff
        })
        .map(|&(address, gsi_base)| crate::boot::IoApic {
            id: 0,
            address,
            gsi_base,
        })
        .collect()
}

/// The register window and redirection entry (low register) of `gsi`. Callers hold LOCK.
fn entry_for(gsi: u32) -> Option<(*mut u32, u32)> {
    chips_locked().iter().find_map(|io| {
        let base = phys_to_virt(PhysAddr(io.address as u64)) as *mut u32;
        let pins = ((read(base, REG_VERSION) >> 16) & 0xff) + 1;
        (io.gsi_base <= gsi && gsi < io.gsi_base + pins)
            .then_some((base, REDIR_BASE + 2 * (gsi - io.gsi_base)))
    })
}

fn slot_of(vector: u8) -> Option<usize> {
    (vector as usize)
        .checked_sub(DEVICE_VECTOR_FIRST as usize)
        .filter(|&s| s < DEVICE_VECTORS && TAKEN[s].load(Ordering::Acquire))
}

/// Sets or clears the mask bit of the line routed to `vector`.
fn set_masked(vector: u8, masked: bool) {
    let Some(s) = slot_of(vector) else {
        return;
    };
    super::access::timed(super::access::Access::Mask, || set_masked_slot(s, masked));
}

fn set_masked_slot(s: usize, masked: bool) {
    let ctrl = MSIX_CTRL[s].load(Ordering::Acquire) as *mut u32;
    if !ctrl.is_null() {
        // SAFETY: `ctrl` is the vector-control word of the MSI-X table entry this vector was
        // given to (route_msix), inside the device's BAR in the direct map; the entry's other
        // words are not touched, and only this word's mask bit has a meaning (the rest is
        // reserved, zero).
        unsafe { ctrl.write_volatile(masked as u32) };
        return;
    }
    let base = ENTRY_BASE[s].load(Ordering::Acquire) as *mut u32;
    let reg = ENTRY_REG[s].load(Ordering::Acquire);
    if base.is_null() {
        return; // still being routed
    }
    let low = ENTRY_LOW[s].load(Ordering::Acquire);
    crate::cpu::without_interrupts(|| {
        let _g = LOCK.lock();
        write(base, reg, if masked { low | LOW_MASKED } else { low });
    });
}

/// Routes `gsi` (level-triggered, active high: how virtio-mmio lines behave) to the boot CPU
/// at a free device vector, unmasked. None when no I/O APIC serves that GSI or all device
/// vectors are taken.
pub fn route_level(gsi: u32) -> Option<u8> {
    let slot = TAKEN.iter().position(|t| {
        t.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    })?;
    let vector = DEVICE_VECTOR_FIRST + slot as u8;
    let dest = crate::cpu::apic_id(0).unwrap_or(0);
    let found = crate::cpu::without_interrupts(|| {
        let _g = LOCK.lock();
        let (base, reg) = entry_for(gsi)?;
        ENTRY_LOW[slot].store(LOW_LEVEL | vector as u32, Ordering::Release);
        ENTRY_BASE[slot].store(base as u64, Ordering::Release);
        ENTRY_REG[slot].store(reg, Ordering::Release);
        write(base, reg, LOW_MASKED | LOW_LEVEL | vector as u32);
        write(base, reg + 1, dest << 24);
        write(base, reg, LOW_LEVEL | vector as u32);
        Some(())
    });
    if found.is_none() {
        TAKEN[slot].store(false, Ordering::Release);
        return None;
    }
    Some(vector)
}

/// Takes a free device vector for an MSI-X table entry, recording where the entry's
/// vector-control word is (`ctrl`, in the direct map) so the hal can mask it like a line.
/// The caller then points the entry at the vector and unmasks it ([`unmask`]). None when all
/// device vectors are taken.
///
/// # Safety
///
/// `ctrl` must be the address, in the direct map, of the vector-control word of an MSI-X
/// table entry that stays mapped and belongs to this vector for good.
pub unsafe fn route_msix(ctrl: u64) -> Option<u8> {
    let slot = TAKEN.iter().position(|t| {
        t.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    })?;
    MSIX_CTRL[slot].store(ctrl, Ordering::Release);
    Some(DEVICE_VECTOR_FIRST + slot as u8)
}

/// Masks the line routed to `vector`.
pub fn mask(vector: u8) {
    set_masked(vector, true);
}

/// Unmasks the line routed to `vector`: if the device still asserts it, its interrupt comes
/// at once.
pub fn unmask(vector: u8) {
    set_masked(vector, false);
}

/// The trap entry, for a device vector: masks its line (before the EOI). True if `vector` is
/// a routed device vector.
pub(crate) fn mask_if_device(vector: u8) -> bool {
    if slot_of(vector).is_none() {
        return false;
    }
    mask(vector);
    true
}
