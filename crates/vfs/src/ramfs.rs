//! ramfs: the writable in-memory file system behind `/` (unpacked from the initramfs) and
//! `/tmp`.
//!
//! Regular files keep their bytes in 4 KiB pages in a `BTreeMap`, so appending never copies the
//! file and `ftruncate` to a large size allocates nothing (holes read as zeros). The pages come
//! from the file system's [`PageAllocator`] (frames, in the kernel) and are reference counted:
//! a MAP_SHARED mapping maps the very page the file holds ([`Inode::shared_page`]), so stores
//! through the mapping and `write()` see each other. A truncated page leaves the file but lives
//! on while a mapping still holds it (the Linux layer then unmaps it: SIGBUS on next touch). Directories keep names in a map plus a per-directory sequence number for
//! every entry: the sequence number is the `getdents64` cursor, which stays valid while entries
//! are added or removed.
//!
//! Locking: each node has a metadata lock and (directories, files) a content lock. A content
//! lock is never taken while a metadata lock is held. Operations that hold two directory locks
//! at once (rename, rmdir) first take the file system's `tree_lock`, so they cannot deadlock
//! against each other; everything else holds one directory lock at a time.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use spin::{Mutex, MutexGuard};

use crate::consts::*;
use crate::inode::{Clock, DirEntry, FileType, Inode, Metadata, SetTime, Timespec};
use crate::meta::{alloc_dev, InoAllocator, MetaCell};
use crate::page::{FilePage, HeapPages, PageAllocator};
use crate::{Errno, Result};

/// Page size of file contents.
const PAGE: usize = 4096;
/// Largest file size (Linux `MAX_LFS_FILESIZE`).
const MAX_FILE_SIZE: u64 = i64::MAX as u64;
/// tmpfs reports directory sizes in units of this per entry (`BOGO_DIRENT_SIZE`).
const BOGO_DIRENT_SIZE: u64 = 20;

/// State shared by all nodes of one ramfs instance.
struct FsShared {
    dev: u64,
    inos: InoAllocator,
    clock: Clock,
    /// Serialises operations that lock two directories (rename, rmdir) and guards the
    /// directory parent pointers, which only rename changes.
    tree_lock: Mutex<()>,
    /// Pages of file data held (contents shared with the boot image are not counted).
    pages_used: core::sync::atomic::AtomicU64,
    /// At most this many pages (tmpfs's `size=`): writes beyond get ENOSPC instead of
    /// exhausting the kernel's memory.
    page_limit: u64,
    /// Where file pages come from.
    pages: Arc<dyn PageAllocator>,
}

impl FsShared {
    fn charge_page(&self) -> Result<()> {
        use core::sync::atomic::Ordering;
        self.pages_used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                (u < self.page_limit).then_some(u + 1)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    /// A new charged page holding `base`'s bytes of page `idx` (zeros past its end).
    fn new_page(&self, idx: u64, base: &[u8]) -> Result<Arc<dyn FilePage>> {
        self.charge_page()?;
        let Some(page) = self.pages.alloc_zeroed() else {
            self.uncharge_pages(1);
            return Err(Errno::ENOSPC);
        };
        let start = (idx as usize).saturating_mul(PAGE);
        if start < base.len() {
            let n = (base.len() - start).min(PAGE);
            page.write(0, &base[start..start + n]);
        }
        Ok(page)
    }

    fn uncharge_pages(&self, n: u64) {
        self.pages_used
            .fetch_sub(n, core::sync::atomic::Ordering::Relaxed);
    }
}

/// A ramfs instance. Clone the root with [`RamFs::root`] and mount it.
pub struct RamFs {
    shared: Arc<FsShared>,
    root: Arc<RamNode>,
}

impl RamFs {
    /// An empty file system whose root directory has mode 0755, stamped by `clock`.
    pub fn new(clock: Clock) -> RamFs {
        Self::with_limit(clock, u64::MAX)
    }

    /// A ramfs that holds at most `max_bytes` of file data (rounded up to pages); a write that
    /// would need more fails with ENOSPC, as on a full tmpfs.
    pub fn with_limit(clock: Clock, max_bytes: u64) -> RamFs {
        Self::with_pages(clock, max_bytes, Arc::new(HeapPages))
    }

