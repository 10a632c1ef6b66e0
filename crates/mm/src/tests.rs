//! Host tests of the Linux memory semantics over the fake page table.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use osprey_abi::Errno;

use crate::fake::FakePt;
use crate::flags::*;
use crate::*;

const GIB: u64 = 1 << 30;
const RW: u32 = PROT_READ | PROT_WRITE;
const ANON: u32 = MAP_PRIVATE | MAP_ANONYMOUS;

fn setup() -> (AddressSpace, FakePt) {
    (AddressSpace::new(), FakePt::default())
}

fn anon(a: &mut AddressSpace, pt: &mut FakePt, addr: u64, len: u64, prot: u32, flags: u32) -> u64 {
    a.mmap(pt, addr, len, prot, flags, Backing::Anonymous)
        .unwrap()
}

fn touch(a: &mut AddressSpace, pt: &mut FakePt, va: u64, b: u8) {
    a.handle_fault(pt, va, Access::Write).unwrap();
    pt.write(va, b);
}

struct MemFile {
    data: Vec<u8>,
    /// Opened for writing (a shared writable mapping is then refused with ENODEV, not EACCES:
    /// this file cannot share its pages).
    rw: bool,
}

impl MappedFile for MemFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let off = offset.min(self.data.len() as u64) as usize;
        // Return short reads on purpose: the fault path must loop.
        let n = buf.len().min(self.data.len() - off).min(1000);
        buf[..n].copy_from_slice(&self.data[off..off + n]);
        Ok(n)
    }
    fn id(&self) -> FileId {
        FileId {
            dev_major: 0xfe,
            dev_minor: 0,
            ino: 247030,
            path: String::from("/usr/bin/cat"),
        }
    }
    fn opened_for_write(&self) -> bool {
        self.rw
    }
}

fn mem_file(len: usize) -> Arc<dyn MappedFile> {
    Arc::new(MemFile {
        data: (0..len).map(|i| (i / 4096) as u8 + 1).collect(),
        rw: false,
    })
}

#[test]
fn top_down_placement_like_linux() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0, 8192, RW, ANON);
    assert_eq!(x, 0x7fff_f7ff_f000 - 8192);
    let y = anon(&mut a, &mut pt, 0, 4096, PROT_READ, ANON);
    assert_eq!(y, x - 4096);
    // A free hint is taken as is (rounded up to a page).
    let h = anon(&mut a, &mut pt, 0x1000_0001, 4096, RW, ANON);
    assert_eq!(h, 0x1000_1000);
    // An occupied hint falls back to the search.
    let z = anon(&mut a, &mut pt, h, 4096, PROT_READ, ANON);
    assert_eq!(z, y - 4096);
    // MAP_32BIT lands in [1 GiB, 2 GiB).
    let l = anon(&mut a, &mut pt, 0, 4096, RW, ANON | MAP_32BIT);
    assert_eq!(l, 0x4000_0000);
    // Nothing was mapped: demand paging.
    assert!(pt.pages.is_empty());
    assert_eq!(a.stats().resident_pages, 0);
}

