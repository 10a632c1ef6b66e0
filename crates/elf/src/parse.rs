//! Parsing and validating an ELF64 x86_64 executable into an [`ElfInfo`].
//!
//! Every field that later becomes an address or a length is checked here with checked
//! arithmetic, so that planning and loading can use plain arithmetic without overflow.

use alloc::vec::Vec;
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;

use crate::error::ElfError;
use crate::plan::{page_down, page_up, PAGE_SIZE, USER_END};
use crate::{PROT_EXEC, PROT_READ, PROT_WRITE};

/// Linux refuses program-header tables larger than this (`elf_read_phdrs`).
const MAX_PHDRS_SIZE: u64 = 65536;
/// Linux's PATH_MAX bounds PT_INTERP.
const PATH_MAX: u64 = 4096;
const EHDR_SIZE: usize = 64;
const PHDR_SIZE: u16 = 56;

/// ET_EXEC (fixed addresses, load bias 0) or ET_DYN (position independent: PIE or ld.so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfKind {
    Exec,
    Dyn,
}

/// One PT_LOAD segment, unbiased, as in the file (validated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub filesz: u64,
    pub offset: u64,
    /// `p_align` (0 or 1 mean "no constraint"; otherwise a power of two).
    pub align: u64,
    /// Raw `p_flags` (PF_R/PF_W/PF_X).
    pub flags: u32,
    /// `PROT_READ|PROT_WRITE|PROT_EXEC` derived from `p_flags`.
    pub prot: u32,
}

/// The PT_TLS template (unbiased `vaddr`); the C library sets up the thread pointer itself,
/// the kernel only needs this for diagnostics or for a future static-TLS helper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlsInfo {
    pub vaddr: u64,
    pub offset: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

/// A validated executable. Addresses are unbiased: add the load bias (0 for ET_EXEC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfInfo {
    pub kind: ElfKind,
    /// `e_entry`.
    pub entry: u64,
    /// PT_LOAD segments with a non-zero memsz, sorted by address, not overlapping.
    pub segments: Vec<Segment>,
    /// Where the program headers are in memory (for AT_PHDR): derived from the PT_LOAD that
    /// maps `e_phoff` (what Linux does), else PT_PHDR; `None` if neither exists.
    pub phdr_vaddr: Option<u64>,
    pub phnum: u16,
    pub phent: u16,
    /// The PT_INTERP path without its terminating NUL (e.g. `/lib64/ld-linux-x86-64.so.2`).
    pub interp: Option<Vec<u8>>,
    /// PT_GNU_STACK has PF_X, or there is no PT_GNU_STACK (x86_64's default is executable).
    pub exec_stack: bool,
    pub tls: Option<TlsInfo>,
    /// The length of the file that was parsed (bounds every file-backed byte).
    pub file_len: u64,
}

fn prot_of(flags: u32) -> u32 {
    let mut prot = 0;
    if flags & elf::PF_R != 0 {
        prot |= PROT_READ;
    }
    if flags & elf::PF_W != 0 {
        prot |= PROT_WRITE;
    }
    if flags & elf::PF_X != 0 {
        prot |= PROT_EXEC;
    }
    prot
}

fn in_file(offset: u64, len: u64, file_len: u64) -> bool {
    offset.checked_add(len).is_some_and(|end| end <= file_len)
}

fn valid_align(align: u64) -> bool {
    align <= 1 || align.is_power_of_two()
}

