//! The file-descriptor table of a process: small integers mapping to shared open file
//! descriptions, each with its own close-on-exec flag.
//!
//! Descriptions removed from the table are returned to the caller and dropped outside the
//! table's lock: dropping the last reference may run an object's cleanup (a pipe waking its
//! reader), which must not happen under our lock.

use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

use crate::file::OpenFile;
use crate::{Errno, Result};

/// Default `RLIMIT_NOFILE` soft limit (Linux default).
pub const DEFAULT_NOFILE: usize = 1024;
/// The largest limit `setrlimit` may set (Linux `nr_open` default).
pub const NR_OPEN: usize = 1 << 20;

#[derive(Clone)]
struct Slot {
    file: Arc<OpenFile>,
    cloexec: bool,
}

struct Table {
    slots: Vec<Option<Slot>>,
    limit: usize,
}

impl Table {
    fn lowest_free(&self, min: usize) -> Result<usize> {
        let fd = (min..self.slots.len())
            .find(|&i| self.slots[i].is_none())
            .unwrap_or(self.slots.len().max(min));
        if fd >= self.limit {
            return Err(Errno::EMFILE);
        }
        Ok(fd)
    }

    fn put(&mut self, fd: usize, slot: Slot) -> Option<Slot> {
        if fd >= self.slots.len() {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd].replace(slot)
    }

    fn get(&self, fd: i32) -> Result<&Slot> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .ok_or(Errno::EBADF)
    }
}

/// A process's descriptor table. All methods take `&self`; the table locks internally.
pub struct FdTable {
    inner: Mutex<Table>,
}

impl Default for FdTable {
    fn default() -> Self {
        Self::new()
    }
}

impl FdTable {
    /// An empty table with the default limit of 1024 descriptors.
    pub fn new() -> FdTable {
        FdTable {
            inner: Mutex::new(Table {
                slots: Vec::new(),
                limit: DEFAULT_NOFILE,
            }),
        }
    }

    /// A copy sharing every open file description (`fork`, `clone` without `CLONE_FILES`).
    pub fn fork(&self) -> FdTable {
        let t = self.inner.lock();
        FdTable {
            inner: Mutex::new(Table {
                slots: t.slots.clone(),
                limit: t.limit,
            }),
        }
    }

    /// The `RLIMIT_NOFILE` soft limit: new descriptors must be below it.
    pub fn limit(&self) -> usize {
        self.inner.lock().limit
    }

    /// Sets the limit (`setrlimit`); EPERM above [`NR_OPEN`]. Existing higher fds stay.
    pub fn set_limit(&self, limit: usize) -> Result<()> {
        if limit > NR_OPEN {
            return Err(Errno::EPERM);
        }
        self.inner.lock().limit = limit;
        Ok(())
    }

    /// Installs `file` at the lowest free descriptor (`open`, `pipe`, `socket`). EMFILE when
    /// none is below the limit.
    pub fn insert(&self, file: Arc<OpenFile>, cloexec: bool) -> Result<i32> {
        self.insert_from(0, file, cloexec)
    }

    /// Installs `file` at the lowest free descriptor `>= min` (`F_DUPFD`). EINVAL if `min` is
    /// negative or not below the limit, EMFILE when no descriptor is free.
    pub fn insert_from(&self, min: i32, file: Arc<OpenFile>, cloexec: bool) -> Result<i32> {
        let mut t = self.inner.lock();
        let min = usize::try_from(min).map_err(|_| Errno::EINVAL)?;
        if min >= t.limit {
            return Err(Errno::EINVAL);
        }
        let fd = t.lowest_free(min)?;
        t.put(fd, Slot { file, cloexec });
        Ok(fd as i32)
    }

    /// The description behind `fd`; EBADF if not open.
    pub fn get(&self, fd: i32) -> Result<Arc<OpenFile>> {
        Ok(self.inner.lock().get(fd)?.file.clone())
    }

    /// `close`: removes `fd` and returns its description (drop it after, or ignore). EBADF.
    pub fn close(&self, fd: i32) -> Result<Arc<OpenFile>> {
        let mut t = self.inner.lock();
        t.get(fd)?;
        let slot = t.slots[fd as usize].take().ok_or(Errno::EBADF)?;
        Ok(slot.file)
    }

