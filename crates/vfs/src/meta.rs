//! Shared bookkeeping for file systems: unique device numbers and a locked metadata cell with
//! the chmod/chown/utimensat logic, so devfs and the synthetic /proc nodes do not each
//! reimplement it.

use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

use crate::consts::S_IALLUGO;
use crate::inode::{Metadata, SetTime, Timespec};
use crate::Result;

static NEXT_DEV: AtomicU64 = AtomicU64::new(1);

/// A fresh device number for a new file-system instance. Mount points are recognised by
/// `(dev, ino)`, so every instance needs its own. The numbers look like Linux anonymous
/// devices (major 0).
pub fn alloc_dev() -> u64 {
    let minor = NEXT_DEV.fetch_add(1, Ordering::Relaxed);
    crate::consts::makedev(0, minor as u32)
}

/// A file system's inode-number counter.
#[derive(Debug)]
pub struct InoAllocator(AtomicU64);

impl InoAllocator {
    /// Counter whose first number is `first`.
    pub const fn new(first: u64) -> Self {
        InoAllocator(AtomicU64::new(first))
    }

    /// The next unused inode number.
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

/// Metadata behind a lock with the Linux rules for attribute changes. Times for `SetTime::Now`
/// and ctime come from `now`, which the caller reads from its clock before calling (so no
/// closure runs under the lock).
#[derive(Debug)]
pub struct MetaCell(Mutex<Metadata>);

impl MetaCell {
    /// Wraps initial metadata.
    pub fn new(meta: Metadata) -> Self {
        MetaCell(Mutex::new(meta))
    }

    /// A copy of the metadata.
    pub fn get(&self) -> Metadata {
        *self.0.lock()
    }

    /// Runs `f` on the metadata under the lock (`f` must be short and must not call out).
    pub fn update<R>(&self, f: impl FnOnce(&mut Metadata) -> R) -> R {
        f(&mut self.0.lock())
    }

    /// `chmod`: keeps the type bits, replaces the rest; ctime = now.
    pub fn chmod(&self, mode: u32, now: Timespec) -> Result<()> {
        self.update(|m| {
            m.mode = (m.mode & !S_IALLUGO) | (mode & S_IALLUGO);
            m.ctime = now;
        });
        Ok(())
    }

    /// `chown`; ctime = now.
    pub fn chown(&self, uid: Option<u32>, gid: Option<u32>, now: Timespec) -> Result<()> {
        self.update(|m| {
            if let Some(u) = uid {
                m.uid = u;
            }
            if let Some(g) = gid {
                m.gid = g;
            }
            m.ctime = now;
        });
        Ok(())
    }

    /// `utimensat`; ctime = now unless both times are omitted (Linux does nothing then).
    pub fn set_times(&self, atime: SetTime, mtime: SetTime, now: Timespec) -> Result<()> {
        if atime == SetTime::Omit && mtime == SetTime::Omit {
            return Ok(());
        }
        self.update(|m| {
            match atime {
                SetTime::Omit => {}
                SetTime::Now => m.atime = now,
                SetTime::Set(t) => m.atime = t,
            }
            match mtime {
                SetTime::Omit => {}
                SetTime::Now => m.mtime = now,
                SetTime::Set(t) => m.mtime = t,
            }
            m.ctime = now;
        });
        Ok(())
    }
}
