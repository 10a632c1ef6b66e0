//! The Linux x86_64 ABI as Osprey's kernel crates see it: error numbers, system call numbers,
//! `#[repr(C)]` structures with Linux's exact layout, and flag constants.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod errno;

pub use errno::Errno;