    /// A ramfs whose file pages come from `pages` (the kernel passes frames, which shared
    /// mappings can map).
    pub fn with_pages(clock: Clock, max_bytes: u64, pages: Arc<dyn PageAllocator>) -> RamFs {
        let shared = Arc::new(FsShared {
            dev: alloc_dev(),
            inos: InoAllocator::new(1),
            clock,
            tree_lock: Mutex::new(()),
            pages_used: core::sync::atomic::AtomicU64::new(0),
            page_limit: max_bytes.div_ceil(PAGE as u64),
            pages,
        });
        let now = (shared.clock)();
        let root = RamNode::new(&shared, S_IFDIR | 0o755, 0, now, Weak::new(), Kind::dir());
        RamFs { shared, root }
    }

    /// The root directory.
    pub fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    /// The device number all its inodes report.
    pub fn dev(&self) -> u64 {
        self.shared.dev
    }
}

/// Contents of a regular file: sparse pages plus the logical size. Bytes of a page beyond
/// `size` read as zero: `write` and `truncate` zero them before the file grows over them (a
/// store through a shared mapping may have put bytes there, which POSIX says never reach the
/// file).
///
/// A file unpacked from the initramfs starts with `base`: its bytes inside the boot image,
/// shared rather than copied (unpacking a 30 MB runtime would otherwise copy 30 MB at boot).
/// A page present in `pages` overrides `base`; the first write to a page, or a shared mapping
/// of it, copies it out of `base` (copy on write), and truncation below `base`'s end shortens
/// `base`.
#[derive(Default)]
struct FileData {
    size: u64,
    pages: BTreeMap<u64, Arc<dyn FilePage>>,
    base: &'static [u8],
}

impl FileData {
    fn read(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = buf.len().min((self.size - offset) as usize);
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let (idx, in_page) = (pos / PAGE as u64, (pos % PAGE as u64) as usize);
            let chunk = (PAGE - in_page).min(n - done);
            let dst = &mut buf[done..done + chunk];
            match self.pages.get(&idx) {
                Some(page) => page.read(in_page, dst),
                None => self.read_base(pos, dst),
            }
            done += chunk;
        }
        n
    }

    /// The page `idx`, made part of the file (from `base`, or zeroed) if it was not.
    fn page(&mut self, idx: u64, fs: &FsShared) -> Result<&Arc<dyn FilePage>> {
        if !self.pages.contains_key(&idx) {
            let page = fs.new_page(idx, self.base)?;
            self.pages.insert(idx, page);
        }
        self.pages.get(&idx).ok_or(Errno::EIO)
    }

    /// The file is about to grow past `size`: the tail of its last page, which a shared
    /// mapping may have written, must read as zeros from now on.
    fn zero_tail(&self) {
        let tail = (self.size % PAGE as u64) as usize;
        if tail != 0 {
            if let Some(page) = self.pages.get(&(self.size / PAGE as u64)) {
                page.zero(tail, PAGE);
            }
        }
    }

    fn write(&mut self, offset: u64, buf: &[u8], fs: &FsShared) -> Result<usize> {
        let end = offset.checked_add(buf.len() as u64).ok_or(Errno::EFBIG)?;
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        if end > self.size {
            self.zero_tail();
        }
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let (idx, in_page) = (pos / PAGE as u64, (pos % PAGE as u64) as usize);
            let chunk = (PAGE - in_page).min(buf.len() - done);
            match self.page(idx, fs) {
                Ok(page) => page.write(in_page, &buf[done..done + chunk]),
                Err(e) => {
                    // A short write if some of it fit, as on a full file system.
                    self.size = self.size.max(offset + done as u64);
                    return if done > 0 { Ok(done) } else { Err(e) };
                }
            }
            done += chunk;
        }
        self.size = self.size.max(end);
        Ok(buf.len())
    }

    /// Bytes of `base` at `pos` into `dst`, zeros past its end.
    fn read_base(&self, pos: u64, dst: &mut [u8]) {
        let start = (pos as usize).min(self.base.len());
        let n = (self.base.len() - start).min(dst.len());
        dst[..n].copy_from_slice(&self.base[start..start + n]);
        dst[n..].fill(0);
    }

    fn truncate(&mut self, len: u64, fs: &FsShared) {
        if (len as usize) < self.base.len() {
            self.base = &self.base[..len as usize];
        }
        if len < self.size {
            let keep = len.div_ceil(PAGE as u64);
            let dropped = self.pages.split_off(&keep);
            fs.uncharge_pages(dropped.len() as u64);
            let tail = (len % PAGE as u64) as usize;
            if tail != 0 {
                if let Some(page) = self.pages.get(&(len / PAGE as u64)) {
                    page.zero(tail, PAGE);
                }
            }
        } else if len > self.size {
            self.zero_tail();
        }
        self.size = len;
    }

    /// For a shared mapping: the page at `offset` (page aligned), ENXIO past the end.
    fn shared_page(&mut self, offset: u64, fs: &FsShared) -> Result<Arc<dyn FilePage>> {
        if !offset.is_multiple_of(PAGE as u64) {
            return Err(Errno::EINVAL);
        }
        if offset >= self.size {
            return Err(Errno::ENXIO);
        }
        self.page(offset / PAGE as u64, fs).cloned()
    }
}