#[test]
fn mmap_argument_errors() {
    let (mut a, mut pt) = setup();
    let e = |a: &mut AddressSpace, pt: &mut FakePt, addr, len, flags| {
        a.mmap(pt, addr, len, RW, flags, Backing::Anonymous)
            .unwrap_err()
    };
    assert_eq!(e(&mut a, &mut pt, 0, 0, ANON), Errno::EINVAL);
    assert_eq!(
        e(&mut a, &mut pt, 0x10_0001, 4096, ANON | MAP_FIXED),
        Errno::EINVAL
    );
    assert_eq!(e(&mut a, &mut pt, 0, 4096, MAP_ANONYMOUS), Errno::EINVAL);
    assert_eq!(
        e(&mut a, &mut pt, 0, 4096, MAP_ANONYMOUS | 0x4),
        Errno::EINVAL
    );
    assert_eq!(
        e(
            &mut a,
            &mut pt,
            0,
            4096,
            MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_SYNC
        ),
        Errno::EOPNOTSUPP
    );
    assert_eq!(e(&mut a, &mut pt, 0, u64::MAX - 10, ANON), Errno::ENOMEM);
    assert_eq!(e(&mut a, &mut pt, 0, 1 << 47, ANON), Errno::ENOMEM);
    assert_eq!(
        e(&mut a, &mut pt, 0x1000, 4096, ANON | MAP_FIXED),
        Errno::EPERM
    );
    assert_eq!(
        e(&mut a, &mut pt, 0x7fff_ffff_f000, 4096, ANON | MAP_FIXED),
        Errno::ENOMEM
    );
    assert_eq!(
        e(&mut a, &mut pt, 0, 4096, ANON | MAP_HUGETLB),
        Errno::ENOMEM
    );
    // Accepted flags.
    for f in [
        MAP_NORESERVE,
        MAP_STACK,
        MAP_GROWSDOWN,
        MAP_DENYWRITE,
        MAP_NONBLOCK,
    ] {
        a.mmap(&mut pt, 0, 4096, RW, ANON | f, Backing::Anonymous)
            .unwrap();
    }
    a.mmap(
        &mut pt,
        0,
        4096,
        RW,
        MAP_SHARED_VALIDATE | MAP_ANONYMOUS,
        Backing::Anonymous,
    )
    .unwrap();
    // FIXED_NOREPLACE.
    let x = anon(
        &mut a,
        &mut pt,
        0x20_0000,
        0x3000,
        RW,
        ANON | MAP_FIXED_NOREPLACE,
    );
    assert_eq!(x, 0x20_0000);
    assert_eq!(
        e(
            &mut a,
            &mut pt,
            0x20_2000,
            0x2000,
            ANON | MAP_FIXED_NOREPLACE
        ),
        Errno::EEXIST
    );
    assert_eq!(
        e(
            &mut a,
            &mut pt,
            0x20_2001,
            0x2000,
            ANON | MAP_FIXED_NOREPLACE
        ),
        Errno::EINVAL
    );
    // File offset must be page aligned; shared writable mappings need a file opened for
    // writing (EACCES) that can share its pages (ENODEV).
    let f = mem_file(8192);
    assert_eq!(
        a.mmap(
            &mut pt,
            0,
            4096,
            RW,
            MAP_SHARED,
            Backing::file(f.clone(), 0)
        )
        .unwrap_err(),
        Errno::EACCES
    );
    let f: Arc<dyn MappedFile> = Arc::new(MemFile {
        data: alloc::vec![1; 8192],
        rw: true,
    });
    assert_eq!(
        a.mmap(
            &mut pt,
            0,
            4096,
            PROT_READ,
            MAP_PRIVATE,
            Backing::file(f.clone(), 100)
        )
        .unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        a.mmap(
            &mut pt,
            0,
            4096,
            RW,
            MAP_SHARED,
            Backing::file(f.clone(), 0)
        )
        .unwrap_err(),
        Errno::ENODEV
    );
    let s = a
        .mmap(&mut pt, 0, 4096, PROT_READ, MAP_SHARED, Backing::file(f, 0))
        .unwrap();
    assert_eq!(a.mprotect(&mut pt, s, 4096, RW), Err(Errno::EACCES));
}

#[test]
fn huge_prot_none_reservation_then_mprotect_slice() {
    let (mut a, mut pt) = setup();
    let base = anon(
        &mut a,
        &mut pt,
        0,
        64 * GIB,
        PROT_NONE,
        ANON | MAP_NORESERVE,
    );
    assert_eq!(a.stats().mapped_bytes, 64 * GIB);
    assert_eq!(
        a.handle_fault(&mut pt, base + GIB, Access::Read),
        Err(Fault::AccErr)
    );
    let slice = base + 3 * GIB;
    a.mprotect(&mut pt, slice, 16 << 20, RW).unwrap();
    assert_eq!(a.vmas().count(), 3);
    touch(&mut a, &mut pt, slice + 5000, 0xaa);
    touch(&mut a, &mut pt, slice + (16 << 20) - 1, 0xbb);
    assert_eq!(pt.read(slice + 5000), 0xaa);
    assert_eq!(pt.read(slice + 4096), 0, "fresh pages are zero");
    assert_eq!(pt.perm(slice + 5000), Some(Perm::READ | Perm::WRITE));
    assert_eq!(a.stats().resident_pages, 2);
    assert_eq!(
        a.handle_fault(&mut pt, slice + (16 << 20), Access::Read),
        Err(Fault::AccErr)
    );
    // Back to PROT_NONE: pages keep their data but become inaccessible.
    a.mprotect(&mut pt, slice, 4096 * 2, PROT_NONE).unwrap();
    assert_eq!(pt.perm(slice + 5000), Some(Perm::empty()));
    assert_eq!(
        a.handle_fault(&mut pt, slice + 5000, Access::Read),
        Err(Fault::AccErr)
    );
    a.mprotect(&mut pt, slice, 4096 * 2, PROT_READ).unwrap();
    assert_eq!(pt.read(slice + 5000), 0xaa);
    // Merging back: the whole reservation to RW is one VMA again.
    a.mprotect(&mut pt, base, 64 * GIB, RW).unwrap();
    assert_eq!(a.vmas().count(), 1);
    assert_eq!(pt.perm(slice + 5000), Some(Perm::READ | Perm::WRITE));
    // Unmapping all of it is cheap for the page table: one range call.
    let calls = pt.calls;
    a.munmap(&mut pt, base, 64 * GIB).unwrap();
    assert_eq!(pt.calls - calls, 1);
    assert!(pt.pages.is_empty());
    assert_eq!(a.stats(), MemStats::default());
}

