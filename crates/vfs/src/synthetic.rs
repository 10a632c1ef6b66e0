//! Building blocks for /proc, /sys and /dev: nodes whose contents, link targets or directory
//! entries come from closures the kernel supplies.
//!
//! * [`SyntheticFile`]: contents produced when the file is opened and frozen for that open
//!   file (like Linux seq files), so a reader that reads in small pieces sees one consistent
//!   snapshot. Optionally writable through a closure (`/proc/sys/...`).
//! * [`SyntheticLink`]: a symlink whose target text is computed on each readlink, optionally a
//!   "magic" link that jumps straight to an object (`/proc/self/fd/N`, `/proc/self/exe`).
//! * [`StaticDir`]: a directory with a fixed set of children the kernel inserts.
//! * [`DynamicDir`]: a directory whose entries a closure lists on every lookup/readdir
//!   (`/proc/self/fd`).
//!
//! All nodes of one tree are made through a [`SynthFs`], which gives them a device number,
//! inode numbers and timestamps. Closures are never called with a lock of ours held.

use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

use crate::consts::*;
use crate::dentry::Dentry;
use crate::inode::{Clock, DirEntry, Inode, Metadata, SetTime};
use crate::meta::{alloc_dev, InoAllocator, MetaCell};
use crate::{Errno, Result};

/// Produces file contents.
pub type Generator = Arc<dyn Fn() -> Vec<u8> + Send + Sync>;
/// Consumes a write to a synthetic file; returns the bytes accepted.
pub type Writer = Arc<dyn Fn(&[u8]) -> Result<usize> + Send + Sync>;
/// Produces a symlink target.
pub type TargetFn = Arc<dyn Fn() -> Vec<u8> + Send + Sync>;
/// Produces the object a magic link stands for.
pub type JumpFn = Arc<dyn Fn() -> Result<Arc<Dentry>> + Send + Sync>;
/// A directory listing: `(name, inode)` pairs.
pub type Listing = Vec<(Vec<u8>, Arc<dyn Inode>)>;
/// Lists a dynamic directory.
pub type ListFn = Arc<dyn Fn() -> Listing + Send + Sync>;

struct SynthShared {
    dev: u64,
    inos: InoAllocator,
    clock: Clock,
}

/// A factory for the nodes of one synthetic tree (one device number). Cheap to clone.
#[derive(Clone)]
pub struct SynthFs {
    shared: Arc<SynthShared>,
}

impl SynthFs {
    /// A new tree stamped by `clock`.
    pub fn new(clock: Clock) -> SynthFs {
        SynthFs {
            shared: Arc::new(SynthShared {
                dev: alloc_dev(),
                inos: InoAllocator::new(1),
                clock,
            }),
        }
    }