/// A directory's entries. `order` maps each entry's sequence number (its readdir cursor) to
/// its name.
struct DirData {
    entries: BTreeMap<Vec<u8>, (u64, Arc<RamNode>)>,
    order: BTreeMap<u64, Vec<u8>>,
    next_seq: u64,
    /// The directory containing this one (empty for the root).
    parent: Weak<RamNode>,
    /// Set by rmdir: creating entries in a removed directory gives ENOENT.
    dead: bool,
}

impl DirData {
    fn insert(&mut self, name: &[u8], node: Arc<RamNode>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(seq, name.to_vec());
        self.entries.insert(name.to_vec(), (seq, node));
    }

    fn remove(&mut self, name: &[u8]) -> Option<Arc<RamNode>> {
        let (seq, node) = self.entries.remove(name)?;
        self.order.remove(&seq);
        Some(node)
    }

    fn get(&self, name: &[u8]) -> Option<&Arc<RamNode>> {
        self.entries.get(name).map(|(_, n)| n)
    }
}

enum Kind {
    File(Mutex<FileData>),
    Dir(Mutex<DirData>),
    Symlink(Vec<u8>),
    /// FIFOs, sockets and device nodes: ramfs only stores their metadata.
    Special,
}

impl Kind {
    fn dir() -> Kind {
        Kind::Dir(Mutex::new(DirData {
            entries: BTreeMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
            parent: Weak::new(),
            dead: false,
        }))
    }
}

/// One ramfs inode.
impl Drop for RamNode {
    fn drop(&mut self) {
        // The last reference to a file is gone (unlinked and closed): its pages are free.
        if let Kind::File(f) = &self.kind {
            self.fs.uncharge_pages(f.lock().pages.len() as u64);
        }
    }
}

struct RamNode {
    fs: Arc<FsShared>,
    /// Type bits are fixed at creation; `size`/`blocks` in the cell are unused (computed).
    meta: MetaCell,
    kind: Kind,
    kind_type: FileType,
    ino: u64,
    me: Weak<RamNode>,
}

impl RamNode {
    fn new(
        fs: &Arc<FsShared>,
        mode: u32,
        rdev: u64,
        now: Timespec,
        parent: Weak<RamNode>,
        kind: Kind,
    ) -> Arc<RamNode> {
        let ino = fs.inos.next();
        let is_dir = matches!(kind, Kind::Dir(_));
        if let Kind::Dir(d) = &kind {
            d.lock().parent = parent;
        }
        let meta = Metadata {
            dev: fs.dev,
            ino,
            mode,
            nlink: if is_dir { 2 } else { 1 },
            uid: 0,
            gid: 0,
            rdev,
            size: 0,
            blksize: PAGE as u32,
            blocks: 0,
            atime: now,
            mtime: now,
            ctime: now,
        };
        Arc::new_cyclic(|me| RamNode {
            fs: fs.clone(),
            meta: MetaCell::new(meta),
            kind,
            kind_type: FileType::from_mode(mode).unwrap_or(FileType::Regular),
            ino,
            me: me.clone(),
        })
    }

