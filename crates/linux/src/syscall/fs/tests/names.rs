//! mkdir, rmdir, unlink, rename, link, symlink, getcwd, chdir.

use super::*;

#[test]
fn mkdir_rmdir_unlink_errors() {
    let e = env();
    let cx = e.cx();
    let mk = |s: &str| mkdir::sys_mkdir(&cx, p(&e, s), 0o755);
    assert_eq!(mk("/tmp/d"), Ok(0));
    assert_eq!(mk("/tmp/d"), Err(Errno::EEXIST));
    assert_eq!(mk("/tmp/x/y"), Err(Errno::ENOENT));
    assert_eq!(mk(""), Err(Errno::ENOENT));
    assert_eq!(
        mkdir::sys_mkdir(&cx, UserPtr::new(HOLE), 0o755),
        Err(Errno::EFAULT)
    );
    make_file(&cx, &e, "/tmp/d/f", b"");
    assert_eq!(mk("/tmp/d/f/g"), Err(Errno::ENOTDIR));
    assert_eq!(
        unlink::sys_rmdir(&cx, p(&e, "/tmp/d")),
        Err(Errno::ENOTEMPTY)
    );
    assert_eq!(
        unlink::sys_rmdir(&cx, p(&e, "/tmp/d/f")),
        Err(Errno::ENOTDIR)
    );
    assert_eq!(unlink::sys_unlink(&cx, p(&e, "/tmp/d")), Err(Errno::EISDIR));
    assert_eq!(
        unlink::sys_unlink(&cx, p(&e, "/tmp/d/f/")),
        Err(Errno::ENOTDIR)
    );
    assert_eq!(
        unlink::sys_rmdir(&cx, p(&e, "/tmp/d/.")),
        Err(Errno::EINVAL)
    );
    assert_eq!(unlink::sys_rmdir(&cx, p(&e, "/proc")), Err(Errno::EBUSY));
    assert_eq!(
        unlink::sys_unlink(&cx, p(&e, "/tmp/d/nope")),
        Err(Errno::ENOENT)
    );
    let dfd = open(&cx, &e, "/tmp/d", O_RDONLY, 0).unwrap();
    assert_eq!(
        unlink::sys_unlinkat(&cx, dfd, p(&e, "f"), 0x1),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        unlink::sys_unlinkat(&cx, dfd, p(&e, "f"), AT_REMOVEDIR),
        Err(Errno::ENOTDIR)
    );
    assert_eq!(unlink::sys_unlinkat(&cx, dfd, p(&e, "f"), 0), Ok(0));
    assert_eq!(stat_of(&cx, &e, "/tmp/d/f"), Err(Errno::ENOENT));
    assert_eq!(mkdir::sys_mkdirat(&cx, dfd, p(&e, "sub"), 0o700), Ok(0));
    assert_eq!(
        stat_of(&cx, &e, "/tmp/d/sub").unwrap().st_mode,
        S_IFDIR | 0o700
    );
    assert_eq!(
        unlink::sys_unlinkat(&cx, dfd, p(&e, "sub"), AT_REMOVEDIR),
        Ok(0)
    );
    assert_eq!(unlink::sys_rmdir(&cx, p(&e, "/tmp/d")), Ok(0));
}

