//! From validated segments to page-level mapping instructions for a chosen load bias.

use alloc::vec::Vec;

use crate::parse::{ElfInfo, ElfKind};

/// x86_64 page size.
pub const PAGE_SIZE: u64 = 4096;
/// End of the user half (exclusive).
pub(crate) const USER_END: u64 = 0x0000_8000_0000_0000;
/// Linux x86_64 `ELF_ET_DYN_BASE` (2/3 of the 47-bit window): PIE executables go here when
/// address-space randomization is off, which is why they start at 0x5555_5555_4000.
pub const ELF_ET_DYN_BASE: u64 = (USER_END - PAGE_SIZE) / 3 * 2;

pub(crate) const fn page_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

/// Callers guarantee `x` is far below `u64::MAX` (segment ends are bounded by USER_END).
pub(crate) const fn page_up(x: u64) -> u64 {
    (x + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// How to materialize one PT_LOAD segment at its biased address. All addresses are biased.
///
/// Layout, low to high:
/// ```text
/// start            zero_start        file_end                     end
///   |<--- file pages: file[file_offset..] --->|<--- anonymous zero pages --->|
///                          |<- zero this ->|
/// ```
/// * `[start, file_end)` holds file content starting at `file_offset` (page aligned). The
///   first page also carries the file bytes before `p_vaddr` (ELF headers, the program header
///   table), exactly like a Linux file mapping.
/// * `[zero_start, file_end)` is the bss part of the last file page: it must read as zero even
///   though the file has bytes there. Empty (`zero_start == file_end`) when the segment has no
///   bss.
/// * `[file_end, end)` is anonymous, zero-filled memory (the rest of the bss).
///
/// Simplest correct application (what the kernel does today): `mmap(start, end - start,
/// PROT_READ|PROT_WRITE, MAP_FIXED|MAP_PRIVATE|MAP_ANONYMOUS)`, copy `copy_len` bytes of the
/// file from `file_offset` to `start` (the zero tail then stays zero by construction), then
/// `mprotect(start, end - start, prot)`. With file mappings instead: map `[start, file_end)`
/// MAP_PRIVATE from `file_offset`, clear `[zero_start, file_end)`, map `[file_end, end)`
/// anonymous. Apply segments in order: when two segments share a page the later one wins,
/// as on Linux (its file page holds the same bytes at the shared offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentMap {
    pub start: u64,
    pub end: u64,
    /// PROT_* bits for the whole range.
    pub prot: u32,
    /// File offset that corresponds to `start` (page aligned).
    pub file_offset: u64,
    /// End of the file-backed pages (`start` when the segment has no file bytes).
    pub file_end: u64,
    /// File bytes to copy to `start` when populating by copy: up to `p_vaddr + p_filesz` when
    /// the segment has bss, else up to `file_end` clipped by the file's length (what a file
    /// mapping would show). Always within the file.
    pub copy_len: u64,
    /// Start of the bss bytes inside the last file page; see the type's documentation.
    pub zero_start: u64,
}

impl SegmentMap {
    /// The anonymous part `[file_end, end)`, if any.
    pub fn anon_range(&self) -> Option<(u64, u64)> {
        (self.file_end < self.end).then_some((self.file_end, self.end))
    }

    /// The part of the last file page that must be zeroed, if any.
    pub fn zero_range(&self) -> Option<(u64, u64)> {
        (self.zero_start < self.file_end).then_some((self.zero_start, self.file_end))
    }
}

impl ElfInfo {
    /// The load bias Linux would use with address-space randomization off: 0 for ET_EXEC;
    /// for ET_DYN `ELF_ET_DYN_BASE` aligned down to [`ElfInfo::max_align`], minus the first
    /// segment's page (so a PIE linked at 0 lands at 0x5555_5555_4000).
    ///
    /// Interpreters (ld.so) are not placed here by Linux: they go wherever a top-down
    /// `mmap(NULL, span)` lands, and their bias is `that address - low()`.
    /// (Linux 6.x also lets mmap place static-PIE programs with page-sized alignment; we keep
    /// them at ELF_ET_DYN_BASE, which the program cannot tell apart.)
    pub fn default_bias(&self) -> u64 {
        match self.kind {
            ElfKind::Exec => 0,
            ElfKind::Dyn => {
                let base = ELF_ET_DYN_BASE & !(self.max_align() - 1);
                page_down(base.wrapping_sub(self.low()))
            }
        }
    }

    /// Whether `bias` keeps the whole image inside `[min_addr, USER_END - PAGE_SIZE)` and is
    /// page aligned (ET_EXEC only accepts 0).
    pub fn bias_ok(&self, bias: u64, min_addr: u64) -> bool {
        if self.kind == ElfKind::Exec {
            return bias == 0 && self.low() >= min_addr;
        }
        bias % PAGE_SIZE == 0
            && self
                .low()
                .checked_add(bias)
                .and_then(|lo| Some((lo, lo.checked_add(self.span())?)))
                .is_some_and(|(lo, hi)| lo >= min_addr && hi <= USER_END - PAGE_SIZE)
    }

    /// The mapping instructions of every segment, in address order, for load `bias`.
    /// The caller must have checked `bias_ok(bias, ..)`.
    pub fn mappings(&self, bias: u64) -> Vec<SegmentMap> {
        self.segments
            .iter()
            .map(|seg| {
                let vaddr = seg.vaddr.wrapping_add(bias);
                let start = page_down(vaddr);
                let lead = vaddr - start;
                let end = page_up(vaddr + seg.memsz);
                let file_offset = seg.offset - lead;
                let has_bss = seg.memsz > seg.filesz;
                let (file_end, copy_len, zero_start) = if seg.filesz == 0 {
                    (start, 0, start)
                } else {
                    let file_end = page_up(vaddr + seg.filesz);
                    if has_bss {
                        (file_end, lead + seg.filesz, vaddr + seg.filesz)
                    } else {
                        let avail = self.file_len - file_offset;
                        (file_end, (file_end - start).min(avail), file_end)
                    }
                };
                SegmentMap {
                    start,
                    end,
                    prot: seg.prot,
                    file_offset,
                    file_end,
                    copy_len,
                    zero_start,
                }
            })
            .collect()
    }

    /// The biased entry point of this image.
    pub fn entry_at(&self, bias: u64) -> u64 {
        self.entry.wrapping_add(bias)
    }

    /// The biased address of the program headers (AT_PHDR), 0 if unknown.
    pub fn phdr_at(&self, bias: u64) -> u64 {
        self.phdr_vaddr.map_or(0, |v| v.wrapping_add(bias))
    }

    /// The initial program break: the end of the highest segment, page aligned, as Linux's
    /// `mm->start_brk` (without brk randomization).
    pub fn brk_start(&self, bias: u64) -> u64 {
        page_up(self.high() + bias)
    }
}
