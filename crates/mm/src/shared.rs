//! What a MAP_SHARED file mapping needs beyond mmap: truncation (pages past the new end of
//! the file leave the mappings, so touching them is SIGBUS, as Linux's
//! `unmap_mapping_range`) and msync(2).

use osprey_abi::mman::{MS_ASYNC, MS_INVALIDATE, MS_SYNC};
use osprey_abi::Errno;

use crate::flags::*;
use crate::space::AddressSpace;
use crate::vma::{Backing, FileId};
use crate::PageTable;

impl AddressSpace {
    /// The file `is_file` recognises is now `size` bytes long: unmap the pages of its shared
    /// mappings that lie wholly past the end, so the next touch faults and finds no page
    /// (SIGBUS). The page holding the end stays: the file system zeroed its tail in place.
    /// Private mappings keep their copies (Linux would drop the pages nobody wrote; a copy
    /// here cannot tell).
    pub fn file_truncated<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        is_file: impl Fn(&FileId) -> bool,
        size: u64,
    ) {
        let first_gone = page_up(size).unwrap_or(u64::MAX);
        let mut unmapped = 0;
        for v in self.vmas.values() {
            let Backing::File { id, offset, .. } = &v.backing else {
                continue;
            };
            if !v.maps_file_pages() || !is_file(id) {
                continue;
            }
            let file_end = offset.saturating_add(v.len());
            if file_end <= first_gone {
                continue;
            }
            let from = v.start + first_gone.saturating_sub(*offset);
            unmapped += pt.unmap_range(from, v.end);
        }
        self.resident_pages -= unmapped;
    }

    /// msync(2), with Linux's checks: EINVAL for an unaligned address, unknown flags, or
    /// MS_ASYNC with MS_SYNC; ENOMEM when part of the range is not mapped (a length that
    /// wraps around while rounding to pages is an empty range, as on Linux). There is nothing
    /// to write back: a shared mapping maps the file's own pages, which are the file (a RAM
    /// file system), and MS_INVALIDATE has nothing stale to drop for the same reason.
    pub fn msync(&self, addr: u64, len: u64, flags: u32) -> Result<(), Errno> {
        if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
            || !is_page_aligned(addr)
            || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC)
        {
            return Err(Errno::EINVAL);
        }
        let len = len.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        let end = addr.wrapping_add(len);
        if end < addr {
            return Err(Errno::ENOMEM);
        }
        if end == addr {
            return Ok(());
        }
        if !self.covered(addr, end, |_| true) {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }
}
