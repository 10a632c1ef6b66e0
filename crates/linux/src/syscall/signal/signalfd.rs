//! signalfd, signalfd4: a file that reads pending signals of its mask as
//! `struct signalfd_siginfo` records instead of having them delivered (the app blocks them).
//!
//! Linux reads the queues of the thread calling read/poll. Here a read through `read(2)`
//! does exactly that (the read system call hands the signalfd its caller); poll and other
//! readers (readv, ...) look at the queues of the thread that made the signalfd and the
//! process's, which is the same thread in the usual one-reader design.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use osprey_abi::fcntl::{O_RDWR, SFD_CLOEXEC, SFD_NONBLOCK};
use osprey_abi::signal::SignalfdSiginfo;
use osprey_abi::signal::*;
use osprey_abi::{Errno, IntoBytes, SigInfo};
use osprey_vfs::{Dentry, Inode, Metadata, OpenFile};
use spin::Mutex;

use crate::process::SignalState;
use crate::syscall::{Ctx, Fd, SysResult};
use crate::thread::Thread;
use crate::uaccess::UserPtr;

const POLLIN: u16 = 0x001;
const POLLRDNORM: u16 = 0x040;
const RECORD: usize = core::mem::size_of::<SignalfdSiginfo>();

static SFD_INO: AtomicU64 = AtomicU64::new(1);
static SFD_DEV: spin::Once<u64> = spin::Once::new();

pub struct SignalFd {
    shared: Arc<Mutex<SignalState>>,
    owner: Arc<Thread>,
    mask: AtomicU64,
    meta: Metadata,
}

impl SignalFd {
    fn take(&self, t: &Thread) -> Option<SigInfo> {
        let set = self.mask.load(Ordering::Relaxed);
        let mut ps = self.shared.lock();
        let mut ts = t.signals.lock();
        ts.pending.take(set).or_else(|| ps.pending.take(set))
    }

    fn ready(&self, t: &Thread) -> bool {
        let shared = self.shared.lock().pending.set;
        let own = t.signals.lock().pending.set;
        (shared | own) & self.mask.load(Ordering::Relaxed) != 0
    }

    /// Fills `buf` with records taken from `t`'s queues: at least one, else None.
    fn read_records(&self, t: &Thread, buf: &mut [u8]) -> Option<usize> {
        let mut n = 0;
        while n + RECORD <= buf.len() {
            let Some(info) = self.take(t) else { break };
            buf[n..n + RECORD].copy_from_slice(SignalfdSiginfo::from_info(&info).as_bytes());
            n += RECORD;
        }
        (n > 0).then_some(n)
    }
}

impl Inode for SignalFd {
    fn metadata(&self) -> Metadata {
        self.meta
    }
    fn seekable(&self) -> bool {
        false
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < RECORD {
            return Err(Errno::EINVAL);
        }
        self.read_records(&self.owner, buf).ok_or(Errno::EAGAIN)
    }
    fn poll(&self, events: u16) -> u16 {
        if self.ready(&self.owner) {
            (POLLIN | POLLRDNORM) & events
        } else {
            0
        }
    }
}

/// read(2) of a signalfd by thread `cx.t`: records from its queues; blocks (unless
/// O_NONBLOCK) until a signal of the mask comes, or fails with EINTR when another signal is
/// delivered (Linux's ERESTARTSYS: restarted after an SA_RESTART handler).
pub fn read(cx: &Ctx, f: &OpenFile, sfd: &SignalFd, buf: u64, count: usize) -> SysResult {
    if count < RECORD {
        return Err(Errno::EINVAL);
    }
    let mut tmp = alloc::vec![0u8; count.min(64 * RECORD) / RECORD * RECORD];
    let n = loop {
        if let Some(n) = sfd.read_records(cx.t, &mut tmp) {
            break n;
        }
        if f.nonblocking() {
            return Err(Errno::EAGAIN);
        }
        if cx.t.interrupted() {
            return Err(Errno::ERESTARTSYS);
        }
        cx.t.signals.lock().waiting = sfd.mask.load(Ordering::Relaxed);
        if let Some(n) = sfd.read_records(cx.t, &mut tmp) {
            cx.t.signals.lock().waiting = 0;
            break n;
        }
        cx.m.park(None);
        cx.t.signals.lock().waiting = 0;
        crate::signal::recalc(cx.p, cx.t);
    };
    cx.m.copy_to_user(buf, &tmp[..n])?;
    crate::signal::recalc(cx.p, cx.t);
    Ok(n)
}

pub fn sys_signalfd(cx: &Ctx, fd: Fd, mask: UserPtr<u64>, sizemask: usize) -> SysResult {
    sys_signalfd4(cx, fd, mask, sizemask, 0)
}

pub fn sys_signalfd4(
    cx: &Ctx,
    fd: Fd,
    mask: UserPtr<u64>,
    sizemask: usize,
    flags: u32,
) -> SysResult {
    if sizemask != SIGSET_SIZE || flags & !(SFD_CLOEXEC | SFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let set = mask.read(cx.m)? & !UNBLOCKABLE;
    if fd != -1 {
        let f = cx.p.files.get(fd)?;
        let sfd = f
            .io()
            .as_any()
            .downcast_ref::<SignalFd>()
            .ok_or(Errno::EINVAL)?;
        sfd.mask.store(set, Ordering::Relaxed);
        return Ok(fd as usize);
    }
    let owner = cx.p.thread(cx.t.tid).ok_or(Errno::ESRCH)?;
    let dev = *SFD_DEV.call_once(osprey_vfs::alloc_dev);
    let sfd = Arc::new(SignalFd {
        shared: cx.p.signals.clone(),
        owner,
        mask: AtomicU64::new(set),
        meta: Metadata {
            dev,
            ino: SFD_INO.fetch_add(1, Ordering::Relaxed),
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Metadata::default()
        },
    });
    let file = OpenFile::new(
        Dentry::anonymous(sfd, b"anon_inode:[signalfd]"),
        O_RDWR | (flags & SFD_NONBLOCK),
    )?;
    let n = cx.p.files.insert(file, flags & SFD_CLOEXEC != 0)?;
    Ok(n as usize)
}
