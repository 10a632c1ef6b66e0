//! open, read/write/lseek, stat family, statfs, getdents64, fcntl, ioctl, dup, truncate...

use super::*;
use osprey_abi::ioctl::*;
use osprey_abi::sysno::*;
use osprey_abi::{Flock, Statfs, Statx};

#[test]
fn open_write_read_lseek_fstat_round_trip() {
    let e = env();
    let cx = e.cx();
    let fd = open(&cx, &e, "/tmp/a.txt", O_CREAT | O_RDWR | O_EXCL, 0o666).unwrap();
    assert_eq!(fd, 3);
    assert_eq!(write(&cx, &e, fd, b"hello, world"), Ok(12));
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, SEEK_CUR as u32), Ok(12));
    assert_eq!(lseek::sys_lseek(&cx, fd, 7, SEEK_SET as u32), Ok(7));
    assert_eq!(read(&cx, &e, fd, 100).unwrap(), b"world");
    assert_eq!(read(&cx, &e, fd, 100).unwrap(), b"");
    assert_eq!(lseek::sys_lseek(&cx, fd, -5, SEEK_END as u32), Ok(7));
    assert_eq!(
        lseek::sys_lseek(&cx, fd, -100, SEEK_CUR as u32),
        Err(Errno::EINVAL)
    );
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, 5), Err(Errno::EINVAL));
    let st = fstat_of(&cx, &e, fd).unwrap();
    assert_eq!(st.st_size, 12);
    // umask 022 applied to 0666.
    assert_eq!(st.st_mode, S_IFREG | 0o644);
    assert_eq!(st.st_nlink, 1);
    assert_eq!(
        st.st_mtime,
        (crate::testing::REALTIME_NS / 1_000_000_000) as i64
    );
    let st2 = stat_of(&cx, &e, "/tmp/a.txt").unwrap();
    assert_eq!((st2.st_dev, st2.st_ino), (st.st_dev, st.st_ino));
    // creat truncates.
    let fd2 = open::sys_creat(&cx, p(&e, "/tmp/a.txt"), 0o600).unwrap() as i32;
    assert_eq!(fstat_of(&cx, &e, fd2).unwrap().st_size, 0);
    assert_eq!(read(&cx, &e, fd2, 1), Err(Errno::EBADF));
    close::sys_close(&cx, fd2).unwrap();
    close::sys_close(&cx, fd).unwrap();
    assert_eq!(fstat_of(&cx, &e, fd), Err(Errno::EBADF));
}

#[test]
fn open_flag_rules() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"x");
    assert_eq!(
        open(&cx, &e, "/tmp/f", O_CREAT | O_EXCL | O_WRONLY, 0o644),
        Err(Errno::EEXIST)
    );
    assert_eq!(open(&cx, &e, "/tmp/f", O_DIRECTORY, 0), Err(Errno::ENOTDIR));
    assert_eq!(open(&cx, &e, "/tmp/f/", O_RDONLY, 0), Err(Errno::ENOTDIR));
    assert_eq!(
        open(&cx, &e, "/tmp/new", O_CREAT | O_DIRECTORY, 0o755),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        open(&cx, &e, "/tmp", O_TMPFILE | O_RDWR, 0o600),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        open(&cx, &e, "/tmp", O_TMPFILE | O_RDONLY, 0o600),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        open(&cx, &e, "/tmp", __O_TMPFILE | O_RDWR, 0o600),
        Err(Errno::EINVAL)
    );
    assert_eq!(open(&cx, &e, "/tmp", O_WRONLY, 0), Err(Errno::EISDIR));
    assert_eq!(open(&cx, &e, "/nope/x", O_RDONLY, 0), Err(Errno::ENOENT));
    assert_eq!(open(&cx, &e, "", O_RDONLY, 0), Err(Errno::ENOENT));
    // Unknown bits are ignored by open(2).
    let fd = open(&cx, &e, "/tmp/f", O_RDONLY | 0x4000_0000, 0).unwrap();
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_GETFL, 0),
        Ok((O_RDONLY | O_LARGEFILE) as usize)
    );
    // O_CLOEXEC is the fd's flag, not a status flag.
    let fd = open(&cx, &e, "/tmp/f", O_RDWR | O_CLOEXEC | O_APPEND, 0).unwrap();
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_GETFD, 0),
        Ok(FD_CLOEXEC as usize)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_GETFL, 0),
        Ok((O_RDWR | O_APPEND | O_LARGEFILE) as usize)
    );
    // Symlinks and O_NOFOLLOW / O_PATH.
    link::sys_symlink(&cx, p(&e, "/tmp/f"), p(&e, "/tmp/l")).unwrap();
    assert_eq!(
        open(&cx, &e, "/tmp/l", O_RDONLY | O_NOFOLLOW, 0),
        Err(Errno::ELOOP)
    );
    let pfd = open(&cx, &e, "/tmp/l", O_PATH | O_NOFOLLOW | O_RDWR, 0).unwrap();
    assert_eq!(fstat_of(&cx, &e, pfd).unwrap().st_mode & S_IFMT, S_IFLNK);
    assert_eq!(
        fcntl::sys_fcntl(&cx, pfd, F_GETFL, 0),
        Ok((O_PATH | O_NOFOLLOW) as usize)
    );
    assert_eq!(read(&cx, &e, pfd, 1), Err(Errno::EBADF));
    assert_eq!(fcntl::sys_fcntl(&cx, pfd, F_SETFL, 0), Err(Errno::EBADF));
    assert_eq!(ioctl::sys_ioctl(&cx, pfd, FIOCLEX, 0), Err(Errno::EBADF));
}

