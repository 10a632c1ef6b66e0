//! The Osprey kernel: boots (through the hal), unpacks the app, starts it in ring 0, and from
//! then on serves its system calls and traps. This crate only wires the pieces together; the
//! Linux behaviour lives in osprey-linux, the hardware in osprey-hal.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

extern crate alloc;

mod bootchart;
mod cpuinfo;
mod file_pages;
mod logger;
mod machine;
mod net;
mod page_table;
mod park;
mod profile;
mod rng;
mod sched;
mod signals;
mod stdin;
mod traps;
mod vdso;

use core::sync::atomic::{AtomicBool, Ordering};

use alloc::boxed::Box;
use osprey_hal::dev::{power, serial};
use osprey_hal::trap::{self, Handlers};
use osprey_linux::{BootError, Linux};
use osprey_proto::frame::Tag;
use osprey_proto::launch::{flags, Launch};

use crate::machine::MACHINE;

osprey_hal::kernel_main!(main, traps::syscall);

/// `--bootchart` was asked for.
pub static BOOTCHART: AtomicBool = AtomicBool::new(false);

fn on_launch(l: &Launch) {
    logger::set_verbose(l.has(flags::VERBOSE));
    BOOTCHART.store(l.has(flags::BOOTCHART), Ordering::Relaxed);
    machine::set_realtime_if_unset(l.realtime_ns);
    rng::reseed(&l.seed);
    bootchart::mark("launch record read");
}

fn main(info: osprey_hal::BootInfo) -> ! {
    logger::init();
    bootchart::init(info.entry_tsc);
    machine::init_clock(info.entry_tsc);
    use osprey_proto::cmdline;
    if let Some(ns) = cmdline::get(info.cmdline, cmdline::REALTIME).and_then(|v| v.parse().ok()) {
        machine::set_realtime(ns);
    }
    if let Some(khz) =
        cmdline::get(info.cmdline, cmdline::TSC_KHZ).and_then(|v| v.parse::<u64>().ok())
    {
        osprey_hal::time::set_tsc_hz(khz * 1000);
    }
    bootchart::mark("hal ready");
    if let Some((c, r)) =
        cmdline::get(info.cmdline, cmdline::WINSIZE).and_then(|v| v.split_once('x'))
    {
        if let (Ok(c), Ok(r)) = (c.parse(), r.parse()) {
            machine::set_winsize(c, r);
        }
    }
    match cmdline::get(info.cmdline, cmdline::PANIC) {
        Some("boot") => panic!("panic=boot on the kernel command line"),
        // A panic on another CPU must stop this one and still be reported.
        Some("ap") => {
            osprey_hal::cpu::smp::set_ap_entry(|cpu| {
                panic!("panic=ap on the kernel command line (CPU {cpu})")
            });
            // An AP panics when its vCPU next runs, which on a busy host can come after a
            // short program has already ended the VM: wait here for the panic's NMI to stop
            // this CPU (with APs; 10 s at most).
            osprey_hal::cpu::smp::wait_for_aps();
            if osprey_hal::cpu::smp::online() > 1 {
                let ten_s = osprey_hal::time::ns_to_tsc(10_000_000_000);
                osprey_hal::time::sleep_until(osprey_hal::time::tsc() + ten_s, &|| false);
            }
        }
        _ => {}
    }
    trap::set_handlers(Handlers { trap: traps::trap });

    let started = Linux::boot(
        &MACHINE,
        info.initrd,
        Box::new(page_table::HalPageTable),
        &on_launch,
    );
    let entry = started.and_then(|(linux, launch)| traps::LINUX.call_once(|| linux).start(&launch));
    let entry = match entry {
        Ok(v) => v,
        Err(e) => {
            let status = match e {
                BootError::Exec(osprey_abi::Errno::ENOENT) => 127,
                _ => 126,
            };
            let msg = alloc::format!("osprey: {e}\n");
            serial::write_frame(Tag::Stderr as u8, msg.as_bytes());
            machine::shutdown(status);
        }
    };
    bootchart::mark("app loaded");
    // The boot flow becomes the idle thread; the program's first thread starts with Linux's
    // initial register state (all zero but rip and rsp; rdx = 0: no atexit function).
    // App threads run on every CPU unless `sched=up` keeps them on this one: see sched.rs.
    let smp_sched = !info.cmdline.split_whitespace().any(|w| w == "sched=up");
    // `idle_poll_us=N`: how long an idle CPU polls before halting (0: never; see sched.rs).
    if let Some(us) = info
        .cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("idle_poll_us=")?.parse::<u64>().ok())
    {
        sched::set_idle_poll_us(us);
    }
    profile::init(info.cmdline);
    sched::init(smp_sched);
    // Sleeping locks in the Linux layer (the memory lock) wait through the scheduler.
    osprey_sync::GlobalPark::install(&park::KernelPark);
    // The network card, if QEMU gave one: after the launch record (--verbose runs the card's
    // self-check) and the scheduler (the stack's first poll arms its timer).
    net::init(info.cmdline, log::max_level() >= log::LevelFilter::Debug);
    net::wait_for_lease();
    // Host input and forwarded signals interrupt from now on.
    stdin::init();
    let frame = trap::TrapFrame {
        rip: entry.rip,
        rsp: entry.rsp,
        rflags: 0x202,
        ..Default::default()
    };
    let linux = traps::LINUX.get().expect("booted above");
    if let Err(e) = sched::spawn(linux.main_thread(), &frame, 0) {
        let msg = alloc::format!("osprey: cannot start the program's thread: {e}\n");
        serial::write_frame(Tag::Stderr as u8, msg.as_bytes());
        machine::shutdown(126);
    }
    bootchart::mark("entering the app");
    sched::idle_loop()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // The report is made first: it allocates, and a CPU stopped while it held the heap's lock
    // would hang the allocation for good. Then the other CPUs stop, so this report is the
    // only one and nothing runs on.
    let msg = alloc::format!("{info}\nbacktrace: {}", osprey_hal::cpu::backtrace());
    osprey_hal::cpu::smp::stop_other_cpus();
    serial::write_frame_unlocked(Tag::Panic as u8, msg.as_bytes());
    power::exit(osprey_proto::DEBUG_EXIT_PANIC)
}
