//! The mounted tree and the path-based operations of the syscall layer (`open`, `mkdir`,
//! `unlink`, `rename`, ...). Each takes the directory relative paths start from (`cwd` or a
//! dirfd's dentry: the `*at` calls) and applies the Linux rules that depend on the path itself
//! (`.`/`..` as last component, trailing slashes, mount points, cross-device); the rules that
//! depend on the objects are the inodes' (`Inode::rename` etc.).
//!
//! Permission bits are not checked: the app runs as root, which bypasses them.

use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::consts::*;
use crate::dentry::Dentry;
use crate::file::OpenFile;
use crate::inode::{Inode, Metadata, SetTime};
use crate::mount::{MountInfo, MountTable};
use crate::path::{LastKind, LinkBudget};
use crate::{Errno, Result};

/// The file-system tree of the machine: a root file system plus mounts.
pub struct Vfs {
    root: Arc<Dentry>,
    pub(crate) mounts: MountTable,
}

impl Vfs {
    /// A tree whose `/` is `root` (a directory inode, usually a ramfs root).
    pub fn new(root: Arc<dyn Inode>) -> Vfs {
        Vfs {
            root: Dentry::root(root),
            mounts: MountTable::default(),
        }
    }

    /// The dentry of `/` (the initial cwd, and the base absolute paths start from).
    pub fn root(&self) -> Arc<Dentry> {
        self.root.clone()
    }

    /// Mounts the file system whose root directory is `fs_root` on the directory `path`
    /// (resolved from `base`). `fstype` and `source` are what /proc/self/mounts shows.
    pub fn mount(
        &self,
        base: &Arc<Dentry>,
        path: &[u8],
        fs_root: Arc<dyn Inode>,
        fstype: &str,
        source: &str,
    ) -> Result<()> {
        let point = self.resolve(base, path, true)?;
        if !point.inode().metadata().is_dir() || !fs_root.metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        self.mounts.add(
            point.inode(),
            MountInfo {
                path: point.path(),
                fstype: fstype.to_string(),
                source: source.to_string(),
                root: fs_root,
            },
        );
        Ok(())
    }

