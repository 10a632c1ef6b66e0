use super::*;

#[test]
fn open_flags() {
    let e = env();
    assert_eq!(e.open("/nofile", O_RDONLY).unwrap_err(), Errno::ENOENT);
    e.open("/f", O_CREAT | O_EXCL | O_WRONLY).unwrap();
    assert_eq!(
        e.open("/f", O_CREAT | O_EXCL | O_WRONLY).unwrap_err(),
        Errno::EEXIST
    );
    assert_eq!(
        e.open("/f", O_RDONLY | O_DIRECTORY).unwrap_err(),
        Errno::ENOTDIR
    );
    assert_eq!(e.open("/tmp", O_WRONLY).unwrap_err(), Errno::EISDIR);
    assert_eq!(e.open("/tmp", O_RDWR).unwrap_err(), Errno::EISDIR);
    assert_eq!(
        e.open("/tmp", O_CREAT | O_RDONLY).unwrap_err(),
        Errno::EISDIR
    );
    assert!(e.open("/tmp", O_RDONLY | O_DIRECTORY).is_ok());
    assert_eq!(
        e.open("/tmp", O_TMPFILE | O_RDWR).unwrap_err(),
        Errno::EOPNOTSUPP
    );
    // Mode comes from the caller (umask applied there).
    e.vfs
        .open(&e.root, b"/m", O_CREAT | O_WRONLY, 0o640)
        .unwrap();
    assert_eq!(e.stat("/m").unwrap().mode, S_IFREG | 0o640);
    // O_TRUNC.
    e.write_file("/f", b"123456");
    e.open("/f", O_WRONLY | O_TRUNC).unwrap();
    assert_eq!(e.stat("/f").unwrap().size, 0);
    // O_CREAT through a dangling symlink creates the target.
    e.symlink("/created-by-link", "/dl").unwrap();
    e.open("/dl", O_CREAT | O_WRONLY).unwrap();
    assert!(e.stat("/created-by-link").is_ok());
    assert_eq!(
        e.open("/dl", O_CREAT | O_EXCL | O_WRONLY).unwrap_err(),
        Errno::EEXIST
    );
    assert_eq!(
        e.open("/dl", O_CREAT | O_NOFOLLOW | O_WRONLY).unwrap_err(),
        Errno::ELOOP
    );
}

#[test]
fn access_modes_and_flags() {
    let e = env();
    e.write_file("/f", b"abc");
    let r = e.open("/f", O_RDONLY | O_CLOEXEC).unwrap();
    assert_eq!(r.write(b"x"), Err(Errno::EBADF));
    assert_eq!(r.truncate(0), Err(Errno::EINVAL));
    let w = e.open("/f", O_WRONLY).unwrap();
    let mut b = [0u8; 3];
    assert_eq!(w.read(&mut b), Err(Errno::EBADF));
    assert_eq!(r.flags() & O_ACCMODE, O_RDONLY);
    assert_ne!(r.flags() & O_LARGEFILE, 0);
    // F_SETFL changes only status flags.
    w.set_flags(O_APPEND | O_NONBLOCK | O_RDWR);
    assert_eq!(w.flags() & O_ACCMODE, O_WRONLY);
    assert_ne!(w.flags() & O_APPEND, 0);
    w.write(b"def").unwrap();
    assert_eq!(e.read_file("/f").unwrap(), b"abcdef");
    // O_PATH: no I/O.
    let p = e.open("/f", O_PATH).unwrap();
    assert_eq!(p.read(&mut b), Err(Errno::EBADF));
    assert_eq!(p.lseek(0, SEEK_SET), Err(Errno::EBADF));
    assert_eq!(p.metadata().size, 6);
}

