//! madvise(2).

use osprey_abi::Errno;

use crate::flags::*;
use crate::space::AddressSpace;
use crate::{Access, PageTable};

impl AddressSpace {
    /// madvise(2). DONTNEED (and DONTNEED_LOCKED) drop the private pages of the range so they
    /// fault back in zeroed (anonymous) or re-read from the file; FREE does the same on
    /// private anonymous memory (EINVAL elsewhere); REMOVE zeroes writable shared anonymous
    /// memory (EINVAL on other memory, EOPNOTSUPP on shared file mappings: no hole punching);
    /// DONTNEED leaves shared mappings as they are (their pages are the file's or the shared
    /// memory's, so dropping and refaulting them would give back the same bytes); POPULATE_READ/WRITE fault the pages in; the other known advice is
    /// accepted and ignored. Unknown advice is EINVAL. Like Linux, the advice is applied to
    /// the mapped parts and ENOMEM is returned afterwards if the range had holes.
    pub fn madvise<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        addr: u64,
        len: u64,
        advice: i32,
    ) -> Result<(), Errno> {
        let known = matches!(
            advice,
            MADV_NORMAL
                | MADV_RANDOM
                | MADV_SEQUENTIAL
                | MADV_WILLNEED
                | MADV_DONTNEED
                | MADV_FREE
                | MADV_REMOVE
                | MADV_DONTFORK
                | MADV_DOFORK
                | MADV_MERGEABLE
                | MADV_UNMERGEABLE
                | MADV_HUGEPAGE
                | MADV_NOHUGEPAGE
                | MADV_DONTDUMP
                | MADV_DODUMP
                | MADV_WIPEONFORK
                | MADV_KEEPONFORK
                | MADV_COLD
                | MADV_PAGEOUT
                | MADV_POPULATE_READ
                | MADV_POPULATE_WRITE
                | MADV_DONTNEED_LOCKED
                | MADV_COLLAPSE
        );
        if !known || !is_page_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        let end = match page_up(len).and_then(|l| addr.checked_add(l)) {
            Some(e) => e,
            None => return Err(Errno::EINVAL),
        };
        if end == addr {
            return Ok(());
        }
        let hole = !self.covered(addr, end, |_| true);

        match advice {
            MADV_DONTNEED | MADV_DONTNEED_LOCKED | MADV_FREE | MADV_REMOVE => {
                // Validate every VMA first so that EINVAL leaves everything untouched.
                let ok = |v: &crate::Vma| match advice {
                    MADV_FREE => v.is_private_anon(),
                    MADV_REMOVE => v.shared && v.perm.contains(crate::Perm::WRITE),
                    _ => true,
                };
                for k in self.keys_in(addr, end) {
                    if !self.vmas.get(&k).is_some_and(ok) {
                        return Err(Errno::EINVAL);
                    }
                }
                // REMOVE on a shared file mapping punches a hole in the file on Linux; the
                // ramfs has no hole punching (no fallocate), so say so as Linux does for file
                // systems without it.
                if advice == MADV_REMOVE
                    && self
                        .keys_in(addr, end)
                        .iter()
                        .any(|k| self.vmas.get(k).is_some_and(|v| !v.backing.is_anonymous()))
                {
                    return Err(Errno::EOPNOTSUPP);
                }
                for k in self.keys_in(addr, end) {
                    let Some(v) = self.vmas.get(&k) else { continue };
                    // Shared anonymous memory keeps its contents under DONTNEED (on Linux
                    // they live in the shmem object, not in the page tables).
                    if advice != MADV_REMOVE && v.shared {
                        continue;
                    }
                    let (s, e) = (v.start.max(addr), v.end.min(end));
                    self.resident_pages -= pt.unmap_range(s, e);
                }
            }
            MADV_POPULATE_READ | MADV_POPULATE_WRITE => {
                if hole {
                    return Err(Errno::ENOMEM);
                }
                let access = if advice == MADV_POPULATE_WRITE {
                    Access::Write
                } else {
                    Access::Read
                };
                self.populate(pt, addr, end - addr, access).map_err(|e| {
                    if e == Errno::ENOMEM {
                        e
                    } else {
                        Errno::EFAULT
                    }
                })?;
            }
            _ => {}
        }
        if hole {
            Err(Errno::ENOMEM)
        } else {
            Ok(())
        }
    }
}
