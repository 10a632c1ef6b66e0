//! pipe, pipe2, and the pipe object: a byte ring shared by a read end and a write end.
//!
//! The pipe is an anonymous FIFO inode (`pipe:[ino]`); each open file description gets its
//! own [`PipeEnd`] from the inode's `open` hook, so reopening `/proc/self/fd/N` works like on
//! Linux. Ends count themselves; when the last writer goes, reads return 0 at the end of the
//! data; when the last reader goes, writes fail with EPIPE and raise SIGPIPE (`rw::sigpipe_on_epipe`).
//!
//! Blocking: the pipe itself answers EAGAIN when a read finds it empty with a writer still
//! open, or a write finds no room; the system calls (`rw.rs`) then wait for readiness
//! (`crate::iowait`) unless the file is O_NONBLOCK, and a blocking write goes on until all
//! of it is written, as on Linux. Every change of a pipe's state notifies the waiters.

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};

use osprey_abi::fcntl::{
    O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY, PIPE_BUF, PIPE_BUF_DEFAULT,
};
use osprey_abi::Errno;
use osprey_vfs::{Dentry, Inode, Metadata, OpenFile, Timespec};
use spin::Mutex;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const S_IFIFO: u32 = 0o010000;
const O_ACCMODE: u32 = 3;
const POLLIN: u16 = 0x001;
const POLLOUT: u16 = 0x004;
const POLLERR: u16 = 0x008;
const POLLHUP: u16 = 0x010;
const POLLRDNORM: u16 = 0x040;
const POLLWRNORM: u16 = 0x100;
/// Linux's pipe-max-size default; F_SETPIPE_SZ above it needs CAP_SYS_RESOURCE, which the app
/// (root) has, so the real bound is round_pipe_size's 2 GiB.
const PIPE_MAX: usize = 1 << 31;

static PIPE_INO: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
static PIPE_DEV: spin::Once<u64> = spin::Once::new();

struct Ring {
    data: VecDeque<u8>,
    capacity: usize,
    readers: usize,
    writers: usize,
}

/// The shared pipe: the FIFO inode. It counts no reader or writer itself; the ends its `open`
/// hook hands out do.
pub struct Pipe {
    me: Weak<Pipe>,
    meta: Metadata,
    ring: Mutex<Ring>,
    /// Says when the ring or its ends change (epoll's ready list and edge trigger).
    source: osprey_vfs::PollSource,
}

impl Pipe {
    /// A new empty pipe with the default 64 KiB capacity, stamped `now`.
    pub fn new(now: Timespec) -> Arc<Pipe> {
        let dev = *PIPE_DEV.call_once(osprey_vfs::alloc_dev);
        let ino = PIPE_INO.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        Arc::new_cyclic(|me| Pipe {
            me: me.clone(),
            meta: Metadata {
                dev,
                ino,
                mode: S_IFIFO | 0o600,
                nlink: 1,
                blksize: 4096,
                atime: now,
                mtime: now,
                ctime: now,
                ..Metadata::default()
            },
            source: osprey_vfs::PollSource::new(),
            ring: Mutex::new(Ring {
                data: VecDeque::new(),
                capacity: PIPE_BUF_DEFAULT,
                readers: 0,
                writers: 0,
            }),
        })
    }

    /// Readiness may have changed: tell the poll source (epoll), wake the waiters.
    fn changed(&self) {
        self.source.changed();
        crate::iowait::notify();
    }

