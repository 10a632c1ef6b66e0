//! Host tests of MAP_SHARED file mappings: the mapping maps the file's own pages.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use osprey_abi::Errno;
use std::sync::Mutex;

use crate::fake::{FakePt, FakeSharedPage};
use crate::flags::*;
use crate::*;

const RW: u32 = PROT_READ | PROT_WRITE;

/// A RAM file whose pages are shared objects, as the ramfs.
struct PageFile {
    size: Mutex<u64>,
    pages: Mutex<BTreeMap<u64, Arc<FakeSharedPage>>>,
    rw: bool,
    ino: u64,
}

impl PageFile {
    fn new(size: u64, rw: bool) -> Arc<PageFile> {
        Self::with_ino(size, rw, 7)
    }

    fn with_ino(size: u64, rw: bool, ino: u64) -> Arc<PageFile> {
        Arc::new(PageFile {
            size: Mutex::new(size),
            pages: Mutex::new(BTreeMap::new()),
            rw,
            ino,
        })
    }

    fn page(&self, idx: u64) -> Arc<FakeSharedPage> {
        self.pages
            .lock()
            .unwrap()
            .entry(idx)
            .or_insert_with(|| Arc::new(Mutex::new([0; 4096])))
            .clone()
    }

    /// write(2) of one byte.
    fn write_byte(&self, off: u64, b: u8) {
        self.page(off / 4096).lock().unwrap()[(off % 4096) as usize] = b;
        let mut size = self.size.lock().unwrap();
        *size = (*size).max(off + 1);
    }

    fn read_byte(&self, off: u64) -> u8 {
        self.page(off / 4096).lock().unwrap()[(off % 4096) as usize]
    }

    /// ftruncate(2) downwards: drop whole pages past the end.
    fn shrink(&self, len: u64) {
        *self.size.lock().unwrap() = len;
        let keep = len.div_ceil(4096);
        self.pages.lock().unwrap().split_off(&keep);
    }
}

impl MappedFile for PageFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let size = *self.size.lock().unwrap();
        let n = buf.len().min(size.saturating_sub(offset) as usize);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.read_byte(offset + i as u64);
        }
        Ok(n)
    }
    fn id(&self) -> FileId {
        FileId {
            dev_major: 0,
            dev_minor: 0x10,
            ino: self.ino,
            path: String::from("/tmp/db-shm"),
        }
    }
    fn shares_pages(&self) -> bool {
        true
    }
    fn shared_page(&self, offset: u64) -> Result<SharedPage, Errno> {
        if offset >= *self.size.lock().unwrap() {
            return Err(Errno::ENXIO);
        }
        Ok(self.page(offset / 4096))
    }
    fn opened_for_write(&self) -> bool {
        self.rw
    }
}

fn map(a: &mut AddressSpace, pt: &mut FakePt, f: &Arc<PageFile>, len: u64, prot: u32) -> u64 {
    let file: Arc<dyn MappedFile> = f.clone();
    a.mmap(pt, 0, len, prot, MAP_SHARED, Backing::file(file, 0))
        .unwrap()
}

#[test]
fn shared_mapping_and_file_see_each_other() {
    let (mut a, mut pt) = (AddressSpace::new(), FakePt::default());
    let f = PageFile::new(8192, true);
    f.write_byte(5, b'w');
    let va = map(&mut a, &mut pt, &f, 8192, RW);
    // Written before the mapping was touched: visible.
    a.handle_fault(&mut pt, va, Access::Read).unwrap();
    assert_eq!(pt.read(va + 5), b'w');
    // write() after the page is mapped: visible through it (same page, no copy).
    f.write_byte(6, b'x');
    assert_eq!(pt.read(va + 6), b'x');
    // A store through the mapping: visible to read().
    a.handle_fault(&mut pt, va + 4096 + 9, Access::Write)
        .unwrap();
    pt.write(va + 4096 + 9, b's');
    assert_eq!(f.read_byte(4096 + 9), b's');
    // Shared pages are resident but the page table took no frame of its own.
    assert_eq!(a.stats().resident_pages, 2);
    // A second mapping of the file sees the same bytes.
    let vb = map(&mut a, &mut pt, &f, 8192, PROT_READ);
    a.handle_fault(&mut pt, vb + 4096, Access::Read).unwrap();
    assert_eq!(pt.read(vb + 4096 + 9), b's');
}

