//! mremap(2): shrink, grow in place, or move (frames are moved, not copied).

use osprey_abi::Errno;

use crate::flags::*;
use crate::space::AddressSpace;
use crate::PageTable;

impl AddressSpace {
    /// mremap(2) with Linux's rules:
    /// * EINVAL: unknown flags, MREMAP_FIXED or MREMAP_DONTUNMAP without MREMAP_MAYMOVE,
    ///   DONTUNMAP with `old_len != new_len`, unaligned `old_addr`/`new_addr`, `new_len` 0,
    ///   overlapping FIXED ranges. `old_len` 0 (duplicating a shared mapping) is not
    ///   supported: EINVAL.
    /// * EFAULT: `old_addr` is not mapped or the old range spans more than one VMA, or
    ///   growing a special mapping ([vdso]).
    /// * ENOMEM: cannot grow in place and MREMAP_MAYMOVE is not given; no room to move.
    pub fn mremap<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        old_addr: u64,
        old_len: u64,
        new_len: u64,
        flags: u32,
        new_addr: u64,
    ) -> Result<u64, Errno> {
        if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
            return Err(Errno::EINVAL);
        }
        let may_move = flags & MREMAP_MAYMOVE != 0;
        let fixed = flags & MREMAP_FIXED != 0;
        let dontunmap = flags & MREMAP_DONTUNMAP != 0;
        if (fixed || dontunmap) && !may_move {
            return Err(Errno::EINVAL);
        }
        if dontunmap && old_len != new_len {
            return Err(Errno::EINVAL);
        }
        if !is_page_aligned(old_addr) {
            return Err(Errno::EINVAL);
        }
        let (Some(old_len), Some(new_len)) = (page_up(old_len), page_up(new_len)) else {
            return Err(Errno::EINVAL);
        };
        if new_len == 0 || old_len == 0 {
            return Err(Errno::EINVAL);
        }
        if fixed {
            if !is_page_aligned(new_addr) || new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len {
                return Err(Errno::EINVAL);
            }
            let old_end = old_addr.saturating_add(old_len);
            if new_addr < old_end && old_addr < new_addr + new_len {
                return Err(Errno::EINVAL);
            }
            if new_addr < MMAP_MIN_ADDR {
                return Err(Errno::EPERM);
            }
        }

        // The old range must lie inside one VMA.
        let vma = self.find(old_addr).ok_or(Errno::EFAULT)?;
        let old_end = old_addr.checked_add(old_len).ok_or(Errno::EFAULT)?;
        if old_end > vma.end {
            return Err(Errno::EFAULT);
        }
        if vma.special && new_len > old_len {
            return Err(Errno::EFAULT);
        }
        let vma_end = vma.end;

        if fixed {
            // Linux unmaps the destination, then the tail beyond new_len, then moves.
            let cost = self.splits_needed(new_addr, new_addr + new_len) + 2;
            if self.vmas.len() + cost > self.max_map_count {
                return Err(Errno::ENOMEM);
            }
            self.remove_range(pt, new_addr, new_addr + new_len);
            let moved = old_len.min(new_len);
            if old_len > new_len {
                self.remove_range(pt, old_addr + new_len, old_end);
            }
            self.move_pages(pt, old_addr, moved, new_addr, new_len, dontunmap);
            return Ok(new_addr);
        }

        if new_len <= old_len && !dontunmap {
            if new_len < old_len {
                let inner = old_end < vma_end;
                if inner && self.vmas.len() >= self.max_map_count {
                    return Err(Errno::ENOMEM);
                }
                self.remove_range(pt, old_addr + new_len, old_end);
            }
            return Ok(old_addr);
        }

        // Grow in place when the old range ends its VMA and the pages after it are free.
        if !dontunmap && old_end == vma_end {
            let grow_end = old_addr.checked_add(new_len).filter(|&e| e <= TASK_SIZE);
            if let Some(grow_end) = grow_end {
                if self.is_free(old_end, grow_end) {
                    let key = self.find(old_addr).map(|v| v.start).ok_or(Errno::EFAULT)?;
                    if let Some(v) = self.vmas.get_mut(&key) {
                        v.end = grow_end;
                    }
                    self.mapped_bytes += grow_end - old_end;
                    self.merge_at(grow_end);
                    return Ok(old_addr);
                }
            }
        }
        if !may_move {
            return Err(Errno::ENOMEM);
        }
        let cost = self.splits_needed(old_addr, old_end) + 1;
        if self.vmas.len() + cost > self.max_map_count {
            return Err(Errno::ENOMEM);
        }
        let dest = self.pick_address(0, new_len, false)?;
        self.move_pages(pt, old_addr, old_len, dest, new_len, dontunmap);
        Ok(dest)
    }

    /// Move `[old, old + len)` (inside one VMA) to a free `[new, new + new_len)`; the part
    /// beyond `len` is fresh (demand-zero or further file pages). With `keep_old` the old
    /// VMA stays, emptied (MREMAP_DONTUNMAP).
    fn move_pages<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        old: u64,
        len: u64,
        new: u64,
        new_len: u64,
        keep_old: bool,
    ) {
        self.split_at(old);
        self.split_at(old + len);
        let Some(piece) = self.vmas.get(&old).cloned() else {
            return;
        };
        pt.move_range(old, new, len);
        if !keep_old {
            self.vmas.remove(&old);
            self.mapped_bytes -= len;
            self.merge_at(old);
        }
        let mut moved = piece;
        moved.start = new;
        moved.end = new + new_len;
        self.insert(moved);
    }
}
