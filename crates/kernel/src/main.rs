#![no_std]
#![no_main]

use osprey_hal::dev::{power, serial};
use osprey_proto::frame::Tag;

osprey_hal::kernel_main!(main);

fn main(info: osprey_hal::BootInfo) -> ! {
    serial::write_frame(Tag::Stdout as u8, b"hello from osprey\n");
    let msg = alloc::format!(
        "initrd {} bytes, cmdline {:?}\n",
        info.initrd.len(),
        info.cmdline
    );
    serial::write_frame(Tag::Stdout as u8, msg.as_bytes());
    serial::write_frame(Tag::Exit as u8, &0i32.to_le_bytes());
    power::exit(osprey_proto::DEBUG_EXIT_NORMAL)
}

extern crate alloc;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let msg = alloc::format!("{info}");
    serial::write_frame_unlocked(Tag::Panic as u8, msg.as_bytes());
    power::exit(osprey_proto::DEBUG_EXIT_PANIC)
}
