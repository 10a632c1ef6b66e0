use super::*;
use crate::cpio::{unpack, unpack_static, CpioError};

const NEWC: &[u8] = include_bytes!("../../testdata/newc.cpio");
const CRC: &[u8] = include_bytes!("../../testdata/crc.cpio");
const MTIME: Timespec = Timespec::new(1_577_934_245, 0);

fn unpack_into(archive: &[u8]) -> (Env, std::result::Result<crate::cpio::CpioStats, CpioError>) {
    let e = env();
    let r = unpack(archive, e.root.inode());
    (e, r)
}

fn check_tree(e: &Env, uid: u32) {
    assert_eq!(
        e.read_file("/etc/passwd").unwrap(),
        b"root:x:0:0::/root:/bin/sh\n"
    );
    let blob = e.read_file("/bin/blob").unwrap();
    assert_eq!(blob.len(), 10001);
    assert_eq!(blob.iter().map(|&b| b as u64).sum::<u64>(), 1_278_511);
    let m = e.stat("/bin/blob").unwrap();
    assert_eq!(m.mode, S_IFREG | 0o4755);
    assert_eq!((m.uid, m.gid), (uid, uid));
    assert_eq!(m.mtime, MTIME);
    assert_eq!(e.lstat("/bin/fifo").unwrap().file_type(), FileType::Fifo);
    assert_eq!(
        e.vfs.readlink(&e.root, b"/bin/pw").unwrap(),
        b"../etc/passwd"
    );
    assert_eq!(
        e.read_file("/bin/pw").unwrap(),
        e.read_file("/etc/passwd").unwrap()
    );
    assert_eq!(e.lstat("/bin/pw").unwrap().mtime, MTIME);
    assert!(e.stat("/usr/share-abs/doc").unwrap().is_dir());
    let doc = e.stat("/usr/share/doc").unwrap();
    assert_eq!(doc.mode, S_IFDIR | 0o700);
    assert_eq!(
        doc.mtime, MTIME,
        "directory times are applied after their contents"
    );
    let (a, b) = (
        e.stat("/usr/share/doc/readme").unwrap(),
        e.stat("/usr/share/doc/readme2").unwrap(),
    );
    assert_eq!(a.ino, b.ino);
    assert_eq!(a.nlink, 2);
    assert_eq!(e.read_file("/usr/share/doc/readme").unwrap(), b"hello\n");
}

#[test]
fn unpack_gnu_cpio_newc() {
    let (e, r) = unpack_into(NEWC);
    let s = r.unwrap();
    assert_eq!(s.hardlinks, 1);
    assert_eq!(s.symlinks, 2);
    assert_eq!(s.nodes, 1);
    check_tree(&e, 1000);
    // The "." entry gave the root the tree's attributes.
    assert_eq!(e.stat("/").unwrap().uid, 1000);
}

#[test]
fn unpack_gnu_cpio_crc() {
    let (e, r) = unpack_into(CRC);
    r.unwrap();
    check_tree(&e, 0);
}

#[test]
fn crc_mismatch_detected() {
    let mut bad = CRC.to_vec();
    // Flip one byte of /bin/blob's data (find it after its name).
    let pos = bad.windows(9).position(|w| w == b"bin/blob\0").unwrap() + 200;
    bad[pos] ^= 1;
    assert!(matches!(unpack_into(&bad).1, Err(CpioError::Checksum(_))));
}

/// Builds one newc entry by hand.
fn entry(name: &str, mode: u32, ino: u32, nlink: u32, data: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "070701{ino:08X}{mode:08X}{:08X}{:08X}{nlink:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
        0, 0, 7, data.len(), 0, 0, 0, 0, name.len() + 1, 0
    )
    .into_bytes();
    v.extend_from_slice(name.as_bytes());
    v.push(0);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v.extend_from_slice(data);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

fn archive(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut v: Vec<u8> = entries.concat();
    v.extend(entry("TRAILER!!!", 0, 0, 1, b""));
    v.resize(v.len().next_multiple_of(512), 0);
    v
}

#[test]
fn hand_made_archive_parents_links_and_replacement() {
    let a = archive(&[
        // Parents missing: created.
        entry("/a/b/c/file", S_IFREG | 0o600, 1, 1, b"deep"),
        // Hard links: data on the last entry.
        entry("h1", S_IFREG | 0o644, 2, 3, b""),
        entry("a/h2", S_IFREG | 0o644, 2, 3, b""),
        entry("./h3", S_IFREG | 0o644, 2, 3, b"linked"),
        // A later entry replaces an earlier one of another type.
        entry("x", S_IFREG | 0o644, 3, 1, b"file"),
        entry("x", S_IFDIR | 0o755, 4, 2, b""),
        entry("x/in", S_IFLNK | 0o777, 5, 1, b"/h1"),
        entry("dev/null", S_IFCHR | 0o666, 6, 1, b""),
    ]);
    // Two archives back to back (the kernel may get a concatenation).
    let mut two = a.clone();
    two.extend(archive(&[entry("second", S_IFREG | 0o644, 9, 1, b"2")]));
    let (e, r) = unpack_into(&two);
    let s = r.unwrap();
    assert_eq!(s.entries, 9);
    assert_eq!(e.read_file("/a/b/c/file").unwrap(), b"deep");
    assert_eq!(e.stat("/a/b").unwrap().mode, S_IFDIR | 0o755);
    assert_eq!(e.stat("/h1").unwrap().nlink, 3);
    assert_eq!(e.read_file("/a/h2").unwrap(), b"linked");
    assert_eq!(e.read_file("/x/in").unwrap(), b"linked");
    assert_eq!(e.read_file("/second").unwrap(), b"2");
    assert_eq!(e.stat("/h1").unwrap().mtime, Timespec::new(7, 0));
}