#[test]
fn umask_and_creation_modes() {
    let e = env();
    let cx = e.cx();
    assert_eq!(umask::sys_umask(&cx, 0o077), Ok(0o022));
    assert_eq!(umask::sys_umask(&cx, 0o7027), Ok(0o077));
    let fd = open(&cx, &e, "/tmp/m", O_CREAT | O_WRONLY, 0o7777).unwrap();
    assert_eq!(fstat_of(&cx, &e, fd).unwrap().st_mode, S_IFREG | 0o7750);
    mkdir::sys_mkdir(&cx, p(&e, "/tmp/d"), 0o7777).unwrap();
    // mkdir keeps only permissions and the sticky bit.
    assert_eq!(
        stat_of(&cx, &e, "/tmp/d").unwrap().st_mode,
        S_IFDIR | 0o1750
    );
}

#[test]
fn dirfd_handling() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"data");
    let dfd = open(&cx, &e, "/tmp", O_RDONLY | O_DIRECTORY, 0).unwrap();
    let fd = open::sys_openat(&cx, dfd, p(&e, "f"), O_RDONLY, 0).unwrap() as i32;
    assert_eq!(read(&cx, &e, fd, 10).unwrap(), b"data");
    // A file as dirfd: ENOTDIR; a closed one: EBADF; absolute paths ignore dirfd.
    assert_eq!(
        open::sys_openat(&cx, fd, p(&e, "f"), O_RDONLY, 0),
        Err(Errno::ENOTDIR)
    );
    assert_eq!(
        open::sys_openat(&cx, 99, p(&e, "f"), O_RDONLY, 0),
        Err(Errno::EBADF)
    );
    assert!(open::sys_openat(&cx, 99, p(&e, "/tmp/f"), O_RDONLY, 0).is_ok());
    // An O_PATH directory works as a base too.
    let pdir = open(&cx, &e, "/tmp", O_PATH, 0).unwrap();
    assert!(open::sys_openat(&cx, pdir, p(&e, "f"), O_RDONLY, 0).is_ok());
    // fstatat with AT_EMPTY_PATH names the fd itself, whatever it is.
    let b = e.m.alloc(144);
    assert_eq!(
        stat::sys_newfstatat(&cx, fd, p(&e, ""), UserPtr::new(b), 0),
        Err(Errno::ENOENT)
    );
    stat::sys_newfstatat(&cx, fd, p(&e, ""), UserPtr::new(b), AT_EMPTY_PATH).unwrap();
    assert_eq!(Stat::read_from_bytes(&e.m.peek(b, 144)).unwrap().st_size, 4);
    stat::sys_newfstatat(&cx, fd, UserPtr::new(0), UserPtr::new(b), AT_EMPTY_PATH).unwrap();
    assert_eq!(
        stat::sys_newfstatat(&cx, fd, p(&e, ""), UserPtr::new(b), 0x8000_0000),
        Err(Errno::EINVAL)
    );
}

#[test]
fn efault_for_bad_pointers() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"data");
    assert_eq!(
        open::sys_open(&cx, UserPtr::new(0), O_RDONLY, 0),
        Err(Errno::EFAULT)
    );
    assert_eq!(
        open::sys_open(&cx, UserPtr::new(HOLE), O_RDONLY, 0),
        Err(Errno::EFAULT)
    );
    // A path running into an unmapped page without a NUL.
    let a = e.m.alloc_bytes(b"/tmp/f");
    assert_eq!(
        open::sys_open(&cx, UserPtr::new(a), O_RDONLY, 0),
        Err(Errno::EFAULT)
    );
    // A path ending right before the hole is fine.
    let a = e.m.alloc_bytes(b"/tmp/f\0");
    let fd = open::sys_open(&cx, UserPtr::new(a), O_RDONLY, 0).unwrap() as i32;
    assert_eq!(
        rw::sys_read(&cx, fd, UserPtr::new(HOLE), 4),
        Err(Errno::EFAULT)
    );
    assert_eq!(
        stat::sys_fstat(&cx, fd, UserPtr::new(HOLE)),
        Err(Errno::EFAULT)
    );
    assert_eq!(
        stat::sys_stat(&cx, p(&e, "/tmp/f"), UserPtr::new(HOLE)),
        Err(Errno::EFAULT)
    );
    // A path longer than PATH_MAX.
    let long = "a/".repeat(2100);
    assert_eq!(open(&cx, &e, &long, O_RDONLY, 0), Err(Errno::ENAMETOOLONG));
}

