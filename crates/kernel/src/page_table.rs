//! osprey-mm's page-table interface over the hal's page tables.

use osprey_abi::Errno;
use osprey_hal::mm::paging::{self, Perm as HwPerm};
use osprey_mm::{PageTable, Perm, SharedPage};

use crate::file_pages::FramePage;

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

    fn map_shared(&mut self, va: u64, perm: Perm, page: &SharedPage) -> Result<(), Errno> {
        // Every ramfs page in this kernel is a FramePage (Machine::file_pages).
        let page = page.downcast_ref::<FramePage>().ok_or(Errno::ENODEV)?;
        paging::user_map_shared(va, &page.0, hw(perm)).map_err(|_| Errno::ENOMEM)
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
            // Keeps each page's rights and, for a file page, the page table's handle on it.
            paging::user_move(from + off, to + off);
            off += osprey_mm::PAGE_SIZE;
        }
    }
}
