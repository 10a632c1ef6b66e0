//! The legacy 8259 interrupt controllers, switched off.
//!
//! Osprey takes device interrupts through the I/O APIC or MSI-X and never uses the 8259 pair.
//! On microvm nothing programs them, but on q35 the firmware (SeaBIOS, which runs before a PVH
//! kernel there) leaves them initialised with the PIT's IRQ 0 unmasked at vector 0x08, which
//! is #DF's: the first timer tick after the kernel enabled interrupts looked like a double
//! fault. So boot re-initialises both chips onto vectors 0xe0..0xef, which the kernel does not
//! use (a spurious IRQ 7 or 15 there is an ordinary, ignored interrupt), and masks every line;
//! the local APIC's LINT0, where the 8259's output arrives in ExtINT mode, is masked too
//! (`lapic::init`).

use x86_64::instructions::port::PortWriteOnly;

const MASTER_CMD: u16 = 0x20;
const MASTER_DATA: u16 = 0x21;
const SLAVE_CMD: u16 = 0xa0;
const SLAVE_DATA: u16 = 0xa1;
/// Where the two chips' eight lines land if one ever fires (masked: only spurious IRQs can).
const MASTER_VECTOR: u8 = 0xe0;
const SLAVE_VECTOR: u8 = 0xe8;

fn out(port: u16, v: u8) {
    // SAFETY: the 8259s' command and data ports; programming them has no memory effects, and
    // nothing else in the kernel uses these chips.
    unsafe { PortWriteOnly::<u8>::new(port).write(v) }
}

/// Re-initialises both 8259s off the exception vectors and masks all their lines. Run once,
/// on the boot CPU, before interrupts are enabled. On a VMM without the chips the writes go
/// nowhere.
pub(crate) fn disable() {
    // ICW1: initialise, ICW4 follows; ICW2: vector base; ICW3: the slave on the master's
    // line 2; ICW4: 8086 mode.
    out(MASTER_CMD, 0x11);
    out(SLAVE_CMD, 0x11);
    out(MASTER_DATA, MASTER_VECTOR);
    out(SLAVE_DATA, SLAVE_VECTOR);
    out(MASTER_DATA, 1 << 2);
    out(SLAVE_DATA, 2);
    out(MASTER_DATA, 0x01);
    out(SLAVE_DATA, 0x01);
    // OCW1: mask every line.
    out(MASTER_DATA, 0xff);
    out(SLAVE_DATA, 0xff);
}