#[test]
fn getdents64_lists_a_directory() {
    let e = env();
    let cx = e.cx();
    mkdir::sys_mkdir(&cx, p(&e, "/tmp/d"), 0o755).unwrap();
    make_file(&cx, &e, "/tmp/d/alpha", b"");
    mkdir::sys_mkdir(&cx, p(&e, "/tmp/d/beta"), 0o755).unwrap();
    let fd = open(&cx, &e, "/tmp/d", O_RDONLY | O_DIRECTORY, 0).unwrap();
    let parse = |bytes: &[u8]| {
        let mut out = Vec::new();
        let mut off = 0;
        while off < bytes.len() {
            let reclen = u16::from_le_bytes([bytes[off + 16], bytes[off + 17]]) as usize;
            let name = &bytes[off + 19..off + reclen];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap()];
            out.push((String::from_utf8(name.to_vec()).unwrap(), bytes[off + 18]));
            off += reclen;
        }
        out
    };
    // A buffer too small for one record.
    let small = e.m.alloc(16);
    assert_eq!(
        getdents::sys_getdents64(&cx, fd, UserPtr::new(small), 16),
        Err(Errno::EINVAL)
    );
    // A bad buffer: EFAULT and nothing is skipped.
    assert_eq!(
        getdents::sys_getdents64(&cx, fd, UserPtr::new(HOLE), 4096),
        Err(Errno::EFAULT)
    );
    let b = e.m.alloc(4096);
    let n = getdents::sys_getdents64(&cx, fd, UserPtr::new(b), 4096).unwrap();
    let mut names = parse(&e.m.peek(b, n));
    names.sort();
    assert_eq!(
        names,
        [
            (".".into(), 4u8),
            ("..".into(), 4),
            ("alpha".into(), 8),
            ("beta".into(), 4)
        ]
    );
    assert_eq!(
        getdents::sys_getdents64(&cx, fd, UserPtr::new(b), 4096),
        Ok(0)
    );
    // Rewind and read one record at a time.
    lseek::sys_lseek(&cx, fd, 0, SEEK_SET as u32).unwrap();
    let mut count = 0;
    while getdents::sys_getdents64(&cx, fd, UserPtr::new(b), 32).unwrap() > 0 {
        count += 1;
    }
    assert_eq!(count, 4);
    // 24 bytes hold ".", but not "alpha" (32): EINVAL once that record comes.
    lseek::sys_lseek(&cx, fd, 0, SEEK_SET as u32).unwrap();
    let mut results = Vec::new();
    for _ in 0..4 {
        results.push(getdents::sys_getdents64(&cx, fd, UserPtr::new(b), 24));
    }
    assert_eq!(results[0], Ok(24));
    assert!(results.contains(&Err(Errno::EINVAL)));
    let f = open(&cx, &e, "/tmp/d/alpha", O_RDONLY, 0).unwrap();
    assert_eq!(
        getdents::sys_getdents64(&cx, f, UserPtr::new(b), 4096),
        Err(Errno::ENOTDIR)
    );
}

