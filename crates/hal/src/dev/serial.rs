//! COM1, the 16550 UART that carries every byte between guest and host (framed, see
//! osprey-proto). Output waits for the transmit FIFO to drain and then writes up to 16 bytes at
//! once, so a byte costs about one port write instead of two.

use x86_64::instructions::port::{Port, PortReadOnly, PortWriteOnly};

const COM1: u16 = 0x3f8;
const FIFO_DEPTH: usize = 16;
const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

static LOCK: spin::Mutex<()> = spin::Mutex::new(());

fn outb(port: u16, v: u8) {
    // SAFETY: COM1's registers; writing them has no effect on memory.
    unsafe { PortWriteOnly::<u8>::new(port).write(v) }
}

fn inb(port: u16) -> u8 {
    // SAFETY: COM1's registers; reading them has no effect on memory (it may consume a
    // received byte, which is what the caller wants).
    unsafe { PortReadOnly::<u8>::new(port).read() }
}

pub(crate) fn init() {
    outb(COM1 + 1, 0x00); // no UART interrupts (polled for now)
    outb(COM1 + 3, 0x80); // DLAB: set the divisor
    outb(COM1, 0x01); // 115200 baud (QEMU ignores the rate anyway)
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); // 8N1
    outb(COM1 + 2, 0xc7); // FIFOs on, cleared, 14-byte receive threshold
    outb(COM1 + 4, 0x0b); // DTR, RTS, OUT2
}

fn write_raw(bytes: &[u8]) {
    for chunk in bytes.chunks(FIFO_DEPTH) {
        while inb(COM1 + 5) & LSR_THR_EMPTY == 0 {
            core::hint::spin_loop();
        }
        for &b in chunk {
            outb(COM1, b);
        }
    }
}

/// Writes one frame (`osprey_proto::frame`) atomically with respect to other frames.
pub fn write_frame(tag: u8, payload: &[u8]) {
    let _g = LOCK.lock();
    if payload.is_empty() {
        write_raw(&osprey_proto::frame::header(tag, 0));
        return;
    }
    for chunk in payload.chunks(osprey_proto::frame::MAX_PAYLOAD) {
        write_raw(&osprey_proto::frame::header(tag, chunk.len()));
        write_raw(chunk);
    }
}

/// Writes a frame from a panic, even if another frame was being written (the lock is not
/// taken: a half-written frame is better than silence).
pub fn write_frame_unlocked(tag: u8, payload: &[u8]) {
    for chunk in payload.chunks(osprey_proto::frame::MAX_PAYLOAD) {
        write_raw(&osprey_proto::frame::header(tag, chunk.len()));
        write_raw(chunk);
    }
}

/// Turns on the receive interrupt (data available) and routes COM1's line (ISA IRQ 4, GSI 4
/// on the first I/O APIC) to a device vector, which the hal masks when it fires (see
/// `dev::ioapic`). The line stays asserted while received bytes wait, so the kernel drains
/// them (or decides to leave them for later) before unmasking. None: no I/O APIC serves it
/// (the console stays polled).
pub fn enable_receive_interrupt() -> Option<u8> {
    let vector = super::ioapic::route_level(4)?;
    outb(COM1 + 1, 0x01); // IER: received data available
    Some(vector)
}

/// A received byte, if one is waiting.
pub fn try_read_byte() -> Option<u8> {
    if inb(COM1 + 5) & LSR_DATA_READY != 0 {
        Some(inb(COM1))
    } else {
        None
    }
}

#[allow(dead_code)]
fn _assert_port_types() {
    let _ = Port::<u8>::new(COM1);
}
