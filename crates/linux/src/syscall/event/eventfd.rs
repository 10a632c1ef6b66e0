//! eventfd, eventfd2: a 64-bit counter read and written as a file.
//!
//! A write adds its 8-byte value to the counter; a read returns the counter and zeroes it
//! (EFD_SEMAPHORE: returns 1 and decrements). The counter never exceeds 2^64 - 2: a write
//! that would pass it waits for a read (EAGAIN here; the write system call waits through
//! `crate::iowait` unless O_NONBLOCK), and a read of a zero counter waits the same way.
//! Buffers shorter than 8 bytes are EINVAL, as is writing 2^64 - 1. Every change notifies the
//! I/O waiters and the eventfd's poll source (epoll).

use alloc::sync::Arc;

use osprey_abi::fcntl::{EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, O_RDWR};
use osprey_abi::Errno;
use osprey_vfs::{Dentry, Inode, Metadata, OpenFile, PollSource};
use spin::Mutex;

use crate::syscall::{Ctx, SysResult};

const POLLIN: u16 = 0x001;
const POLLOUT: u16 = 0x004;
const POLLERR: u16 = 0x008;
const POLLRDNORM: u16 = 0x040;
const POLLWRNORM: u16 = 0x100;
/// The largest value the counter may hold (ULLONG_MAX - 1).
const MAX: u64 = u64::MAX - 1;

pub struct EventFd {
    meta: Metadata,
    semaphore: bool,
    count: Mutex<u64>,
    /// Says when the counter changes (epoll's ready list and edge trigger).
    source: PollSource,
}

impl EventFd {
    fn changed(&self) {
        self.source.changed();
        crate::iowait::notify();
    }

    /// The counter (for /proc/self/fdinfo-like checks and tests).
    pub fn count(&self) -> u64 {
        *self.count.lock()
    }
}

impl Drop for EventFd {
    /// Epoll registrations of this eventfd find it gone at their next look.
    fn drop(&mut self) {
        self.source.changed();
    }
}

impl Inode for EventFd {
    fn metadata(&self) -> Metadata {
        self.meta
    }
    fn seekable(&self) -> bool {
        false
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = {
            let mut c = self.count.lock();
            if *c == 0 {
                return Err(Errno::EAGAIN);
            }
            let v = if self.semaphore { 1 } else { *c };
            *c -= v;
            v
        };
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        self.changed();
        Ok(8)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = u64::from_ne_bytes(buf[..8].try_into().expect("8 bytes"));
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        {
            let mut c = self.count.lock();
            if MAX - *c < v {
                return Err(Errno::EAGAIN);
            }
            *c += v;
        }
        // Linux wakes readers even for a write of 0.
        self.changed();
        Ok(8)
    }
    fn poll(&self, events: u16) -> u16 {
        let c = *self.count.lock();
        let mut m = 0;
        if c > 0 {
            m |= POLLIN | POLLRDNORM;
        }
        if c < MAX {
            m |= POLLOUT | POLLWRNORM;
        }
        // The counter at its maximum reads as an error too (Linux's eventfd_poll).
        if c == u64::MAX {
            m |= POLLERR;
        }
        m & (events | POLLERR)
    }
    fn poll_source(&self) -> Option<&PollSource> {
        Some(&self.source)
    }
}

pub fn sys_eventfd(cx: &Ctx, initval: u32) -> SysResult {
    sys_eventfd2(cx, initval, 0)
}

pub fn sys_eventfd2(cx: &Ctx, initval: u32, flags: u32) -> SysResult {
    if flags & !(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let (dev, ino) = crate::syscall::fs::anon_inode_id();
    let e = Arc::new(EventFd {
        meta: Metadata {
            dev,
            ino,
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Metadata::default()
        },
        semaphore: flags & EFD_SEMAPHORE != 0,
        count: Mutex::new(initval as u64),
        source: PollSource::new(),
    });
    let f = OpenFile::new(
        Dentry::anonymous(e, b"anon_inode:[eventfd]"),
        O_RDWR | (flags & EFD_NONBLOCK),
    )?;
    cx.p.files
        .insert(f, flags & EFD_CLOEXEC != 0)
        .map(|fd| fd as usize)
}