#[test]
fn dup_and_fcntl() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"0123456789");
    let fd = open(&cx, &e, "/tmp/f", O_RDWR, 0).unwrap();
    let d = dup::sys_dup(&cx, fd).unwrap() as i32;
    assert_eq!(d, fd + 1);
    assert_eq!(dup::sys_dup2(&cx, fd, 10), Ok(10));
    assert_eq!(dup::sys_dup2(&cx, fd, fd), Ok(fd as usize));
    assert_eq!(dup::sys_dup2(&cx, 50, 51), Err(Errno::EBADF));
    assert_eq!(dup::sys_dup3(&cx, fd, fd, 0), Err(Errno::EINVAL));
    assert_eq!(dup::sys_dup3(&cx, fd, 11, O_NONBLOCK), Err(Errno::EINVAL));
    assert_eq!(dup::sys_dup3(&cx, fd, 5000, 0), Err(Errno::EBADF));
    assert_eq!(dup::sys_dup3(&cx, fd, 11, O_CLOEXEC), Ok(11));
    assert_eq!(fcntl::sys_fcntl(&cx, 11, F_GETFD, 0), Ok(1));
    assert_eq!(fcntl::sys_fcntl(&cx, 10, F_GETFD, 0), Ok(0));
    // Shared offset.
    assert_eq!(read(&cx, &e, 10, 3).unwrap(), b"012");
    assert_eq!(read(&cx, &e, fd, 3).unwrap(), b"345");
    // F_DUPFD picks the lowest free at or above arg.
    assert_eq!(fcntl::sys_fcntl(&cx, fd, F_DUPFD, 20), Ok(20));
    assert_eq!(fcntl::sys_fcntl(&cx, fd, F_DUPFD_CLOEXEC, 20), Ok(21));
    assert_eq!(fcntl::sys_fcntl(&cx, 21, F_GETFD, 0), Ok(1));
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_DUPFD, -1i64 as u64),
        Err(Errno::EINVAL)
    );
    assert_eq!(fcntl::sys_fcntl(&cx, fd, F_DUPFD_QUERY, 20), Ok(1));
    assert_eq!(fcntl::sys_fcntl(&cx, fd, F_DUPFD_QUERY, 0), Ok(0));
    fcntl::sys_fcntl(&cx, 21, F_SETFD, 0).unwrap();
    assert_eq!(fcntl::sys_fcntl(&cx, 21, F_GETFD, 0), Ok(0));
    // F_SETFL: O_APPEND changes (for every dup), the access mode does not.
    fcntl::sys_fcntl(&cx, fd, F_SETFL, (O_APPEND | O_RDONLY | O_NONBLOCK) as u64).unwrap();
    assert_eq!(
        fcntl::sys_fcntl(&cx, 10, F_GETFL, 0),
        Ok((O_RDWR | O_APPEND | O_NONBLOCK | O_LARGEFILE) as usize)
    );
    write(&cx, &e, 10, b"X").unwrap();
    assert_eq!(stat_of(&cx, &e, "/tmp/f").unwrap().st_size, 11);
    assert_eq!(fcntl::sys_fcntl(&cx, fd, 9999, 0), Err(Errno::EINVAL));
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_ADD_SEALS, 0),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_GETPIPE_SZ, 0),
        Err(Errno::EBADF)
    );
    assert_eq!(fcntl::sys_fcntl(&cx, 99, F_GETFD, 0), Err(Errno::EBADF));
}

#[test]
fn record_locks() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"0123456789");
    let ro = open(&cx, &e, "/tmp/f", O_RDONLY, 0).unwrap();
    let rw = open(&cx, &e, "/tmp/f", O_RDWR, 0).unwrap();
    let put = |l: Flock| {
        let a = e.m.alloc(32);
        e.m.poke(a, osprey_abi::IntoBytes::as_bytes(&l));
        a
    };
    let lk = |t: i16, w: i16, s: i64, n: i64| Flock {
        l_type: t,
        l_whence: w,
        l_start: s,
        l_len: n,
        ..Flock::default()
    };
    let a = put(lk(F_WRLCK, SEEK_SET as i16, 0, 0));
    assert_eq!(fcntl::sys_fcntl(&cx, rw, F_GETLK, a), Ok(0));
    let got = Flock::read_from_bytes(&e.m.peek(a, 32)).unwrap();
    assert_eq!(got.l_type, F_UNLCK);
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_SETLK, put(lk(F_WRLCK, 0, 0, 5))),
        Ok(0)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_SETLKW, put(lk(F_UNLCK, 0, 0, 5))),
        Ok(0)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, ro, F_SETLK, put(lk(F_WRLCK, 0, 0, 5))),
        Err(Errno::EBADF)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, ro, F_SETLK, put(lk(F_RDLCK, 0, 0, 5))),
        Ok(0)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_SETLK, put(lk(7, 0, 0, 5))),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_SETLK, put(lk(F_RDLCK, 9, 0, 5))),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_SETLK, put(lk(F_RDLCK, 0, -1, 5))),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_SETLK, put(lk(F_RDLCK, 0, 2, -5))),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_GETLK, put(lk(F_UNLCK, 0, 0, 0))),
        Err(Errno::EINVAL)
    );
    let mut ofd = lk(F_RDLCK, 0, 0, 0);
    ofd.l_pid = 1;
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_OFD_SETLK, put(ofd)),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fcntl::sys_fcntl(&cx, rw, F_OFD_SETLK, put(lk(F_RDLCK, 0, 0, 0))),
        Ok(0)
    );
    assert_eq!(fcntl::sys_fcntl(&cx, rw, F_SETLK, HOLE), Err(Errno::EFAULT));
}