#[test]
fn mprotect_errors() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0x100_0000, 0x4000, RW, ANON | MAP_FIXED);
    assert_eq!(
        a.mprotect(&mut pt, x + 1, 4096, PROT_READ),
        Err(Errno::EINVAL)
    );
    assert_eq!(a.mprotect(&mut pt, x, 4096, 0x40), Err(Errno::EINVAL));
    assert_eq!(
        a.mprotect(&mut pt, x, 0x5000, PROT_READ),
        Err(Errno::ENOMEM)
    );
    assert_eq!(
        a.mprotect(&mut pt, x - 0x1000, 0x2000, PROT_READ),
        Err(Errno::ENOMEM)
    );
    assert_eq!(a.mprotect(&mut pt, x, 0, PROT_READ), Ok(()));
    // Nothing changed by the failures.
    assert_eq!(a.vmas().count(), 1);
    a.mprotect(&mut pt, x + 0x1000, 0x1000, PROT_READ).unwrap();
    let perms: Vec<Perm> = a.vmas().map(|v| v.perm).collect();
    assert_eq!(
        perms,
        [
            Perm::READ | Perm::WRITE,
            Perm::READ,
            Perm::READ | Perm::WRITE
        ]
    );
}

#[test]
fn map_fixed_over_the_middle_splits_in_three() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0, 10 * 4096, RW, ANON);
    for i in 0..10 {
        touch(&mut a, &mut pt, x + i * 4096, i as u8 + 1);
    }
    let mid = anon(
        &mut a,
        &mut pt,
        x + 3 * 4096,
        4 * 4096,
        PROT_READ,
        ANON | MAP_FIXED,
    );
    assert_eq!(mid, x + 3 * 4096);
    let v: Vec<(u64, u64, Perm)> = a.vmas().map(|v| (v.start, v.end, v.perm)).collect();
    assert_eq!(
        v,
        [
            (x, x + 3 * 4096, Perm::READ | Perm::WRITE),
            (x + 3 * 4096, x + 7 * 4096, Perm::READ),
            (x + 7 * 4096, x + 10 * 4096, Perm::READ | Perm::WRITE),
        ]
    );
    // Old pages outside the hole keep their data; the replaced ones are fresh zero pages.
    assert_eq!(pt.read(x + 2 * 4096), 3);
    assert_eq!(pt.read(x + 7 * 4096), 8);
    assert!(!pt.is_mapped(x + 3 * 4096));
    a.handle_fault(&mut pt, x + 4 * 4096, Access::Read).unwrap();
    assert_eq!(pt.read(x + 4 * 4096), 0);
    assert_eq!(a.stats().resident_pages, 7);
    assert_eq!(a.stats().mapped_bytes, 10 * 4096);
    // Writing to the read-only middle is an access error.
    assert_eq!(
        a.handle_fault(&mut pt, x + 4 * 4096, Access::Write),
        Err(Fault::AccErr)
    );
}

#[test]
fn adjacent_anonymous_mappings_merge() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0, 4096, RW, ANON);
    let y = anon(&mut a, &mut pt, 0, 4096, RW, ANON);
    assert_eq!(y + 4096, x);
    assert_eq!(a.vmas().count(), 1);
    // Different protection does not merge; the name does not either.
    anon(&mut a, &mut pt, 0, 4096, PROT_READ, ANON);
    assert_eq!(a.vmas().count(), 2);
    a.set_anon_name(y, 4096, Some("buf")).unwrap();
    assert_eq!(a.vmas().count(), 3);
    assert!(a.maps_text().contains("[anon:buf]"));
    a.set_anon_name(y, 4096, None).unwrap();
    assert_eq!(a.vmas().count(), 2);
}

#[test]
fn munmap_then_fault_is_maperr() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0, 3 * 4096, RW, ANON);
    touch(&mut a, &mut pt, x + 4096, 7);
    assert_eq!(a.munmap(&mut pt, x + 1, 4096), Err(Errno::EINVAL));
    assert_eq!(a.munmap(&mut pt, x, 0), Err(Errno::EINVAL));
    a.munmap(&mut pt, x + 4096, 1).unwrap(); // length rounds up to a page
    assert_eq!(
        a.handle_fault(&mut pt, x + 4096, Access::Read),
        Err(Fault::MapErr)
    );
    assert_eq!(a.handle_fault(&mut pt, x + 100, Access::Read), Ok(()));
    assert_eq!(a.vmas().count(), 2);
    assert_eq!(a.stats().resident_pages, 1);
    // Unmapping holes is fine.
    a.munmap(&mut pt, 0x10_0000, 1 << 30).unwrap();
    assert_eq!(
        a.handle_fault(&mut pt, 0x20, Access::Read),
        Err(Fault::MapErr)
    );
}