#[test]
fn rename_rules() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/a", b"A");
    make_file(&cx, &e, "/tmp/b", b"B");
    mkdir::sys_mkdir(&cx, p(&e, "/tmp/d"), 0o755).unwrap();
    let rn2 = |a: &str, b: &str, flags: u32| {
        rename::sys_renameat2(&cx, AT_FDCWD, p(&e, a), AT_FDCWD, p(&e, b), flags)
    };
    assert_eq!(
        rn2("/tmp/a", "/tmp/b", RENAME_NOREPLACE),
        Err(Errno::EEXIST)
    );
    assert_eq!(rn2("/tmp/a", "/tmp/b", RENAME_EXCHANGE), Err(Errno::EINVAL));
    assert_eq!(rn2("/tmp/a", "/tmp/b", RENAME_WHITEOUT), Err(Errno::EINVAL));
    assert_eq!(
        rn2("/tmp/a", "/tmp/b", RENAME_EXCHANGE | RENAME_NOREPLACE),
        Err(Errno::EINVAL)
    );
    assert_eq!(rn2("/tmp/a", "/tmp/b", 8), Err(Errno::EINVAL));
    assert_eq!(rn2("/tmp/nope", "/tmp/c", 0), Err(Errno::ENOENT));
    assert_eq!(rn2("/tmp/a", "/tmp/d", 0), Err(Errno::EISDIR));
    assert_eq!(rn2("/tmp/d", "/tmp/a", 0), Err(Errno::ENOTDIR));
    assert_eq!(rn2("/tmp/d", "/tmp/d/e", 0), Err(Errno::EINVAL));
    assert_eq!(rn2("/tmp/a", "/proc/a", 0), Err(Errno::EXDEV));
    assert_eq!(
        rename::sys_rename(&cx, p(&e, "/tmp/a"), p(&e, "/tmp/b")),
        Ok(0)
    );
    let fd = open(&cx, &e, "/tmp/b", O_RDONLY, 0).unwrap();
    assert_eq!(read(&cx, &e, fd, 9).unwrap(), b"A");
    assert_eq!(stat_of(&cx, &e, "/tmp/a"), Err(Errno::ENOENT));
    let d = open(&cx, &e, "/tmp/d", O_RDONLY, 0).unwrap();
    assert_eq!(
        rename::sys_renameat(&cx, AT_FDCWD, p(&e, "/tmp/b"), d, p(&e, "moved")),
        Ok(0)
    );
    assert_eq!(stat_of(&cx, &e, "/tmp/d/moved").unwrap().st_size, 1);
    assert_eq!(
        rename::sys_rename(&cx, UserPtr::new(HOLE), p(&e, "/tmp/x")),
        Err(Errno::EFAULT)
    );
}

#[test]
fn hard_and_symbolic_links() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/f", b"data");
    assert_eq!(link::sys_link(&cx, p(&e, "/tmp/f"), p(&e, "/tmp/h")), Ok(0));
    assert_eq!(stat_of(&cx, &e, "/tmp/f").unwrap().st_nlink, 2);
    assert_eq!(
        link::sys_link(&cx, p(&e, "/tmp/f"), p(&e, "/tmp/h")),
        Err(Errno::EEXIST)
    );
    assert_eq!(
        link::sys_link(&cx, p(&e, "/tmp"), p(&e, "/tmp/dl")),
        Err(Errno::EPERM)
    );
    assert_eq!(
        link::sys_link(&cx, p(&e, "/tmp/f"), p(&e, "/dev/f")),
        Err(Errno::EXDEV)
    );
    assert_eq!(
        link::sys_symlink(&cx, p(&e, ""), p(&e, "/tmp/s")),
        Err(Errno::ENOENT)
    );
    assert_eq!(link::sys_symlink(&cx, p(&e, "f"), p(&e, "/tmp/s")), Ok(0));
    assert_eq!(
        link::sys_symlink(&cx, p(&e, "f"), p(&e, "/tmp/s")),
        Err(Errno::EEXIST)
    );
    // linkat: symlinks are not followed unless AT_SYMLINK_FOLLOW.
    let tmp = open(&cx, &e, "/tmp", O_RDONLY, 0).unwrap();
    assert_eq!(
        link::sys_linkat(&cx, tmp, p(&e, "s"), tmp, p(&e, "s2"), 0),
        Ok(0)
    );
    let b = e.m.alloc(144);
    stat::sys_lstat(&cx, p(&e, "/tmp/s2"), UserPtr::new(b)).unwrap();
    assert_eq!(
        Stat::read_from_bytes(&e.m.peek(b, 144)).unwrap().st_mode & S_IFMT,
        S_IFLNK
    );
    assert_eq!(
        link::sys_linkat(&cx, tmp, p(&e, "s"), tmp, p(&e, "h2"), AT_SYMLINK_FOLLOW),
        Ok(0)
    );
    assert_eq!(stat_of(&cx, &e, "/tmp/f").unwrap().st_nlink, 3);
    // AT_EMPTY_PATH links the open file itself.
    let fd = open(&cx, &e, "/tmp/f", O_RDONLY, 0).unwrap();
    assert_eq!(
        link::sys_linkat(&cx, fd, p(&e, ""), tmp, p(&e, "h3"), 0),
        Err(Errno::ENOENT)
    );
    assert_eq!(
        link::sys_linkat(&cx, fd, p(&e, ""), tmp, p(&e, "h3"), AT_EMPTY_PATH),
        Ok(0)
    );
    assert_eq!(stat_of(&cx, &e, "/tmp/h3").unwrap().st_nlink, 4);
    assert_eq!(
        link::sys_linkat(&cx, fd, p(&e, ""), tmp, p(&e, "h4"), 0x1),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        link::sys_symlinkat(&cx, p(&e, "/x"), tmp, p(&e, "abs")),
        Ok(0)
    );
    assert_eq!(stat_of(&cx, &e, "/tmp/abs"), Err(Errno::ENOENT));
}