#[test]
fn ioctl_generic_requests() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"0123456789");
    let fd = open(&cx, &e, "/tmp/f", O_RDONLY, 0).unwrap();
    let a = e.m.alloc(8);
    read(&cx, &e, fd, 4).unwrap();
    assert_eq!(ioctl::sys_ioctl(&cx, fd, FIONREAD, a), Ok(0));
    assert_eq!(e.m.peek_i32(a), 6);
    assert_eq!(ioctl::sys_ioctl(&cx, fd, FIOCLEX, 0), Ok(0));
    assert_eq!(fcntl::sys_fcntl(&cx, fd, F_GETFD, 0), Ok(1));
    assert_eq!(ioctl::sys_ioctl(&cx, fd, FIONCLEX, 0), Ok(0));
    assert_eq!(fcntl::sys_fcntl(&cx, fd, F_GETFD, 0), Ok(0));
    e.m.poke(a, &1i32.to_le_bytes());
    assert_eq!(ioctl::sys_ioctl(&cx, fd, FIONBIO, a), Ok(0));
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_GETFL, 0).unwrap() as u32 & O_NONBLOCK,
        O_NONBLOCK
    );
    e.m.poke(a, &0i32.to_le_bytes());
    ioctl::sys_ioctl(&cx, fd, FIONBIO, a).unwrap();
    assert_eq!(
        fcntl::sys_fcntl(&cx, fd, F_GETFL, 0).unwrap() as u32 & O_NONBLOCK,
        0
    );
    assert_eq!(ioctl::sys_ioctl(&cx, fd, FIONBIO, HOLE), Err(Errno::EFAULT));
    assert_eq!(ioctl::sys_ioctl(&cx, fd, TCGETS, a), Err(Errno::ENOTTY));
    assert_eq!(ioctl::sys_ioctl(&cx, fd, FIOQSIZE, a), Ok(0));
    assert_eq!(ioctl::sys_ioctl(&cx, 1, TCGETS, a), Err(Errno::ENOTTY));
    assert_eq!(ioctl::sys_ioctl(&cx, 99, FIOCLEX, 0), Err(Errno::EBADF));
}

#[test]
fn statx_fields() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"12345");
    let b = e.m.alloc(256);
    let sx = |dirfd: i32, path: UserPtr<u8>, flags: u32, mask: u32| {
        stat::sys_statx(&cx, dirfd, path, flags, mask, UserPtr::new(b))
            .map(|_| Statx::read_from_bytes(&e.m.peek(b, 256)).unwrap())
    };
    let s = sx(AT_FDCWD, p(&e, "/tmp/f"), 0, STATX_BASIC_STATS).unwrap();
    let st = stat_of(&cx, &e, "/tmp/f").unwrap();
    assert_eq!(s.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    assert_eq!(s.stx_size, 5);
    assert_eq!(s.stx_mode as u32, S_IFREG | 0o644);
    assert_eq!(s.stx_ino, st.st_ino);
    assert_eq!(s.stx_nlink, 1);
    assert_eq!(makedev(s.stx_dev_major, s.stx_dev_minor), st.st_dev);
    assert_eq!(s.stx_mtime.tv_sec, st.st_mtime);
    assert_eq!(s.stx_mtime.tv_nsec as i64, st.st_mtime_nsec);
    assert_eq!(s.stx_attributes & STATX_ATTR_MOUNT_ROOT, 0);
    assert_ne!(s.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT, 0);
    let root = sx(AT_FDCWD, p(&e, "/"), 0, STATX_BASIC_STATS).unwrap();
    assert_ne!(root.stx_attributes & STATX_ATTR_MOUNT_ROOT, 0);
    let proc = sx(AT_FDCWD, p(&e, "/proc"), 0, STATX_BASIC_STATS).unwrap();
    assert_ne!(proc.stx_attributes & STATX_ATTR_MOUNT_ROOT, 0);
    // AT_EMPTY_PATH on an fd, and the /dev/console char devices' rdev.
    let c = sx(1, p(&e, ""), AT_EMPTY_PATH, STATX_ALL).unwrap();
    assert_eq!(c.stx_mode as u32 & S_IFMT, S_IFCHR);
    assert_eq!((c.stx_rdev_major, c.stx_rdev_minor), (5, 1));
    assert_eq!(
        sx(AT_FDCWD, p(&e, "/tmp/f"), AT_STATX_SYNC_TYPE, 0),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        sx(AT_FDCWD, p(&e, "/tmp/f"), 0, STATX__RESERVED),
        Err(Errno::EINVAL)
    );
    assert_eq!(sx(AT_FDCWD, p(&e, "/tmp/nope"), 0, 0), Err(Errno::ENOENT));
    assert_eq!(
        stat::sys_statx(&cx, AT_FDCWD, p(&e, "/tmp/f"), 0, 0, UserPtr::new(HOLE)),
        Err(Errno::EFAULT)
    );
    // lstat vs stat through a symlink.
    link::sys_symlink(&cx, p(&e, "f"), p(&e, "/tmp/l")).unwrap();
    let l = sx(AT_FDCWD, p(&e, "/tmp/l"), AT_SYMLINK_NOFOLLOW, 0).unwrap();
    assert_eq!(l.stx_mode as u32 & S_IFMT, S_IFLNK);
    assert_eq!(l.stx_size, 1);
    assert_eq!(sx(AT_FDCWD, p(&e, "/tmp/l"), 0, 0).unwrap().stx_size, 5);
    let b2 = e.m.alloc(144);
    stat::sys_lstat(&cx, p(&e, "/tmp/l"), UserPtr::new(b2)).unwrap();
    assert_eq!(
        Stat::read_from_bytes(&e.m.peek(b2, 144)).unwrap().st_mode & S_IFMT,
        S_IFLNK
    );
}