#[test]
fn munmap_mremap_and_mprotect_keep_the_file_pages() {
    let (mut a, mut pt) = (AddressSpace::new(), FakePt::default());
    let f = PageFile::new(3 * 4096, true);
    let va = map(&mut a, &mut pt, &f, 3 * 4096, RW);
    a.populate(&mut pt, va, 3 * 4096, Access::Write).unwrap();
    pt.write(va + 4096, 1);
    let page = f.page(1);
    assert_eq!(Arc::strong_count(&page), 3, "file, page table, this test");
    // PROT_NONE keeps the page; back to RW shows the same bytes.
    a.mprotect(&mut pt, va, 3 * 4096, PROT_NONE).unwrap();
    assert_eq!(
        a.handle_fault(&mut pt, va + 4096, Access::Read),
        Err(Fault::AccErr)
    );
    a.mprotect(&mut pt, va, 3 * 4096, RW).unwrap();
    assert_eq!(pt.read(va + 4096), 1);
    // mremap moves the page table's reference along.
    let vb = a
        .mremap(&mut pt, va, 3 * 4096, 4 * 4096, MREMAP_MAYMOVE, 0)
        .unwrap();
    assert_eq!(pt.read(vb + 4096), 1);
    f.write_byte(4096, 2);
    assert_eq!(pt.read(vb + 4096), 2);
    // The grown tail lies past the end of the file: SIGBUS.
    assert_eq!(
        a.handle_fault(&mut pt, vb + 3 * 4096, Access::Read),
        Err(Fault::Bus)
    );
    // munmap drops the page table's reference; the file keeps its page and bytes.
    a.munmap(&mut pt, vb, 4 * 4096).unwrap();
    assert_eq!(Arc::strong_count(&page), 2);
    assert_eq!(f.read_byte(4096), 2);
    assert_eq!(a.stats().resident_pages, 0);
}

#[test]
fn truncation_unmaps_pages_past_the_end() {
    let (mut a, mut pt) = (AddressSpace::new(), FakePt::default());
    let f = PageFile::new(4 * 4096, true);
    let va = map(&mut a, &mut pt, &f, 4 * 4096, RW);
    a.populate(&mut pt, va, 4 * 4096, Access::Write).unwrap();
    let other = PageFile::with_ino(4096, true, 8);
    let vo = map(&mut a, &mut pt, &other, 4096, RW);
    a.populate(&mut pt, vo, 4096, Access::Write).unwrap();

    f.shrink(4096 + 10);
    a.file_truncated(&mut pt, |id| id.ino == 7 && id.dev_minor == 0x10, 4096 + 10);
    // The page holding the new end stays; the two after it are gone and now SIGBUS.
    assert!(pt.is_mapped(va + 4096));
    assert!(!pt.is_mapped(va + 2 * 4096) && !pt.is_mapped(va + 3 * 4096));
    assert_eq!(
        a.handle_fault(&mut pt, va + 2 * 4096, Access::Write),
        Err(Fault::Bus)
    );
    // Other files' mappings and private mappings are left alone.
    let file: Arc<dyn MappedFile> = f.clone();
    let vp = a
        .mmap(&mut pt, 0, 4096, RW, MAP_PRIVATE, Backing::file(file, 0))
        .unwrap();
    a.handle_fault(&mut pt, vp, Access::Write).unwrap();
    a.file_truncated(&mut pt, |id| id.ino == 7, 0);
    assert!(pt.is_mapped(vp));
    assert!(!pt.is_mapped(va) && !pt.is_mapped(va + 4096));
    assert!(pt.is_mapped(vo));
    assert_eq!(a.stats().resident_pages, 2);
}