#[test]
fn cwd_calls() {
    let e = env();
    let cx = e.cx();
    let b = e.m.alloc(64);
    assert_eq!(cwd::sys_getcwd(&cx, UserPtr::new(b), 64), Ok(2));
    assert_eq!(e.m.peek(b, 2), b"/\0");
    assert_eq!(cwd::sys_chdir(&cx, p(&e, "/tmp")), Ok(0));
    assert_eq!(cwd::sys_getcwd(&cx, UserPtr::new(b), 64), Ok(5));
    assert_eq!(e.m.peek(b, 5), b"/tmp\0");
    assert_eq!(cwd::sys_getcwd(&cx, UserPtr::new(b), 4), Err(Errno::ERANGE));
    assert_eq!(cwd::sys_getcwd(&cx, UserPtr::new(b), 0), Err(Errno::ERANGE));
    assert_eq!(
        cwd::sys_getcwd(&cx, UserPtr::new(HOLE), 64),
        Err(Errno::EFAULT)
    );
    // Relative paths now start at /tmp.
    make_file(&cx, &e, "rel", b"r");
    assert_eq!(stat_of(&cx, &e, "/tmp/rel").unwrap().st_size, 1);
    assert_eq!(cwd::sys_chdir(&cx, p(&e, "rel")), Err(Errno::ENOTDIR));
    assert_eq!(cwd::sys_chdir(&cx, p(&e, "nope")), Err(Errno::ENOENT));
    assert_eq!(cwd::sys_chdir(&cx, p(&e, "")), Err(Errno::ENOENT));
    let f = open(&cx, &e, "rel", O_RDONLY, 0).unwrap();
    assert_eq!(cwd::sys_fchdir(&cx, f), Err(Errno::ENOTDIR));
    let d = open(&cx, &e, "/proc", O_PATH | O_DIRECTORY, 0).unwrap();
    assert_eq!(cwd::sys_fchdir(&cx, d), Ok(0));
    assert_eq!(cwd::sys_getcwd(&cx, UserPtr::new(b), 64), Ok(6));
    assert_eq!(e.m.peek(b, 6), b"/proc\0");
    assert_eq!(cwd::sys_fchdir(&cx, 99), Err(Errno::EBADF));
    // A removed cwd.
    mkdir::sys_mkdir(&cx, p(&e, "/tmp/gone"), 0o755).unwrap();
    cwd::sys_chdir(&cx, p(&e, "/tmp/gone")).unwrap();
    unlink::sys_rmdir(&cx, p(&e, "/tmp/gone")).unwrap();
    assert_eq!(
        cwd::sys_getcwd(&cx, UserPtr::new(b), 64),
        Err(Errno::ENOENT)
    );
}