#[test]
fn access_errors() {
    let (mut a, mut pt) = setup();
    let ro = anon(&mut a, &mut pt, 0, 4096, PROT_READ, ANON);
    assert_eq!(
        a.handle_fault(&mut pt, ro, Access::Write),
        Err(Fault::AccErr)
    );
    assert_eq!(
        a.handle_fault(&mut pt, ro, Access::Exec),
        Err(Fault::AccErr)
    );
    assert_eq!(a.handle_fault(&mut pt, ro, Access::Read), Ok(()));
    // Already mapped and still not writable.
    assert_eq!(
        a.handle_fault(&mut pt, ro, Access::Write),
        Err(Fault::AccErr)
    );
    let rx = anon(&mut a, &mut pt, 0, 4096, PROT_READ | PROT_EXEC, ANON);
    assert_eq!(a.handle_fault(&mut pt, rx, Access::Exec), Ok(()));
    let guard = anon(&mut a, &mut pt, 0, 4096, PROT_NONE, ANON);
    assert_eq!(
        a.handle_fault(&mut pt, guard, Access::Read),
        Err(Fault::AccErr)
    );
    assert_eq!(Fault::AccErr.signo(), SIGSEGV);
    assert_eq!(Fault::AccErr.si_code(), SEGV_ACCERR);
    assert_eq!(Fault::MapErr.si_code(), SEGV_MAPERR);
    // Out of frames.
    let x = anon(&mut a, &mut pt, 0, 4096, RW, ANON);
    pt.frames_left = Some(0);
    assert_eq!(
        a.handle_fault(&mut pt, x, Access::Write),
        Err(Fault::OutOfMemory)
    );
}

#[test]
fn check_access_for_syscalls() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0x100_0000, 0x2000, RW, ANON | MAP_FIXED);
    anon(
        &mut a,
        &mut pt,
        0x100_2000,
        0x1000,
        PROT_READ,
        ANON | MAP_FIXED,
    );
    assert_eq!(a.check_access(x, 0x3000, false), Ok(()));
    assert_eq!(a.check_access(x, 0x3000, true), Err(Errno::EFAULT));
    assert_eq!(a.check_access(x + 10, 0x1ff0, true), Ok(()));
    assert_eq!(a.check_access(x, 0x3001, false), Err(Errno::EFAULT));
    assert_eq!(a.check_access(x - 1, 2, false), Err(Errno::EFAULT));
    assert_eq!(a.check_access(0, 0, true), Ok(()));
    assert_eq!(a.check_access(u64::MAX - 1, 10, false), Err(Errno::EFAULT));
    a.populate(&mut pt, x + 10, 0x1ff0, Access::Write).unwrap();
    assert_eq!(a.stats().resident_pages, 2);
    assert_eq!(
        a.populate(&mut pt, x, 0x3000, Access::Write),
        Err(Errno::EFAULT)
    );
}

#[test]
fn mremap_grow_with_move_keeps_data() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0x100_0000, 2 * 4096, RW, ANON | MAP_FIXED);
    touch(&mut a, &mut pt, x, 11);
    touch(&mut a, &mut pt, x + 4096 + 5, 22);
    // Block growth in place.
    anon(
        &mut a,
        &mut pt,
        x + 2 * 4096,
        4096,
        PROT_READ,
        ANON | MAP_FIXED,
    );
    assert_eq!(
        a.mremap(&mut pt, x, 8192, 4 * 4096, 0, 0),
        Err(Errno::ENOMEM)
    );
    let calls = pt.calls;
    let y = a
        .mremap(&mut pt, x, 8192, 4 * 4096, MREMAP_MAYMOVE, 0)
        .unwrap();
    assert_ne!(y, x);
    assert_eq!(pt.calls - calls, 1, "one move_range, no copying");
    assert_eq!(pt.read(y), 11);
    assert_eq!(pt.read(y + 4096 + 5), 22);
    assert_eq!(a.handle_fault(&mut pt, x, Access::Read), Err(Fault::MapErr));
    touch(&mut a, &mut pt, y + 3 * 4096, 33);
    assert_eq!(a.find(y).unwrap().end, y + 4 * 4096);
    assert_eq!(a.stats().resident_pages, 3);
    assert_eq!(a.stats().mapped_bytes, 5 * 4096);
}