    /// The device number of this tree.
    pub fn dev(&self) -> u64 {
        self.shared.dev
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Fresh metadata for a node of this tree: new inode number, times = now, uid/gid 0,
    /// nlink 1 (2 for directories). For kernel objects implementing [`Inode`] themselves.
    pub fn new_metadata(&self, mode: u32, rdev: u64) -> Metadata {
        let now = (self.shared.clock)();
        Metadata {
            dev: self.shared.dev,
            ino: self.shared.inos.next(),
            mode,
            nlink: if mode & S_IFMT == S_IFDIR { 2 } else { 1 },
            uid: 0,
            gid: 0,
            rdev,
            size: 0,
            blksize: 4096,
            blocks: 0,
            atime: now,
            mtime: now,
            ctime: now,
        }
    }

    /// An empty [`StaticDir`] with permissions `perm`.
    pub fn dir(&self, perm: u32) -> Arc<StaticDir> {
        self.lazy_dir_dyn(perm, None)
    }

    /// A directory whose entries `fill` creates the first time anyone looks inside, so a tree
    /// that is rarely read (/proc) costs nothing at boot.
    pub fn lazy_dir(
        &self,
        perm: u32,
        fill: impl FnOnce(&StaticDir) + Send + 'static,
    ) -> Arc<StaticDir> {
        self.lazy_dir_dyn(perm, Some(alloc::boxed::Box::new(fill)))
    }

    fn lazy_dir_dyn(&self, perm: u32, fill: Option<FillFn>) -> Arc<StaticDir> {
        Arc::new(StaticDir {
            meta: MetaCell::new(self.new_metadata(S_IFDIR | (perm & S_IALLUGO), 0)),
            clock: self.shared.clock.clone(),
            children: Mutex::new(Vec::new()),
            fill: Mutex::new(fill),
        })
    }

    /// A read-only [`SyntheticFile`] whose contents `gen` produces at each open.
    pub fn file(
        &self,
        perm: u32,
        gen: impl Fn() -> Vec<u8> + Send + Sync + 'static,
    ) -> Arc<SyntheticFile> {
        self.file_dyn(perm, Arc::new(gen), None)
    }

    /// The non-generic body of [`SynthFs::file`] and [`SynthFs::rw_file`]: one copy of the
    /// code however many closures /proc passes (each closure type would otherwise instantiate
    /// the whole function, and under TCG every distinct instruction run at boot costs ~2 us).
    fn file_dyn(&self, perm: u32, gen: Generator, writer: Option<Writer>) -> Arc<SyntheticFile> {
        Arc::new(SyntheticFile {
            meta: MetaCell::new(self.new_metadata(S_IFREG | (perm & S_IALLUGO), 0)),
            clock: self.shared.clock.clone(),
            gen,
            writer,
        })
    }

    /// A [`SyntheticFile`] that also accepts writes through `writer`.
    pub fn rw_file(
        &self,
        perm: u32,
        gen: impl Fn() -> Vec<u8> + Send + Sync + 'static,
        writer: impl Fn(&[u8]) -> Result<usize> + Send + Sync + 'static,
    ) -> Arc<SyntheticFile> {
        self.file_dyn(perm, Arc::new(gen), Some(Arc::new(writer)))
    }

    /// A symlink with a fixed target.
    pub fn symlink(&self, target: &[u8]) -> Arc<SyntheticLink> {
        let t = target.to_vec();
        self.link(move || t.clone())
    }

    /// A symlink whose target `target` computes on every readlink.
    pub fn link(&self, target: impl Fn() -> Vec<u8> + Send + Sync + 'static) -> Arc<SyntheticLink> {
        self.link_dyn(Arc::new(target), None)
    }

    /// The non-generic body of the link constructors (see [`SynthFs::file_dyn`]).
    fn link_dyn(&self, target: TargetFn, jump: Option<JumpFn>) -> Arc<SyntheticLink> {
        Arc::new(SyntheticLink {
            meta: MetaCell::new(self.new_metadata(S_IFLNK | 0o777, 0)),
            clock: self.shared.clock.clone(),
            target,
            jump,
        })
    }

    /// A magic link (`/proc/self/exe`, `/proc/self/cwd`, `/proc/self/fd/N`): readlink shows
    /// `target()`, path resolution goes to `jump()` instead of parsing the text.
    pub fn magic_link(
        &self,
        target: impl Fn() -> Vec<u8> + Send + Sync + 'static,
        jump: impl Fn() -> Result<Arc<Dentry>> + Send + Sync + 'static,
    ) -> Arc<SyntheticLink> {
        self.link_dyn(Arc::new(target), Some(Arc::new(jump)))
    }

    /// A [`DynamicDir`] whose entries `list` produces on every lookup and readdir.
    pub fn dynamic_dir(
        &self,
        perm: u32,
        list: impl Fn() -> Listing + Send + Sync + 'static,
    ) -> Arc<DynamicDir> {
        self.dynamic_dir_dyn(perm, Arc::new(list))
    }

    fn dynamic_dir_dyn(&self, perm: u32, list: ListFn) -> Arc<DynamicDir> {
        Arc::new(DynamicDir {
            meta: MetaCell::new(self.new_metadata(S_IFDIR | (perm & S_IALLUGO), 0)),
            clock: self.shared.clock.clone(),
            list,
        })
    }
}

/// A file whose contents a closure produces at open time.
pub struct SyntheticFile {
    meta: MetaCell,
    clock: Clock,
    gen: Generator,
    writer: Option<Writer>,
}

impl Inode for SyntheticFile {
    /// Size 0, like /proc files: readers must read until EOF.
    fn metadata(&self) -> Metadata {
        self.meta.get()
    }

    /// Without an open file (a direct call): a fresh snapshot each time.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        Ok(copy_at(&(self.gen)(), offset, buf))
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize> {
        match &self.writer {
            Some(w) => w(buf),
            None => Err(Errno::EACCES),
        }
    }

    fn truncate(&self, _len: u64) -> Result<()> {
        // `echo x > /proc/sys/...` opens with O_TRUNC; Linux ignores it for proc files.
        Ok(())
    }

    fn open(&self, flags: u32) -> Result<Option<Arc<dyn Inode>>> {
        if matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) && self.writer.is_none() {
            return Err(Errno::EACCES);
        }
        let reads = matches!(flags & O_ACCMODE, O_RDONLY | O_RDWR);
        let data = if reads { (self.gen)() } else { Vec::new() };
        Ok(Some(Arc::new(Snapshot {
            meta: self.meta.get(),
            data,
            writer: self.writer.clone(),
        })))
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.meta.set_times(atime, mtime, (self.clock)())
    }
}

/// The per-open state of a [`SyntheticFile`]: the contents as they were at open.
struct Snapshot {
    meta: Metadata,
    data: Vec<u8>,
    writer: Option<Writer>,
}

