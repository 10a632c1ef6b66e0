//! Open file descriptions (Linux `struct file`): what an fd points at. Several fds (dup, fork)
//! share one `OpenFile` and therefore its offset and status flags; the close-on-exec flag is
//! per fd and lives in the fd table instead.
//!
//! The offset is an atomic, not a lock held across I/O: a read on the console may block, and
//! no VFS lock may be held while an inode or a clock runs. Concurrent `read`s on one shared
//! description may therefore see the same bytes (Linux before 3.14 behaved the same way).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::consts::*;
use crate::dentry::Dentry;
use crate::inode::{Inode, Metadata};
use crate::{Errno, Result};

/// Size of the fixed part of `linux_dirent64` (d_ino, d_off, d_reclen, d_type).
const DIRENT64_HEADER: usize = 19;

/// The `d_reclen` of a `linux_dirent64` record for a name of `name_len` bytes: header, name,
/// NUL, padded to 8 bytes.
pub fn dirent64_reclen(name_len: usize) -> usize {
    (DIRENT64_HEADER + name_len + 1).next_multiple_of(8)
}

/// An open file description.
pub struct OpenFile {
    dentry: Arc<Dentry>,
    /// Serves reads/writes/ioctl/poll: the inode itself or what its `open` hook returned.
    io: Arc<dyn Inode>,
    pos: AtomicU64,
    /// Access mode plus status flags, as `F_GETFL` reports them.
    flags: AtomicU32,
    seekable: bool,
}

