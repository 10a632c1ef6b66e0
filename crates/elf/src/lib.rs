//! osprey-elf: everything the kernel needs to start a Linux ELF program, without touching memory.
//!
//! * [`parse`] validates an ELF64 x86_64 executable (ET_EXEC or ET_DYN) and returns an
//!   [`ElfInfo`]: its PT_LOAD segments, entry point, program-header address, PT_INTERP,
//!   PT_GNU_STACK and PT_TLS, all *unbiased* (as written in the file).
//! * [`ElfInfo::mappings`] turns the segments into page-level mapping instructions
//!   ([`SegmentMap`]) for a given load bias; the kernel applies them through osprey-mm.
//! * [`build_stack`] lays out the initial process stack (strings, AT_RANDOM, auxv, envp, argv,
//!   argc) exactly as Linux's `create_elf_tables` does.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod auxv;
mod error;
mod parse;
mod plan;
mod stack;

pub use error::ElfError;
pub use parse::{parse, ElfInfo, ElfKind, Segment, TlsInfo};
pub use plan::{SegmentMap, ELF_ET_DYN_BASE, PAGE_SIZE};
pub use stack::{
    build_stack, build_stack_with_limit, AuxValues, InitialStack, DEFAULT_STACK_RLIMIT,
    MAX_ARG_STRLEN,
};

/// Linux `PROT_READ`: the segment is readable (from `PF_R`).
pub const PROT_READ: u32 = 0x1;
/// Linux `PROT_WRITE`: the segment is writable (from `PF_W`).
pub const PROT_WRITE: u32 = 0x2;
/// Linux `PROT_EXEC`: the segment is executable (from `PF_X`).
pub const PROT_EXEC: u32 = 0x4;

#[cfg(test)]
mod tests;
