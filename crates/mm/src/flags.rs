//! The Linux flag values the memory calls use (from osprey-abi) and the address-space
//! constants of this crate.

// Linux's values, from the ABI crate.
pub use osprey_abi::mman::{
    MADV_COLD, MADV_COLLAPSE, MADV_DODUMP, MADV_DOFORK, MADV_DONTDUMP, MADV_DONTFORK,
    MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE, MADV_HUGEPAGE, MADV_KEEPONFORK, MADV_MERGEABLE,
    MADV_NOHUGEPAGE, MADV_NORMAL, MADV_PAGEOUT, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
    MADV_RANDOM, MADV_REMOVE, MADV_SEQUENTIAL, MADV_UNMERGEABLE, MADV_WILLNEED, MADV_WIPEONFORK,
    MAP_32BIT, MAP_ANONYMOUS, MAP_EXECUTABLE, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_HUGETLB,
    MAP_LOCKED, MAP_NONBLOCK, MAP_NORESERVE, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED,
    MAP_SHARED_VALIDATE, MAP_STACK, MAP_SYNC, MAP_TYPE, MAP_UNINITIALIZED, MREMAP_DONTUNMAP,
    MREMAP_FIXED, MREMAP_MAYMOVE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_NONE, PROT_READ,
    PROT_SEM, PROT_WRITE,
};
pub use osprey_abi::signal::{BUS_ADRERR, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGKILL, SIGSEGV};

pub const PAGE_SIZE: u64 = 4096;
/// End of the lower half (exclusive).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// Linux `TASK_SIZE`: the highest user address + 1 (one page below the canonical hole).
pub const TASK_SIZE: u64 = USER_END - PAGE_SIZE;
/// Linux `mmap_min_addr` (Debian's default): nothing is mapped below this.
pub const MMAP_MIN_ADDR: u64 = 0x10000;
/// Linux `sysctl_max_map_count` default.
pub const DEFAULT_MAX_MAP_COUNT: usize = 65530;

pub const MAP_GROWSDOWN: u32 = 0x100;
pub const MAP_DENYWRITE: u32 = 0x800;
pub const MAP_HUGE_MASK: u32 = 0x3f << 26;

pub(crate) const fn page_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

/// `None` on overflow.
pub(crate) const fn page_up(x: u64) -> Option<u64> {
    match x.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(v & !(PAGE_SIZE - 1)),
        None => None,
    }
}

pub(crate) const fn is_page_aligned(x: u64) -> bool {
    x & (PAGE_SIZE - 1) == 0
}
