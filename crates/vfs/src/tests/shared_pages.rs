//! The pages a MAP_SHARED mapping borrows from a ramfs file.

use super::*;

/// Byte `i` of a page as a mapping would see it.
fn byte(p: &Arc<dyn FilePage>, i: usize) -> u8 {
    let mut b = [0u8];
    p.read(i, &mut b);
    b[0]
}

#[test]
fn shared_page_is_the_file_itself() {
    let e = env();
    let f = e.open("/tmp/db-shm", O_RDWR | O_CREAT).unwrap();
    f.truncate(8192).unwrap();
    let ino = f.inode().clone();
    assert!(ino.shares_pages());
    // A hole becomes a (zeroed, charged) page of the file.
    let p = ino.shared_page(4096).unwrap();
    assert_eq!(byte(&p, 0), 0);
    assert_eq!(f.metadata().blocks, 8);
    // write() after the page was handed out shows in it...
    assert_eq!(f.pwrite(b"abc", 4096 + 10).unwrap(), 3);
    assert_eq!(byte(&p, 11), b'b');
    // ...and a store through it shows in read().
    p.write(100, b"Z");
    let mut buf = [0u8; 1];
    f.pread(&mut buf, 4096 + 100).unwrap();
    assert_eq!(&buf, b"Z");
    // The same page every time.
    let q = ino.shared_page(4096).unwrap();
    q.write(0, b"Q");
    assert_eq!(byte(&p, 0), b'Q');
    // Past the end: ENXIO (the mapping's SIGBUS); unaligned: EINVAL.
    assert_eq!(ino.shared_page(8192).err(), Some(Errno::ENXIO));
    assert_eq!(ino.shared_page(10).err(), Some(Errno::EINVAL));
    // Not a regular file: no pages to share.
    let d = e.open("/tmp", O_RDONLY | O_DIRECTORY).unwrap();
    assert!(!d.inode().shares_pages());
    assert_eq!(d.inode().shared_page(0).err(), Some(Errno::ENODEV));
}

#[test]
fn truncation_zeroes_in_place_and_growth_hides_stores_past_the_end() {
    let e = env();
    let f = e.open("/tmp/t", O_RDWR | O_CREAT).unwrap();
    f.pwrite(&[7u8; 6000], 0).unwrap();
    let ino = f.inode().clone();
    let p = ino.shared_page(4096).unwrap();
    // Shrinking into the page zeroes its tail in the page the mapping holds.
    f.truncate(5000).unwrap();
    assert_eq!(byte(&p, 5000 - 4096 - 1), 7);
    assert_eq!(byte(&p, 5000 - 4096), 0);
    // A store past the end through the mapping is not file data: growing the file
    // (ftruncate or a write further on) exposes zeros there, as POSIX says.
    p.write(5000 - 4096 + 8, b"junk");
    f.truncate(5100).unwrap();
    let mut buf = [1u8; 100];
    assert_eq!(f.pread(&mut buf, 5000).unwrap(), 100);
    assert!(buf.iter().all(|&b| b == 0));
    p.write(5100 - 4096 + 8, b"junk");
    f.pwrite(b"end", 7000).unwrap();
    assert_eq!(f.pread(&mut buf, 5100).unwrap(), 100);
    assert!(buf.iter().all(|&b| b == 0));
    // Truncating below a page drops it from the file; the mapping's handle keeps the memory
    // alive (the Linux layer unmaps it), and the file reads zeros if it grows again.
    f.truncate(100).unwrap();
    p.write(0, b"stale");
    f.truncate(8192).unwrap();
    assert_eq!(f.pread(&mut buf[..5], 4096).unwrap(), 5);
    assert_eq!(&buf[..5], &[0; 5]);
}

#[test]
fn pages_of_the_boot_image_are_copied_on_first_share() {
    let e = env();
    static IMAGE: [u8; 5000] = [3; 5000];
    let f = e.open("/tmp/boot", O_RDWR | O_CREAT).unwrap();
    let ino = f.inode().clone();
    ino.set_static_contents(&IMAGE).unwrap();
    let p = ino.shared_page(4096).unwrap();
    assert_eq!(byte(&p, 903), 3);
    assert_eq!(byte(&p, 904), 0, "past the end of the file");
    // The copy is the file from now on; the image is untouched.
    p.write(0, b"\x09");
    let mut b = [0u8; 2];
    f.pread(&mut b, 4095).unwrap();
    assert_eq!(b, [3, 9]);
    assert_eq!(IMAGE[4096], 3);
    assert_eq!(ino.static_contents(), None);
}

#[test]
fn a_full_file_system_refuses_pages() {
    let (clk, _) = fake_clock();
    let fs = RamFs::with_limit(clk, 4096);
    let ino = fs.root().create(b"f", S_IFREG | 0o644, 0).unwrap();
    ino.truncate(3 * 4096).unwrap();
    ino.shared_page(0).unwrap();
    assert_eq!(ino.shared_page(4096).err(), Some(Errno::ENOSPC));
    // Unlinking and dropping the file gives the page back.
    fs.root().unlink(b"f").unwrap();
    drop(ino);
    let g = fs.root().create(b"g", S_IFREG | 0o644, 0).unwrap();
    assert_eq!(g.write_at(0, b"x").unwrap(), 1);
}
