//! osprey-mm: the app's virtual memory. Keeps the VMAs (what the program mapped, with what
//! protection and backing) and decides, with Linux's semantics, what mmap, munmap, mprotect,
//! mremap, madvise and brk do and what a page fault means. The page tables themselves are
//! changed through the [`PageTable`] trait, implemented by the kernel over `hal` and by a fake
//! in the host tests.
//!
//! Paging is on demand: `mmap` only records a VMA; the first touch of a page faults, and
//! [`AddressSpace::handle_fault`] maps a zeroed page (anonymous), a private copy of the file
//! page (MAP_PRIVATE), or the file's own page (MAP_SHARED of a file whose pages can be shared:
//! see [`MappedFile::shared_page`]).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

mod brk;
mod fault;
pub mod flags;
mod madvise;
mod maps;
mod mmap;
mod mprotect;
mod mremap;
mod shared;
mod space;
mod vma;

pub use fault::{Access, Fault};
pub use flags::{PAGE_SIZE, TASK_SIZE};
pub use space::{AddressSpace, MemStats};
pub use vma::{Backing, FileId, MappedFile, Perm, SharedPage, Vma};

use osprey_abi::Errno;

/// What the memory manager needs from the hardware page tables (4 KiB pages, lower half).
///
/// Every address is page aligned; every range is `[start, end)` with page-aligned bounds.
/// Range operations exist so that the implementation can walk the tables once and skip empty
/// directories: unmapping 256 MiB must not cost 65536 calls.
pub trait PageTable {
    /// Allocate a zeroed frame and map it at `va` with `perm`. `Err(ENOMEM)` when out of
    /// frames. `va` is not mapped when this is called.
    fn map_zeroed(&mut self, va: u64, perm: Perm) -> Result<(), Errno>;
    /// Allocate a frame, fill it with `data` (`data.len() <= 4096`, the rest zero) and map it
    /// at `va` with `perm`. `va` is not mapped when this is called.
    fn map_with(&mut self, va: u64, perm: Perm, data: &[u8]) -> Result<(), Errno>;
    /// Map the file page `page` (from [`MappedFile::shared_page`]) at `va` with `perm`
    /// without copying it: the page table keeps its own reference to the page while it is
    /// mapped, and unmapping drops that reference instead of freeing memory. `va` is not
    /// mapped when this is called. Err(ENOMEM) when out of frames for the tables themselves;
    /// Err(ENODEV) for a page this page table cannot map.
    fn map_shared(&mut self, va: u64, perm: Perm, page: &SharedPage) -> Result<(), Errno>;
    /// Whether a frame is mapped at `va` (including one made inaccessible by an empty `perm`).
    fn is_mapped(&self, va: u64) -> bool;
    /// Unmap every mapped page in `[start, end)` and free the frames; holes are fine.
    /// Returns the number of pages that were mapped. Flushes the TLB for them.
    fn unmap_range(&mut self, start: u64, end: u64) -> u64;
    /// Change the permission of every mapped page in `[start, end)`. `perm` may be empty
    /// (PROT_NONE): the page must then become inaccessible while keeping its frame and
    /// contents (e.g. a not-present entry that still records the frame), because a later
    /// `protect_range` with a non-empty `perm` must bring the same data back.
    fn protect_range(&mut self, start: u64, end: u64, perm: Perm);
    /// Move the frames mapped in `[from, from + len)` to `[to, to + len)` at the same offsets,
    /// keeping their permission (mremap without copying). The destination range has no
    /// mapped pages; the ranges do not overlap. Unmapped source pages stay unmapped.
    fn move_range(&mut self, from: u64, to: u64, len: u64);
}

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_shared;
