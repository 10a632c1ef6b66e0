//! flock: whole-file advisory locks.
//!
//! Unlike fcntl's record locks, flock locks belong to an open file description, so two
//! descriptions of one file conflict even within the one process Osprey runs. The table keeps
//! each holder as a weak reference to its description: a closed description's lock is gone as
//! soon as the description is (found and dropped at the next look), which is Linux's rule
//! without a hook in close. A blocking request waits on the I/O wait list (an unlock notifies
//! it; a close is noticed at the next 200 µs look).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use osprey_abi::Errno;
use osprey_vfs::OpenFile;
use spin::Mutex;

use super::file;
use crate::syscall::{Ctx, SysResult};

pub const LOCK_SH: i32 = 1;
pub const LOCK_EX: i32 = 2;
pub const LOCK_NB: i32 = 4;
pub const LOCK_UN: i32 = 8;

struct Holder {
    ofd: Weak<OpenFile>,
    exclusive: bool,
}

/// Holders by file (device, inode).
static LOCKS: Mutex<BTreeMap<(u64, u64), Vec<Holder>>> = Mutex::new(BTreeMap::new());

fn same(h: &Holder, f: &Arc<OpenFile>) -> bool {
    core::ptr::eq(h.ofd.as_ptr(), Arc::as_ptr(f))
}

/// Takes (or converts) the lock for `f` if no other live description conflicts.
fn try_lock(key: (u64, u64), f: &Arc<OpenFile>, exclusive: bool) -> bool {
    let mut locks = LOCKS.lock();
    let holders = locks.entry(key).or_default();
    holders.retain(|h| h.ofd.strong_count() > 0);
    let conflict = holders
        .iter()
        .any(|h| !same(h, f) && (exclusive || h.exclusive));
    if conflict {
        return false;
    }
    holders.retain(|h| !same(h, f));
    holders.push(Holder {
        ofd: Arc::downgrade(f),
        exclusive,
    });
    true
}

fn unlock(key: (u64, u64), f: &Arc<OpenFile>) {
    let mut locks = LOCKS.lock();
    if let Some(holders) = locks.get_mut(&key) {
        holders.retain(|h| h.ofd.strong_count() > 0 && !same(h, f));
        if holders.is_empty() {
            locks.remove(&key);
        }
    }
    drop(locks);
    crate::iowait::notify();
}

pub fn sys_flock(cx: &Ctx, fd: i32, op: i32) -> SysResult {
    let f = file(cx, fd)?;
    if f.is_path() {
        return Err(Errno::EBADF);
    }
    let md = f.metadata();
    let key = (md.dev, md.ino);
    let exclusive = match op & !LOCK_NB {
        LOCK_SH => false,
        LOCK_EX => true,
        LOCK_UN => {
            unlock(key, &f);
            return Ok(0);
        }
        _ => return Err(Errno::EINVAL),
    };
    if try_lock(key, &f, exclusive) {
        return Ok(0);
    }
    if op & LOCK_NB != 0 {
        return Err(Errno::EWOULDBLOCK);
    }
    crate::iowait::wait_until(cx, None, || Ok(try_lock(key, &f, exclusive).then_some(())))?;
    Ok(0)
}
