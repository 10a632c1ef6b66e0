//! The inode abstraction every file system and device implements.
//!
//! An inode is the object behind a name: a ramfs file, a directory, a device, a /proc entry.
//! The syscall layer only ever sees `Arc<dyn Inode>`; each method's default returns the errno
//! Linux gives when the operation does not apply to that kind of object, so an implementation
//! overrides only what it supports.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use crate::consts::*;
use crate::dentry::Dentry;
use crate::{Errno, Result};

/// A point in time as Linux `struct timespec` holds it (seconds since the epoch, nanoseconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    /// Seconds since 1970-01-01 UTC.
    pub sec: i64,
    /// Nanoseconds, 0..1_000_000_000.
    pub nsec: i64,
}

impl Timespec {
    /// A time from seconds and nanoseconds.
    pub const fn new(sec: i64, nsec: i64) -> Self {
        Timespec { sec, nsec }
    }
}

/// The wall clock a file system stamps times with. The kernel passes its real clock, host tests
/// a fake one. It is called without any VFS lock held.
pub type Clock = Arc<dyn Fn() -> Timespec + Send + Sync>;

/// What `utimensat` asks for one of the two times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetTime {
    /// `UTIME_OMIT`: leave it.
    Omit,
    /// `UTIME_NOW`: the current time.
    Now,
    /// An explicit time.
    Set(Timespec),
}

/// The type of a file, from the `S_IFMT` bits of its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// Regular file.
    Regular,
    /// Directory.
    Directory,
    /// Symbolic link.
    Symlink,
    /// Character device.
    CharDevice,
    /// Block device.
    BlockDevice,
    /// Named pipe.
    Fifo,
    /// Unix socket.
    Socket,
}

impl FileType {
    /// The type encoded in a mode; `None` for type bits Linux does not define.
    pub fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    /// The `S_IFMT` bits of this type.
    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }

    /// The `d_type` of a `linux_dirent64` for this type.
    pub fn dirent_type(self) -> u8 {
        match self {
            FileType::Regular => DT_REG,
            FileType::Directory => DT_DIR,
            FileType::Symlink => DT_LNK,
            FileType::CharDevice => DT_CHR,
            FileType::BlockDevice => DT_BLK,
            FileType::Fifo => DT_FIFO,
            FileType::Socket => DT_SOCK,
        }
    }
}

/// Everything `stat(2)` reports about an inode. The syscall layer copies it field by field into
/// Linux `struct stat`/`statx`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Device (file-system instance) number, from [`alloc_dev`] for Osprey's file systems.
    pub dev: u64,
    /// Inode number, unique within `dev`.
    pub ino: u64,
    /// Type bits (`S_IFMT`) and permission bits.
    pub mode: u32,
    /// Number of hard links (directories: 2 + subdirectories).
    pub nlink: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number for character and block devices.
    pub rdev: u64,
    /// Size in bytes (symlinks: length of the target).
    pub size: u64,
    /// Preferred I/O size.
    pub blksize: u32,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    /// Last access.
    pub atime: Timespec,
    /// Last modification of the contents.
    pub mtime: Timespec,
    /// Last change of the inode (contents or metadata).
    pub ctime: Timespec,
}

impl Metadata {
    /// The file type from `mode` (`Regular` if the mode carries no valid type).
    pub fn file_type(&self) -> FileType {
        FileType::from_mode(self.mode).unwrap_or(FileType::Regular)
    }

    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }

    /// Whether this is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }

    /// Whether this is a regular file.
    pub fn is_regular(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
}

/// One directory entry as [`Inode::readdir`] yields it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Inode number of the entry.
    pub ino: u64,
    /// Its type.
    pub kind: FileType,
    /// Its name (no `/`, no NUL).
    pub name: Vec<u8>,
    /// The directory cursor just after this entry: passing it to `readdir` continues with the
    /// next one. Strictly greater than the cursor the entry was read at.
    pub next: u64,
}