#[test]
fn statfs_types() {
    let e = env();
    let cx = e.cx();
    let b = e.m.alloc(120);
    let fs = |path: &str| {
        statfs::sys_statfs(&cx, p(&e, path), UserPtr::new(b))
            .map(|_| Statfs::read_from_bytes(&e.m.peek(b, 120)).unwrap())
    };
    let root = fs("/").unwrap();
    assert_eq!(root.f_type, RAMFS_MAGIC);
    assert_eq!(root.f_bsize, 4096);
    assert_eq!(root.f_bfree, crate::testing::MEM_FREE / 4096);
    assert_eq!(root.f_blocks, crate::testing::MEM_TOTAL / 4096);
    assert_eq!(fs("/tmp").unwrap().f_type, RAMFS_MAGIC);
    assert_eq!(fs("/proc").unwrap().f_type, PROC_SUPER_MAGIC);
    assert_eq!(fs("/proc/self").unwrap().f_type, PROC_SUPER_MAGIC);
    assert_eq!(fs("/dev/null").unwrap().f_type, TMPFS_MAGIC);
    assert_eq!(fs("/nope"), Err(Errno::ENOENT));
    assert_eq!(
        statfs::sys_fstatfs(&cx, 0, UserPtr::new(HOLE)),
        Err(Errno::EFAULT)
    );
    let fd = open(&cx, &e, "/proc", O_PATH, 0).unwrap();
    statfs::sys_fstatfs(&cx, fd, UserPtr::new(b)).unwrap();
    assert_eq!(
        Statfs::read_from_bytes(&e.m.peek(b, 120)).unwrap().f_type,
        PROC_SUPER_MAGIC
    );
}

#[test]
fn readlink_rules() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"");
    link::sys_symlink(&cx, p(&e, "/tmp/f"), p(&e, "/tmp/l")).unwrap();
    let b = e.m.alloc(64);
    assert_eq!(
        readlink::sys_readlink(&cx, p(&e, "/tmp/l"), UserPtr::new(b), 64),
        Ok(6)
    );
    assert_eq!(e.m.peek(b, 7), b"/tmp/f\0");
    let b = e.m.alloc(64);
    e.m.poke(b, b"zzzzzz");
    assert_eq!(
        readlink::sys_readlink(&cx, p(&e, "/tmp/l"), UserPtr::new(b), 3),
        Ok(3)
    );
    assert_eq!(e.m.peek(b, 4), b"/tmz");
    assert_eq!(
        readlink::sys_readlink(&cx, p(&e, "/tmp/f"), UserPtr::new(b), 64),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        readlink::sys_readlink(&cx, p(&e, "/tmp/l"), UserPtr::new(b), 0),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        readlink::sys_readlink(&cx, p(&e, "/tmp/l"), UserPtr::new(b), -1),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        readlink::sys_readlink(&cx, p(&e, "/tmp/l"), UserPtr::new(HOLE), 9),
        Err(Errno::EFAULT)
    );
    let tmp = open(&cx, &e, "/tmp", O_RDONLY, 0).unwrap();
    assert_eq!(
        readlink::sys_readlinkat(&cx, tmp, p(&e, "l"), UserPtr::new(b), 64),
        Ok(6)
    );
    // An empty path names dirfd: a symlink opened with O_PATH|O_NOFOLLOW.
    let lfd = open(&cx, &e, "/tmp/l", O_PATH | O_NOFOLLOW, 0).unwrap();
    assert_eq!(
        readlink::sys_readlinkat(&cx, lfd, p(&e, ""), UserPtr::new(b), 64),
        Ok(6)
    );
    assert_eq!(
        readlink::sys_readlinkat(&cx, tmp, p(&e, ""), UserPtr::new(b), 64),
        Err(Errno::ENOENT)
    );
    // /proc/self/exe is a link to the program.
    assert_eq!(
        readlink::sys_readlink(&cx, p(&e, "/proc/self/exe"), UserPtr::new(b), 64),
        Ok(9)
    );
    assert_eq!(e.m.peek(b, 9), b"/bin/test");
}

