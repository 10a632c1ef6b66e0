use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Builds a small /proc the way osprey-linux will: /proc/meminfo (seq-file snapshot),
/// /proc/self/exe (magic link), /proc/self/fd (dynamic directory of magic links).
fn mount_proc(e: &Env, fds: Arc<FdTable>, exe: Arc<Dentry>) -> Arc<AtomicUsize> {
    let proc_fs = SynthFs::new(e.clk.clone());
    let root = proc_fs.dir(0o555);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    root.insert(
        b"meminfo",
        proc_fs.file(0o444, move || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            format!(
                "MemTotal:       {:8} kB\nMemFree:        {:8} kB\n",
                131072,
                1000 + n
            )
            .into_bytes()
        }),
    );
    let me = proc_fs.dir(0o555);
    let exe_path = exe.path();
    me.insert(
        b"exe",
        proc_fs.magic_link(move || exe_path.clone(), move || Ok(exe.clone())),
    );
    let pfs = proc_fs.clone();
    let fd_dir = proc_fs.dynamic_dir(0o500, move || {
        fds.list()
            .into_iter()
            .map(|(fd, file)| {
                let (f1, f2) = (file.clone(), file);
                let node: Arc<dyn Inode> =
                    pfs.magic_link(move || f1.path(), move || Ok(f2.dentry().clone()));
                (fd.to_string().into_bytes(), node)
            })
            .collect()
    });
    me.insert(b"fd", fd_dir);
    root.insert(b"self", me);
    e.mkdir("/proc").unwrap();
    e.vfs
        .mount(&e.root, b"/proc", root, "proc", "proc")
        .unwrap();
    calls
}

#[test]
fn proc_meminfo_snapshot_and_exe() {
    let e = env();
    e.mkdir("/bin").unwrap();
    e.write_file("/bin/app", b"\x7fELF");
    let exe = e.vfs.resolve(&e.root, b"/bin/app", true).unwrap();
    let calls = mount_proc(&e, Arc::new(FdTable::new()), exe);

    let f = e.open("/proc/meminfo", O_RDONLY).unwrap();
    assert_eq!(f.metadata().size, 0, "proc files report size 0");
    // Reading in tiny pieces sees one snapshot.
    let mut out = Vec::new();
    let mut b = [0u8; 7];
    loop {
        let n = f.read(&mut b).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[..n]);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("MemTotal:         131072 kB\n"), "{text}");
    assert!(text.contains("MemFree:            1000 kB"));
    // A new open produces a new snapshot.
    let again = String::from_utf8(e.read_file("/proc/meminfo").unwrap()).unwrap();
    assert!(again.contains("1001 kB"));
    assert_eq!(
        e.open("/proc/meminfo", O_WRONLY).unwrap_err(),
        Errno::EACCES
    );
    assert_eq!(
        e.vfs
            .open(&e.root, b"/proc/new", O_CREAT | O_WRONLY, 0o644)
            .unwrap_err(),
        Errno::EPERM
    );

    assert_eq!(
        e.vfs.readlink(&e.root, b"/proc/self/exe").unwrap(),
        b"/bin/app"
    );
    assert_eq!(e.read_file("/proc/self/exe").unwrap(), b"\x7fELF");
    assert_eq!(e.ls("/proc"), vec![".", "..", "meminfo", "self"]);
    assert_eq!(e.stat("/proc").unwrap().nlink, 3);
}

#[test]
fn proc_self_fd_and_dev_links() {
    let e = env();
    let fds = Arc::new(FdTable::new());
    e.write_file("/tmp/in", b"input");
    let exe = e.root.clone();
    mount_proc(&e, fds.clone(), exe);
    let stdin = e.open("/tmp/in", O_RDONLY).unwrap();
    fds.insert(stdin, false).unwrap();
    fds.insert(e.open("/dev/null", O_WRONLY).unwrap(), false)
        .unwrap();
    assert_eq!(e.ls("/proc/self/fd"), vec![".", "..", "0", "1"]);
    assert_eq!(
        e.vfs.readlink(&e.root, b"/proc/self/fd/0").unwrap(),
        b"/tmp/in"
    );
    assert_eq!(
        e.vfs.readlink(&e.root, b"/proc/self/fd/1").unwrap(),
        b"/dev/null"
    );
    // /dev/stdin -> /proc/self/fd/0 -> the file itself, even after it is unlinked.
    e.vfs.unlink(&e.root, b"/tmp/in").unwrap();
    assert_eq!(
        e.vfs.readlink(&e.root, b"/proc/self/fd/0").unwrap(),
        b"/tmp/in (deleted)"
    );
    assert_eq!(e.read_file("/dev/stdin").unwrap(), b"input");
    assert_eq!(e.read_file("/dev/fd/0").unwrap(), b"input");
    assert_eq!(e.stat("/proc/self/fd/5"), Err(Errno::ENOENT));
    // An anonymous object (pipe-like) shows its display name.
    let anon = OpenFile::new(
        Dentry::anonymous(e.stat_inode("/dev/zero"), b"pipe:[42]"),
        O_RDONLY,
    )
    .unwrap();
    fds.insert(anon, false).unwrap();
    assert_eq!(
        e.vfs.readlink(&e.root, b"/proc/self/fd/2").unwrap(),
        b"pipe:[42]"
    );
}