#[test]
fn mremap_in_place_shrink_fixed_and_errors() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0x100_0000, 2 * 4096, RW, ANON | MAP_FIXED);
    touch(&mut a, &mut pt, x + 4096, 5);
    // Grow in place.
    assert_eq!(a.mremap(&mut pt, x, 8192, 8 * 4096, 0, 0), Ok(x));
    assert_eq!(a.find(x).unwrap().end, x + 8 * 4096);
    assert_eq!(pt.read(x + 4096), 5);
    // Shrink.
    assert_eq!(a.mremap(&mut pt, x, 8 * 4096, 4096, 0, 0), Ok(x));
    assert!(!pt.is_mapped(x + 4096));
    assert_eq!(
        a.handle_fault(&mut pt, x + 4096, Access::Read),
        Err(Fault::MapErr)
    );
    touch(&mut a, &mut pt, x, 9);
    // FIXED move onto an existing mapping replaces it.
    let dst = anon(
        &mut a,
        &mut pt,
        0x200_0000,
        4 * 4096,
        PROT_READ,
        ANON | MAP_FIXED,
    );
    let r = a
        .mremap(
            &mut pt,
            x,
            4096,
            2 * 4096,
            MREMAP_MAYMOVE | MREMAP_FIXED,
            dst + 4096,
        )
        .unwrap();
    assert_eq!(r, dst + 4096);
    assert_eq!(pt.read(dst + 4096), 9);
    assert_eq!(a.find(dst).unwrap().perm, Perm::READ);
    assert_eq!(a.find(dst + 4096).unwrap().perm, Perm::READ | Perm::WRITE);
    assert_eq!(a.find(dst + 3 * 4096).unwrap().perm, Perm::READ);
    // Errors.
    let m = |a: &mut AddressSpace, pt: &mut FakePt, o, ol, nl, f, n| a.mremap(pt, o, ol, nl, f, n);
    assert_eq!(
        m(&mut a, &mut pt, dst, 4096, 4096, 8, 0),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        m(&mut a, &mut pt, dst, 4096, 4096, MREMAP_FIXED, 0x300_0000),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        m(&mut a, &mut pt, dst + 1, 4096, 4096, 0, 0),
        Err(Errno::EINVAL)
    );
    assert_eq!(m(&mut a, &mut pt, dst, 4096, 0, 0, 0), Err(Errno::EINVAL));
    assert_eq!(
        m(&mut a, &mut pt, 0x5000_0000, 4096, 8192, MREMAP_MAYMOVE, 0),
        Err(Errno::EFAULT)
    );
    // Spanning two VMAs.
    assert_eq!(
        m(&mut a, &mut pt, dst, 2 * 4096, 4096, 0, 0),
        Err(Errno::EFAULT)
    );
    // Overlapping fixed ranges.
    assert_eq!(
        m(
            &mut a,
            &mut pt,
            dst,
            4096,
            4096,
            MREMAP_MAYMOVE | MREMAP_FIXED,
            dst
        ),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        m(
            &mut a,
            &mut pt,
            dst,
            4096,
            8192,
            MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
            0
        ),
        Err(Errno::EINVAL)
    );
}

#[test]
fn mremap_dontunmap_leaves_empty_source() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0x100_0000, 4096, RW, ANON | MAP_FIXED);
    touch(&mut a, &mut pt, x, 42);
    let y = a
        .mremap(&mut pt, x, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0)
        .unwrap();
    assert_ne!(x, y);
    assert_eq!(pt.read(y), 42);
    a.handle_fault(&mut pt, x, Access::Read).unwrap();
    assert_eq!(pt.read(x), 0);
}

#[test]
fn brk_grow_and_shrink() {
    let (mut a, mut pt) = setup();
    // An ELF whose bss ends at 0x4c_5123.
    a.mmap(
        &mut pt,
        0x40_0000,
        0xc6000,
        RW,
        ANON | MAP_FIXED,
        Backing::Anonymous,
    )
    .unwrap();
    a.init_brk(0x4c_5123);
    let start = 0x4c_6000;
    assert_eq!(a.brk(&mut pt, 0), start);
    assert_eq!(a.brk(&mut pt, start + 0x21000), start + 0x21000);
    assert!(a
        .maps_text()
        .contains("004c6000-004e7000 rw-p 00000000 00:00 0"));
    touch(&mut a, &mut pt, start + 0x20fff, 1);
    // Growth within the same page and unaligned breaks.
    assert_eq!(a.brk(&mut pt, start + 0x21010), start + 0x21010);
    assert_eq!(a.brk(&mut pt, start + 0x30000), start + 0x30000);
    assert_eq!(
        a.vmas()
            .filter(|v| v.name.as_deref() == Some("[heap]"))
            .count(),
        1
    );
    assert_eq!(a.stats().heap_bytes, 0x30000);
    // Shrink: pages above the new break disappear.
    assert_eq!(a.brk(&mut pt, start + 0x1000), start + 0x1000);
    assert_eq!(
        a.handle_fault(&mut pt, start + 0x20fff, Access::Read),
        Err(Fault::MapErr)
    );
    assert_eq!(a.stats().resident_pages, 0);
    // Never below the initial break.
    assert_eq!(a.brk(&mut pt, start - 1), start + 0x1000);
    assert_eq!(a.brk(&mut pt, start), start);
    assert_eq!(a.vmas().count(), 1, "heap VMA gone at the initial break");
    // Refuses to grow into another mapping, or without a free page before it (Linux's
    // `newbrk + PAGE_SIZE > vm_start_gap(next)` check).
    anon(&mut a, &mut pt, start + 0x10000, 4096, RW, ANON | MAP_FIXED);
    assert_eq!(a.brk(&mut pt, start + 0x10000), start);
    assert_eq!(a.brk(&mut pt, start + 0xf001), start);
    assert_eq!(a.brk(&mut pt, start + 0xf000), start + 0xf000);
    assert_eq!(a.brk(&mut pt, u64::MAX), start + 0xf000);
}

