//! Memory: physical frames, the page tables, the kernel heap, and copies to and from app memory.

pub mod frames;
pub mod heap;
pub mod paging;
pub mod shared_frame;
pub mod usercopy;

/// Start of the direct map of all physical memory.
pub const DIRECT_MAP_BASE: u64 = 0xffff_8000_0000_0000;
/// Where the kernel image is linked (plus its physical load address).
pub const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;
/// First address above the app's half of the address space.
pub const USER_END: u64 = 0x0000_8000_0000_0000;
pub const PAGE_SIZE: u64 = 4096;

/// A physical address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysAddr(pub u64);

/// The direct-map address of a physical address.
pub fn phys_to_virt(p: PhysAddr) -> *mut u8 {
    (DIRECT_MAP_BASE + p.0) as *mut u8
}

/// The physical address of a direct-map address.
pub fn virt_to_phys(v: *const u8) -> PhysAddr {
    PhysAddr(v as u64 - DIRECT_MAP_BASE)
}

extern "C" {
    static __kernel_start: u8;
    static __kernel_end: u8;
}

/// Physical `[start, end)` of the kernel image, page-aligned.
pub fn kernel_image_phys() -> (u64, u64) {
    let s = core::ptr::addr_of!(__kernel_start) as u64 - KERNEL_VMA;
    let e = core::ptr::addr_of!(__kernel_end) as u64 - KERNEL_VMA;
    (s & !(PAGE_SIZE - 1), (e + PAGE_SIZE - 1) & !(PAGE_SIZE - 1))
}

/// Memory figures for /proc/meminfo and sysinfo.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemStats {
    pub total_bytes: u64,
    pub free_bytes: u64,
}

pub fn stats() -> MemStats {
    let (total, free) = frames::counts();
    MemStats {
        total_bytes: total * PAGE_SIZE,
        free_bytes: free * PAGE_SIZE,
    }
}