#[test]
fn access_modes() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"");
    let acc = |path: &str, mode: u32| access::sys_access(&cx, p(&e, path), mode);
    assert_eq!(acc("/tmp/f", F_OK), Ok(0));
    assert_eq!(acc("/tmp/f", R_OK | W_OK), Ok(0));
    assert_eq!(acc("/tmp/f", X_OK), Err(Errno::EACCES));
    assert_eq!(acc("/tmp", X_OK), Ok(0));
    chmod::sys_chmod(&cx, p(&e, "/tmp/f"), 0o4701).unwrap();
    assert_eq!(
        stat_of(&cx, &e, "/tmp/f").unwrap().st_mode,
        S_IFREG | 0o4701
    );
    assert_eq!(acc("/tmp/f", X_OK), Ok(0));
    assert_eq!(acc("/tmp/f", 8), Err(Errno::EINVAL));
    assert_eq!(acc("/tmp/nope", F_OK), Err(Errno::ENOENT));
    assert_eq!(
        access::sys_faccessat2(&cx, AT_FDCWD, p(&e, "/tmp/f"), F_OK, AT_REMOVEDIR << 8),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        access::sys_faccessat2(&cx, 0, p(&e, ""), R_OK, AT_EMPTY_PATH),
        Ok(0)
    );
    assert_eq!(
        access::sys_faccessat(&cx, AT_FDCWD, p(&e, "tmp/f"), W_OK),
        Ok(0)
    );
}

#[test]
fn truncate_sync_chown_utimens() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"0123456789");
    truncate::sys_truncate(&cx, p(&e, "/tmp/f"), 4).unwrap();
    assert_eq!(stat_of(&cx, &e, "/tmp/f").unwrap().st_size, 4);
    assert_eq!(
        truncate::sys_truncate(&cx, p(&e, "/tmp/f"), -1),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        truncate::sys_truncate(&cx, p(&e, "/tmp"), 0),
        Err(Errno::EISDIR)
    );
    let ro = open(&cx, &e, "/tmp/f", O_RDONLY, 0).unwrap();
    assert_eq!(truncate::sys_ftruncate(&cx, ro, 0), Err(Errno::EINVAL));
    let wr = open(&cx, &e, "/tmp/f", O_WRONLY, 0).unwrap();
    truncate::sys_ftruncate(&cx, wr, 100).unwrap();
    assert_eq!(fstat_of(&cx, &e, ro).unwrap().st_size, 100);

    assert_eq!(sync::sys_fsync(&cx, wr), Ok(0));
    assert_eq!(sync::sys_fdatasync(&cx, ro), Ok(0));
    assert_eq!(sync::sys_fsync(&cx, 1), Err(Errno::EINVAL));
    assert_eq!(sync::sys_fsync(&cx, 77), Err(Errno::EBADF));

    chown::sys_chown(&cx, p(&e, "/tmp/f"), 1000, u32::MAX).unwrap();
    let st = stat_of(&cx, &e, "/tmp/f").unwrap();
    assert_eq!((st.st_uid, st.st_gid), (1000, 0));
    chown::sys_fchown(&cx, ro, u32::MAX, 50).unwrap();
    let st = stat_of(&cx, &e, "/tmp/f").unwrap();
    assert_eq!((st.st_uid, st.st_gid), (1000, 50));
    assert_eq!(
        chown::sys_fchownat(&cx, AT_FDCWD, p(&e, "/tmp/f"), 0, 0, AT_REMOVEDIR),
        Err(Errno::EINVAL)
    );

    let times = |a: (i64, i64), m: (i64, i64)| {
        let v: Vec<u8> = [a.0, a.1, m.0, m.1]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        UserPtr::new(e.m.alloc_bytes(&v))
    };
    utimens::sys_utimensat(&cx, AT_FDCWD, p(&e, "/tmp/f"), times((100, 5), (200, 6)), 0).unwrap();
    let st = stat_of(&cx, &e, "/tmp/f").unwrap();
    assert_eq!(
        (st.st_atime, st.st_atime_nsec, st.st_mtime, st.st_mtime_nsec),
        (100, 5, 200, 6)
    );
    utimens::sys_utimensat(
        &cx,
        AT_FDCWD,
        p(&e, "/tmp/f"),
        times((1, UTIME_OMIT), (0, UTIME_NOW)),
        0,
    )
    .unwrap();
    let st = stat_of(&cx, &e, "/tmp/f").unwrap();
    assert_eq!(st.st_atime, 100);
    assert_eq!(
        st.st_mtime,
        (crate::testing::REALTIME_NS / 1_000_000_000) as i64
    );
    // Both omitted: nothing happens, the path is not even looked at.
    assert_eq!(
        utimens::sys_utimensat(
            &cx,
            AT_FDCWD,
            p(&e, "/nope"),
            times((0, UTIME_OMIT), (0, UTIME_OMIT)),
            0
        ),
        Ok(0)
    );
    assert_eq!(
        utimens::sys_utimensat(
            &cx,
            AT_FDCWD,
            p(&e, "/tmp/f"),
            times((0, 1_000_000_000), (0, 0)),
            0
        ),
        Err(Errno::EINVAL)
    );
    // futimens form, NULL times = now.
    utimens::sys_utimensat(&cx, wr, UserPtr::new(0), times((7, 0), (8, 0)), 0).unwrap();
    assert_eq!(stat_of(&cx, &e, "/tmp/f").unwrap().st_mtime, 8);
    utimens::sys_utimensat(&cx, wr, UserPtr::new(0), UserPtr::new(0), 0).unwrap();
    assert_eq!(
        stat_of(&cx, &e, "/tmp/f").unwrap().st_atime,
        (crate::testing::REALTIME_NS / 1_000_000_000) as i64
    );
    assert_eq!(
        utimens::sys_utimensat(
            &cx,
            wr,
            UserPtr::new(0),
            UserPtr::new(0),
            AT_SYMLINK_NOFOLLOW
        ),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        utimens::sys_utimensat(&cx, AT_FDCWD, UserPtr::new(0), UserPtr::new(0), 0),
        Err(Errno::EFAULT)
    );
    assert_eq!(
        utimens::sys_utimensat(&cx, AT_FDCWD, p(&e, "/tmp/f"), UserPtr::new(HOLE), 0),
        Err(Errno::EFAULT)
    );
}

