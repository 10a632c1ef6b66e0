//! The physical frame allocator.
//!
//! Free memory starts as a few large ranges (RAM minus the kernel image, the first MiB, the
//! initramfs and the start info). Frames are handed out from the ranges by a bump pointer, and
//! freed frames go onto a free list threaded through the frames themselves (the first 8 bytes
//! of a free frame hold the physical address of the next). So boot costs nothing per frame,
//! whatever the size of RAM, and both operations are O(1). Contiguous runs (for the heap) come
//! from the bump ranges only.

use spin::Mutex;

use super::{phys_to_virt, PhysAddr, PAGE_SIZE};
use crate::boot::MemoryRegion;

const MAX_RANGES: usize = 80;

struct Frames {
    ranges: [MemoryRegion; MAX_RANGES],
    nranges: usize,
    free_head: u64,
    total: u64,
    free: u64,
}

static FRAMES: Mutex<Frames> = Mutex::new(Frames {
    ranges: [MemoryRegion { start: 0, end: 0 }; MAX_RANGES],
    nranges: 0,
    free_head: 0,
    total: 0,
    free: 0,
});

/// Removes `[r.start, r.end)` from every range.
fn carve(ranges: &mut [MemoryRegion; MAX_RANGES], n: &mut usize, r: MemoryRegion) {
    if r.end <= r.start {
        return;
    }
    let mut i = 0;
    while i < *n {
        let cur = ranges[i];
        if r.end <= cur.start || r.start >= cur.end {
            i += 1;
            continue;
        }
        let left = MemoryRegion {
            start: cur.start,
            end: r.start,
        };
        let right = MemoryRegion {
            start: r.end,
            end: cur.end,
        };
        match (left.end > left.start, right.end > right.start) {
            (true, true) => {
                ranges[i] = left;
                if *n < MAX_RANGES {
                    ranges[*n] = right;
                    *n += 1;
                }
                i += 1;
            }
            (true, false) => {
                ranges[i] = left;
                i += 1;
            }
            (false, true) => {
                ranges[i] = right;
                i += 1;
            }
            (false, false) => {
                ranges[i] = ranges[*n - 1];
                *n -= 1;
            }
        }
    }
}

pub(crate) fn init(memory: &[MemoryRegion], reserved: [MemoryRegion; 2]) {
    let mut f = FRAMES.lock();
    let mut n = 0;
    for m in memory.iter().take(MAX_RANGES) {
        let start = (m.start + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        let end = m.end & !(PAGE_SIZE - 1);
        if end > start {
            f.ranges[n] = MemoryRegion { start, end };
            n += 1;
        }
    }
    let (ks, ke) = super::kernel_image_phys();
    carve(
        &mut f.ranges,
        &mut n,
        MemoryRegion {
            start: 0,
            end: 0x10_0000,
        },
    );
    carve(&mut f.ranges, &mut n, MemoryRegion { start: ks, end: ke });
    for r in reserved {
        let start = r.start & !(PAGE_SIZE - 1);
        let end = (r.end + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        carve(&mut f.ranges, &mut n, MemoryRegion { start, end });
    }
    f.nranges = n;
    let total: u64 = f.ranges[..n]
        .iter()
        .map(|r| (r.end - r.start) / PAGE_SIZE)
        .sum();
    f.total = total;
    f.free = total;
}

/// Hands a range back (for example the initramfs once it has been unpacked).
pub fn add_range(start: u64, end: u64) {
    let start = (start + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    let end = end & !(PAGE_SIZE - 1);
    if end <= start {
        return;
    }
    let mut f = FRAMES.lock();
    let n = f.nranges;
    if n < MAX_RANGES {
        f.ranges[n] = MemoryRegion { start, end };
        f.nranges += 1;
        let pages = (end - start) / PAGE_SIZE;
        f.total += pages;
        f.free += pages;
    }
}

/// One frame, contents undefined.
pub fn alloc() -> Option<PhysAddr> {
    let mut f = FRAMES.lock();
    if f.free_head != 0 {
        let p = f.free_head;
        // SAFETY: `p` is a free frame in the direct map; its first 8 bytes hold the next link,
        // written by `free`.
        f.free_head = unsafe { (phys_to_virt(PhysAddr(p)) as *const u64).read() };
        f.free -= 1;
        return Some(PhysAddr(p));
    }
    drop(f);
    alloc_contiguous(1)
}

/// One zero-filled frame.
pub fn alloc_zeroed() -> Option<PhysAddr> {
    let p = alloc()?;
    // SAFETY: the frame was just allocated, so nothing else refers to it; it is mapped in the
    // direct map and is PAGE_SIZE bytes long.
    unsafe { core::ptr::write_bytes(phys_to_virt(p), 0, PAGE_SIZE as usize) };
    Some(p)
}

/// `n` physically contiguous frames, contents undefined.
pub fn alloc_contiguous(n: u64) -> Option<PhysAddr> {
    let mut f = FRAMES.lock();
    let bytes = n * PAGE_SIZE;
    let count = f.nranges;
    for r in f.ranges[..count].iter_mut() {
        if r.end - r.start >= bytes {
            let p = r.start;
            r.start += bytes;
            f.free -= n;
            return Some(PhysAddr(p));
        }
    }
    None
}

/// Returns a frame obtained from this allocator.
pub fn free(p: PhysAddr) {
    let mut f = FRAMES.lock();
    // SAFETY: the caller gives back a frame it owned; nothing else refers to it, so we may use
    // its first 8 bytes for the free-list link.
    unsafe { (phys_to_virt(p) as *mut u64).write(f.free_head) };
    f.free_head = p.0;
    f.free += 1;
}

/// (total, free) frames.
pub fn counts() -> (u64, u64) {
    let f = FRAMES.lock();
    (f.total, f.free)
}