#[test]
fn madvise_semantics() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0x100_0000, 4 * 4096, RW, ANON | MAP_FIXED);
    for i in 0..4 {
        touch(&mut a, &mut pt, x + i * 4096, 9);
    }
    a.madvise(&mut pt, x, 2 * 4096, MADV_DONTNEED).unwrap();
    a.handle_fault(&mut pt, x, Access::Read).unwrap();
    assert_eq!(pt.read(x), 0, "DONTNEED really zeroes");
    assert_eq!(pt.read(x + 2 * 4096), 9);
    a.madvise(&mut pt, x + 2 * 4096, 4096, MADV_FREE).unwrap();
    assert!(!pt.is_mapped(x + 2 * 4096));
    for adv in [
        MADV_NORMAL,
        MADV_RANDOM,
        MADV_SEQUENTIAL,
        MADV_WILLNEED,
        MADV_HUGEPAGE,
        MADV_NOHUGEPAGE,
        MADV_DONTFORK,
        MADV_DOFORK,
        MADV_MERGEABLE,
    ] {
        a.madvise(&mut pt, x, 4 * 4096, adv).unwrap();
    }
    assert_eq!(pt.read(x + 3 * 4096), 9);
    assert_eq!(a.madvise(&mut pt, x, 4096, 77), Err(Errno::EINVAL));
    assert_eq!(
        a.madvise(&mut pt, x + 1, 4096, MADV_NORMAL),
        Err(Errno::EINVAL)
    );
    assert_eq!(a.madvise(&mut pt, x, 0, MADV_DONTNEED), Ok(()));
    // Holes: applied to the mapped part, then ENOMEM.
    assert_eq!(
        a.madvise(&mut pt, x + 3 * 4096, 2 * 4096, MADV_DONTNEED),
        Err(Errno::ENOMEM)
    );
    assert!(!pt.is_mapped(x + 3 * 4096));
    // FREE needs private anonymous memory; shared anonymous keeps data under DONTNEED.
    let s = anon(&mut a, &mut pt, 0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS);
    touch(&mut a, &mut pt, s, 3);
    assert_eq!(a.madvise(&mut pt, s, 4096, MADV_FREE), Err(Errno::EINVAL));
    a.madvise(&mut pt, s, 4096, MADV_DONTNEED).unwrap();
    assert_eq!(pt.read(s), 3);
    a.madvise(&mut pt, s, 4096, MADV_REMOVE).unwrap();
    assert!(!pt.is_mapped(s));
    a.madvise(&mut pt, x, 4 * 4096, MADV_POPULATE_WRITE)
        .unwrap();
    assert!((0..4).all(|i| pt.is_mapped(x + i * 4096)));
}