/// Upcasting helpers every inode gets for free, so a file system can recognise its own inodes
/// among `Arc<dyn Inode>` (rename and link between two directories of the same ramfs).
pub trait AsAny: Any + Send + Sync {
    /// `self` as `&dyn Any`.
    fn as_any(&self) -> &dyn Any;
    /// `self` as `Arc<dyn Any>`, for `Arc::downcast`.
    fn as_any_arc(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<T: Any + Send + Sync> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_arc(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// A file-system object. Implementations use interior mutability (`spin` locks) and must not
/// block inside `read_at`/`write_at` if they report [`Inode::seekable`] (regular files).
///
/// Names and symlink targets are bytes, as on Linux: they need not be UTF-8.
pub trait Inode: AsAny {
    /// `stat` information.
    fn metadata(&self) -> Metadata;

    /// Reads up to `buf.len()` bytes at `offset`; 0 at end of file.
    /// Default: EISDIR for a directory, EINVAL otherwise.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let _ = (offset, buf);
        Err(self.not_a_file())
    }

    /// Writes `buf` at `offset`, growing the file (holes read as zeros).
    /// Default: EISDIR for a directory, EINVAL otherwise.
    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        let _ = (offset, buf);
        Err(self.not_a_file())
    }

    /// Writes `buf` at the current end of file as one step (`O_APPEND`); returns the bytes
    /// written and the new end of file. The default reads the size then writes, which is atomic
    /// only on a single CPU; ramfs overrides it.
    fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
        let end = self.metadata().size;
        let n = self.write_at(end, buf)?;
        Ok((n, end + n as u64))
    }

    /// Makes `data` the file's contents without copying it (files unpacked from the boot image,
    /// which stays in memory for the kernel's lifetime). Default: EINVAL.
    fn set_static_contents(&self, data: &'static [u8]) -> Result<()> {
        let _ = data;
        Err(Errno::EINVAL)
    }

