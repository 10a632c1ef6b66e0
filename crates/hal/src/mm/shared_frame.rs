//! Reference-counted frames: the pages of a ramfs file, which a MAP_SHARED mapping maps
//! straight into the app (so that `write` and stores through the mapping meet in one frame).
//!
//! A `SharedFrame` is freed when its last handle goes. The file holds one handle per page and
//! the page tables hold one for every app page that maps it (see `paging::user_map_shared`),
//! so truncating or deleting the file while it is mapped never frees a frame the app can
//! still reach.

use alloc::sync::Arc;

use super::{frames, phys_to_virt, PhysAddr, PAGE_SIZE};

/// Owns one frame and frees it when dropped.
struct Owned(PhysAddr);

impl Drop for Owned {
    fn drop(&mut self) {
        frames::free(self.0);
    }
}

/// A handle to a page-sized frame shared by a file and the mappings of it.
#[derive(Clone)]
pub struct SharedFrame(Arc<Owned>);

impl SharedFrame {
    /// A fresh zero-filled frame; `None` when memory is exhausted.
    pub fn alloc_zeroed() -> Option<SharedFrame> {
        let p = frames::alloc_zeroed()?;
        Some(SharedFrame(Arc::new(Owned(p))))
    }

    /// Its physical address.
    pub fn phys(&self) -> PhysAddr {
        self.0 .0
    }

    /// Whether two handles name the same frame.
    pub fn same(&self, other: &SharedFrame) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Copies bytes `[offset, offset + buf.len())` of the frame out (clamped to the page).
    pub fn read(&self, offset: usize, buf: &mut [u8]) {
        let n = clamp(offset, buf.len());
        if n == 0 {
            return;
        }
        // SAFETY: the frame stays allocated while this handle lives; it is mapped in the
        // direct map and offset + n <= PAGE_SIZE. The app may store into it concurrently
        // through a mapping: that is plain memory, never borrowed as a Rust reference, so the
        // copy can at worst see a mix of old and new bytes, as a Linux read() racing a store.
        unsafe {
            core::ptr::copy_nonoverlapping(
                phys_to_virt(self.phys()).add(offset),
                buf.as_mut_ptr(),
                n,
            )
        };
    }

    /// Copies `data` into the frame at `offset` (clamped to the page).
    pub fn write(&self, offset: usize, data: &[u8]) {
        let n = clamp(offset, data.len());
        if n == 0 {
            return;
        }
        // SAFETY: as in `read`; `data` is a kernel slice, which cannot overlap a frame that
        // the frame allocator handed out.
        unsafe {
            core::ptr::copy_nonoverlapping(data.as_ptr(), phys_to_virt(self.phys()).add(offset), n)
        };
    }

    /// Zeroes bytes `[from, to)` of the frame (clamped to the page).
    pub fn zero(&self, from: usize, to: usize) {
        let to = to.min(PAGE_SIZE as usize);
        if from >= to {
            return;
        }
        // SAFETY: as in `read`; from < to <= PAGE_SIZE.
        unsafe { core::ptr::write_bytes(phys_to_virt(self.phys()).add(from), 0, to - from) };
    }
}

/// How many of `len` bytes from `offset` fit in a page.
fn clamp(offset: usize, len: usize) -> usize {
    len.min((PAGE_SIZE as usize).saturating_sub(offset))
}
