//! Devices the kernel drives by port or MMIO: the serial console, the PIT, the local APIC and
//! QEMU's debug-exit port.

pub mod lapic;
pub mod pit;
pub mod power;
pub mod serial;
