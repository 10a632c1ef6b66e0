//! Host tests of the whole crate, one file per concern.

mod cpio;
mod fdtable;
mod file;
mod path;
mod proc_dev;
mod ramfs;
mod shared_pages;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::consts::*;
use crate::*;

/// A fake clock: seconds advance only when a test says so.
pub(crate) struct FakeClock(pub AtomicI64);

impl FakeClock {
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    pub fn now(&self) -> Timespec {
        Timespec::new(self.0.load(Ordering::SeqCst), 0)
    }
}

pub(crate) fn fake_clock() -> (Clock, Arc<FakeClock>) {
    let fc = Arc::new(FakeClock(AtomicI64::new(1_000_000)));
    let f2 = fc.clone();
    (Arc::new(move || f2.now()), fc)
}

pub(crate) struct Env {
    pub vfs: Vfs,
    pub root: Arc<Dentry>,
    pub clock: Arc<FakeClock>,
    pub clk: Clock,
}

/// A ramfs root with /tmp (own ramfs) and /dev mounted.
pub(crate) fn env() -> Env {
    let (clk, clock) = fake_clock();
    let rootfs = RamFs::new(clk.clone());
    let vfs = Vfs::new(rootfs.root());
    let root = vfs.root();
    vfs.mkdir(&root, b"tmp", 0o755).unwrap();
    vfs.mkdir(&root, b"dev", 0o755).unwrap();
    let tmp = RamFs::new(clk.clone());
    vfs.mount(&root, b"/tmp", tmp.root(), "tmpfs", "tmpfs")
        .unwrap();
    let rng: Rng = Arc::new(|b: &mut [u8]| {
        b.iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x = i as u8 ^ 0x5a)
    });
    let dev = DevFs::new(clk.clone(), rng);
    vfs.mount(&root, b"/dev", dev.root(), "devtmpfs", "udev")
        .unwrap();
    Env {
        vfs,
        root,
        clock,
        clk,
    }
}

impl Env {
    pub fn open(&self, path: &str, flags: u32) -> Result<Arc<OpenFile>> {
        self.vfs.open(&self.root, path.as_bytes(), flags, 0o644)
    }
    pub fn write_file(&self, path: &str, data: &[u8]) {
        let f = self.open(path, O_WRONLY | O_CREAT | O_TRUNC).unwrap();
        assert_eq!(f.write(data).unwrap(), data.len());
    }
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        let f = self.open(path, O_RDONLY)?;
        Ok(read_all(&f))
    }
    pub fn stat(&self, path: &str) -> Result<Metadata> {
        self.vfs.stat(&self.root, path.as_bytes(), true)
    }
    pub fn lstat(&self, path: &str) -> Result<Metadata> {
        self.vfs.stat(&self.root, path.as_bytes(), false)
    }
    pub fn mkdir(&self, path: &str) -> Result<()> {
        self.vfs.mkdir(&self.root, path.as_bytes(), 0o755)
    }
    pub fn symlink(&self, target: &str, path: &str) -> Result<()> {
        self.vfs
            .symlink(target.as_bytes(), &self.root, path.as_bytes())
    }
    pub fn ls(&self, path: &str) -> Vec<String> {
        let f = self.open(path, O_RDONLY | O_DIRECTORY).unwrap();
        let mut v: Vec<String> = dirents(&f).into_iter().map(|d| d.2).collect();
        v.sort();
        v
    }
}

pub(crate) fn read_all(f: &OpenFile) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Parses getdents64 output until the end: (ino, d_type, name, d_off).
pub(crate) fn dirents(f: &OpenFile) -> Vec<(u64, u8, String, i64)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let n = f.getdents64(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        out.extend(parse_dirents(&buf[..n]));
    }
}

pub(crate) fn parse_dirents(buf: &[u8]) -> Vec<(u64, u8, String, i64)> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < buf.len() {
        let ino = u64::from_le_bytes(buf[off..off + 8].try_into().unwrap());
        let doff = i64::from_le_bytes(buf[off + 8..off + 16].try_into().unwrap());
        let reclen = u16::from_le_bytes(buf[off + 16..off + 18].try_into().unwrap()) as usize;
        assert_eq!(reclen % 8, 0);
        let name = &buf[off + 19..off + reclen];
        let end = name.iter().position(|&b| b == 0).expect("NUL");
        out.push((
            ino,
            buf[off + 18],
            String::from_utf8(name[..end].to_vec()).unwrap(),
            doff,
        ));
        off += reclen;
    }
    out
}