impl Inode for Snapshot {
    fn metadata(&self) -> Metadata {
        self.meta
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        Ok(copy_at(&self.data, offset, buf))
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize> {
        match &self.writer {
            Some(w) => w(buf),
            None => Err(Errno::EBADF),
        }
    }

    fn truncate(&self, _len: u64) -> Result<()> {
        Ok(())
    }

    fn seekable(&self) -> bool {
        true
    }
}

/// Copies `data[offset..]` into `buf`.
fn copy_at(data: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let Ok(off) = usize::try_from(offset) else {
        return 0;
    };
    if off >= data.len() {
        return 0;
    }
    let n = buf.len().min(data.len() - off);
    buf[..n].copy_from_slice(&data[off..off + n]);
    n
}

/// A symlink whose target is computed, optionally a magic link.
pub struct SyntheticLink {
    meta: MetaCell,
    clock: Clock,
    target: TargetFn,
    jump: Option<JumpFn>,
}

impl Inode for SyntheticLink {
    fn metadata(&self) -> Metadata {
        let mut m = self.meta.get();
        if self.jump.is_none() {
            m.size = (self.target)().len() as u64;
        }
        m
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        Ok((self.target)())
    }

    fn magic_link(&self) -> Option<Result<Arc<Dentry>>> {
        self.jump.as_ref().map(|j| j())
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.meta.set_times(atime, mtime, (self.clock)())
    }
}

/// A directory with children the kernel inserts (`/proc`, `/sys`, `/dev`). The app cannot
/// create or remove entries (EPERM).
pub struct StaticDir {
    meta: MetaCell,
    clock: Clock,
    /// Children in insertion order (readdir order).
    children: Mutex<Listing>,
    /// For a lazy directory: what fills it, run on the first lookup or listing.
    fill: Mutex<Option<FillFn>>,
}

/// Fills a lazy [`StaticDir`] (see [`SynthFs::lazy_dir`]).
pub type FillFn = alloc::boxed::Box<dyn FnOnce(&StaticDir) + Send>;

impl StaticDir {
    /// Adds or replaces the child `name`.
    pub fn insert(&self, name: &[u8], inode: Arc<dyn Inode>) {
        let is_dir = inode.metadata().is_dir();
        let old = {
            let mut c = self.children.lock();
            match c.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => Some(core::mem::replace(&mut slot.1, inode)),
                None => {
                    c.push((name.to_vec(), inode));
                    None
                }
            }
        };
        let was_dir = old.as_ref().is_some_and(|o| o.metadata().is_dir());
        self.meta
            .update(|m| m.nlink = m.nlink + is_dir as u64 - was_dir as u64);
        // The replaced inode is dropped here, outside the lock.
        drop(old);
    }

    /// Removes the child `name`, returning it.
    pub fn remove(&self, name: &[u8]) -> Option<Arc<dyn Inode>> {
        let old = {
            let mut c = self.children.lock();
            let i = c.iter().position(|(n, _)| n == name)?;
            c.remove(i).1
        };
        if old.metadata().is_dir() {
            self.meta.update(|m| m.nlink -= 1);
        }
        Some(old)
    }

    /// Runs the fill function of a lazy directory, once (outside any lock of ours: it inserts).
    fn ensure_filled(&self) {
        let f = self.fill.lock().take();
        if let Some(f) = f {
            f(self);
        }
    }

    /// The child `name`, if present.
    pub fn get(&self, name: &[u8]) -> Option<Arc<dyn Inode>> {
        self.ensure_filled();
        self.children
            .lock()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| i.clone())
    }

    fn snapshot(&self) -> Listing {
        self.ensure_filled();
        self.children.lock().clone()
    }
}

impl Inode for StaticDir {
    fn metadata(&self) -> Metadata {
        self.meta.get()
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        self.get(name).ok_or(Errno::ENOENT)
    }

    fn readdir(&self, cursor: u64, max: usize) -> Result<Vec<DirEntry>> {
        Ok(list_entries(self.snapshot(), cursor, max))
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.meta.set_times(atime, mtime, (self.clock)())
    }

    fn chmod(&self, mode: u32) -> Result<()> {
        self.meta.chmod(mode, (self.clock)())
    }
}

/// A directory listed by a closure on every access (`/proc/self/fd`).
pub struct DynamicDir {
    meta: MetaCell,
    clock: Clock,
    list: ListFn,
}

impl Inode for DynamicDir {
    /// nlink stays 2 (as for Linux `/proc/self/fd`): counting would run the closure.
    fn metadata(&self) -> Metadata {
        self.meta.get()
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        (self.list)()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| i)
            .ok_or(Errno::ENOENT)
    }

    fn readdir(&self, cursor: u64, max: usize) -> Result<Vec<DirEntry>> {
        Ok(list_entries((self.list)(), cursor, max))
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.meta.set_times(atime, mtime, (self.clock)())
    }
}

/// Readdir over a listing: the cursor is the index in the list.
fn list_entries(kids: Listing, cursor: u64, max: usize) -> Vec<DirEntry> {
    let start = usize::try_from(cursor).unwrap_or(usize::MAX);
    kids.into_iter()
        .enumerate()
        .skip(start)
        .take(max)
        .map(|(i, (name, inode))| {
            let m = inode.metadata();
            DirEntry {
                ino: m.ino,
                kind: m.file_type(),
                name,
                next: i as u64 + 1,
            }
        })
        .collect()
}