    fn now(&self) -> Timespec {
        (self.fs.clock)()
    }

    fn dir(&self) -> Result<MutexGuard<'_, DirData>> {
        match &self.kind {
            Kind::Dir(d) => Ok(d.lock()),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn file(&self) -> Option<&Mutex<FileData>> {
        match &self.kind {
            Kind::File(f) => Some(f),
            _ => None,
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    fn touch_dir(&self, now: Timespec) {
        self.meta.update(|m| {
            m.mtime = now;
            m.ctime = now;
        });
    }

    fn touch_ctime(&self, now: Timespec) {
        self.meta.update(|m| m.ctime = now);
    }

    fn add_nlink(&self, delta: i64) {
        self.meta
            .update(|m| m.nlink = (m.nlink as i64 + delta).max(0) as u64);
    }

    /// Recognises a node of this same file system among arbitrary inodes.
    fn same_fs_node(&self, other: &Arc<dyn Inode>) -> Result<Arc<RamNode>> {
        let node = other
            .clone()
            .as_any_arc()
            .downcast::<RamNode>()
            .map_err(|_| Errno::EXDEV)?;
        if !Arc::ptr_eq(&node.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        Ok(node)
    }

    /// Creates `name` holding a new node built by `make`, updating the directory's times.
    fn add_child(
        &self,
        name: &[u8],
        make: impl FnOnce(Weak<RamNode>) -> Arc<RamNode>,
        now: Timespec,
    ) -> Result<Arc<RamNode>> {
        check_name(name)?;
        let node = {
            let mut d = self.dir()?;
            if d.dead {
                return Err(Errno::ENOENT);
            }
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            let node = make(self.me.clone());
            d.insert(name, node.clone());
            node
        };
        if node.is_dir() {
            self.add_nlink(1);
        }
        self.touch_dir(now);
        Ok(node)
    }
}

/// Rejects names a directory cannot hold.
fn check_name(name: &[u8]) -> Result<()> {
    if name.is_empty() || name == b"." || name == b".." {
        return Err(Errno::EEXIST);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if name.contains(&b'/') || name.contains(&0) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Linux "relatime": update atime only if it is not newer than mtime/ctime or is a day old.
fn relatime_update(m: &mut Metadata, now: Timespec) {
    if m.atime <= m.mtime || m.atime <= m.ctime || now.sec - m.atime.sec >= 24 * 3600 {
        m.atime = now;
    }
}

impl Inode for RamNode {
    fn metadata(&self) -> Metadata {
        let mut m = self.meta.get();
        match &self.kind {
            Kind::File(f) => {
                let f = f.lock();
                m.size = f.size;
                m.blocks = (f.pages.len() as u64 * PAGE as u64 + f.base.len() as u64).div_ceil(512);
            }
            Kind::Dir(d) => {
                let n = d.lock().entries.len() as u64;
                m.size = (n + 2) * BOGO_DIRENT_SIZE;
            }
            Kind::Symlink(t) => m.size = t.len() as u64,
            Kind::Special => {}
        }
        m
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let Some(f) = self.file() else {
            return Err(self.not_a_file());
        };
        let now = self.now();
        let n = f.lock().read(offset, buf);
        self.meta.update(|m| relatime_update(m, now));
        Ok(n)
    }

    fn set_static_contents(&self, data: &'static [u8]) -> Result<()> {
        let Some(f) = self.file() else {
            return Err(self.not_a_file());
        };
        let mut f = f.lock();
        self.fs.uncharge_pages(f.pages.len() as u64);
        f.pages.clear();
        f.base = data;
        f.size = data.len() as u64;
        Ok(())
    }

    fn shares_pages(&self) -> bool {
        self.file().is_some()
    }

    fn shared_page(&self, offset: u64) -> Result<Arc<dyn FilePage>> {
        let Some(f) = self.file() else {
            return Err(Errno::ENODEV);
        };
        f.lock().shared_page(offset, &self.fs)
    }

    fn static_contents(&self) -> Option<&'static [u8]> {
        let f = self.file()?.lock();
        (f.pages.is_empty() && f.size == f.base.len() as u64).then_some(f.base)
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        let Some(f) = self.file() else {
            return Err(self.not_a_file());
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let n = f.lock().write(offset, buf, &self.fs)?;
        self.touch_dir(now);
        Ok(n)
    }

    fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
        let Some(f) = self.file() else {
            return Err(self.not_a_file());
        };
        let now = self.now();
        let (n, end) = {
            let mut f = f.lock();
            let end = f.size;
            let n = f.write(end, buf, &self.fs)?;
            (n, f.size)
        };
        if n > 0 {
            self.touch_dir(now);
        }
        Ok((n, end))
    }

    fn truncate(&self, len: u64) -> Result<()> {
        let Some(f) = self.file() else {
            return Err(self.not_a_file());
        };
        if len > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let now = self.now();
        let changed = {
            let mut f = f.lock();
            let changed = f.size != len;
            f.truncate(len, &self.fs);
            changed
        };
        if changed {
            self.touch_dir(now);
        }
        Ok(())
    }

    fn seekable(&self) -> bool {
        matches!(self.kind, Kind::File(_) | Kind::Dir(_) | Kind::Symlink(_))
            || self.kind_type == FileType::BlockDevice
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        let d = self.dir()?;
        match d.get(name) {
            Some(n) => Ok(n.clone()),
            None => Err(Errno::ENOENT),
        }
    }

    fn create(&self, name: &[u8], mode: u32, rdev: u64) -> Result<Arc<dyn Inode>> {
        let kind = match mode & S_IFMT {
            0 | S_IFREG => Kind::File(Mutex::new(FileData::default())),
            S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => Kind::Special,
            S_IFDIR | S_IFLNK => return Err(Errno::EPERM),
            _ => return Err(Errno::EINVAL),
        };
        let ty = if mode & S_IFMT == 0 {
            S_IFREG
        } else {
            mode & S_IFMT
        };
        let mode = ty | (mode & S_IALLUGO);
        let rdev = if matches!(ty, S_IFCHR | S_IFBLK) {
            rdev
        } else {
            0
        };
        let now = self.now();
        let fs = self.fs.clone();
        let node = self.add_child(name, |p| RamNode::new(&fs, mode, rdev, now, p, kind), now)?;
        Ok(node)
    }

    fn mkdir(&self, name: &[u8], mode: u32) -> Result<Arc<dyn Inode>> {
        let now = self.now();
        let fs = self.fs.clone();
        let mode = S_IFDIR | (mode & S_IALLUGO);
        let node = self.add_child(
            name,
            |p| RamNode::new(&fs, mode, 0, now, p, Kind::dir()),
            now,
        )?;
        Ok(node)
    }

    fn symlink(&self, name: &[u8], target: &[u8]) -> Result<Arc<dyn Inode>> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let now = self.now();
        let fs = self.fs.clone();
        let kind = Kind::Symlink(target.to_vec());
        let node = self.add_child(
            name,
            |p| RamNode::new(&fs, S_IFLNK | 0o777, 0, now, p, kind),
            now,
        )?;
        Ok(node)
    }

    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<()> {
        let target = self.same_fs_node(target)?;
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        check_name(name)?;
        let now = self.now();
        {
            let mut d = self.dir()?;
            if d.dead {
                return Err(Errno::ENOENT);
            }
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            // An unlinked file cannot get a name back (Linux: ENOENT unless O_TMPFILE).
            if target.meta.get().nlink == 0 {
                return Err(Errno::ENOENT);
            }
            d.insert(name, target.clone());
            target.add_nlink(1);
        }
        target.touch_ctime(now);
        self.touch_dir(now);
        Ok(())
    }

    fn unlink(&self, name: &[u8]) -> Result<()> {
        let now = self.now();
        let victim = {
            let mut d = self.dir()?;
            match d.get(name) {
                None => return Err(Errno::ENOENT),
                Some(n) if n.is_dir() => return Err(Errno::EISDIR),
                Some(_) => {}
            }
            d.remove(name).ok_or(Errno::ENOENT)?
        };
        victim.add_nlink(-1);
        victim.touch_ctime(now);
        self.touch_dir(now);
        Ok(())
    }

    fn rmdir(&self, name: &[u8]) -> Result<()> {
        let now = self.now();
        let _tree = self.fs.tree_lock.lock();
        let victim = {
            let mut d = self.dir()?;
            let victim = d.get(name).ok_or(Errno::ENOENT)?.clone();
            let mut vd = victim.dir()?;
            if !vd.entries.is_empty() {
                return Err(Errno::ENOTEMPTY);
            }
            vd.dead = true;
            drop(vd);
            d.remove(name);
            victim
        };
        victim.meta.update(|m| {
            m.nlink = 0;
            m.ctime = now;
        });
        self.add_nlink(-1);
        self.touch_dir(now);
        Ok(())
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &Arc<dyn Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> Result<()> {
        if flags & !RENAME_NOREPLACE != 0 {
            return Err(Errno::EINVAL);
        }
        let new_dir = self.same_fs_node(new_dir)?;
        if !new_dir.is_dir() || !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if old_name == b"." || old_name == b".." || new_name == b"." || new_name == b".." {
            return Err(Errno::EBUSY);
        }
        check_name(new_name)?;
        let now = self.now();
        let _tree = self.fs.tree_lock.lock();

        let src = self.dir()?.get(old_name).cloned().ok_or(Errno::ENOENT)?;
        if src.is_dir() {
            // A directory cannot move below itself. Parent pointers only change under
            // tree_lock, which we hold.
            let mut cur = Some(new_dir.clone());
            while let Some(c) = cur {
                if Arc::ptr_eq(&c, &src) {
                    return Err(Errno::EINVAL);
                }
                cur = c.dir()?.parent.upgrade();
            }
        }
        let same_dir = core::ptr::eq(self, Arc::as_ptr(&new_dir));
        let mut replaced: Option<Arc<RamNode>> = None;
        {
            let mut old_d = self.dir()?;
            let mut new_guard = if same_dir { None } else { Some(new_dir.dir()?) };
            let new_d: &mut DirData = match new_guard.as_mut() {
                Some(g) => g,
                None => &mut old_d,
            };
            if new_d.dead {
                return Err(Errno::ENOENT);
            }
            if let Some(t) = new_d.get(new_name).cloned() {
                if Arc::ptr_eq(&t, &src) {
                    // Two names of one inode: rename does nothing.
                    return Ok(());
                }
                if flags & RENAME_NOREPLACE != 0 {
                    return Err(Errno::EEXIST);
                }
                match (src.is_dir(), t.is_dir()) {
                    (true, false) => return Err(Errno::ENOTDIR),
                    (false, true) => return Err(Errno::EISDIR),
                    (true, true) => {
                        let mut td = t.dir()?;
                        if !td.entries.is_empty() {
                            return Err(Errno::ENOTEMPTY);
                        }
                        td.dead = true;
                    }
                    (false, false) => {}
                }
                replaced = new_d.remove(new_name);
            }
            old_d.remove(old_name);
            match new_guard.as_mut() {
                Some(g) => g.insert(new_name, src.clone()),
                None => old_d.insert(new_name, src.clone()),
            }
        }
        if src.is_dir() && !same_dir {
            src.dir()?.parent = Arc::downgrade(&new_dir);
            self.add_nlink(-1);
            new_dir.add_nlink(1);
        }
        if let Some(t) = replaced {
            if t.is_dir() {
                t.meta.update(|m| m.nlink = 0);
                new_dir.add_nlink(-1);
            } else {
                t.add_nlink(-1);
            }
            t.touch_ctime(now);
        }
        src.touch_ctime(now);
        self.touch_dir(now);
        new_dir.touch_dir(now);
        Ok(())
    }

    fn readdir(&self, cursor: u64, max: usize) -> Result<Vec<DirEntry>> {
        let d = self.dir()?;
        let mut out = Vec::new();
        for (&seq, name) in d.order.range(cursor..).take(max) {
            let (_, node) = &d.entries[name];
            out.push(DirEntry {
                ino: node.ino,
                kind: node.kind_type,
                name: name.clone(),
                next: seq + 1,
            });
        }
        Ok(out)
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        match &self.kind {
            Kind::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn chmod(&self, mode: u32) -> Result<()> {
        self.meta.chmod(mode, self.now())
    }

    fn chown(&self, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
        self.meta.chown(uid, gid, self.now())
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.meta.set_times(atime, mtime, self.now())
    }
}
