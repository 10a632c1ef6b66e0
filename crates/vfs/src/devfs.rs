//! devfs: the /dev directory with the memory devices every program expects (`null`, `zero`,
//! `full`, `random`, `urandom`), the `/proc/self/fd` symlinks (`stdin`, `stdout`, `stderr`,
//! `fd`), empty `shm` and `pts` directories to mount on, and a way for the kernel to add its
//! own character devices (the console behind `/dev/console` and `/dev/tty`).
//!
//! A character device is anything implementing [`CharDevice`]: a plain read/write/ioctl/poll
//! interface without offsets. [`DeviceNode`] turns it into an inode with proper metadata.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::consts::*;
use crate::inode::{Clock, Inode, Metadata, SetTime};
use crate::meta::MetaCell;
use crate::synthetic::{StaticDir, SynthFs};
use crate::{Errno, Result};

/// Fills a buffer with random bytes (the kernel's RNG, seeded from the launch record).
pub type Rng = Arc<dyn Fn(&mut [u8]) + Send + Sync>;

/// A character device as the kernel implements it. Reads and writes have no offset.
/// A read that must wait (console input) may block; with `O_NONBLOCK` the open file asks
/// [`CharDevice::poll`] first and returns EAGAIN if not ready.
pub trait CharDevice: Send + Sync {
    /// Reads into `buf`; 0 is end of file.
    fn read(&self, buf: &mut [u8]) -> Result<usize>;
    /// Writes `buf`.
    fn write(&self, buf: &[u8]) -> Result<usize>;
    /// Device control. Default: ENOTTY.
    fn ioctl(&self, cmd: u32, arg: usize) -> Result<usize> {
        let _ = (cmd, arg);
        Err(Errno::ENOTTY)
    }
    /// Readiness (POLLIN/POLLOUT...). Default: always ready.
    fn poll(&self, events: u16) -> u16 {
        events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
    }
    /// Whether lseek succeeds (it does on /dev/null, /dev/zero; not on terminals). Default:
    /// false (ESPIPE).
    fn seekable(&self) -> bool {
        false
    }
}

/// An inode for a [`CharDevice`]: `S_IFCHR` with a device number.
pub struct DeviceNode {
    meta: MetaCell,
    clock: Clock,
    dev: Arc<dyn CharDevice>,
}

impl DeviceNode {
    /// Wraps `dev` as a character-device inode of `fs` with permissions `perm`.
    pub fn new(fs: &SynthFs, rdev: u64, perm: u32, dev: Arc<dyn CharDevice>) -> Arc<DeviceNode> {
        Arc::new(DeviceNode {
            meta: MetaCell::new(fs.new_metadata(S_IFCHR | (perm & S_IALLUGO), rdev)),
            clock: fs.clock().clone(),
            dev,
        })
    }

    /// The device behind the node.
    pub fn device(&self) -> &Arc<dyn CharDevice> {
        &self.dev
    }
}

impl Inode for DeviceNode {
    fn metadata(&self) -> Metadata {
        self.meta.get()
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.dev.read(buf)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize> {
        self.dev.write(buf)
    }
    fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
        Ok((self.dev.write(buf)?, 0))
    }
    fn truncate(&self, _len: u64) -> Result<()> {
        // O_TRUNC on a device is ignored, as on Linux.
        Ok(())
    }
    fn seekable(&self) -> bool {
        self.dev.seekable()
    }
    fn ioctl(&self, cmd: u32, arg: usize) -> Result<usize> {
        self.dev.ioctl(cmd, arg)
    }
    fn poll(&self, events: u16) -> u16 {
        self.dev.poll(events)
    }
    fn chmod(&self, mode: u32) -> Result<()> {
        self.meta.chmod(mode, (self.clock)())
    }
    fn chown(&self, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
        self.meta.chown(uid, gid, (self.clock)())
    }
    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.meta.set_times(atime, mtime, (self.clock)())
    }
}

