//! brk(2): the [heap] right after the program's bss.

use alloc::sync::Arc;

use crate::flags::*;
use crate::space::AddressSpace;
use crate::vma::{Backing, Perm, Vma};
use crate::PageTable;

const HEAP: &str = "[heap]";

impl AddressSpace {
    /// Set the initial program break: the end of the loaded ELF's highest segment (rounded up
    /// to a page, as Linux's `mm->start_brk`). No VMA exists until the heap first grows.
    pub fn init_brk(&mut self, end_of_bss: u64) {
        let start = page_up(end_of_bss).unwrap_or(TASK_SIZE).min(TASK_SIZE);
        self.start_brk = start;
        self.brk = start;
    }

    /// The current break.
    pub fn current_brk(&self) -> u64 {
        self.brk
    }

    /// The initial break (start of [heap]).
    pub fn start_brk(&self) -> u64 {
        self.start_brk
    }

    /// brk(2) with Linux's semantics: returns the new break on success and the unchanged
    /// break on failure (below the initial break, into another mapping, leaving no guard
    /// page before the next mapping, out of address space). Shrinking unmaps whole pages.
    pub fn brk<P: PageTable + ?Sized>(&mut self, pt: &mut P, requested: u64) -> u64 {
        if requested < self.start_brk || requested > TASK_SIZE {
            return self.brk;
        }
        // Both are at most TASK_SIZE, so rounding up cannot overflow.
        let new_top = page_up(requested).unwrap_or(TASK_SIZE);
        let old_top = page_up(self.brk).unwrap_or(TASK_SIZE);
        if new_top == old_top {
            self.brk = requested;
            return self.brk;
        }
        if requested <= self.brk {
            let inner = self
                .find(new_top)
                .is_some_and(|v| v.start < new_top && old_top < v.end);
            if inner && self.vmas.len() >= self.max_map_count {
                return self.brk;
            }
            self.remove_range(pt, new_top, old_top);
            self.brk = requested;
            return self.brk;
        }
        // Grow: [old_top, new_top + one guard page) must be free (Linux checks the same).
        let guard_end = new_top.saturating_add(PAGE_SIZE).min(TASK_SIZE);
        if !self.is_free(old_top, guard_end) {
            return self.brk;
        }
        let extend = self
            .vmas
            .range(..old_top)
            .next_back()
            .filter(|(_, v)| v.end == old_top && v.name.as_deref() == Some(HEAP))
            .map(|(&k, _)| k);
        match extend {
            Some(k) => {
                if let Some(v) = self.vmas.get_mut(&k) {
                    v.end = new_top;
                }
                self.mapped_bytes += new_top - old_top;
            }
            None => {
                if self.vmas.len() >= self.max_map_count {
                    return self.brk;
                }
                self.insert(Vma {
                    start: old_top,
                    end: new_top,
                    perm: Perm::READ | Perm::WRITE,
                    shared: false,
                    growsdown: false,
                    special: false,
                    backing: Backing::Anonymous,
                    name: Some(Arc::from(HEAP)),
                });
            }
        }
        self.brk = requested;
        self.brk
    }
}
