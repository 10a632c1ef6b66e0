//! A virtual memory area: one contiguous range with one protection and one backing.

use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;
use osprey_abi::Errno;

use crate::flags::{PROT_EXEC, PROT_READ, PROT_WRITE};

bitflags::bitflags! {
    /// Page permission. The bits equal Linux's PROT_READ/PROT_WRITE/PROT_EXEC. On x86 every
    /// present page is readable, so WRITE or EXEC without READ still allows reads.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Perm: u32 {
        const READ = PROT_READ;
        const WRITE = PROT_WRITE;
        const EXEC = PROT_EXEC;
    }
}

impl Perm {
    /// The permission part of a `prot` argument (other bits ignored).
    pub fn from_prot(prot: u32) -> Perm {
        Perm::from_bits_truncate(prot)
    }
}

/// How /proc/self/maps identifies a mapped file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileId {
    pub dev_major: u32,
    pub dev_minor: u32,
    pub ino: u64,
    /// Absolute path as /proc/self/maps shows it.
    pub path: String,
}

/// A page of a file as the page-table implementation knows it (the kernel: a frame of the
/// ramfs). The memory manager only passes it from [`MappedFile::shared_page`] to
/// [`crate::PageTable::map_shared`].
pub type SharedPage = Arc<dyn Any + Send + Sync>;

/// A file that can back a mapping. A private mapping copies pages from it when they are first
/// touched; a shared one maps the file's own pages when it [shares pages](Self::shares_pages).
pub trait MappedFile: Send + Sync {
    /// Read up to `buf.len()` bytes at `offset`; `Ok(0)` at or past the end of the file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno>;
    /// Identity for /proc/self/maps (asked once, at mmap time).
    fn id(&self) -> FileId;
    /// Whether the file's contents live in pages a MAP_SHARED mapping can map itself, so that
    /// stores through it and `write()` meet. Otherwise a shared mapping can only be read-only,
    /// and is a snapshot. Default: false.
    fn shares_pages(&self) -> bool {
        false
    }
    /// The file's page at `offset` (page aligned), for a MAP_SHARED mapping. ENXIO when it
    /// starts at or past the end of the file (SIGBUS), ENOMEM/ENOSPC when no page can be had.
    fn shared_page(&self, offset: u64) -> Result<SharedPage, Errno> {
        let _ = offset;
        Err(Errno::ENODEV)
    }
    /// Whether the open file behind the mapping allows writing through a shared mapping
    /// (opened for writing and not O_APPEND: Linux's VM_MAYWRITE). Default: false.
    fn opened_for_write(&self) -> bool {
        false
    }
}

/// What fills a page on its first touch.
#[derive(Clone)]
pub enum Backing {
    /// Zero pages.
    Anonymous,
    /// File bytes. `offset` is the file offset of the VMA's first page. File bytes at or past
    /// `zero_from` (a file offset) read as zero: that is how an ELF segment's bss tail inside
    /// its last file page is expressed (`u64::MAX` for ordinary mappings). A page that starts
    /// at or past the end of the file raises SIGBUS, like Linux.
    File {
        file: Arc<dyn MappedFile>,
        id: Arc<FileId>,
        offset: u64,
        zero_from: u64,
    },
}

impl Backing {
    /// A file backing for `mmap` starting at file `offset`.
    pub fn file(file: Arc<dyn MappedFile>, offset: u64) -> Backing {
        Backing::file_zero_from(file, offset, u64::MAX)
    }

    /// A file backing whose bytes from file offset `zero_from` on read as zero.
    pub fn file_zero_from(file: Arc<dyn MappedFile>, offset: u64, zero_from: u64) -> Backing {
        let id = Arc::new(file.id());
        Backing::File {
            file,
            id,
            offset,
            zero_from,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self, Backing::Anonymous)
    }
}

impl core::fmt::Debug for Backing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Backing::Anonymous => f.write_str("Anonymous"),
            Backing::File {
                id,
                offset,
                zero_from,
                ..
            } => write!(
                f,
                "File({} @ {offset:#x}, zero from {zero_from:#x})",
                id.path
            ),
        }
    }
}

/// One VMA. `start` and `end` are page aligned, `start < end`.
#[derive(Clone, Debug)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub perm: Perm,
    /// MAP_SHARED. Without fork, shared anonymous memory behaves like private memory; a shared
    /// file mapping maps the file's own pages (see `AddressSpace::mmap`).
    pub shared: bool,
    pub growsdown: bool,
    /// Set up by the kernel ([vdso], [vvar]): never grown by mremap, never merged.
    pub special: bool,
    pub backing: Backing,
    /// The name /proc/self/maps shows for a non-file VMA: "[heap]", "[stack]", "[vdso]",
    /// "[anon:...]".
    pub name: Option<Arc<str>>,
}

impl Vma {
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// The file offset of `addr` (inside the VMA) for a file VMA.
    pub fn file_offset_of(&self, addr: u64) -> Option<u64> {
        match &self.backing {
            Backing::File { offset, .. } => Some(offset + (addr - self.start)),
            Backing::Anonymous => None,
        }
    }

    /// A MAP_SHARED mapping of a file whose pages it maps directly.
    pub fn maps_file_pages(&self) -> bool {
        self.shared && matches!(&self.backing, Backing::File { file, .. } if file.shares_pages())
    }

    /// Private anonymous memory (where MADV_FREE is allowed).
    pub fn is_private_anon(&self) -> bool {
        !self.shared && self.backing.is_anonymous()
    }

    /// The upper part from `addr` on; `self` keeps the lower part.
    pub(crate) fn split_off(&mut self, addr: u64) -> Vma {
        debug_assert!(self.start < addr && addr < self.end);
        let mut hi = self.clone();
        hi.start = addr;
        if let Backing::File { offset, .. } = &mut hi.backing {
            *offset += addr - self.start;
        }
        self.end = addr;
        hi
    }

    /// Whether `next`, starting where `self` ends, can become part of `self`.
    pub(crate) fn can_merge(&self, next: &Vma) -> bool {
        if self.end != next.start
            || self.perm != next.perm
            || self.shared != next.shared
            || self.growsdown != next.growsdown
            || self.special
            || next.special
            || self.name != next.name
        {
            return false;
        }
        match (&self.backing, &next.backing) {
            (Backing::Anonymous, Backing::Anonymous) => true,
            (
                Backing::File {
                    file: a,
                    offset: oa,
                    zero_from: za,
                    ..
                },
                Backing::File {
                    file: b,
                    offset: ob,
                    zero_from: zb,
                    ..
                },
            ) => {
                // Same file object (compare data pointers, not vtables) at continuous offsets.
                core::ptr::eq(Arc::as_ptr(a) as *const u8, Arc::as_ptr(b) as *const u8)
                    && oa.checked_add(self.len()) == Some(*ob)
                    && za == zb
            }
            _ => false,
        }
    }
}
