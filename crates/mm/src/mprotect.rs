//! mprotect(2).

use osprey_abi::Errno;

use crate::flags::*;
use crate::space::AddressSpace;
use crate::vma::{Backing, Perm};
use crate::PageTable;

impl AddressSpace {
    /// mprotect(2): EINVAL for an unaligned address or unknown bits; ENOMEM if any part of
    /// the range is unmapped (checked before anything changes); EACCES when asking for write
    /// access to a MAP_SHARED file mapping whose file was not opened for writing (or cannot
    /// share its pages).
    /// Already-present pages get the new permission at once.
    pub fn mprotect<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        addr: u64,
        len: u64,
        prot: u32,
    ) -> Result<(), Errno> {
        if !is_page_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        let grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
        if grows == PROT_GROWSDOWN | PROT_GROWSUP {
            return Err(Errno::EINVAL);
        }
        let prot = prot & !grows;
        if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM) != 0 {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(());
        }
        let end = match page_up(len).and_then(|l| addr.checked_add(l)) {
            Some(e) if e <= TASK_SIZE => e,
            _ => return Err(Errno::ENOMEM),
        };
        if !self.covered(addr, end, |_| true) {
            return Err(Errno::ENOMEM);
        }
        let perm = Perm::from_prot(prot);
        if perm.contains(Perm::WRITE)
            && !self.covered(addr, end, |v| match &v.backing {
                Backing::File { file, .. } if v.shared => {
                    file.opened_for_write() && file.shares_pages()
                }
                _ => true,
            })
        {
            return Err(Errno::EACCES);
        }
        if self.vmas.len() + self.splits_needed(addr, end) > self.max_map_count {
            return Err(Errno::ENOMEM);
        }
        self.split_at(addr);
        self.split_at(end);
        for k in self.keys_in(addr, end) {
            if let Some(v) = self.vmas.get_mut(&k) {
                if v.perm != perm {
                    v.perm = perm;
                    pt.protect_range(v.start, v.end, perm);
                }
            }
        }
        self.merge_range(addr, end);
        Ok(())
    }
}
