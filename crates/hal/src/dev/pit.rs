//! The 8254 PIT, used only to measure the TSC frequency when the CPU does not report it
//! (CPUID leaves 0x15/0x16 are absent under TCG).

use x86_64::instructions::port::{PortReadOnly, PortWriteOnly};

pub const HZ: u64 = 1_193_182;

fn out(port: u16, v: u8) {
    // SAFETY: PIT command/data ports; no memory effects.
    unsafe { PortWriteOnly::<u8>::new(port).write(v) }
}

fn inp(port: u16) -> u8 {
    // SAFETY: PIT data port; no memory effects.
    unsafe { PortReadOnly::<u8>::new(port).read() }
}

/// Starts channel 0 counting down from 0xffff (mode 0, no reload).
pub fn start_countdown() {
    out(0x43, 0x30);
    out(0x40, 0xff);
    out(0x40, 0xff);
}

/// The current count of channel 0.
pub fn count() -> u16 {
    out(0x43, 0x00); // latch channel 0
    let lo = inp(0x40) as u16;
    let hi = inp(0x40) as u16;
    (hi << 8) | lo
}