    /// Bytes buffered (FIONREAD).
    pub fn len(&self) -> usize {
        self.ring.lock().data.len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// F_GETPIPE_SZ.
    pub fn capacity(&self) -> usize {
        self.ring.lock().capacity
    }

    /// F_SETPIPE_SZ: rounds up to a power-of-two number of pages; EINVAL past 2 GiB, EBUSY if
    /// the data already buffered would not fit. Returns the new capacity.
    pub fn set_capacity(&self, size: u64) -> Result<usize, Errno> {
        if size > PIPE_MAX as u64 {
            return Err(Errno::EINVAL);
        }
        let size = (size as usize).max(4096).next_power_of_two();
        let mut r = self.ring.lock();
        if r.data.len() > size {
            return Err(Errno::EBUSY);
        }
        r.capacity = size;
        Ok(size)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut r = self.ring.lock();
        if buf.is_empty() {
            return Ok(0);
        }
        if r.data.is_empty() {
            if r.writers == 0 {
                return Ok(0);
            }
            return Err(Errno::EAGAIN);
        }
        let n = buf.len().min(r.data.len());
        for (d, s) in buf[..n].iter_mut().zip(r.data.drain(..n)) {
            *d = s;
        }
        drop(r);
        self.changed();
        Ok(n)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let mut r = self.ring.lock();
        if r.readers == 0 {
            return Err(Errno::EPIPE);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let space = r.capacity.saturating_sub(r.data.len());
        // Writes up to PIPE_BUF are atomic: all or nothing.
        if space == 0 || (buf.len() <= PIPE_BUF && space < buf.len()) {
            return Err(Errno::EAGAIN);
        }
        let n = buf.len().min(space);
        r.data.extend(&buf[..n]);
        drop(r);
        self.changed();
        Ok(n)
    }

    fn poll(&self, events: u16, read: bool, write: bool) -> u16 {
        let r = self.ring.lock();
        let mut m = 0;
        if read {
            if !r.data.is_empty() {
                m |= POLLIN | POLLRDNORM;
            }
            if r.writers == 0 {
                m |= POLLHUP;
            }
        }
        if write {
            if r.data.len() < r.capacity {
                m |= POLLOUT | POLLWRNORM;
            }
            if r.readers == 0 {
                m |= POLLERR;
            }
        }
        m & (events | POLLHUP | POLLERR)
    }
}

impl Inode for Pipe {
    fn metadata(&self) -> Metadata {
        self.meta
    }

    fn seekable(&self) -> bool {
        false
    }

    /// Each open description gets an end; O_RDWR (a reopened /proc/self/fd/N) is both.
    fn open(&self, flags: u32) -> Result<Option<Arc<dyn Inode>>, Errno> {
        let me = self.me.upgrade().ok_or(Errno::ENXIO)?;
        Ok(Some(PipeEnd::new(me, flags)))
    }
}

/// One open end of a pipe: reads, writes, polls, and keeps the reader/writer counts.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    read: bool,
    write: bool,
}

impl PipeEnd {
    fn new(pipe: Arc<Pipe>, flags: u32) -> Arc<PipeEnd> {
        let (read, write) = match flags & O_ACCMODE {
            O_RDONLY => (true, false),
            O_WRONLY => (false, true),
            _ => (true, true),
        };
        {
            let mut r = pipe.ring.lock();
            r.readers += read as usize;
            r.writers += write as usize;
        }
        Arc::new(PipeEnd { pipe, read, write })
    }

    /// The pipe this end belongs to.
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        {
            let mut r = self.pipe.ring.lock();
            r.readers -= self.read as usize;
            r.writers -= self.write as usize;
        }
        self.pipe.changed();
    }
}

impl Inode for PipeEnd {
    fn metadata(&self) -> Metadata {
        self.pipe.meta
    }
    fn seekable(&self) -> bool {
        false
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.read {
            return Err(Errno::EBADF);
        }
        self.pipe.read(buf)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize, Errno> {
        if !self.write {
            return Err(Errno::EBADF);
        }
        self.pipe.write(buf)
    }
    fn append(&self, buf: &[u8]) -> Result<(usize, u64), Errno> {
        Ok((self.write_at(0, buf)?, 0))
    }
    fn poll(&self, events: u16) -> u16 {
        self.pipe.poll(events, self.read, self.write)
    }
    fn poll_source(&self) -> Option<&osprey_vfs::PollSource> {
        Some(&self.pipe.source)
    }
}

/// Opens the pipe `pipe` as a new description with `flags` (access mode and O_NONBLOCK).
pub fn open_end(pipe: &Arc<Pipe>, flags: u32) -> Result<Arc<OpenFile>, Errno> {
    let name = alloc::format!("pipe:[{}]", pipe.meta.ino);
    // OpenFile::new runs the pipe's open hook, which makes the counted end serving this
    // description.
    OpenFile::new(Dentry::anonymous(pipe.clone(), name.as_bytes()), flags)
}

pub fn sys_pipe(cx: &Ctx, fds: UserPtr<[i32; 2]>) -> SysResult {
    sys_pipe2(cx, fds, 0)
}

pub fn sys_pipe2(cx: &Ctx, fds: UserPtr<[i32; 2]>, flags: u32) -> SysResult {
    // O_DIRECT (packet mode) is accepted but the pipe stays a byte stream.
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let ns = cx.m.realtime_ns();
    let now = Timespec::new((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as i64);
    let pipe = Pipe::new(now);
    let status = flags & (O_NONBLOCK | O_DIRECT);
    let rf = open_end(&pipe, O_RDONLY | status)?;
    let wf = open_end(&pipe, O_WRONLY | status)?;
    let cloexec = flags & O_CLOEXEC != 0;
    let r = cx.p.files.insert(rf, cloexec)?;
    let w = match cx.p.files.insert(wf, cloexec) {
        Ok(w) => w,
        Err(e) => {
            let _ = cx.p.files.close(r);
            return Err(e);
        }
    };
    if let Err(e) = fds.write(cx.m, &[r, w]) {
        let _ = cx.p.files.close(r);
        let _ = cx.p.files.close(w);
        return Err(e);
    }
    Ok(0)
}