/// `/dev/null`: reads EOF, swallows writes.
pub struct Null;
impl CharDevice for Null {
    fn read(&self, _buf: &mut [u8]) -> Result<usize> {
        Ok(0)
    }
    fn write(&self, buf: &[u8]) -> Result<usize> {
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
}

/// `/dev/zero`: reads zeros, swallows writes.
pub struct Zero;
impl CharDevice for Zero {
    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, buf: &[u8]) -> Result<usize> {
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
}

/// `/dev/full`: reads zeros, writes fail with ENOSPC.
pub struct Full;
impl CharDevice for Full {
    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _buf: &[u8]) -> Result<usize> {
        Err(Errno::ENOSPC)
    }
    fn seekable(&self) -> bool {
        true
    }
}

/// `/dev/random` and `/dev/urandom`: bytes from the kernel RNG; writes are accepted (Linux
/// mixes them into the pool) and ignored.
pub struct Random(pub Rng);
impl CharDevice for Random {
    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        (self.0)(buf);
        Ok(buf.len())
    }
    fn write(&self, buf: &[u8]) -> Result<usize> {
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
}

/// The /dev tree.
pub struct DevFs {
    fs: SynthFs,
    root: Arc<StaticDir>,
}

impl DevFs {
    /// /dev with `null` (1,3), `zero` (1,5), `full` (1,7), `random` (1,8), `urandom` (1,9),
    /// the symlinks `stdin`/`stdout`/`stderr` -> `/proc/self/fd/{0,1,2}` and
    /// `fd` -> `/proc/self/fd`, and empty `shm` and `pts` directories.
    pub fn new(clock: Clock, rng: Rng) -> DevFs {
        let fs = SynthFs::new(clock);
        let root = fs.dir(0o755);
        let d = DevFs { fs, root };
        d.add_device(b"null", makedev(1, 3), 0o666, Arc::new(Null));
        d.add_device(b"zero", makedev(1, 5), 0o666, Arc::new(Zero));
        d.add_device(b"full", makedev(1, 7), 0o666, Arc::new(Full));
        d.add_device(
            b"random",
            makedev(1, 8),
            0o666,
            Arc::new(Random(rng.clone())),
        );
        d.add_device(b"urandom", makedev(1, 9), 0o666, Arc::new(Random(rng)));
        let links: [(&[u8], &[u8]); 4] = [
            (b"stdin", b"/proc/self/fd/0"),
            (b"stdout", b"/proc/self/fd/1"),
            (b"stderr", b"/proc/self/fd/2"),
            (b"fd", b"/proc/self/fd"),
        ];
        for (name, target) in links {
            d.root.insert(name, d.fs.symlink(target));
        }
        d.root.insert(b"shm", d.fs.dir(0o1777));
        d.root.insert(b"pts", d.fs.dir(0o755));
        d
    }

    /// The root directory, to mount at /dev.
    pub fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    /// The /dev directory itself, to insert or remove entries.
    pub fn dir(&self) -> &Arc<StaticDir> {
        &self.root
    }

    /// The node factory of this tree (metadata for kernel-made inodes).
    pub fn synth(&self) -> &SynthFs {
        &self.fs
    }

    /// Adds the character device `name` (e.g. `console` with `makedev(5, 1)`, `tty` with
    /// `makedev(5, 0)`) and returns its inode (also usable for fds 0-2 via
    /// `OpenFile::new(Dentry::child(..))` or by opening `/dev/console`).
    pub fn add_device(
        &self,
        name: &[u8],
        rdev: u64,
        perm: u32,
        dev: Arc<dyn CharDevice>,
    ) -> Arc<dyn Inode> {
        let node: Arc<dyn Inode> = DeviceNode::new(&self.fs, rdev, perm, dev);
        self.root.insert(name, node.clone());
        node
    }

    /// Adds any kernel-made inode under `name`.
    pub fn add_node(&self, name: &[u8], inode: Arc<dyn Inode>) {
        self.root.insert(name, inode);
    }

    /// Names currently in /dev.
    pub fn names(&self) -> Vec<Vec<u8>> {
        self.root
            .readdir(0, usize::MAX)
            .map(|v| v.into_iter().map(|e| e.name).collect())
            .unwrap_or_default()
    }
}
