use super::*;

#[test]
fn create_write_read_and_sizes() {
    let e = env();
    e.write_file("/a", b"hello");
    assert_eq!(e.read_file("/a").unwrap(), b"hello");
    let m = e.stat("/a").unwrap();
    assert_eq!(m.size, 5);
    assert_eq!(m.mode, S_IFREG | 0o644);
    assert_eq!(m.nlink, 1);
    assert_eq!(m.blocks, 8);
    assert_eq!(m.blksize, 4096);
}

#[test]
fn sparse_growth_and_truncate() {
    let e = env();
    let f = e.open("/f", O_RDWR | O_CREAT).unwrap();
    assert_eq!(f.pwrite(b"xyz", 10_000).unwrap(), 3);
    assert_eq!(f.metadata().size, 10_003);
    let mut buf = vec![1u8; 10_003];
    assert_eq!(f.pread(&mut buf, 0).unwrap(), 10_003);
    assert!(buf[..10_000].iter().all(|&b| b == 0));
    assert_eq!(&buf[10_000..], b"xyz");
    // Only the touched page is allocated.
    assert_eq!(f.metadata().blocks, 8);
    // Shrink into the middle of the data, then grow: the cut bytes read as zero.
    f.truncate(10_001).unwrap();
    f.truncate(20_000).unwrap();
    let mut b3 = [9u8; 3];
    assert_eq!(f.pread(&mut b3, 10_000).unwrap(), 3);
    assert_eq!(b3, [b'x', 0, 0]);
    // Huge sparse size costs nothing.
    f.truncate(1 << 40).unwrap();
    assert_eq!(f.metadata().size, 1 << 40);
    assert_eq!(f.pread(&mut b3, (1 << 40) - 2).unwrap(), 2);
    assert_eq!(f.pwrite(b"a", i64::MAX).unwrap_err(), Errno::EFBIG);
}

#[test]
fn large_file_appends() {
    let e = env();
    let f = e.open("/big", O_WRONLY | O_CREAT | O_APPEND).unwrap();
    let chunk = vec![7u8; 65536];
    for _ in 0..(32 * 16) {
        f.write(&chunk).unwrap();
    }
    assert_eq!(f.metadata().size, 32 << 20);
    assert_eq!(f.pos(), 32 << 20);
}

#[test]
fn directory_nlink_and_size() {
    let e = env();
    e.mkdir("/d").unwrap();
    let root_links = e.stat("/").unwrap().nlink;
    e.mkdir("/d/a").unwrap();
    e.mkdir("/d/b").unwrap();
    e.write_file("/d/f", b"");
    let m = e.stat("/d").unwrap();
    assert_eq!(m.nlink, 4);
    assert_eq!(m.size, 5 * 20);
    e.vfs.rmdir(&e.root, b"/d/a").unwrap();
    assert_eq!(e.stat("/d").unwrap().nlink, 3);
    assert_eq!(e.stat("/").unwrap().nlink, root_links);
}

#[test]
fn hard_links() {
    let e = env();
    e.write_file("/a", b"data");
    e.vfs.link(&e.root, b"/a", &e.root, b"/b", false).unwrap();
    let (ma, mb) = (e.stat("/a").unwrap(), e.stat("/b").unwrap());
    assert_eq!(ma.ino, mb.ino);
    assert_eq!(ma.nlink, 2);
    e.vfs.unlink(&e.root, b"/a").unwrap();
    assert_eq!(e.stat("/b").unwrap().nlink, 1);
    assert_eq!(e.read_file("/b").unwrap(), b"data");
    // Directories cannot be hard-linked; other file systems give EXDEV.
    e.mkdir("/d").unwrap();
    assert_eq!(
        e.vfs.link(&e.root, b"/d", &e.root, b"/d2", false),
        Err(Errno::EPERM)
    );
    assert_eq!(
        e.vfs.link(&e.root, b"/b", &e.root, b"/tmp/b", false),
        Err(Errno::EXDEV)
    );
    assert_eq!(
        e.vfs.link(&e.root, b"/b", &e.root, b"/d", false),
        Err(Errno::EEXIST)
    );
}

