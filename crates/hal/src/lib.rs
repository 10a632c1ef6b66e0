//! osprey-hal: the hardware-facing layer of the Osprey kernel, and the only crate with `unsafe`.
//!
//! Everything that touches the machine lives here behind safe interfaces: the PVH entry and the
//! boot page tables ([`boot`]), CPU tables, MSRs and per-CPU data ([`cpu`]), physical frames,
//! page tables, the kernel heap and copies to and from app memory ([`mm`]), exception, interrupt
//! and system-call entry ([`trap`]), the serial console, PIT, local APIC and debug-exit device
//! ([`dev`]), and the TSC clock ([`time`]).
//!
//! The app runs in ring 0 in the lower half of the one address space. The hal keeps that
//! decision behind its interface ([`trap::enter_app`], [`trap::TrapFrame`]): a ring-3 mode for
//! PVM hosts changes this crate, not the Linux layer above it.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod boot;
pub mod cpu;
pub mod dev;
pub mod mm;
pub mod task;
pub mod time;
pub mod trap;

pub use boot::BootInfo;

/// Defines the kernel's entry point, called by the hal once the machine is set up, and its
/// system-call handler, called for every `syscall` of the app.
///
/// ```ignore
/// osprey_hal::kernel_main!(main, syscall);
/// fn main(info: osprey_hal::BootInfo) -> ! { ... }
/// fn syscall(frame: &mut osprey_hal::trap::TrapFrame) -> bool { ... } // true: restore all
/// ```
/// A macro so that the `#[no_mangle]` symbol the hal calls is generated here, keeping the
/// kernel crate free of attributes that the `unsafe_code` lint flags.
#[macro_export]
macro_rules! kernel_main {
    ($f:path, $syscall:path) => {
        #[allow(unsafe_code)]
        #[no_mangle]
        extern "Rust" fn __osprey_kernel_main(info: $crate::BootInfo) -> ! {
            let f: fn($crate::BootInfo) -> ! = $f;
            f(info)
        }

        // Called straight from the hal's `syscall` entry code (trap/entry.S), with the C
        // ABI: no shim in between, since under TCG every call and return is a
        // translation-block lookup and this is the hottest path there is.
        #[allow(unsafe_code)]
        #[no_mangle]
        extern "C" fn __osprey_kernel_syscall(frame: &mut $crate::trap::TrapFrame) -> bool {
            $syscall(frame)
        }
    };
}