    /// The file's whole contents as one 'static slice, when they are still exactly what
    /// `set_static_contents` gave (so a loader can read an ELF without copying it).
    fn static_contents(&self) -> Option<&'static [u8]> {
        None
    }

    /// Whether [`Inode::shared_page`] works: the file's contents live in pages a MAP_SHARED
    /// mapping can map (ramfs files). Default: false.
    fn shares_pages(&self) -> bool {
        false
    }

    /// The page holding file bytes `[offset, offset + 4096)` (`offset` page aligned), made
    /// part of the file if it was a hole or still in the boot image, for a MAP_SHARED mapping
    /// to map: stores through the mapping and `write` then change the same memory. ENXIO when
    /// the page starts at or past the end of the file (the mapping's SIGBUS), ENOSPC/ENOMEM
    /// when no page can be had. Default: ENODEV.
    fn shared_page(&self, offset: u64) -> Result<Arc<dyn crate::page::FilePage>> {
        let _ = offset;
        Err(Errno::ENODEV)
    }

    /// Sets the size (`truncate`, `O_TRUNC`). Default: EISDIR for a directory, EINVAL otherwise.
    fn truncate(&self, len: u64) -> Result<()> {
        let _ = len;
        Err(self.not_a_file())
    }

    /// Whether `lseek` may position this object and reads/writes use the file offset.
    /// Default: everything except FIFOs, sockets and character devices (ESPIPE there).
    fn seekable(&self) -> bool {
        !matches!(
            self.metadata().file_type(),
            FileType::Fifo | FileType::Socket | FileType::CharDevice
        )
    }

    /// Called when an open file description is created for this inode. May return a separate
    /// object that serves reads/writes/ioctl/poll for that description (a snapshot of a /proc
    /// file, one end of a FIFO); `stat` keeps using `self`. Default: `None`, use `self`.
    fn open(&self, flags: u32) -> Result<Option<Arc<dyn Inode>>> {
        let _ = flags;
        Ok(None)
    }

    /// The child called `name` (never `.` or `..`, those are the path walker's job).
    /// Default: ENOTDIR.
    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        let _ = name;
        Err(Errno::ENOTDIR)
    }

    /// Creates a non-directory child (`open(O_CREAT)`, `mknod`): `mode` carries the type bits
    /// (`S_IFREG` when zero) and the final permissions (umask already applied), `rdev` the
    /// device number for device nodes. EEXIST if the name exists. Default: ENOTDIR.
    fn create(&self, name: &[u8], mode: u32, rdev: u64) -> Result<Arc<dyn Inode>> {
        let _ = (name, mode, rdev);
        Err(self.not_a_dir_or(Errno::EPERM))
    }

    /// Creates a subdirectory with permissions `mode`. Default: ENOTDIR / EPERM.
    fn mkdir(&self, name: &[u8], mode: u32) -> Result<Arc<dyn Inode>> {
        let _ = (name, mode);
        Err(self.not_a_dir_or(Errno::EPERM))
    }

    /// Creates a symlink `name` pointing at `target`. Default: ENOTDIR / EPERM.
    fn symlink(&self, name: &[u8], target: &[u8]) -> Result<Arc<dyn Inode>> {
        let _ = (name, target);
        Err(self.not_a_dir_or(Errno::EPERM))
    }

    /// Adds a hard link `name` to `target`. EXDEV when `target` lives on another file system.
    /// Default: ENOTDIR / EPERM.
    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<()> {
        let _ = (name, target);
        Err(self.not_a_dir_or(Errno::EPERM))
    }

    /// Removes the non-directory `name` (EISDIR for a directory). Default: ENOTDIR / EPERM.
    fn unlink(&self, name: &[u8]) -> Result<()> {
        let _ = name;
        Err(self.not_a_dir_or(Errno::EPERM))
    }

    /// Removes the empty directory `name` (ENOTDIR if it is not one, ENOTEMPTY).
    /// Default: ENOTDIR / EPERM.
    fn rmdir(&self, name: &[u8]) -> Result<()> {
        let _ = name;
        Err(self.not_a_dir_or(Errno::EPERM))
    }

    /// Moves `old_name` of this directory to `new_name` in `new_dir` with `rename(2)` rules
    /// (`flags`: `RENAME_NOREPLACE`). Default: ENOTDIR / EPERM.
    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &Arc<dyn Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> Result<()> {
        let _ = (old_name, new_dir, new_name, flags);
        Err(self.not_a_dir_or(Errno::EPERM))
    }

    /// Up to `max` entries from directory cursor `cursor` (start at 0), without `.` and `..`
    /// (the open file adds those). An empty vector means the end. Default: ENOTDIR.
    fn readdir(&self, cursor: u64, max: usize) -> Result<Vec<DirEntry>> {
        let _ = (cursor, max);
        Err(Errno::ENOTDIR)
    }

    /// The target of a symlink. Default: EINVAL.
    fn readlink(&self) -> Result<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    /// For /proc "magic" links (`/proc/self/fd/N`, `/proc/self/exe`): the object the link
    /// stands for, which the path walker jumps to instead of resolving the target text (so a
    /// pipe or a deleted file can be reopened). Default: `None`, resolve the text.
    fn magic_link(&self) -> Option<Result<Arc<Dentry>>> {
        None
    }

    /// `chmod`: replaces the `S_IALLUGO` bits. Default: EPERM.
    fn chmod(&self, mode: u32) -> Result<()> {
        let _ = mode;
        Err(Errno::EPERM)
    }

    /// `chown`: `None` leaves that id alone. Default: EPERM.
    fn chown(&self, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
        let _ = (uid, gid);
        Err(Errno::EPERM)
    }

    /// `utimensat`: sets access and modification times (ctime becomes now). Default: EPERM.
    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        let _ = (atime, mtime);
        Err(Errno::EPERM)
    }

    /// Device-specific control. `arg` is the raw argument (often a user pointer the
    /// implementation accesses itself). Default: ENOTTY.
    fn ioctl(&self, cmd: u32, arg: usize) -> Result<usize> {
        let _ = (cmd, arg);
        Err(Errno::ENOTTY)
    }

    /// Readiness for `poll`/`select`: the subset of `events` (POLLIN, POLLOUT, ...) that would
    /// not block now, plus POLLERR/POLLHUP if they apply. Default: always readable and
    /// writable, like a regular file.
    fn poll(&self, events: u16) -> u16 {
        events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
    }

    /// The object's readiness source, if it keeps one: it says when readiness may have
    /// changed, so epoll keeps a ready list instead of polling every registration, and its
    /// generation drives edge-triggered reports. `None` (the default): epoll polls this file
    /// at every scan.
    fn poll_source(&self) -> Option<&crate::poll::PollSource> {
        None
    }

    /// EISDIR for a directory, EINVAL for anything else (what read/write/truncate give).
    #[doc(hidden)]
    fn not_a_file(&self) -> Errno {
        if self.metadata().is_dir() {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        }
    }

    /// ENOTDIR unless this is a directory, then `other`.
    #[doc(hidden)]
    fn not_a_dir_or(&self, other: Errno) -> Errno {
        if self.metadata().is_dir() {
            other
        } else {
            Errno::ENOTDIR
        }
    }
}

impl core::fmt::Debug for dyn Inode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let m = self.metadata();
        write!(f, "Inode(dev={}, ino={}, mode={:o})", m.dev, m.ino, m.mode)
    }
}

/// Whether two handles name the same inode (same device and inode number).
pub fn same_inode(a: &Arc<dyn Inode>, b: &Arc<dyn Inode>) -> bool {
    if core::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)) {
        return true;
    }
    let (ma, mb) = (a.metadata(), b.metadata());
    ma.dev == mb.dev && ma.ino == mb.ino
}
