//! Memory mapping: mmap protections and flags, mremap, madvise, msync and mlock constants.

use bitflags::bitflags;

pub const PROT_NONE: u32 = 0x0;
pub const PROT_READ: u32 = 0x1;
pub const PROT_WRITE: u32 = 0x2;
pub const PROT_EXEC: u32 = 0x4;
pub const PROT_SEM: u32 = 0x8;
pub const PROT_GROWSDOWN: u32 = 0x0100_0000;
pub const PROT_GROWSUP: u32 = 0x0200_0000;

bitflags! {
    /// mmap/mprotect protections.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct ProtFlags: u32 {
        const READ = PROT_READ;
        const WRITE = PROT_WRITE;
        const EXEC = PROT_EXEC;
        const SEM = PROT_SEM;
        const GROWSDOWN = PROT_GROWSDOWN;
        const GROWSUP = PROT_GROWSUP;
    }
}

pub const MAP_SHARED: u32 = 0x01;
pub const MAP_PRIVATE: u32 = 0x02;
/// MAP_SHARED that fails with EOPNOTSUPP on unknown flags instead of ignoring them.
pub const MAP_SHARED_VALIDATE: u32 = 0x03;
/// The mapping type field (shared/private/shared-validate).
pub const MAP_TYPE: u32 = 0x0f;
pub const MAP_FIXED: u32 = 0x10;
pub const MAP_ANONYMOUS: u32 = 0x20;
pub const MAP_ANON: u32 = MAP_ANONYMOUS;
pub const MAP_32BIT: u32 = 0x40;
pub const MAP_GROWSDOWN: u32 = 0x0100;
pub const MAP_DENYWRITE: u32 = 0x0800;
pub const MAP_EXECUTABLE: u32 = 0x1000;
pub const MAP_LOCKED: u32 = 0x2000;
pub const MAP_NORESERVE: u32 = 0x4000;
pub const MAP_POPULATE: u32 = 0x8000;
pub const MAP_NONBLOCK: u32 = 0x1_0000;
pub const MAP_STACK: u32 = 0x2_0000;
pub const MAP_HUGETLB: u32 = 0x4_0000;
pub const MAP_SYNC: u32 = 0x8_0000;
pub const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
pub const MAP_UNINITIALIZED: u32 = 0x400_0000;
/// With MAP_HUGETLB, bits 26..32 give log2 of the huge page size.
pub const MAP_HUGE_SHIFT: u32 = 26;
pub const MAP_HUGE_MASK: u32 = 0x3f;
pub const MAP_HUGE_2MB: u32 = 21 << MAP_HUGE_SHIFT;
pub const MAP_HUGE_1GB: u32 = 30 << MAP_HUGE_SHIFT;

bitflags! {
    /// mmap flags (the type field MAP_SHARED/PRIVATE/SHARED_VALIDATE included as bits: check
    /// it with `bits() & MAP_TYPE`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MapFlags: u32 {
        const SHARED = MAP_SHARED;
        const PRIVATE = MAP_PRIVATE;
        const FIXED = MAP_FIXED;
        const ANONYMOUS = MAP_ANONYMOUS;
        const _32BIT = MAP_32BIT;
        const GROWSDOWN = MAP_GROWSDOWN;
        const DENYWRITE = MAP_DENYWRITE;
        const EXECUTABLE = MAP_EXECUTABLE;
        const LOCKED = MAP_LOCKED;
        const NORESERVE = MAP_NORESERVE;
        const POPULATE = MAP_POPULATE;
        const NONBLOCK = MAP_NONBLOCK;
        const STACK = MAP_STACK;
        const HUGETLB = MAP_HUGETLB;
        const SYNC = MAP_SYNC;
        const FIXED_NOREPLACE = MAP_FIXED_NOREPLACE;
        const UNINITIALIZED = MAP_UNINITIALIZED;
        // The huge page size field, so from_bits keeps it.
        const _ = MAP_HUGE_MASK << MAP_HUGE_SHIFT;
    }
}

/// mmap's failure return as an address.
pub const MAP_FAILED: u64 = u64::MAX;

pub const MREMAP_MAYMOVE: u32 = 1;
pub const MREMAP_FIXED: u32 = 2;
pub const MREMAP_DONTUNMAP: u32 = 4;

pub const MADV_NORMAL: i32 = 0;
pub const MADV_RANDOM: i32 = 1;
pub const MADV_SEQUENTIAL: i32 = 2;
pub const MADV_WILLNEED: i32 = 3;
/// Drop the pages: private anonymous memory reads back as zeros afterwards.
pub const MADV_DONTNEED: i32 = 4;
pub const MADV_FREE: i32 = 8;
pub const MADV_REMOVE: i32 = 9;
pub const MADV_DONTFORK: i32 = 10;
pub const MADV_DOFORK: i32 = 11;
pub const MADV_MERGEABLE: i32 = 12;
pub const MADV_UNMERGEABLE: i32 = 13;
pub const MADV_HUGEPAGE: i32 = 14;
pub const MADV_NOHUGEPAGE: i32 = 15;
pub const MADV_DONTDUMP: i32 = 16;
pub const MADV_DODUMP: i32 = 17;
pub const MADV_WIPEONFORK: i32 = 18;
pub const MADV_KEEPONFORK: i32 = 19;
pub const MADV_COLD: i32 = 20;
pub const MADV_PAGEOUT: i32 = 21;
pub const MADV_POPULATE_READ: i32 = 22;
pub const MADV_POPULATE_WRITE: i32 = 23;
pub const MADV_DONTNEED_LOCKED: i32 = 24;
pub const MADV_COLLAPSE: i32 = 25;
pub const MADV_HWPOISON: i32 = 100;
pub const MADV_SOFT_OFFLINE: i32 = 101;
pub const MADV_GUARD_INSTALL: i32 = 102;
pub const MADV_GUARD_REMOVE: i32 = 103;

// msync flags.
pub const MS_ASYNC: u32 = 1;
pub const MS_INVALIDATE: u32 = 2;
pub const MS_SYNC: u32 = 4;

// mlockall / mlock2 flags.
pub const MCL_CURRENT: u32 = 1;
pub const MCL_FUTURE: u32 = 2;
pub const MCL_ONFAULT: u32 = 4;
pub const MLOCK_ONFAULT: u32 = 1;

/// The page size every x86_64 Linux program assumes (AT_PAGESZ).
pub const PAGE_SIZE: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_sets() {
        let f = MapFlags::from_bits(MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK).unwrap();
        assert!(f.contains(MapFlags::ANONYMOUS));
        assert_eq!(f.bits() & MAP_TYPE, MAP_PRIVATE);
        assert!(MapFlags::from_bits(MAP_HUGETLB | MAP_HUGE_2MB | MAP_PRIVATE).is_some());
        assert!(MapFlags::from_bits(0x800_0000 | MAP_PRIVATE).is_some());
        assert!(ProtFlags::from_bits(0x10).is_none());
        assert_eq!(MAP_HUGE_2MB, 0x5400_0000);
    }
}