#[test]
fn malformed_archives() {
    let bad = |v: &[u8]| unpack_into(v).1.unwrap_err();
    assert_eq!(bad(b""), CpioError::Truncated(0));
    assert_eq!(bad(b"garbage that is long enough to hold a header but is not a cpio file at all, no no no no no no no no no no no"), CpioError::BadMagic(0));
    let mut hex = entry("f", S_IFREG, 1, 1, b"x");
    hex[10] = b'G';
    assert_eq!(bad(&archive(&[hex])), CpioError::BadHex(0));
    assert_eq!(
        bad(&archive(&[entry("../etc/x", S_IFREG, 1, 1, b"")])),
        CpioError::BadName(0)
    );
    assert_eq!(
        bad(&archive(&[entry("a/../../x", S_IFREG, 1, 1, b"")])),
        CpioError::BadName(0)
    );
    assert_eq!(
        bad(&archive(&[entry("f", 0o170000, 1, 1, b"")])),
        CpioError::BadMode(0)
    );
    // No trailer.
    assert!(matches!(
        bad(&entry("f", S_IFREG, 1, 1, b"x")),
        CpioError::Truncated(_)
    ));
    // Sizes pointing past the end.
    let mut big = entry("f", S_IFREG, 1, 1, b"x");
    big[54..62].copy_from_slice(b"FFFFFFFF");
    assert!(matches!(bad(&big), CpioError::Truncated(0)));
    let mut name = entry("f", S_IFREG, 1, 1, b"x");
    name[94..102].copy_from_slice(b"FFFFFFFF");
    assert!(matches!(bad(&name), CpioError::Truncated(0)));
    // Zero-length name / name without NUL.
    let mut nn = entry("f", S_IFREG, 1, 1, b"");
    nn[94..102].copy_from_slice(b"00000001");
    assert!(matches!(bad(&nn), CpioError::BadName(0)));
    // A file used as a directory.
    let err = bad(&archive(&[
        entry("f", S_IFREG, 1, 1, b""),
        entry("f/g", S_IFREG, 2, 1, b""),
    ]));
    assert!(matches!(err, CpioError::Fs(_, Errno::ENOTDIR)));
    assert_eq!(err.errno(), Errno::ENOTDIR);
}

#[test]
fn fuzz_truncations_and_random_bytes() {
    // Every prefix of a real archive fails cleanly (or succeeds only if complete).
    for len in 0..NEWC.len() {
        if len % 7 != 0 && len < NEWC.len() - 600 {
            continue;
        }
        let _ = unpack_into(&NEWC[..len]).1;
    }
    // Random corruption of a real archive, and pure noise, never panic.
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (clk, _) = fake_clock();
    for _ in 0..300 {
        let mut v = NEWC.to_vec();
        for _ in 0..(rnd() % 8 + 1) {
            let i = (rnd() as usize) % v.len();
            v[i] = match rnd() % 3 {
                0 => rnd() as u8,
                1 => b"0123456789ABCDEF"[(rnd() % 16) as usize],
                _ => b'F',
            };
        }
        let fs = RamFs::new(clk.clone());
        let _ = unpack(&v, &fs.root());
    }
    for _ in 0..300 {
        let n = (rnd() % 600) as usize;
        let mut v: Vec<u8> = (0..n).map(|_| rnd() as u8).collect();
        if rnd() % 2 == 0 && v.len() >= 6 {
            v[..6].copy_from_slice(b"070701");
        }
        let fs = RamFs::new(clk.clone());
        assert!(unpack(&v, &fs.root()).is_err());
    }
}

#[test]
fn static_unpack_shares_the_archive_and_copies_on_write() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let bytes = archive(&[
        entry("big", 0o100644, 1, 1, &data),
        entry("small", 0o100600, 2, 1, b"hi"),
    ]);
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let (clk, _) = fake_clock();
    let fs = RamFs::new(clk);
    let root = fs.root();
    unpack_static(bytes, &root).unwrap();
    let big = root.lookup(b"big").unwrap();
    // Untouched: the contents are the archive's own bytes, not a copy.
    let shared = big.static_contents().expect("shared contents");
    assert_eq!(shared, &data[..]);
    assert!(core::ptr::eq(
        shared.as_ptr(),
        bytes[..].as_ptr().wrapping_add(
            bytes
                .windows(data.len())
                .position(|w| w == &data[..])
                .unwrap()
        )
    ));
    // A write in the middle copies only that page; the rest still reads from the archive.
    big.write_at(5000, b"XY").unwrap();
    assert!(big.static_contents().is_none());
    let mut back = vec![0u8; data.len()];
    assert_eq!(big.read_at(0, &mut back).unwrap(), data.len());
    let mut want = data.clone();
    want[5000..5002].copy_from_slice(b"XY");
    assert_eq!(back, want);
    // Truncate below the shared part, then grow: the tail reads as zeros.
    big.truncate(100).unwrap();
    big.truncate(9000).unwrap();
    let mut back = vec![1u8; 9000];
    assert_eq!(big.read_at(0, &mut back).unwrap(), 9000);
    assert_eq!(&back[..100], &data[..100]);
    assert!(back[100..].iter().all(|&b| b == 0));
    assert_eq!(big.metadata().size, 9000);
    let small = root.lookup(b"small").unwrap();
    let mut b = [0u8; 8];
    assert_eq!(small.read_at(0, &mut b).unwrap(), 2);
    assert_eq!(&b[..2], b"hi");
}
