//! mmap(2) and munmap(2).

use osprey_abi::Errno;

use crate::flags::*;
use crate::space::AddressSpace;
use crate::vma::{Backing, Perm, Vma};
use crate::{Access, PageTable};

/// Flags a MAP_SHARED_VALIDATE caller may pass (Linux's LEGACY_MAP_MASK plus
/// MAP_FIXED_NOREPLACE); anything else is EOPNOTSUPP there.
const VALIDATE_MASK: u32 = MAP_TYPE
    | MAP_FIXED
    | MAP_ANONYMOUS
    | MAP_DENYWRITE
    | MAP_EXECUTABLE
    | MAP_UNINITIALIZED
    | MAP_GROWSDOWN
    | MAP_LOCKED
    | MAP_NORESERVE
    | MAP_POPULATE
    | MAP_NONBLOCK
    | MAP_STACK
    | MAP_HUGETLB
    | MAP_32BIT
    | MAP_HUGE_MASK
    | MAP_FIXED_NOREPLACE;

impl AddressSpace {
    /// mmap(2). `backing` is [`Backing::Anonymous`] for MAP_ANONYMOUS (the syscall layer
    /// ignores the fd then) or a file backing carrying the (page-aligned) offset.
    ///
    /// Maps nothing: pages appear on first touch, except with MAP_POPULATE / MAP_LOCKED.
    /// MAP_SHARED of a file maps the file's own pages when the file [shares
    /// pages](crate::MappedFile::shares_pages) (ramfs): stores through it and `write()` see
    /// each other. With PROT_WRITE it needs a file opened for writing (EACCES otherwise, as
    /// Linux); of a file that cannot share its pages it is refused with ENODEV, and read-only
    /// it is a snapshot copied on first touch. MAP_SHARED anonymous memory is ordinary memory
    /// (there is no fork to share it with).
    pub fn mmap<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        addr: u64,
        len: u64,
        prot: u32,
        flags: u32,
        backing: Backing,
    ) -> Result<u64, Errno> {
        let shared = match flags & MAP_TYPE {
            MAP_PRIVATE => false,
            MAP_SHARED => true,
            MAP_SHARED_VALIDATE => {
                if flags & !VALIDATE_MASK != 0 {
                    return Err(Errno::EOPNOTSUPP);
                }
                true
            }
            _ => return Err(Errno::EINVAL),
        };
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
        if fixed && !is_page_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        let len = match page_up(len) {
            Some(l) if l <= TASK_SIZE => l,
            _ => return Err(Errno::ENOMEM),
        };
        let backing = if flags & MAP_ANONYMOUS != 0 {
            Backing::Anonymous
        } else {
            backing
        };
        if let Backing::File { offset, .. } = &backing {
            if !is_page_aligned(*offset) {
                return Err(Errno::EINVAL);
            }
            if offset.checked_add(len).is_none() {
                return Err(Errno::EOVERFLOW);
            }
        }
        if let Backing::File { file, .. } = &backing {
            if shared && prot & PROT_WRITE != 0 {
                if !file.opened_for_write() {
                    return Err(Errno::EACCES);
                }
                if !file.shares_pages() {
                    return Err(Errno::ENODEV);
                }
            }
        }
        if flags & MAP_HUGETLB != 0 {
            // No huge page pool, as on a Linux without reserved hugepages.
            return Err(Errno::ENOMEM);
        }

        let start = if fixed {
            if addr > TASK_SIZE - len {
                return Err(Errno::ENOMEM);
            }
            if addr < MMAP_MIN_ADDR {
                return Err(Errno::EPERM);
            }
            if flags & MAP_FIXED == 0 && !self.is_free(addr, addr + len) {
                return Err(Errno::EEXIST);
            }
            addr
        } else {
            self.pick_address(addr, len, flags & MAP_32BIT != 0)?
        };

        let perm = Perm::from_prot(prot);
        self.map_new(
            pt,
            Vma {
                start,
                end: start + len,
                perm,
                shared,
                growsdown: flags & MAP_GROWSDOWN != 0,
                special: false,
                backing,
                name: None,
            },
        )?;

        if flags & (MAP_POPULATE | MAP_LOCKED) != 0 && !perm.is_empty() {
            // Linux ignores population failures here (the memory is still mapped).
            let access = if perm.contains(Perm::WRITE) {
                Access::Write
            } else {
                Access::Read
            };
            let mut va = start;
            while va < start + len {
                if self.handle_fault(pt, va, access).is_err() {
                    break;
                }
                va += PAGE_SIZE;
            }
        }
        Ok(start)
    }

    /// munmap(2): EINVAL for an unaligned address or a zero length; holes are fine.
    pub fn munmap<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        addr: u64,
        len: u64,
    ) -> Result<(), Errno> {
        if !is_page_aligned(addr) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = match page_up(len) {
            Some(l) if l <= TASK_SIZE && addr <= TASK_SIZE - l => l,
            _ => return Err(Errno::EINVAL),
        };
        let end = addr + len;
        // Splitting one VMA into three is the only way munmap grows the VMA count.
        let inner = self
            .find(addr)
            .is_some_and(|v| v.start < addr && end < v.end);
        if inner && self.vmas.len() >= self.max_map_count {
            return Err(Errno::ENOMEM);
        }
        self.remove_range(pt, addr, end);
        Ok(())
    }

    /// Name an anonymous range, as `prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME)`: it then shows
    /// as `[anon:NAME]` (`None` removes the name). EINVAL for file mappings, ENOMEM for holes.
    pub fn set_anon_name(&mut self, addr: u64, len: u64, name: Option<&str>) -> Result<(), Errno> {
        if !is_page_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len)
            .and_then(|l| addr.checked_add(l))
            .ok_or(Errno::EINVAL)?;
        if end == addr {
            return Ok(());
        }
        if !self.covered(addr, end, |_| true) {
            return Err(Errno::ENOMEM);
        }
        if !self.covered(addr, end, |v| v.backing.is_anonymous() && !v.special) {
            return Err(Errno::EINVAL);
        }
        let name: Option<alloc::sync::Arc<str>> =
            name.map(|n| alloc::sync::Arc::from(alloc::format!("[anon:{n}]").as_str()));
        self.split_at(addr);
        self.split_at(end);
        for k in self.keys_in(addr, end) {
            if let Some(v) = self.vmas.get_mut(&k) {
                v.name = name.clone();
            }
        }
        self.merge_range(addr, end);
        Ok(())
    }
}