impl Env {
    fn stat_inode(&self, path: &str) -> Arc<dyn Inode> {
        self.vfs
            .resolve(&self.root, path.as_bytes(), true)
            .unwrap()
            .inode()
            .clone()
    }
}

#[test]
fn memory_devices() {
    let e = env();
    let mut b = [9u8; 8];
    let null = e.open("/dev/null", O_RDWR).unwrap();
    assert_eq!(null.read(&mut b).unwrap(), 0);
    assert_eq!(null.write(b"abc").unwrap(), 3);
    assert_eq!(null.lseek(0, SEEK_SET).unwrap(), 0);
    let m = null.metadata();
    assert_eq!((m.mode, m.rdev), (S_IFCHR | 0o666, makedev(1, 3)));
    let zero = e.open("/dev/zero", O_RDWR).unwrap();
    assert_eq!(zero.read(&mut b).unwrap(), 8);
    assert_eq!(b, [0; 8]);
    let full = e.open("/dev/full", O_RDWR).unwrap();
    assert_eq!(full.write(b"x").unwrap_err(), Errno::ENOSPC);
    let ur = e.open("/dev/urandom", O_RDONLY).unwrap();
    ur.read(&mut b).unwrap();
    assert_eq!(b, [0x5a, 0x5b, 0x58, 0x59, 0x5e, 0x5f, 0x5c, 0x5d]);
    assert_eq!(null.ioctl(0x5401, 0).unwrap_err(), Errno::ENOTTY);
    assert_eq!(
        e.lstat("/dev/stdout").unwrap().file_type(),
        FileType::Symlink
    );
    let l = e.ls("/dev");
    for n in [
        "null", "zero", "full", "random", "urandom", "stdin", "stdout", "stderr", "fd", "shm",
    ] {
        assert!(l.iter().any(|x| x == n), "{n} missing in {l:?}");
    }
}

/// A kernel-provided console: a character device with its own ioctl and readiness.
struct Console {
    out: spin::Mutex<Vec<u8>>,
    input: spin::Mutex<Vec<u8>>,
}

impl CharDevice for Console {
    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        let mut i = self.input.lock();
        let n = buf.len().min(i.len());
        buf[..n].copy_from_slice(&i[..n]);
        i.drain(..n);
        Ok(n)
    }
    fn write(&self, buf: &[u8]) -> Result<usize> {
        self.out.lock().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn ioctl(&self, cmd: u32, _arg: usize) -> Result<usize> {
        if cmd == 0x5401 {
            Ok(0)
        } else {
            Err(Errno::ENOTTY)
        }
    }
    fn poll(&self, events: u16) -> u16 {
        let mut r = events & POLLOUT;
        if !self.input.lock().is_empty() {
            r |= events & POLLIN;
        }
        r
    }
}

#[test]
fn kernel_console_device() {
    let (clk, _) = fake_clock();
    let rootfs = RamFs::new(clk.clone());
    let vfs = Vfs::new(rootfs.root());
    let root = vfs.root();
    vfs.mkdir(&root, b"dev", 0o755).unwrap();
    let dev = DevFs::new(clk, Arc::new(|b: &mut [u8]| b.fill(4)));
    let con = Arc::new(Console {
        out: spin::Mutex::new(Vec::new()),
        input: spin::Mutex::new(Vec::new()),
    });
    dev.add_device(b"console", makedev(5, 1), 0o600, con.clone());
    dev.add_device(b"tty", makedev(5, 0), 0o666, con.clone());
    vfs.mount(&root, b"/dev", dev.root(), "devtmpfs", "udev")
        .unwrap();

    let fds = FdTable::new();
    let f = vfs.open(&root, b"/dev/console", O_RDWR, 0).unwrap();
    fds.insert(f.clone(), false).unwrap();
    fds.dup(0).unwrap();
    fds.dup(0).unwrap();
    fds.get(1).unwrap().write(b"hello\n").unwrap();
    assert_eq!(con.out.lock().as_slice(), b"hello\n");
    assert_eq!(f.ioctl(0x5401, 0).unwrap(), 0);
    assert_eq!(f.lseek(0, SEEK_CUR).unwrap_err(), Errno::ESPIPE);
    assert_eq!(f.pread(&mut [0u8; 1], 0).unwrap_err(), Errno::ESPIPE);
    // O_NONBLOCK with no input: EAGAIN; with input: data.
    f.set_flags(O_NONBLOCK);
    let mut b = [0u8; 4];
    assert_eq!(f.read(&mut b).unwrap_err(), Errno::EAGAIN);
    con.input.lock().extend_from_slice(b"ls\n");
    assert_eq!(f.poll(POLLIN | POLLOUT), POLLIN | POLLOUT);
    assert_eq!(f.read(&mut b).unwrap(), 3);
    assert_eq!(f.metadata().rdev, makedev(5, 1));
    assert_eq!(f.path(), b"/dev/console");
}
