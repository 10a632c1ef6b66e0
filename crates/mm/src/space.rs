//! The address space: the VMA tree and the primitives the system calls are built from
//! (split, remove, insert-and-merge, free-gap search).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use osprey_abi::Errno;

use crate::flags::*;
use crate::vma::{Backing, Perm, Vma};
use crate::PageTable;

/// Numbers for /proc/meminfo, /proc/self/status, statm and sysinfo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemStats {
    /// Bytes covered by VMAs (VmSize).
    pub mapped_bytes: u64,
    /// Pages currently backed by frames (VmRSS / 4096).
    pub resident_pages: u64,
    pub vma_count: usize,
    /// `brk - start_brk`.
    pub heap_bytes: u64,
}

/// The app's address space.
pub struct AddressSpace {
    pub(crate) vmas: BTreeMap<u64, Vma>,
    /// Top of the top-down mmap area (Linux's `mm->mmap_base`).
    pub(crate) mmap_base: u64,
    pub(crate) start_brk: u64,
    pub(crate) brk: u64,
    pub(crate) mapped_bytes: u64,
    pub(crate) resident_pages: u64,
    pub(crate) max_map_count: usize,
}

impl Default for AddressSpace {
    fn default() -> Self {
        Self::new()
    }
}

impl AddressSpace {
    /// Linux's layout with randomization off and an 8 MiB stack rlimit: mmap_base is
    /// TASK_SIZE minus the minimum 128 MiB stack gap, 0x7fff_f7ff_f000, so the first
    /// mappings land just below it (0x7fff_f7fx_x000), as under `setarch -R`.
    pub fn new() -> AddressSpace {
        Self::with_mmap_base(TASK_SIZE - (128 << 20))
    }

    pub fn with_mmap_base(mmap_base: u64) -> AddressSpace {
        AddressSpace {
            vmas: BTreeMap::new(),
            mmap_base: page_down(mmap_base),
            start_brk: 0,
            brk: 0,
            mapped_bytes: 0,
            resident_pages: 0,
            max_map_count: DEFAULT_MAX_MAP_COUNT,
        }
    }

    pub fn mmap_base(&self) -> u64 {
        self.mmap_base
    }

    /// Lower the VMA limit (vm.max_map_count), e.g. for tests.
    pub fn set_max_map_count(&mut self, n: usize) {
        self.max_map_count = n;
    }

    pub fn stats(&self) -> MemStats {
        MemStats {
            mapped_bytes: self.mapped_bytes,
            resident_pages: self.resident_pages,
            vma_count: self.vmas.len(),
            heap_bytes: self.brk.saturating_sub(self.start_brk),
        }
    }

