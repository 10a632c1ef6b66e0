//! Devices the kernel drives by port or MMIO: the serial console, the PIT, the local APIC,
//! the I/O APICs (device interrupt lines), the legacy 8259s (switched off), the virtio-net
//! card, QEMU's debug-exit port and (for the CPU count) QEMU's fw_cfg.

pub mod access;
pub(crate) mod fw_cfg;
pub mod ioapic;
pub mod lapic;
pub mod pci;
pub(crate) mod pic;
pub mod pit;
pub mod power;
pub mod serial;
pub mod virtio_net;