#[test]
fn write_access_needs_a_file_opened_for_writing() {
    let (mut a, mut pt) = (AddressSpace::new(), FakePt::default());
    let ro = PageFile::new(4096, false);
    let file: Arc<dyn MappedFile> = ro.clone();
    assert_eq!(
        a.mmap(
            &mut pt,
            0,
            4096,
            RW,
            MAP_SHARED,
            Backing::file(file.clone(), 0)
        ),
        Err(Errno::EACCES)
    );
    // Read-only shared works, maps the file's page, and cannot be made writable.
    let va = map(&mut a, &mut pt, &ro, 4096, PROT_READ);
    ro.write_byte(0, 9);
    a.handle_fault(&mut pt, va, Access::Read).unwrap();
    assert_eq!(pt.read(va), 9);
    assert_eq!(a.mprotect(&mut pt, va, 4096, RW), Err(Errno::EACCES));
    // Private mappings of it may be written (copies).
    let vp = a
        .mmap(&mut pt, 0, 4096, RW, MAP_PRIVATE, Backing::file(file, 0))
        .unwrap();
    a.handle_fault(&mut pt, vp, Access::Write).unwrap();
    pt.write(vp, 1);
    assert_eq!(ro.read_byte(0), 9);
    // A writable file: mprotect to RW is fine, and MAP_POPULATE maps writable.
    let rw = PageFile::new(4096, true);
    let vw = map(&mut a, &mut pt, &rw, 4096, PROT_READ);
    a.mprotect(&mut pt, vw, 4096, RW).unwrap();
    let file: Arc<dyn MappedFile> = rw.clone();
    let vq = a
        .mmap(
            &mut pt,
            0,
            4096,
            RW,
            MAP_SHARED | MAP_POPULATE,
            Backing::file(file, 0),
        )
        .unwrap();
    assert_eq!(pt.perm(vq), Some(Perm::READ | Perm::WRITE));
}

#[test]
fn madvise_on_shared_file_mappings() {
    let (mut a, mut pt) = (AddressSpace::new(), FakePt::default());
    let f = PageFile::new(4096, true);
    let va = map(&mut a, &mut pt, &f, 4096, RW);
    a.handle_fault(&mut pt, va, Access::Write).unwrap();
    pt.write(va, 3);
    // DONTNEED: the bytes are the file's and stay.
    a.madvise(&mut pt, va, 4096, MADV_DONTNEED).unwrap();
    a.handle_fault(&mut pt, va, Access::Read).unwrap();
    assert_eq!(pt.read(va), 3);
    // REMOVE would punch a hole: not supported by the file system.
    assert_eq!(
        a.madvise(&mut pt, va, 4096, MADV_REMOVE),
        Err(Errno::EOPNOTSUPP)
    );
}

#[test]
fn msync_checks_like_linux() {
    let (mut a, mut pt) = (AddressSpace::new(), FakePt::default());
    let f = PageFile::new(8192, true);
    let va = map(&mut a, &mut pt, &f, 8192, RW);
    use osprey_abi::mman::{MS_ASYNC, MS_INVALIDATE, MS_SYNC};
    assert_eq!(a.msync(va, 8192, MS_SYNC), Ok(()));
    assert_eq!(a.msync(va, 100, MS_ASYNC | MS_INVALIDATE), Ok(()));
    assert_eq!(a.msync(va, 0, MS_SYNC), Ok(()));
    assert_eq!(a.msync(va + 1, 8192, MS_SYNC), Err(Errno::EINVAL));
    assert_eq!(a.msync(va, 8192, MS_SYNC | MS_ASYNC), Err(Errno::EINVAL));
    assert_eq!(a.msync(va, 8192, 8), Err(Errno::EINVAL));
    assert_eq!(a.msync(va, 3 * 4096, MS_SYNC), Err(Errno::ENOMEM));
    // A length that wraps while rounding up is an empty range on Linux.
    assert_eq!(a.msync(va, u64::MAX, MS_SYNC), Ok(()));
    assert_eq!(a.msync(va, u64::MAX - 8192, MS_SYNC), Err(Errno::ENOMEM));
    // Permissions do not matter.
    a.mprotect(&mut pt, va, 8192, PROT_NONE).unwrap();
    assert_eq!(a.msync(va, 8192, MS_SYNC), Ok(()));
}
