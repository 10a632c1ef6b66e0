//! Powering the VM off through QEMU's `isa-debug-exit` device.

use x86_64::instructions::port::PortWriteOnly;

/// Ends the VM; QEMU exits with `(value << 1) | 1`.
pub fn exit(value: u32) -> ! {
    // SAFETY: the debug-exit port only makes QEMU exit; it does not touch guest memory.
    unsafe { PortWriteOnly::<u32>::new(osprey_proto::DEBUG_EXIT_PORT).write(value) };
    // Without the device (another VMM), stop here.
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