    /// `dup`: a new lowest descriptor for the same description, close-on-exec cleared.
    pub fn dup(&self, fd: i32) -> Result<i32> {
        self.dup_from(fd, 0, false)
    }

    /// `F_DUPFD` (`cloexec` false) / `F_DUPFD_CLOEXEC` (true): lowest descriptor `>= min`.
    pub fn dup_from(&self, fd: i32, min: i32, cloexec: bool) -> Result<i32> {
        let file = self.get(fd)?;
        self.insert_from(min, file, cloexec)
    }

    /// `dup2`: makes `new` refer to `old`'s description, closing what `new` held; returns
    /// `new`. EBADF if `old` is not open or `new` is out of range; with `old == new` it only
    /// checks `old`. The replaced description (if any) is dropped after the lock is released.
    pub fn dup2(&self, old: i32, new: i32) -> Result<i32> {
        if old == new {
            self.get(old)?;
            return Ok(new);
        }
        self.dup3(old, new, false)
    }

    /// `dup3`: like `dup2` but EINVAL for `old == new`, and sets close-on-exec to `cloexec`.
    pub fn dup3(&self, old: i32, new: i32, cloexec: bool) -> Result<i32> {
        if old == new {
            return Err(Errno::EINVAL);
        }
        let replaced = {
            let mut t = self.inner.lock();
            let file = t.get(old)?.file.clone();
            let idx = usize::try_from(new).map_err(|_| Errno::EBADF)?;
            if idx >= t.limit {
                return Err(Errno::EBADF);
            }
            t.put(idx, Slot { file, cloexec })
        };
        drop(replaced);
        Ok(new)
    }

    /// `F_GETFD`: whether `fd` is close-on-exec.
    pub fn cloexec(&self, fd: i32) -> Result<bool> {
        Ok(self.inner.lock().get(fd)?.cloexec)
    }

    /// `F_SETFD`: sets the close-on-exec flag of `fd`.
    pub fn set_cloexec(&self, fd: i32, cloexec: bool) -> Result<()> {
        let mut t = self.inner.lock();
        t.get(fd)?;
        if let Some(s) = t.slots[fd as usize].as_mut() {
            s.cloexec = cloexec;
        }
        Ok(())
    }

    /// `execve`: closes every close-on-exec descriptor; returns the removed descriptions.
    pub fn close_on_exec(&self) -> Vec<Arc<OpenFile>> {
        let mut t = self.inner.lock();
        let mut closed = Vec::new();
        for s in t.slots.iter_mut() {
            if s.as_ref().is_some_and(|s| s.cloexec) {
                closed.extend(s.take().map(|s| s.file));
            }
        }
        closed
    }

    /// `close_range(first, last, flags)`: closes (or with `cloexec_only` marks close-on-exec)
    /// every open descriptor in `first..=last`. EINVAL if `first > last`.
    pub fn close_range(
        &self,
        first: u32,
        last: u32,
        cloexec_only: bool,
    ) -> Result<Vec<Arc<OpenFile>>> {
        if first > last {
            return Err(Errno::EINVAL);
        }
        let mut t = self.inner.lock();
        let mut closed = Vec::new();
        let end = (last as usize).saturating_add(1).min(t.slots.len());
        for i in (first as usize).min(end)..end {
            if cloexec_only {
                if let Some(s) = t.slots[i].as_mut() {
                    s.cloexec = true;
                }
            } else if let Some(s) = t.slots[i].take() {
                closed.push(s.file);
            }
        }
        Ok(closed)
    }

    /// The open descriptors in increasing order with their descriptions (for /proc/self/fd,
    /// /proc/self/fdinfo, and closing everything at exit).
    pub fn list(&self) -> Vec<(i32, Arc<OpenFile>)> {
        let t = self.inner.lock();
        t.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i as i32, s.file.clone())))
            .collect()
    }

    /// Number of open descriptors.
    pub fn count(&self) -> usize {
        self.inner
            .lock()
            .slots
            .iter()
            .filter(|s| s.is_some())
            .count()
    }

    /// Removes every descriptor (process exit) and returns the descriptions.
    pub fn clear(&self) -> Vec<Arc<OpenFile>> {
        let mut t = self.inner.lock();
        t.slots.drain(..).flatten().map(|s| s.file).collect()
    }
}