#[test]
fn sendfile_to_console_and_file() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"0123456789");
    let fd = open(&cx, &e, "/tmp/f", O_RDONLY, 0).unwrap();
    assert_eq!(
        sendfile::sys_sendfile(&cx, 1, fd, UserPtr::new(0), 4),
        Ok(4)
    );
    assert_eq!(e.m.stdout_text(), "0123");
    let off = e.m.alloc_bytes(&6i64.to_le_bytes());
    assert_eq!(
        sendfile::sys_sendfile(&cx, 1, fd, UserPtr::new(off), 100),
        Ok(4)
    );
    assert_eq!(e.m.stdout_text(), "01236789");
    assert_eq!(e.m.peek(off, 8), 10i64.to_le_bytes());
    // The file offset moved only with the first call.
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, SEEK_CUR as u32), Ok(4));
    let out = open(&cx, &e, "/tmp/g", O_CREAT | O_WRONLY, 0o644).unwrap();
    assert_eq!(
        sendfile::sys_sendfile(&cx, out, fd, UserPtr::new(0), 1 << 20),
        Ok(6)
    );
    assert_eq!(stat_of(&cx, &e, "/tmp/g").unwrap().st_size, 6);
    assert_eq!(
        sendfile::sys_sendfile(&cx, fd, out, UserPtr::new(0), 1),
        Err(Errno::EBADF)
    );
    let app = open(&cx, &e, "/tmp/g", O_WRONLY | O_APPEND, 0).unwrap();
    assert_eq!(
        sendfile::sys_sendfile(&cx, app, fd, UserPtr::new(0), 1),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        sendfile::sys_sendfile(&cx, 1, fd, UserPtr::new(HOLE), 1),
        Err(Errno::EFAULT)
    );
}

#[test]
fn calls_through_the_table() {
    let e = env();
    let path = e.m.cstr("/tmp/t");
    let fd = e.sys(
        SYS_OPENAT,
        &[
            AT_FDCWD as u32 as u64,
            path,
            (O_CREAT | O_RDWR) as u64,
            0o644,
        ],
    );
    assert_eq!(fd, 3);
    let data = e.m.alloc_bytes(b"abc");
    assert_eq!(e.sys(SYS_WRITE, &[3, data, 3]), 3);
    assert_eq!(e.sys(SYS_LSEEK, &[3, 0, 0]), 0);
    let st = e.m.alloc(144);
    assert_eq!(
        e.sys(SYS_NEWFSTATAT, &[3, e.m.cstr(""), st, AT_EMPTY_PATH as u64]),
        0
    );
    assert_eq!(
        e.sys(SYS_OPEN, &[e.m.cstr("/nope"), 0, 0]),
        -(Errno::ENOENT as isize)
    );
    // A dirfd is an int: the upper half of the register is ignored.
    assert_eq!(e.sys(SYS_FSTAT, &[0xffff_ffff_0000_0003, st]), 0);
    assert_eq!(e.sys(SYS_CLOSE, &[3]), 0);
}