#[test]
fn unlinked_open_file_lives_on() {
    let e = env();
    e.write_file("/t", b"keep");
    let f = e.open("/t", O_RDWR).unwrap();
    e.vfs.unlink(&e.root, b"/t").unwrap();
    assert_eq!(f.metadata().nlink, 0);
    assert_eq!(read_all(&f), b"keep");
    assert_eq!(f.path(), b"/t (deleted)");
    assert_eq!(e.stat("/t"), Err(Errno::ENOENT));
}

#[test]
fn rename_rules() {
    let e = env();
    let r = |a: &str, b: &str| {
        e.vfs
            .rename(&e.root, a.as_bytes(), &e.root, b.as_bytes(), 0)
    };
    e.write_file("/f1", b"1");
    e.write_file("/f2", b"2");
    e.mkdir("/d1").unwrap();
    e.mkdir("/d2").unwrap();
    e.mkdir("/full").unwrap();
    e.write_file("/full/x", b"");
    // Replace a file.
    r("/f1", "/f2").unwrap();
    assert_eq!(e.read_file("/f2").unwrap(), b"1");
    assert_eq!(e.stat("/f1"), Err(Errno::ENOENT));
    // Type mismatches.
    assert_eq!(r("/f2", "/d1"), Err(Errno::EISDIR));
    assert_eq!(r("/d1", "/f2"), Err(Errno::ENOTDIR));
    assert_eq!(r("/d1", "/full"), Err(Errno::ENOTEMPTY));
    // Replace an empty directory; nlink of / drops by one.
    let n = e.stat("/").unwrap().nlink;
    r("/d1", "/d2").unwrap();
    assert_eq!(e.stat("/").unwrap().nlink, n - 1);
    // Into itself.
    e.mkdir("/d2/sub").unwrap();
    assert_eq!(r("/d2", "/d2/sub/x"), Err(Errno::EINVAL));
    assert_eq!(r("/d2", "/d2/x"), Err(Errno::EINVAL));
    // Move a dir elsewhere: parent link counts and `..` follow.
    r("/d2/sub", "/full/sub").unwrap();
    assert_eq!(e.stat("/d2").unwrap().nlink, 2);
    assert_eq!(e.stat("/full").unwrap().nlink, 3);
    assert_eq!(
        e.stat("/full/sub/..").unwrap().ino,
        e.stat("/full").unwrap().ino
    );
    // Other rules.
    assert_eq!(r("/nope", "/x"), Err(Errno::ENOENT));
    assert_eq!(r("/f2", "/tmp/f2"), Err(Errno::EXDEV));
    assert_eq!(r("/f2/", "/g"), Err(Errno::ENOTDIR));
    assert_eq!(r("/full/.", "/g"), Err(Errno::EBUSY));
    assert_eq!(r("/tmp", "/tmp2"), Err(Errno::EBUSY));
    e.write_file("/g", b"");
    assert_eq!(
        e.vfs
            .rename(&e.root, b"/f2", &e.root, b"/g", RENAME_NOREPLACE),
        Err(Errno::EEXIST)
    );
    // Same inode under two names: no-op.
    e.vfs.link(&e.root, b"/g", &e.root, b"/h", false).unwrap();
    r("/g", "/h").unwrap();
    assert!(e.stat("/g").is_ok() && e.stat("/h").is_ok());
}

#[test]
fn timestamps() {
    let e = env();
    e.mkdir("/d").unwrap();
    e.clock.advance(10);
    e.write_file("/d/f", b"x");
    let t1 = e.clock.now();
    let d = e.stat("/d").unwrap();
    assert_eq!((d.mtime, d.ctime), (t1, t1));
    let f = e.stat("/d/f").unwrap();
    assert_eq!((f.atime, f.mtime, f.ctime), (t1, t1, t1));
    e.clock.advance(10);
    // A read updates atime (relatime: atime <= mtime).
    e.read_file("/d/f").unwrap();
    assert_eq!(e.stat("/d/f").unwrap().atime, e.clock.now());
    e.clock.advance(10);
    // A write moves mtime/ctime, not the directory's.
    let h = e.open("/d/f", O_WRONLY).unwrap();
    h.write(b"y").unwrap();
    let f = e.stat("/d/f").unwrap();
    assert_eq!((f.mtime, f.ctime), (e.clock.now(), e.clock.now()));
    assert_eq!(e.stat("/d").unwrap().mtime, t1);
    e.clock.advance(10);
    // chmod changes ctime only.
    e.vfs
        .resolve(&e.root, b"/d/f", true)
        .unwrap()
        .inode()
        .chmod(0o600)
        .unwrap();
    let g = e.stat("/d/f").unwrap();
    assert_eq!(g.mode, S_IFREG | 0o600);
    assert_eq!(g.ctime, e.clock.now());
    assert_eq!(g.mtime, f.mtime);
    // utimensat with explicit times.
    let inode = e
        .vfs
        .resolve(&e.root, b"/d/f", true)
        .unwrap()
        .inode()
        .clone();
    inode
        .set_times(SetTime::Set(Timespec::new(5, 6)), SetTime::Omit)
        .unwrap();
    assert_eq!(inode.metadata().atime, Timespec::new(5, 6));
    assert_eq!(inode.metadata().mtime, f.mtime);
    inode.chown(Some(1000), None).unwrap();
    assert_eq!((inode.metadata().uid, inode.metadata().gid), (1000, 0));
}