#[test]
fn file_backed_private_mapping() {
    let (mut a, mut pt) = setup();
    // 2.5 pages of file: page i holds bytes i+1.
    let f = mem_file(2 * 4096 + 2048);
    let x = a
        .mmap(
            &mut pt,
            0,
            4 * 4096,
            PROT_READ | PROT_WRITE,
            MAP_PRIVATE,
            Backing::file(f.clone(), 4096),
        )
        .unwrap();
    // File page 1 at x, page 2 (half) at x + 4096, beyond EOF after that.
    a.handle_fault(&mut pt, x + 10, Access::Read).unwrap();
    assert_eq!(pt.read(x + 10), 2);
    a.handle_fault(&mut pt, x + 4096, Access::Write).unwrap();
    assert_eq!(pt.read(x + 4096 + 2047), 3);
    assert_eq!(
        pt.read(x + 4096 + 2048),
        0,
        "past EOF within the last page reads zero"
    );
    assert_eq!(
        a.handle_fault(&mut pt, x + 2 * 4096, Access::Read),
        Err(Fault::Bus)
    );
    assert_eq!(Fault::Bus.signo(), SIGBUS);
    // DONTNEED on a private file mapping re-reads the file.
    pt.write(x + 10, 99);
    a.madvise(&mut pt, x, 4096, MADV_DONTNEED).unwrap();
    a.handle_fault(&mut pt, x + 10, Access::Read).unwrap();
    assert_eq!(pt.read(x + 10), 2);
    // Splitting keeps offsets right.
    a.mprotect(&mut pt, x + 4096, 4096, PROT_READ).unwrap();
    assert_eq!(
        a.find(x + 4096).unwrap().file_offset_of(x + 4096),
        Some(8192)
    );

    // An ELF-style segment: file bytes stop at `zero_from`, the rest of the page is zero.
    let y = a
        .mmap(
            &mut pt,
            0,
            4096,
            PROT_READ,
            MAP_PRIVATE,
            Backing::file_zero_from(f, 0, 100),
        )
        .unwrap();
    a.handle_fault(&mut pt, y, Access::Read).unwrap();
    assert_eq!(pt.read(y + 99), 1);
    assert_eq!(pt.read(y + 100), 0);
}

#[test]
fn fill_and_special_mappings() {
    let (mut a, mut pt) = setup();
    // The loader's copy path: anonymous read-only text, filled without a writable window.
    anon(
        &mut a,
        &mut pt,
        0x40_0000,
        0x3000,
        PROT_READ | PROT_EXEC,
        ANON | MAP_FIXED,
    );
    let data: Vec<u8> = (0..0x1800).map(|i| i as u8).collect();
    a.fill(&mut pt, 0x40_0000, &data).unwrap();
    assert_eq!(pt.read(0x40_17ff), 0xff);
    assert_eq!(pt.read(0x40_1800), 0);
    assert_eq!(pt.perm(0x40_1000), Some(Perm::READ | Perm::EXEC));
    assert_eq!(a.fill(&mut pt, 0x40_2000, &[0; 0x2000]), Err(Errno::EFAULT));
    a.map_special(
        &mut pt,
        0x7fff_f7fc_1000,
        0x2000,
        Perm::READ | Perm::EXEC,
        "[vdso]",
        b"\x7fELF",
    )
    .unwrap();
    assert_eq!(pt.read(0x7fff_f7fc_1001), b'E');
    assert_eq!(
        a.mremap(&mut pt, 0x7fff_f7fc_1000, 0x2000, 0x3000, MREMAP_MAYMOVE, 0),
        Err(Errno::EFAULT)
    );
    // Two filled text pages, one vDSO page with contents (the second faults in zeroed).
    assert_eq!(a.stats().resident_pages, 3);
}

#[test]
fn maps_text_matches_linux_format() {
    let (mut a, mut pt) = setup();
    let f = mem_file(0x20000);
    a.mmap(
        &mut pt,
        0x5639_348e_1000,
        0x2000,
        PROT_READ,
        MAP_PRIVATE | MAP_FIXED,
        Backing::file(f.clone(), 0),
    )
    .unwrap();
    a.mmap(
        &mut pt,
        0x5639_348e_3000,
        0x5000,
        PROT_READ | PROT_EXEC,
        MAP_PRIVATE | MAP_FIXED,
        Backing::file(f, 0x2000),
    )
    .unwrap();
    a.init_brk(0x5639_51cb_d000);
    a.brk(&mut pt, 0x5639_51cd_e000);
    anon(
        &mut a,
        &mut pt,
        0x7fe4_0ebf_b000,
        0x22000,
        RW,
        ANON | MAP_FIXED,
    );
    a.map_stack(&mut pt, 0x7fff_ffff_f000, 0x21000).unwrap();
    anon(
        &mut a,
        &mut pt,
        0x40_0000,
        0x1000,
        RW,
        MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
    );
    let text = a.maps_text();
    let expected = "\
00400000-00401000 rw-s 00000000 00:01 0                                  /dev/zero (deleted)
5639348e1000-5639348e3000 r--p 00000000 fe:00 247030                     /usr/bin/cat
5639348e3000-5639348e8000 r-xp 00002000 fe:00 247030                     /usr/bin/cat
563951cbd000-563951cde000 rw-p 00000000 00:00 0                          [heap]
7fe40ebfb000-7fe40ec1d000 rw-p 00000000 00:00 0 
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
";
    assert_eq!(text, expected);
}

