use super::*;

#[test]
fn dot_and_dotdot_across_mounts() {
    let e = env();
    e.mkdir("/tmp/a").unwrap();
    let root_ino = e.stat("/").unwrap().ino;
    let tmp = e.stat("/tmp").unwrap();
    assert_ne!(tmp.dev, e.stat("/").unwrap().dev, "/tmp is its own fs");
    assert_eq!(e.stat("/tmp/a/..").unwrap(), tmp);
    assert_eq!(e.stat("/tmp/..").unwrap().ino, root_ino);
    assert_eq!(e.stat("/..").unwrap().ino, root_ino);
    assert_eq!(e.stat("/../../tmp/./a/../..").unwrap().ino, root_ino);
    let cwd = e.vfs.chdir(&e.root, b"/tmp/a").unwrap();
    assert_eq!(cwd.path(), b"/tmp/a");
    assert_eq!(e.vfs.resolve(&cwd, b"../..", true).unwrap().path(), b"/");
    assert_eq!(e.vfs.resolve(&cwd, b"..", true).unwrap().path(), b"/tmp");
    assert_eq!(e.root.path(), b"/");
}

#[test]
fn relative_paths_and_getcwd() {
    let e = env();
    e.mkdir("/x").unwrap();
    e.mkdir("/x/y").unwrap();
    let cwd = e.vfs.chdir(&e.root, b"x").unwrap();
    e.vfs
        .open(&cwd, b"y/file", O_CREAT | O_WRONLY, 0o600)
        .unwrap();
    assert!(e.stat("/x/y/file").is_ok());
    let cwd = e.vfs.chdir(&cwd, b"y").unwrap();
    assert_eq!(cwd.path(), b"/x/y");
    assert_eq!(e.vfs.chdir(&cwd, b"file").unwrap_err(), Errno::ENOTDIR);
}

#[test]
fn symlinks() {
    let e = env();
    e.mkdir("/d").unwrap();
    e.write_file("/d/f", b"F");
    e.symlink("d/f", "/rel").unwrap();
    e.symlink("/d", "/abs").unwrap();
    e.symlink("../d/f", "/d/up").unwrap();
    e.symlink("nowhere", "/dangling").unwrap();
    assert_eq!(e.read_file("/rel").unwrap(), b"F");
    assert_eq!(e.read_file("/abs/f").unwrap(), b"F");
    assert_eq!(e.read_file("/abs/up").unwrap(), b"F");
    assert!(e.lstat("/rel").unwrap().is_symlink());
    assert_eq!(e.lstat("/rel").unwrap().size, 3);
    assert_eq!(e.vfs.readlink(&e.root, b"/rel").unwrap(), b"d/f");
    assert_eq!(e.vfs.readlink(&e.root, b"/d/f"), Err(Errno::EINVAL));
    assert_eq!(e.stat("/dangling"), Err(Errno::ENOENT));
    assert!(e.lstat("/dangling").is_ok());
    // Through a symlink, the real path is tracked (getcwd shows /d).
    assert_eq!(e.vfs.chdir(&e.root, b"/abs").unwrap().path(), b"/d");
    // A trailing slash follows the last link even for lstat.
    assert!(e.lstat("/abs/").unwrap().is_dir());
    assert_eq!(e.lstat("/rel/"), Err(Errno::ENOTDIR));
    // O_NOFOLLOW.
    assert_eq!(
        e.open("/rel", O_RDONLY | O_NOFOLLOW).unwrap_err(),
        Errno::ELOOP
    );
    let p = e.open("/rel", O_PATH | O_NOFOLLOW).unwrap();
    assert!(p.metadata().is_symlink());
    // unlink removes the link, not the target.
    e.vfs.unlink(&e.root, b"/rel").unwrap();
    assert!(e.stat("/d/f").is_ok());
}

#[test]
fn symlink_loops() {
    let e = env();
    e.symlink("/loop2", "/loop1").unwrap();
    e.symlink("/loop1", "/loop2").unwrap();
    assert_eq!(e.stat("/loop1"), Err(Errno::ELOOP));
    // A chain of exactly 40 links resolves, 41 does not.
    e.write_file("/target", b"t");
    e.symlink("/target", "/l0").unwrap();
    for i in 1..41 {
        e.symlink(&format!("/l{}", i - 1), &format!("/l{i}"))
            .unwrap();
    }
    assert!(e.stat("/l39").is_ok());
    assert_eq!(e.stat("/l40"), Err(Errno::ELOOP));
}

#[test]
fn enotdir_and_name_limits() {
    let e = env();
    e.write_file("/file", b"");
    assert_eq!(e.stat("/file/x"), Err(Errno::ENOTDIR));
    assert_eq!(e.stat("/file/"), Err(Errno::ENOTDIR));
    assert_eq!(e.stat("/file/."), Err(Errno::ENOTDIR));
    assert_eq!(e.stat(""), Err(Errno::ENOENT));
    assert_eq!(e.stat("/missing/x"), Err(Errno::ENOENT));
    let long = "a".repeat(256);
    assert_eq!(e.stat(&format!("/{long}")), Err(Errno::ENAMETOOLONG));
    assert_eq!(e.mkdir(&format!("/{long}")), Err(Errno::ENAMETOOLONG));
    assert_eq!(e.mkdir(&"a".repeat(255)), Ok(()));
    let deep = "/".to_string() + &"x/".repeat(2048);
    assert_eq!(e.stat(&deep), Err(Errno::ENAMETOOLONG));
    assert_eq!(
        e.vfs.resolve_empty(&e.root, b"", true).unwrap().path(),
        b"/"
    );
}

#[test]
fn trailing_slashes_on_creation() {
    let e = env();
    e.mkdir("/newdir/").unwrap();
    assert!(e.stat("/newdir").unwrap().is_dir());
    assert_eq!(e.mkdir("/newdir"), Err(Errno::EEXIST));
    assert_eq!(e.mkdir("/."), Err(Errno::EEXIST));
    assert_eq!(
        e.open("/nf/", O_CREAT | O_WRONLY).unwrap_err(),
        Errno::EISDIR
    );
    assert_eq!(e.symlink("x", "/sl/"), Err(Errno::ENOENT));
    e.symlink("nowhere", "/dl").unwrap();
    assert_eq!(e.mkdir("/dl"), Err(Errno::EEXIST));
}

#[test]
fn mount_and_umount() {
    let e = env();
    e.mkdir("/mnt").unwrap();
    e.write_file("/mnt/under", b"");
    let fs = RamFs::new(e.clk.clone());
    e.vfs
        .mount(&e.root, b"/mnt", fs.root(), "ramfs", "none")
        .unwrap();
    assert_eq!(e.stat("/mnt/under"), Err(Errno::ENOENT));
    e.write_file("/mnt/over", b"");
    let paths: Vec<Vec<u8>> = e.vfs.mounts().into_iter().map(|m| m.path).collect();
    assert_eq!(
        paths,
        vec![b"/tmp".to_vec(), b"/dev".to_vec(), b"/mnt".to_vec()]
    );
    // An open file keeps its path.
    let f = e.open("/mnt/over", O_RDONLY).unwrap();
    assert_eq!(f.path(), b"/mnt/over");
    e.vfs.umount(&e.root, b"/mnt").unwrap();
    assert!(e.stat("/mnt/under").is_ok());
    assert_eq!(e.vfs.umount(&e.root, b"/mnt"), Err(Errno::EINVAL));
}