/// Parse and validate `data`, the whole ELF file.
///
/// Refuses (with `ENOEXEC` and a reason) anything Linux's `load_elf_binary` would refuse, and
/// additionally files it would load but that are malformed: overlapping or unsorted PT_LOAD
/// segments, segments beyond the file, `filesz > memsz`, offsets incongruent with addresses,
/// address arithmetic that overflows or leaves the user half.
pub fn parse(data: &[u8]) -> Result<ElfInfo, ElfError> {
    // e_ident: magic[0..4], class[4], data (endianness)[5], version[6].
    if data.len() < 4 || &data[..4] != b"\x7fELF" {
        return Err(ElfError::noexec("not an ELF file (bad magic number)"));
    }
    if data.len() < EHDR_SIZE {
        return Err(ElfError::noexec("file too short for an ELF header"));
    }
    match data[4] {
        elf::ELFCLASS64 => {}
        elf::ELFCLASS32 => return Err(ElfError::noexec("32-bit ELF files are not supported")),
        _ => return Err(ElfError::noexec("unknown ELF class")),
    }
    if data[5] != elf::ELFDATA2LSB {
        return Err(ElfError::noexec("ELF file is not little-endian"));
    }
    if data[6] != elf::EV_CURRENT {
        return Err(ElfError::noexec("unknown ELF version"));
    }
    let header = elf::FileHeader64::<Endianness>::parse(data)
        .map_err(|_| ElfError::noexec("invalid ELF header"))?;
    let endian = Endianness::Little;
    if header.e_machine(endian) != elf::EM_X86_64 {
        return Err(ElfError::noexec("not an x86-64 program (e_machine)"));
    }
    let kind = match header.e_type(endian) {
        elf::ET_EXEC => ElfKind::Exec,
        elf::ET_DYN => ElfKind::Dyn,
        elf::ET_REL => return Err(ElfError::noexec("relocatable object file, not a program")),
        elf::ET_CORE => return Err(ElfError::noexec("core dump, not a program")),
        _ => return Err(ElfError::noexec("unknown ELF type")),
    };
    let file_len = data.len() as u64;

    let phent = header.e_phentsize(endian);
    let phnum = header.e_phnum(endian);
    let phoff = header.e_phoff(endian);
    if phent != PHDR_SIZE {
        return Err(ElfError::noexec("bad program header entry size"));
    }
    if phnum == 0 || phoff == 0 {
        return Err(ElfError::noexec("no program headers"));
    }
    if phnum == elf::PN_XNUM {
        return Err(ElfError::noexec("too many program headers (PN_XNUM)"));
    }
    let phsize = u64::from(phnum) * u64::from(phent);
    if phsize > MAX_PHDRS_SIZE {
        return Err(ElfError::noexec("program header table too large"));
    }
    if !in_file(phoff, phsize, file_len) {
        return Err(ElfError::noexec(
            "program headers extend past the end of the file",
        ));
    }
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|_| ElfError::noexec("unreadable program headers"))?;

    let mut segments: Vec<Segment> = Vec::new();
    let mut interp = None;
    let mut pt_phdr = None;
    let mut exec_stack = true;
    let mut tls = None;
    for ph in phdrs {
        let p_type = ph.p_type(endian);
        let flags = ph.p_flags(endian);
        let vaddr = ph.p_vaddr(endian);
        let offset = ph.p_offset(endian);
        let filesz = ph.p_filesz(endian);
        let memsz = ph.p_memsz(endian);
        let align = ph.p_align(endian);
        match p_type {
            elf::PT_LOAD => {
                if filesz > memsz {
                    return Err(ElfError::noexec("PT_LOAD with p_filesz > p_memsz"));
                }
                if !in_file(offset, filesz, file_len) {
                    return Err(ElfError::noexec("PT_LOAD extends past the end of the file"));
                }
                if !valid_align(align) {
                    return Err(ElfError::noexec("PT_LOAD alignment is not a power of two"));
                }
                if align > 1 && offset % align != vaddr % align {
                    return Err(ElfError::noexec(
                        "PT_LOAD offset and address disagree modulo p_align",
                    ));
                }
                // mmap needs file offset and address congruent modulo the page size even
                // when p_align says less.
                if offset % PAGE_SIZE != vaddr % PAGE_SIZE {
                    return Err(ElfError::noexec(
                        "PT_LOAD offset and address disagree modulo the page size",
                    ));
                }
                // TASK_SIZE is one page below the end of the lower half.
                if vaddr
                    .checked_add(memsz)
                    .is_none_or(|end| end > USER_END - PAGE_SIZE)
                {
                    return Err(ElfError::noexec("PT_LOAD address range out of bounds"));
                }
                if memsz == 0 {
                    continue;
                }
                if let Some(prev) = segments.last() {
                    if vaddr < prev.vaddr + prev.memsz {
                        return Err(ElfError::noexec("PT_LOAD segments overlap or are unsorted"));
                    }
                }
                segments.push(Segment {
                    vaddr,
                    memsz,
                    filesz,
                    offset,
                    align,
                    flags,
                    prot: prot_of(flags),
                });
            }
            elf::PT_INTERP => {
                if interp.is_some() {
                    return Err(ElfError::noexec("more than one PT_INTERP"));
                }
                if !(2..=PATH_MAX).contains(&filesz) || !in_file(offset, filesz, file_len) {
                    return Err(ElfError::noexec("bad PT_INTERP"));
                }
                // In range: checked by in_file, and filesz <= PATH_MAX fits usize.
                let bytes = &data[offset as usize..(offset + filesz) as usize];
                let (last, path) = bytes.split_last().unwrap_or((&1, &[]));
                if *last != 0 || path.contains(&0) || path.is_empty() {
                    return Err(ElfError::noexec("PT_INTERP is not a NUL-terminated path"));
                }
                interp = Some(path.to_vec());
            }
            elf::PT_PHDR => pt_phdr = Some(vaddr),
            elf::PT_GNU_STACK => exec_stack = flags & elf::PF_X != 0,
            elf::PT_TLS => {
                if filesz > memsz || !valid_align(align) || !in_file(offset, filesz, file_len) {
                    return Err(ElfError::noexec("bad PT_TLS"));
                }
                if vaddr.checked_add(memsz).is_none() {
                    return Err(ElfError::noexec("bad PT_TLS"));
                }
                tls = Some(TlsInfo {
                    vaddr,
                    offset,
                    filesz,
                    memsz,
                    align,
                });
            }
            _ => {}
        }
    }

    let (first, last) = match (segments.first(), segments.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => return Err(ElfError::noexec("no loadable segments")),
    };
    // The image must fit in the user half once biased; for ET_DYN the bias is chosen later,
    // so only the span matters (it was already bounded by the per-segment check).
    let span = page_up(last.vaddr + last.memsz) - page_down(first.vaddr);
    if span >= USER_END {
        return Err(ElfError::noexec("image larger than the address space"));
    }

    let phdr_vaddr = segments
        .iter()
        .find(|s| s.offset <= phoff && phoff + phsize <= s.offset + s.filesz)
        .map(|s| s.vaddr + (phoff - s.offset))
        .or(pt_phdr);

    Ok(ElfInfo {
        kind,
        entry: header.e_entry(endian),
        segments,
        phdr_vaddr,
        phnum,
        phent,
        interp,
        exec_stack,
        tls,
        file_len,
    })
}

impl ElfInfo {
    /// ET_DYN (a PIE executable, or an interpreter).
    pub fn is_pie(&self) -> bool {
        self.kind == ElfKind::Dyn
    }

    /// Has a PT_INTERP (a dynamically linked program).
    pub fn is_dynamic(&self) -> bool {
        self.interp.is_some()
    }

    /// Lowest address of the image, page aligned, unbiased.
    pub fn low(&self) -> u64 {
        page_down(self.segments[0].vaddr)
    }

    /// End of the highest segment (`vaddr + memsz`), unbiased and unaligned.
    pub fn high(&self) -> u64 {
        let last = self.segments[self.segments.len() - 1];
        last.vaddr + last.memsz
    }

    /// Bytes of address space the image covers, page rounded (`high` up minus `low`).
    pub fn span(&self) -> u64 {
        page_up(self.high()) - self.low()
    }

    /// The largest PT_LOAD `p_align` (at least the page size), as Linux's
    /// `maximum_alignment`; an ET_DYN image must be placed at an address aligned to this.
    pub fn max_align(&self) -> u64 {
        self.segments
            .iter()
            .map(|s| s.align)
            .filter(|a| a.is_power_of_two())
            .fold(PAGE_SIZE, u64::max)
    }
}