impl OpenFile {
    /// Opens the object at `dentry` with `flags` (access mode and status flags; creation
    /// flags are ignored here, [`crate::Vfs::open`] handles them). Runs the inode's `open`
    /// hook unless `O_PATH`. Also the way to wrap kernel objects (pipes, sockets, eventfds) in
    /// a description: `OpenFile::new(Dentry::anonymous(inode, b"pipe:[7]"), O_RDONLY)`.
    pub fn new(dentry: Arc<Dentry>, flags: u32) -> Result<Arc<OpenFile>> {
        let inode = dentry.inode().clone();
        let io = if flags & O_PATH != 0 {
            inode.clone()
        } else {
            inode.open(flags)?.unwrap_or_else(|| inode.clone())
        };
        let seekable = io.seekable();
        let kept = if flags & O_PATH != 0 {
            // Linux keeps only these for O_PATH descriptors.
            flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        } else {
            (flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC)) | O_LARGEFILE
        };
        Ok(Arc::new(OpenFile {
            dentry,
            io,
            pos: AtomicU64::new(0),
            flags: AtomicU32::new(kept),
            seekable,
        }))
    }

    /// Where this file was opened.
    pub fn dentry(&self) -> &Arc<Dentry> {
        &self.dentry
    }

    /// The inode (for `fstat`, `fchmod`, ...).
    pub fn inode(&self) -> &Arc<dyn Inode> {
        self.dentry.inode()
    }

    /// The object serving I/O for this description (differs from [`OpenFile::inode`] when the
    /// inode's `open` hook returned a per-open object, e.g. a /proc snapshot).
    pub fn io(&self) -> &Arc<dyn Inode> {
        &self.io
    }

    /// Path for `/proc/self/fd/N` and `/proc/self/maps` (with ` (deleted)` when unlinked).
    pub fn path(&self) -> Vec<u8> {
        self.dentry.display_path()
    }

    /// `fstat`.
    pub fn metadata(&self) -> Metadata {
        self.inode().metadata()
    }

    /// `F_GETFL`: access mode and status flags.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// `F_SETFL`: changes only `O_APPEND`, `O_NONBLOCK`, `O_ASYNC`, `O_DIRECT`, `O_NOATIME`.
    pub fn set_flags(&self, new: u32) {
        let _ = self
            .flags
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some((old & !SETFL_MASK) | (new & SETFL_MASK))
            });
    }

    /// Whether `O_NONBLOCK` is set (device and pipe reads use this).
    pub fn nonblocking(&self) -> bool {
        self.flags() & O_NONBLOCK != 0
    }

    /// Whether this is an `O_PATH` descriptor (no I/O: EBADF).
    pub fn is_path(&self) -> bool {
        self.flags() & O_PATH != 0
    }

    /// Whether the access mode allows reading.
    pub fn readable(&self) -> bool {
        !self.is_path() && matches!(self.flags() & O_ACCMODE, O_RDONLY | O_RDWR)
    }

    /// Whether the access mode allows writing.
    pub fn writable(&self) -> bool {
        !self.is_path() && matches!(self.flags() & O_ACCMODE, O_WRONLY | O_RDWR)
    }

    /// Whether the file has an offset (`lseek` works, `pread` is allowed).
    pub fn seekable(&self) -> bool {
        self.seekable
    }

    /// The current offset.
    pub fn pos(&self) -> u64 {
        self.pos.load(Ordering::Relaxed)
    }

    /// `read(2)` at the file offset, advancing it. EBADF if not open for reading, EISDIR on a
    /// directory.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if !self.seekable {
            self.check_ready(POLLIN)?;
            return self.io.read_at(0, buf);
        }
        let off = self.pos();
        let n = self.io.read_at(off, buf)?;
        self.pos.store(off + n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// `write(2)` at the file offset (at the end with `O_APPEND`), advancing it.
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.seekable {
            self.check_ready(POLLOUT)?;
            return self.io.write_at(0, buf);
        }
        if self.flags() & O_APPEND != 0 {
            let (n, end) = self.io.append(buf)?;
            self.pos.store(end, Ordering::Relaxed);
            return Ok(n);
        }
        let off = self.pos();
        let n = self.io.write_at(off, buf)?;
        self.pos.store(off + n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// With `O_NONBLOCK` on a stream (pipe, terminal): EAGAIN unless `poll` says the
    /// operation can proceed (ready, hung up or in error).
    fn check_ready(&self, event: u16) -> Result<()> {
        if self.nonblocking() && self.io.poll(event) & (event | POLLHUP | POLLERR) == 0 {
            return Err(Errno::EAGAIN);
        }
        Ok(())
    }

    /// `pread64`: at `offset`, offset unchanged. ESPIPE if not seekable, EINVAL if negative.
    pub fn pread(&self, buf: &mut [u8], offset: i64) -> Result<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if !self.seekable {
            return Err(Errno::ESPIPE);
        }
        if offset < 0 {
            return Err(Errno::EINVAL);
        }
        self.io.read_at(offset as u64, buf)
    }

    /// `pwrite64`: at `offset`, offset unchanged. With `O_APPEND` Linux appends anyway
    /// (documented bug in pwrite(2)), and so does this.
    pub fn pwrite(&self, buf: &[u8], offset: i64) -> Result<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.seekable {
            return Err(Errno::ESPIPE);
        }
        if offset < 0 {
            return Err(Errno::EINVAL);
        }
        if self.flags() & O_APPEND != 0 {
            return self.io.append(buf).map(|(n, _)| n);
        }
        self.io.write_at(offset as u64, buf)
    }

    /// `lseek`: SEEK_SET/CUR/END/DATA/HOLE. EINVAL for a negative result or unknown whence,
    /// ESPIPE on pipes, sockets and terminals, ENXIO for DATA/HOLE at or past the end.
    /// Directories accept SET and CUR (positions are getdents cursors).
    pub fn lseek(&self, offset: i64, whence: u32) -> Result<u64> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        if !self.seekable {
            return Err(Errno::ESPIPE);
        }
        let meta = self.io.metadata();
        let size = meta.size as i64;
        let cur = self.pos() as i64;
        let new = match whence {
            SEEK_SET => offset,
            SEEK_CUR => cur.checked_add(offset).ok_or(Errno::EINVAL)?,
            SEEK_END if !meta.is_dir() => size.checked_add(offset).ok_or(Errno::EINVAL)?,
            SEEK_DATA | SEEK_HOLE if !meta.is_dir() => {
                // No hole tracking: the whole file is data, with the implicit hole at EOF.
                if offset < 0 || offset >= size {
                    return Err(Errno::ENXIO);
                }
                if whence == SEEK_DATA {
                    offset
                } else {
                    size
                }
            }
            _ => return Err(Errno::EINVAL),
        };
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        self.pos.store(new as u64, Ordering::Relaxed);
        Ok(new as u64)
    }

    /// `ftruncate`: EINVAL unless open for writing and a regular file.
    pub fn truncate(&self, len: i64) -> Result<()> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        if !self.writable() || len < 0 {
            return Err(Errno::EINVAL);
        }
        let m = self.inode().metadata();
        if m.is_dir() {
            return Err(Errno::EISDIR);
        }
        if !m.is_regular() {
            return Err(Errno::EINVAL);
        }
        self.io.truncate(len as u64)
    }

    /// `ioctl`, forwarded to the device. EBADF on `O_PATH`.
    pub fn ioctl(&self, cmd: u32, arg: usize) -> Result<usize> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        self.io.ioctl(cmd, arg)
    }

    /// Readiness for `poll` (`POLLNVAL` for `O_PATH`).
    pub fn poll(&self, events: u16) -> u16 {
        if self.is_path() {
            return POLLNVAL;
        }
        self.io.poll(events)
    }

    /// The I/O object's readiness source ([`Inode::poll_source`]).
    pub fn poll_source(&self) -> Option<&crate::poll::PollSource> {
        self.io.poll_source()
    }

    /// `getdents64`: fills `buf` with `linux_dirent64` records, starting with `.` and `..`,
    /// and advances the file offset (a stable cursor, so the next call continues and
    /// `lseek(SEEK_SET, d_off)` resumes after a record). Returns the bytes written, 0 at the
    /// end; EINVAL if not even one record fits; ENOTDIR for a non-directory.
    pub fn getdents64(&self, buf: &mut [u8]) -> Result<usize> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        let dir = self.dentry.inode();
        if !dir.metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let mut written = 0;
        loop {
            let pos = self.pos();
            let batch: Vec<(u64, u8, Vec<u8>, u64)> = match pos {
                0 => alloc::vec![(dir.metadata().ino, DT_DIR, b".".to_vec(), 1)],
                1 => {
                    let up = self.dentry.parent().map_or(dir, |p| p.inode());
                    alloc::vec![(up.metadata().ino, DT_DIR, b"..".to_vec(), 2)]
                }
                _ => {
                    let room = (buf.len() - written) / 24;
                    dir.readdir(pos - 2, room.clamp(1, 256))?
                        .into_iter()
                        .map(|e| (e.ino, e.kind.dirent_type(), e.name, e.next + 2))
                        .collect()
                }
            };
            if batch.is_empty() {
                return Ok(written);
            }
            for (ino, dtype, name, next) in batch {
                let reclen = dirent64_reclen(name.len());
                if written + reclen > buf.len() {
                    return if written == 0 {
                        Err(Errno::EINVAL)
                    } else {
                        Ok(written)
                    };
                }
                let rec = &mut buf[written..written + reclen];
                rec[0..8].copy_from_slice(&ino.to_le_bytes());
                rec[8..16].copy_from_slice(&(next as i64).to_le_bytes());
                rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
                rec[18] = dtype;
                rec[DIRENT64_HEADER..DIRENT64_HEADER + name.len()].copy_from_slice(&name);
                rec[DIRENT64_HEADER + name.len()..].fill(0);
                written += reclen;
                self.pos.store(next, Ordering::Relaxed);
            }
        }
    }
}

impl core::fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpenFile")
            .field(
                "path",
                &alloc::string::String::from_utf8_lossy(&self.path()),
            )
            .field("flags", &format_args!("{:#o}", self.flags()))
            .field("pos", &self.pos())
            .finish()
    }
}