#[test]
fn vma_count_limit() {
    let (mut a, mut pt) = setup();
    a.set_max_map_count(10);
    for i in 0..10u64 {
        let prot = if i % 2 == 0 { RW } else { PROT_READ };
        a.mmap(&mut pt, 0, 4096, prot, ANON, Backing::Anonymous)
            .unwrap();
    }
    assert_eq!(a.vmas().count(), 10);
    assert_eq!(
        a.mmap(&mut pt, 0x100_0000, 4096, RW, ANON, Backing::Anonymous),
        Err(Errno::ENOMEM)
    );
    // Something that merges with a neighbour is still fine.
    let low = a.vmas().next().unwrap().clone();
    let p = if low.perm.contains(Perm::WRITE) {
        RW
    } else {
        PROT_READ
    };
    a.mmap(
        &mut pt,
        low.start - 4096,
        4096,
        p,
        ANON | MAP_FIXED,
        Backing::Anonymous,
    )
    .unwrap();
    assert_eq!(a.vmas().count(), 10);
    // Punching a hole (a split) is refused; trimming an end is not.
    let big = a.vmas().next().unwrap().clone();
    assert_eq!(big.len(), 0x2000);
    a.munmap(&mut pt, big.start, 4096).unwrap();
    assert_eq!(a.vmas().count(), 10);
    let second = a.vmas().nth(1).unwrap().clone();
    a.munmap(&mut pt, second.start, second.len()).unwrap();
    let v = anon(&mut a, &mut pt, 0x100_0000, 0x3000, RW, ANON | MAP_FIXED);
    assert_eq!(a.munmap(&mut pt, v + 4096, 4096), Err(Errno::ENOMEM));
    assert_eq!(
        a.mprotect(&mut pt, v + 4096, 4096, PROT_READ),
        Err(Errno::ENOMEM)
    );
}

#[test]
fn populate_flag_prefaults() {
    let (mut a, mut pt) = setup();
    let x = anon(&mut a, &mut pt, 0, 8 * 4096, RW, ANON | MAP_POPULATE);
    assert_eq!(pt.pages.len(), 8);
    assert_eq!(a.stats().resident_pages, 8);
    a.munmap(&mut pt, x, 8 * 4096).unwrap();
    assert_eq!(a.stats().resident_pages, 0);
    // PROT_NONE is never populated.
    anon(&mut a, &mut pt, 0, 8 * 4096, PROT_NONE, ANON | MAP_POPULATE);
    assert!(pt.pages.is_empty());
}

/// Random operations against a simple page-by-page model: VMAs must agree with it and the
/// accounting must stay exact.
#[test]
fn random_operations_match_model() {
    use alloc::collections::BTreeMap;
    let (mut a, mut pt) = setup();
    let base = 0x1000_0000u64;
    let pages = 64u64;
    let mut model: BTreeMap<u64, u32> = BTreeMap::new(); // page -> prot
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for _ in 0..4000 {
        let s = rnd(pages);
        let l = rnd(8) + 1;
        let (start, len) = (base + s * 4096, l * 4096);
        let prot = [PROT_NONE, PROT_READ, RW][rnd(3) as usize];
        match rnd(5) {
            0 => {
                anon(&mut a, &mut pt, start, len, prot, ANON | MAP_FIXED);
                for p in s..s + l {
                    model.insert(p, prot);
                }
            }
            1 => {
                a.munmap(&mut pt, start, len).unwrap();
                for p in s..s + l {
                    model.remove(&p);
                }
            }
            2 => {
                let all = (s..s + l).all(|p| model.contains_key(&p));
                let r = a.mprotect(&mut pt, start, len, prot);
                assert_eq!(r.is_ok(), all);
                if all {
                    for p in s..s + l {
                        model.insert(p, prot);
                    }
                }
            }
            3 => {
                let va = start + rnd(4096);
                let r = a.handle_fault(&mut pt, va, Access::Write);
                let expect = match model.get(&s) {
                    None => Err(Fault::MapErr),
                    Some(&p) if p & PROT_WRITE == 0 => Err(Fault::AccErr),
                    _ => Ok(()),
                };
                assert_eq!(r, expect);
            }
            _ => {
                let _ = a.madvise(&mut pt, start, len, MADV_DONTNEED);
            }
        }
        // Compare.
        for p in 0..pages + 8 {
            let va = base + p * 4096;
            let got = a.find(va).map(|v| v.perm.bits());
            assert_eq!(got, model.get(&p).copied(), "page {p}");
        }
        let mapped: u64 = model.len() as u64 * 4096;
        assert_eq!(a.stats().mapped_bytes, mapped);
        assert_eq!(a.stats().resident_pages, pt.pages.len() as u64);
        // Adjacent VMAs never have equal attributes (they would have been merged).
        let v: Vec<&Vma> = a.vmas().collect();
        for w in v.windows(2) {
            assert!(
                !(w[0].end == w[1].start && w[0].perm == w[1].perm),
                "unmerged"
            );
        }
        for (&va, (perm, _)) in &pt.pages {
            assert_eq!(Some(*perm), a.find(va).map(|v| v.perm));
        }
    }
}