    /// Unmounts the file system mounted at `path`; EINVAL if `path` is not a mount root.
    pub fn umount(&self, base: &Arc<Dentry>, path: &[u8]) -> Result<()> {
        let d = self.resolve(base, path, true)?;
        if self.mounts.remove_root(d.inode()) {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    /// The mounts, oldest first (not including `/`), for /proc/self/mounts.
    pub fn mounts(&self) -> Vec<MountInfo> {
        self.mounts.list()
    }

    /// `open`/`openat`: `flags` are Linux `O_*` bits, `mode` the final permission bits for a
    /// created file (umask already applied). Returns the new open file description; the
    /// caller installs it in the fd table (with `O_CLOEXEC` as the fd flag).
    pub fn open(
        &self,
        base: &Arc<Dentry>,
        path: &[u8],
        flags: u32,
        mode: u32,
    ) -> Result<Arc<OpenFile>> {
        if flags & O_TMPFILE == O_TMPFILE {
            return Err(Errno::EOPNOTSUPP);
        }
        let follow = flags & O_NOFOLLOW == 0;
        let dentry = if flags & O_CREAT != 0 && flags & O_PATH == 0 {
            self.open_create(base, path, flags, mode)?
        } else {
            let d = self.resolve(base, path, follow)?;
            if d.inode().metadata().is_symlink() && flags & O_PATH == 0 {
                // Only reachable with O_NOFOLLOW.
                return Err(Errno::ELOOP);
            }
            d
        };
        let meta = dentry.inode().metadata();
        if flags & O_DIRECTORY != 0 && !meta.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if flags & O_PATH != 0 {
            return OpenFile::new(dentry, flags);
        }
        let wants_write = matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) || flags & O_TRUNC != 0;
        if meta.is_dir() && wants_write {
            return Err(Errno::EISDIR);
        }
        if flags & O_TRUNC != 0 && meta.is_regular() {
            let inode = dentry.inode();
            inode.truncate(0)?;
            // open(O_TRUNC) stamps the times even when the file was already empty.
            let _ = inode.set_times(SetTime::Omit, SetTime::Now);
        }
        OpenFile::new(dentry, flags)
    }

    /// The `O_CREAT` part of open: find or create the last component, following a final
    /// symlink (even a dangling one, whose target is then created) unless `O_EXCL`.
    fn open_create(
        &self,
        base: &Arc<Dentry>,
        path: &[u8],
        flags: u32,
        mode: u32,
    ) -> Result<Arc<Dentry>> {
        let mut links = LinkBudget::new();
        let mut p = self.walk_parent(base, path, &mut links)?;
        loop {
            if p.kind != LastKind::Normal || p.trailing_slash {
                return Err(Errno::EISDIR);
            }
            match self.lookup_child(&p.dir, &p.name) {
                Ok(child) => {
                    if flags & O_EXCL != 0 {
                        return Err(Errno::EEXIST);
                    }
                    let m = child.metadata();
                    if m.is_dir() {
                        return Err(Errno::EISDIR);
                    }
                    if !m.is_symlink() {
                        return Ok(Dentry::child(&p.dir, &p.name, child));
                    }
                    if flags & O_NOFOLLOW != 0 {
                        return Err(Errno::ELOOP);
                    }
                    links.take()?;
                    if let Some(jump) = child.magic_link() {
                        return jump;
                    }
                    let target = child.readlink()?;
                    let dir = p.dir.clone();
                    p = self.walk_parent(&dir, &target, &mut links)?;
                }
                Err(Errno::ENOENT) => {
                    let ty_mode = S_IFREG | (mode & S_IALLUGO);
                    match p.dir.inode().create(&p.name, ty_mode, 0) {
                        Ok(inode) => return Ok(Dentry::child(&p.dir, &p.name, inode)),
                        // Somebody created it meanwhile: look again.
                        Err(Errno::EEXIST) if flags & O_EXCL == 0 => continue,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// `stat` (`follow`) / `lstat` (not `follow`).
    pub fn stat(&self, base: &Arc<Dentry>, path: &[u8], follow: bool) -> Result<Metadata> {
        Ok(self.resolve(base, path, follow)?.inode().metadata())
    }

    /// `chdir`: the new cwd; ENOTDIR unless a directory.
    pub fn chdir(&self, base: &Arc<Dentry>, path: &[u8]) -> Result<Arc<Dentry>> {
        let d = self.resolve(base, path, true)?;
        if !d.inode().metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(d)
    }

    /// `readlink`: EINVAL unless the last component is a symlink.
    pub fn readlink(&self, base: &Arc<Dentry>, path: &[u8]) -> Result<Vec<u8>> {
        self.resolve(base, path, false)?.inode().readlink()
    }

    /// `truncate`: EISDIR for a directory, EINVAL for a negative length or a non-file.
    /// Returns the truncated inode (the caller shrinks its shared mappings).
    pub fn truncate(&self, base: &Arc<Dentry>, path: &[u8], len: i64) -> Result<Arc<dyn Inode>> {
        if len < 0 {
            return Err(Errno::EINVAL);
        }
        let d = self.resolve(base, path, true)?;
        let m = d.inode().metadata();
        if m.is_dir() {
            return Err(Errno::EISDIR);
        }
        if !m.is_regular() {
            return Err(Errno::EINVAL);
        }
        d.inode().truncate(len as u64)?;
        Ok(d.inode().clone())
    }

    /// Finds where a new name goes: EEXIST for `.`, `..`, `/` or an existing name (even a
    /// dangling symlink); with a trailing slash a missing name is ENOENT unless `dir_ok`.
    fn new_name(
        &self,
        base: &Arc<Dentry>,
        path: &[u8],
        dir_ok: bool,
    ) -> Result<(Arc<Dentry>, Vec<u8>)> {
        let p = self.resolve_parent(base, path)?;
        if p.kind != LastKind::Normal {
            return Err(Errno::EEXIST);
        }
        match p.dir.inode().lookup(&p.name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        if p.trailing_slash && !dir_ok {
            return Err(Errno::ENOENT);
        }
        Ok((p.dir, p.name))
    }

    /// `mkdir` with the final permission bits.
    pub fn mkdir(&self, base: &Arc<Dentry>, path: &[u8], mode: u32) -> Result<()> {
        let (dir, name) = self.new_name(base, path, true)?;
        dir.inode().mkdir(&name, mode & S_IALLUGO).map(|_| ())
    }

    /// `mknod`: `mode` includes the type (0 means regular file); EPERM for directories and
    /// symlinks, EINVAL for unknown types.
    pub fn mknod(&self, base: &Arc<Dentry>, path: &[u8], mode: u32, rdev: u64) -> Result<()> {
        match mode & S_IFMT {
            0 | S_IFREG | S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => {}
            S_IFDIR => return Err(Errno::EPERM),
            _ => return Err(Errno::EINVAL),
        }
        let (dir, name) = self.new_name(base, path, false)?;
        dir.inode().create(&name, mode, rdev).map(|_| ())
    }

    /// `symlink(target, path)`.
    pub fn symlink(&self, target: &[u8], base: &Arc<Dentry>, path: &[u8]) -> Result<()> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let (dir, name) = self.new_name(base, path, false)?;
        dir.inode().symlink(&name, target).map(|_| ())
    }

    /// `linkat`: `follow` is `AT_SYMLINK_FOLLOW` (Linux does not follow by default).
    /// EPERM for a directory, EXDEV across file systems.
    pub fn link(
        &self,
        old_base: &Arc<Dentry>,
        old_path: &[u8],
        new_base: &Arc<Dentry>,
        new_path: &[u8],
        follow: bool,
    ) -> Result<()> {
        let old = self.resolve(old_base, old_path, follow)?;
        if old.inode().metadata().is_dir() {
            return Err(Errno::EPERM);
        }
        let (dir, name) = self.new_name(new_base, new_path, false)?;
        if dir.inode().metadata().dev != old.inode().metadata().dev {
            return Err(Errno::EXDEV);
        }
        dir.inode().link(&name, old.inode())
    }

    /// `unlink`: EISDIR for a directory (and for `.`, `..`, `/`), ENOTDIR for `file/`.
    pub fn unlink(&self, base: &Arc<Dentry>, path: &[u8]) -> Result<()> {
        let p = self.resolve_parent(base, path)?;
        if p.kind != LastKind::Normal {
            return Err(Errno::EISDIR);
        }
        if p.trailing_slash {
            let child = self.lookup_child(&p.dir, &p.name)?;
            return Err(if child.metadata().is_dir() {
                Errno::EISDIR
            } else {
                Errno::ENOTDIR
            });
        }
        p.dir.inode().unlink(&p.name)
    }

    /// `rmdir`: EINVAL for `.`, ENOTEMPTY for `..`, EBUSY for `/` and mount points.
    pub fn rmdir(&self, base: &Arc<Dentry>, path: &[u8]) -> Result<()> {
        let p = self.resolve_parent(base, path)?;
        match p.kind {
            LastKind::Normal => {}
            LastKind::Dot => return Err(Errno::EINVAL),
            LastKind::DotDot => return Err(Errno::ENOTEMPTY),
            LastKind::Root => return Err(Errno::EBUSY),
        }
        let child = p.dir.inode().lookup(&p.name)?;
        if !child.metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if self.mounts.is_busy(&child) {
            return Err(Errno::EBUSY);
        }
        p.dir.inode().rmdir(&p.name)
    }

    /// `renameat2` with `flags` (`RENAME_NOREPLACE`; `RENAME_EXCHANGE` is EINVAL).
    pub fn rename(
        &self,
        old_base: &Arc<Dentry>,
        old_path: &[u8],
        new_base: &Arc<Dentry>,
        new_path: &[u8],
        flags: u32,
    ) -> Result<()> {
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
            || flags & (RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
        {
            return Err(Errno::EINVAL);
        }
        let old = self.resolve_parent(old_base, old_path)?;
        let new = self.resolve_parent(new_base, new_path)?;
        if old.kind != LastKind::Normal || new.kind != LastKind::Normal {
            return Err(Errno::EBUSY);
        }
        if old.dir.inode().metadata().dev != new.dir.inode().metadata().dev {
            return Err(Errno::EXDEV);
        }
        let src = self.lookup_child(&old.dir, &old.name)?;
        let src_meta = src.metadata();
        if !src_meta.is_dir() && (old.trailing_slash || new.trailing_slash) {
            return Err(Errno::ENOTDIR);
        }
        if self.mounts.is_busy(&src) {
            return Err(Errno::EBUSY);
        }
        if let Ok(dst) = self.lookup_child(&new.dir, &new.name) {
            if self.mounts.is_busy(&dst) {
                return Err(Errno::EBUSY);
            }
        }
        old.dir
            .inode()
            .rename(&old.name, new.dir.inode(), &new.name, flags)
    }
}