#[test]
fn mknod_and_special_files() {
    let e = env();
    e.vfs.mknod(&e.root, b"/fifo", S_IFIFO | 0o600, 0).unwrap();
    e.vfs
        .mknod(&e.root, b"/null2", S_IFCHR | 0o666, makedev(1, 3))
        .unwrap();
    assert_eq!(e.stat("/fifo").unwrap().file_type(), FileType::Fifo);
    assert_eq!(e.stat("/null2").unwrap().rdev, makedev(1, 3));
    assert_eq!(e.vfs.mknod(&e.root, b"/x", S_IFDIR, 0), Err(Errno::EPERM));
    assert_eq!(
        e.vfs.mknod(&e.root, b"/fifo", S_IFIFO, 0),
        Err(Errno::EEXIST)
    );
}

#[test]
fn rmdir_rules() {
    let e = env();
    e.mkdir("/d").unwrap();
    e.write_file("/d/f", b"");
    assert_eq!(e.vfs.rmdir(&e.root, b"/d"), Err(Errno::ENOTEMPTY));
    assert_eq!(e.vfs.rmdir(&e.root, b"/d/f"), Err(Errno::ENOTDIR));
    assert_eq!(e.vfs.rmdir(&e.root, b"/d/."), Err(Errno::EINVAL));
    assert_eq!(e.vfs.rmdir(&e.root, b"/d/.."), Err(Errno::ENOTEMPTY));
    assert_eq!(e.vfs.rmdir(&e.root, b"/"), Err(Errno::EBUSY));
    assert_eq!(e.vfs.rmdir(&e.root, b"/tmp"), Err(Errno::EBUSY));
    assert_eq!(e.vfs.unlink(&e.root, b"/d"), Err(Errno::EISDIR));
    assert_eq!(e.vfs.unlink(&e.root, b"/d/f/"), Err(Errno::ENOTDIR));
    e.vfs.unlink(&e.root, b"/d/f").unwrap();
    // cwd inside a removed directory: creating there is ENOENT.
    let cwd = e.vfs.chdir(&e.root, b"/d").unwrap();
    e.vfs.rmdir(&e.root, b"/d").unwrap();
    assert_eq!(
        e.vfs
            .open(&cwd, b"new", O_CREAT | O_WRONLY, 0o644)
            .unwrap_err(),
        Errno::ENOENT
    );
}

#[test]
fn a_size_limited_ramfs_says_enospc_and_gives_space_back() {
    let (clk, _) = fake_clock();
    let fs = RamFs::with_limit(clk, 3 * 4096);
    let root = fs.root();
    let f = root.create(b"a", S_IFREG | 0o644, 0).unwrap();
    // Three pages fit; a fourth does not: a short write, then ENOSPC.
    assert_eq!(f.write_at(0, &[1u8; 3 * 4096]).unwrap(), 3 * 4096);
    assert_eq!(f.write_at(3 * 4096, &[2u8; 10]), Err(Errno::ENOSPC));
    let g = root.create(b"b", S_IFREG | 0o644, 0).unwrap();
    assert_eq!(g.write_at(0, b"x"), Err(Errno::ENOSPC));
    // Truncating gives pages back; so does unlinking the last reference.
    f.truncate(4096).unwrap();
    assert_eq!(g.write_at(0, b"x").unwrap(), 1);
    drop(f);
    root.unlink(b"a").unwrap();
    assert_eq!(g.write_at(4096, &[3u8; 4096]).unwrap(), 4096);
}
