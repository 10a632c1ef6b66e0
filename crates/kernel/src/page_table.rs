//! osprey-mm's page-table interface over the hal's page tables.

use osprey_abi::Errno;
use osprey_hal::mm::paging::{self, Perm as HwPerm};
use osprey_mm::{PageTable, Perm};

/// The app's half of the one page table. A unit value: the tables themselves are the
/// hardware's, reached through the hal.
pub struct HalPageTable;

fn hw(p: Perm) -> HwPerm {
    HwPerm {
        read: p.contains(Perm::READ),
        write: p.contains(Perm::WRITE),
        exec: p.contains(Perm::EXEC),
    }
}

impl PageTable for HalPageTable {
    fn map_zeroed(&mut self, va: u64, perm: Perm) -> Result<(), Errno> {
        paging::user_map_zeroed(va, hw(perm)).map_err(|_| Errno::ENOMEM)
    }

    fn map_with(&mut self, va: u64, perm: Perm, data: &[u8]) -> Result<(), Errno> {
        paging::user_map_with(va, hw(perm), data).map_err(|_| Errno::ENOMEM)
    }

    fn is_mapped(&self, va: u64) -> bool {
        paging::user_translate(va).is_some()
    }

    fn unmap_range(&mut self, start: u64, end: u64) -> u64 {
        paging::user_unmap_range(start, end)
    }

    fn protect_range(&mut self, start: u64, end: u64, perm: Perm) {
        paging::user_protect_range(start, end, hw(perm))
    }

    fn move_range(&mut self, from: u64, to: u64, len: u64) {
        let mut off = 0;
        while off < len {
            if let Some((_, perm)) = paging::user_translate(from + off) {
                if let Some(frame) = paging::user_take(from + off) {
                    // The destination is empty, so mapping cannot need a frame for itself
                    // except for page-table pages; if those run out the page is lost, as an
                    // out-of-memory mremap would fail on Linux.
                    if paging::user_map(to + off, frame, perm).is_err() {
                        osprey_hal::mm::frames::free(frame);
                    }
                }
            }
            off += osprey_mm::PAGE_SIZE;
        }
    }
}