#[test]
fn lseek_rules() {
    let e = env();
    e.write_file("/f", b"0123456789");
    let f = e.open("/f", O_RDWR).unwrap();
    assert_eq!(f.lseek(3, SEEK_SET).unwrap(), 3);
    assert_eq!(f.lseek(2, SEEK_CUR).unwrap(), 5);
    let mut b = [0u8; 2];
    f.read(&mut b).unwrap();
    assert_eq!(&b, b"56");
    assert_eq!(f.lseek(-1, SEEK_END).unwrap(), 9);
    assert_eq!(f.lseek(-100, SEEK_CUR), Err(Errno::EINVAL));
    assert_eq!(f.lseek(0, 99), Err(Errno::EINVAL));
    assert_eq!(f.lseek(100, SEEK_SET).unwrap(), 100);
    assert_eq!(f.lseek(i64::MAX, SEEK_CUR), Err(Errno::EINVAL));
    assert_eq!(f.lseek(4, SEEK_DATA).unwrap(), 4);
    assert_eq!(f.lseek(4, SEEK_HOLE).unwrap(), 10);
    assert_eq!(f.lseek(10, SEEK_DATA), Err(Errno::ENXIO));
    // pread/pwrite keep the offset.
    f.lseek(0, SEEK_SET).unwrap();
    f.pwrite(b"AB", 1).unwrap();
    assert_eq!(f.pos(), 0);
    assert_eq!(f.pread(&mut b, -1), Err(Errno::EINVAL));
    // Directories: SEEK_END is EINVAL.
    let d = e.open("/", O_RDONLY).unwrap();
    assert_eq!(d.lseek(0, SEEK_END), Err(Errno::EINVAL));
    let mut buf = [0u8; 10];
    assert_eq!(d.read(&mut buf), Err(Errno::EISDIR));
}

#[test]
fn getdents64_format_and_cursor() {
    let e = env();
    e.mkdir("/d").unwrap();
    for i in 0..50 {
        e.write_file(&format!("/d/file{i:02}"), b"");
    }
    e.mkdir("/d/sub").unwrap();
    e.symlink("x", "/d/link").unwrap();
    let f = e.open("/d", O_RDONLY | O_DIRECTORY).unwrap();
    // A tiny buffer: EINVAL.
    let mut tiny = [0u8; 16];
    assert_eq!(f.getdents64(&mut tiny), Err(Errno::EINVAL));
    // Small buffers: successive calls continue.
    let mut all = Vec::new();
    let mut buf = [0u8; 100];
    loop {
        let n = f.getdents64(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        all.extend(parse_dirents(&buf[..n]));
    }
    assert_eq!(all.len(), 54);
    assert_eq!(all[0].2, ".");
    assert_eq!(all[0].0, e.stat("/d").unwrap().ino);
    assert_eq!(all[1].2, "..");
    assert_eq!(all[1].0, e.stat("/").unwrap().ino);
    let find = |n: &str| all.iter().find(|x| x.2 == n).unwrap().clone();
    assert_eq!(find("sub").1, DT_DIR);
    assert_eq!(find("link").1, DT_LNK);
    assert_eq!(find("file07").1, DT_REG);
    assert_eq!(find("file07").0, e.stat("/d/file07").unwrap().ino);
    // Seek back to a d_off and continue from there.
    let (_, _, name, _) = all[10].clone();
    f.lseek(all[9].3, SEEK_SET).unwrap();
    let n = f.getdents64(&mut buf).unwrap();
    assert_eq!(parse_dirents(&buf[..n])[0].2, name);
    // Removing entries while iterating neither repeats nor skips the others.
    let f = e.open("/d", O_RDONLY).unwrap();
    let n = f.getdents64(&mut buf).unwrap();
    let first: Vec<String> = parse_dirents(&buf[..n]).into_iter().map(|d| d.2).collect();
    for i in 40..50 {
        e.vfs
            .unlink(&e.root, format!("/d/file{i:02}").as_bytes())
            .unwrap();
    }
    let mut rest: Vec<String> = dirents(&f).into_iter().map(|d| d.2).collect();
    rest.extend(first);
    rest.sort();
    rest.dedup();
    assert_eq!(rest.len(), 44);
    // getdents on a file.
    let file = e.open("/d/file00", O_RDONLY).unwrap();
    assert_eq!(file.getdents64(&mut buf), Err(Errno::ENOTDIR));
    // `..` of a mounted root is the mount point's parent.
    let t = e.open("/tmp", O_RDONLY).unwrap();
    assert_eq!(dirents(&t)[1].0, e.stat("/").unwrap().ino);
}

#[test]
fn dup_shares_offset() {
    let e = env();
    e.write_file("/f", b"abcdef");
    let fds = FdTable::new();
    let f = e.open("/f", O_RDONLY).unwrap();
    let a = fds.insert(f, false).unwrap();
    let b = fds.dup(a).unwrap();
    let mut buf = [0u8; 2];
    fds.get(a).unwrap().read(&mut buf).unwrap();
    fds.get(b).unwrap().read(&mut buf).unwrap();
    assert_eq!(&buf, b"cd");
}