    /// All VMAs in address order.
    pub fn vmas(&self) -> impl Iterator<Item = &Vma> + '_ {
        self.vmas.values()
    }

    /// The VMA containing `addr`.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| v.contains(addr))
    }

    /// Create the initial stack VMA `[top - size, top)`, read-write, named `[stack]`.
    /// (Fixed size; Linux grows it on demand up to the rlimit.)
    pub fn map_stack<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        top: u64,
        size: u64,
    ) -> Result<u64, Errno> {
        let start = top.checked_sub(size).ok_or(Errno::EINVAL)?;
        if !is_page_aligned(start) || !is_page_aligned(top) || size == 0 || top > TASK_SIZE {
            return Err(Errno::EINVAL);
        }
        self.map_new(
            pt,
            Vma {
                start,
                end: top,
                perm: Perm::READ | Perm::WRITE,
                shared: false,
                growsdown: true,
                special: false,
                backing: Backing::Anonymous,
                name: Some(Arc::from("[stack]")),
            },
        )?;
        Ok(start)
    }

    /// Map a kernel-provided area such as `[vdso]`: a VMA named `name` at `start` whose pages
    /// are mapped at once with `contents` (zero-padded to the page end). Replaces whatever was
    /// there. mremap cannot grow it and it never merges.
    pub fn map_special<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        start: u64,
        len: u64,
        perm: Perm,
        name: &str,
        contents: &[u8],
    ) -> Result<(), Errno> {
        let end = page_up(len)
            .and_then(|l| start.checked_add(l))
            .ok_or(Errno::EINVAL)?;
        if !is_page_aligned(start) || len == 0 || end > TASK_SIZE || contents.len() as u64 > len {
            return Err(Errno::EINVAL);
        }
        self.map_new(
            pt,
            Vma {
                start,
                end,
                perm,
                shared: false,
                growsdown: false,
                special: true,
                backing: Backing::Anonymous,
                name: Some(Arc::from(name)),
            },
        )?;
        self.fill(pt, start, contents)
    }

    /// Give pages `[addr, addr + data.len())` (rounded out to pages) the content `data`, zero
    /// elsewhere in those pages, with the permission of their VMA — replacing any page already
    /// there. For the loader: map a segment anonymous, then `fill` it with the file bytes,
    /// without making read-only segments writable for the copy. `addr` must be page aligned
    /// and the range must be inside VMAs (EFAULT otherwise).
    pub fn fill<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        addr: u64,
        data: &[u8],
    ) -> Result<(), Errno> {
        if !is_page_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        if data.is_empty() {
            return Ok(());
        }
        let end = addr.checked_add(data.len() as u64).ok_or(Errno::EFAULT)?;
        if !self.covered(addr, end, |_| true) {
            return Err(Errno::EFAULT);
        }
        for (i, chunk) in data.chunks(PAGE_SIZE as usize).enumerate() {
            let va = addr + i as u64 * PAGE_SIZE;
            let perm = self.find(va).map(|v| v.perm).ok_or(Errno::EFAULT)?;
            self.resident_pages -= pt.unmap_range(va, va + PAGE_SIZE);
            pt.map_with(va, perm, chunk)?;
            self.resident_pages += 1;
        }
        Ok(())
    }

    // ---- primitives ----

    /// Whether `[start, end)` is covered by VMAs without holes, each satisfying `ok`.
    pub(crate) fn covered(&self, start: u64, end: u64, ok: impl Fn(&Vma) -> bool) -> bool {
        let mut at = match self.find(start) {
            Some(v) if ok(v) => v.end,
            Some(_) => return false,
            None => return start >= end,
        };
        if at >= end {
            return true;
        }
        for v in self.vmas.range(at..end).map(|(_, v)| v) {
            if v.start != at || !ok(v) {
                return false;
            }
            at = v.end;
        }
        at >= end
    }

    /// Whether no VMA intersects `[start, end)`.
    pub(crate) fn is_free(&self, start: u64, end: u64) -> bool {
        if let Some((_, v)) = self.vmas.range(..end).next_back() {
            if v.end > start {
                return false;
            }
        }
        true
    }

    /// The VMAs intersecting `[start, end)` (keys), in order.
    pub(crate) fn keys_in(&self, start: u64, end: u64) -> Vec<u64> {
        let mut keys = Vec::new();
        if let Some((&k, v)) = self.vmas.range(..start).next_back() {
            if v.end > start {
                keys.push(k);
            }
        }
        keys.extend(self.vmas.range(start..end).map(|(&k, _)| k));
        keys
    }

    /// How many VMAs splitting at `start` and `end` would add.
    pub(crate) fn splits_needed(&self, start: u64, end: u64) -> usize {
        let inside = |a: u64| self.find(a).is_some_and(|v| v.start < a);
        usize::from(inside(start)) + usize::from(end < TASK_SIZE && inside(end))
    }

    /// Split the VMA strictly containing `addr`, if any, so that a VMA starts at `addr`.
    pub(crate) fn split_at(&mut self, addr: u64) {
        if let Some((_, v)) = self.vmas.range_mut(..addr).next_back() {
            if v.end > addr {
                let hi = v.split_off(addr);
                self.vmas.insert(addr, hi);
            }
        }
    }

    /// Remove every VMA part in `[start, end)` and unmap its pages. Splits as needed; the
    /// caller has checked the VMA limit.
    pub(crate) fn remove_range<P: PageTable + ?Sized>(&mut self, pt: &mut P, start: u64, end: u64) {
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.vmas.range(start..end).map(|(&k, _)| k).collect();
        for k in keys {
            if let Some(v) = self.vmas.remove(&k) {
                self.mapped_bytes -= v.len();
                self.resident_pages -= pt.unmap_range(v.start, v.end);
            }
        }
    }

    /// Insert a VMA into a free range and merge it with compatible neighbours.
    pub(crate) fn insert(&mut self, vma: Vma) {
        let (start, end) = (vma.start, vma.end);
        self.mapped_bytes += vma.len();
        self.vmas.insert(start, vma);
        self.merge_at(end);
        self.merge_at(start);
    }

    /// Merge the VMA that ends at `addr` with the one that starts there, if compatible.
    pub(crate) fn merge_at(&mut self, addr: u64) {
        let Some(next) = self.vmas.get(&addr) else {
            return;
        };
        let Some((_, prev)) = self.vmas.range(..addr).next_back() else {
            return;
        };
        if !prev.can_merge(next) {
            return;
        }
        if let Some(next) = self.vmas.remove(&addr) {
            if let Some((_, prev)) = self.vmas.range_mut(..addr).next_back() {
                prev.end = next.end;
            }
        }
    }

    /// Merge every boundary in `[start, end]`.
    pub(crate) fn merge_range(&mut self, start: u64, end: u64) {
        let keys: Vec<u64> = self.vmas.range(start..=end).map(|(&k, _)| k).collect();
        for k in keys {
            self.merge_at(k);
        }
    }

    /// Whether inserting `vma` (into a free range) would need a new VMA slot.
    pub(crate) fn would_merge(&self, vma: &Vma) -> bool {
        let prev = self.vmas.range(..vma.start).next_back().map(|(_, v)| v);
        let next = self.vmas.get(&vma.end);
        prev.is_some_and(|p| p.can_merge(vma)) || next.is_some_and(|n| vma.can_merge(n))
    }

    /// Replace `[vma.start, vma.end)` by `vma` (a MAP_FIXED-style insertion).
    pub(crate) fn map_new<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        vma: Vma,
    ) -> Result<(), Errno> {
        let extra = self.splits_needed(vma.start, vma.end);
        if self.vmas.len() + extra >= self.max_map_count && !self.would_merge(&vma) {
            return Err(Errno::ENOMEM);
        }
        self.remove_range(pt, vma.start, vma.end);
        self.insert(vma);
        Ok(())
    }

    /// Highest `len`-sized free range inside `[low, high)` (Linux's unmapped_area_topdown).
    pub(crate) fn gap_topdown(&self, len: u64, low: u64, high: u64) -> Option<u64> {
        if high < low || high - low < len {
            return None;
        }
        let mut gap_end = high;
        for (_, v) in self.vmas.range(..high).rev() {
            let gap_start = v.end.max(low);
            if gap_end >= gap_start && gap_end - gap_start >= len {
                return Some(gap_end - len);
            }
            gap_end = gap_end.min(v.start);
            if gap_end <= low {
                return None;
            }
        }
        (gap_end - low >= len).then(|| gap_end - len)
    }

    /// Lowest `len`-sized free range inside `[low, high)` (Linux's unmapped_area).
    pub(crate) fn gap_bottomup(&self, len: u64, low: u64, high: u64) -> Option<u64> {
        let mut gap_start = low;
        if let Some(v) = self.find(low) {
            gap_start = v.end;
        }
        for (_, v) in self.vmas.range(gap_start..) {
            if gap_start.checked_add(len).is_none_or(|e| e > high) {
                return None;
            }
            if v.start >= gap_start + len {
                return Some(gap_start);
            }
            gap_start = gap_start.max(v.end);
        }
        gap_start
            .checked_add(len)
            .is_some_and(|e| e <= high)
            .then_some(gap_start)
    }

    /// Where a non-fixed mapping of `len` bytes goes: the hint if free, else top-down below
    /// mmap_base, else bottom-up above TASK_SIZE/3 (Linux's fallback).
    pub(crate) fn pick_address(&self, hint: u64, len: u64, low32: bool) -> Result<u64, Errno> {
        if len > TASK_SIZE - MMAP_MIN_ADDR {
            return Err(Errno::ENOMEM);
        }
        if low32 {
            // MAP_32BIT: Linux searches [1 GiB, 2 GiB) bottom-up.
            return self
                .gap_bottomup(len, 0x4000_0000, 0x8000_0000)
                .ok_or(Errno::ENOMEM);
        }
        if hint != 0 {
            if let Some(h) = page_up(hint) {
                if h >= MMAP_MIN_ADDR && h <= TASK_SIZE - len && self.is_free(h, h + len) {
                    return Ok(h);
                }
            }
        }
        self.gap_topdown(len, MMAP_MIN_ADDR, self.mmap_base)
            .or_else(|| self.gap_bottomup(len, page_down(TASK_SIZE / 3), TASK_SIZE))
            .ok_or(Errno::ENOMEM)
    }
}
