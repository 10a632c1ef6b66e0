//! The epoll instance, and epoll_create, epoll_create1.
//!
//! An epoll file holds an interest list: registrations keyed by (fd, open file description),
//! as Linux keys them, each with the events asked for, the user's 64-bit cookie and the state
//! the trigger modes need. A registration holds the description weakly: when the last
//! descriptor of a description closes, the description goes away and so does the
//! registration (found dead and dropped at the next scan or epoll_ctl), which is Linux's
//! "removed on last close" without a hook in close().
//!
//! Finding what is ready. Osprey has no per-file wake-up callbacks: readiness changes bump
//! the app-wide event count in `crate::iowait` and wake the waiters, and a waiter scans its
//! interest list. To keep a scan of 1,000 idle sockets cheap, files that can keep a *poll
//! generation* (`Inode::poll_generation`: pipes, eventfds, AF_UNIX sockets, bumped on every
//! change) are asked only for that number; a registration whose file's generation has not
//! moved since the last scan found it not ready is skipped without calling `poll`. Only
//! files without a generation (the console, timerfds, ...) and those that changed or were
//! ready are polled. A scan is therefore one atomic load per idle registration, not a lock
//! and a readiness computation.
//!
//! Trigger modes (see [`Interest::scan`]):
//! - level-triggered: reported whenever ready (and the events asked for intersect).
//! - EPOLLET: reported when ready *and* something happened since the last report. With a
//!   generation, "something happened" is "the generation moved" (what Linux does: it reports
//!   again on every wake-up of the file, even if the file was already ready, e.g. more data
//!   into a non-empty pipe); without one, it is "a ready bit appeared that the previous scan
//!   did not see" (an edge of the readiness itself).
//! - EPOLLONESHOT: after one report the registration is disarmed until EPOLL_CTL_MOD.
//! - EPOLLEXCLUSIVE: accepted with Linux's argument checks. Linux then wakes "one or more"
//!   of the epoll instances sharing the file; here every waiter looks (all of them may report
//!   the event), which that wording allows.
//!
//! Fairness: when more registrations are ready than `maxevents`, the next scan starts after
//! the last one reported, so none starves (Linux rotates its ready list the same way).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use osprey_abi::fcntl::O_RDWR;
use osprey_abi::poll::*;
use osprey_abi::Errno;
use osprey_vfs::{Dentry, Inode, Metadata, OpenFile};
use spin::Mutex;

use crate::syscall::{Ctx, SysResult};

/// Deepest nesting of epoll instances (Linux's EP_MAX_NESTS).
pub const MAX_NESTS: usize = 4;

/// Events the caller can ask for and that come back in `revents`; the rest are flags.
const EVENT_BITS: u32 = !(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);

/// The (fd, description) pair a registration is known by.
pub type Key = (i32, usize);

pub struct Registration {
    file: Weak<OpenFile>,
    /// What the app asked for (event bits and EPOLLET/ONESHOT/EXCLUSIVE), with EPOLLERR and
    /// EPOLLHUP always added, as Linux does.
    pub events: u32,
    pub data: u64,
    /// EPOLLONESHOT fired: nothing is reported until EPOLL_CTL_MOD re-arms it.
    disarmed: bool,
    /// The file's generation at the last scan, and at the last report (edge-triggered).
    seen_gen: Option<u64>,
    reported_gen: Option<u64>,
    /// The ready bits the last scan found (skip test and edges without a generation).
    last_ready: u32,
}

impl Registration {
    pub fn new(file: &Arc<OpenFile>, events: u32, data: u64) -> Registration {
        Registration {
            file: Arc::downgrade(file),
            events,
            data,
            disarmed: false,
            seen_gen: None,
            reported_gen: None,
            last_ready: 0,
        }
    }

    /// EPOLL_CTL_MOD: new events and cookie, re-armed, edge state reset so that a ready file
    /// is reported once more (Linux polls the file on MOD and queues it if ready).
    pub fn modify(&mut self, events: u32, data: u64) {
        self.events = events;
        self.data = data;
        self.disarmed = false;
        self.seen_gen = None;
        self.reported_gen = None;
        self.last_ready = 0;
    }

    pub fn file(&self) -> Option<Arc<OpenFile>> {
        self.file.upgrade()
    }
}

#[derive(Default)]
pub struct Interest {
    pub regs: BTreeMap<Key, Registration>,
    /// Where the next scan starts (fairness when maxevents cuts a scan short).
    cursor: Option<Key>,
}

impl Interest {
    /// One pass: up to `max` (events, data) pairs of ready registrations. `consume`: this is
    /// epoll_wait (update edge and one-shot state, move the cursor); false: a peek for
    /// poll() on the epoll file itself, which changes nothing.
    pub fn scan(&mut self, max: usize, consume: bool) -> Vec<(u32, u64)> {
        use core::ops::Bound::{Excluded, Included, Unbounded};
        let mut out = Vec::new();
        let mut dead = Vec::new();
        let mut last = None;
        // From just after the cursor to the end, then from the start up to the cursor.
        let (first, second) = match self.cursor {
            Some(c) => ((Excluded(c), Unbounded), Some((Unbounded, Included(c)))),
            None => ((Unbounded, Unbounded), None),
        };
        for range in core::iter::once(first).chain(second) {
            for (key, r) in self.regs.range_mut(range) {
                if out.len() >= max {
                    break;
                }
                match visit(r, consume) {
                    Visit::Dead => dead.push(*key),
                    Visit::Ready(ev) => {
                        out.push((ev, r.data));
                        last = Some(*key);
                    }
                    Visit::Idle => {}
                }
            }
        }
        if consume {
            for k in dead {
                self.regs.remove(&k);
            }
            if out.len() >= max {
                self.cursor = last;
            }
        }
        out
    }
}

enum Visit {
    /// The description is gone: drop the registration.
    Dead,
    Idle,
    Ready(u32),
}

/// Whether one registration reports now (and with `consume`, records that it did).
fn visit(r: &mut Registration, consume: bool) -> Visit {
    if r.disarmed {
        return Visit::Idle;
    }
    let Some(f) = r.file.upgrade() else {
        return Visit::Dead;
    };
    let want = r.events & EVENT_BITS;
    let et = r.events & EPOLLET != 0;
    let gen = f.poll_generation();
    if gen.is_some() {
        // Nothing happened since a scan saw it idle: it still is. Nothing happened since
        // the last edge-triggered report: nothing to report, ready or not.
        if (gen == r.seen_gen && r.last_ready == 0) || (et && gen == r.reported_gen) {
            return Visit::Idle;
        }
    }
    let ready = f.poll(want as u16) as u32 & want;
    let report = if ready == 0 {
        false
    } else if !et {
        true
    } else if gen.is_some() {
        gen != r.reported_gen
    } else {
        ready & !r.last_ready != 0
    };
    if consume {
        r.seen_gen = gen;
        r.last_ready = ready;
        if report {
            r.reported_gen = gen;
            if r.events & EPOLLONESHOT != 0 {
                r.disarmed = true;
            }
        }
    }
    if report {
        Visit::Ready(ready)
    } else {
        Visit::Idle
    }
}

/// An epoll instance: the inode of an `anon_inode:[eventpoll]` file.
pub struct Epoll {
    meta: Metadata,
    pub interest: Mutex<Interest>,
}

impl Epoll {
    /// The nesting depth below this instance (0: it watches no epoll), and whether `target`
    /// is reachable from it (a loop if `target` were added below it). `seen` remembers the
    /// instances already walked, so a wide graph of nested instances is walked once.
    pub fn depth_and_reaches(
        &self,
        target: *const Epoll,
        budget: usize,
        seen: &mut BTreeMap<usize, (usize, bool)>,
    ) -> (usize, bool) {
        if core::ptr::eq(self, target) {
            return (0, true);
        }
        if budget == 0 {
            return (usize::MAX, false);
        }
        if let Some(&r) = seen.get(&(self as *const Epoll as usize)) {
            return r;
        }
        let files: Vec<Arc<OpenFile>> = self
            .interest
            .lock()
            .regs
            .values()
            .filter_map(|r| r.file())
            .collect();
        let mut depth = 0;
        let mut reaches = false;
        for f in files {
            if let Some(child) = as_epoll(&f) {
                let (d, r) = child.depth_and_reaches(target, budget - 1, seen);
                depth = depth.max(d.saturating_add(1));
                reaches |= r;
            }
        }
        seen.insert(self as *const Epoll as usize, (depth, reaches));
        (depth, reaches)
    }
}

/// Held while an epoll is added to an epoll: the loop check and the insertion are one step,
/// so two threads cannot each add half of a loop (Linux's epnested_mutex).
pub static NEST_LOCK: Mutex<()> = Mutex::new(());

/// Polls of epoll files in progress, on all CPUs. The loop check keeps nesting acyclic, but a
/// chain can still be grown from below; this bounds the recursion of an epoll polling an epoll
/// (each level a kernel stack frame) whatever the app builds. A thread runs one poll at a
/// time, so with a few CPUs each still gets a generous depth.
static NESTED_POLLS: AtomicUsize = AtomicUsize::new(0);
const NESTED_POLLS_MAX: usize = 32;

impl Inode for Epoll {
    fn metadata(&self) -> Metadata {
        self.meta
    }
    fn seekable(&self) -> bool {
        false
    }
    /// An epoll file is readable when epoll_wait would report something (nesting).
    fn poll(&self, events: u16) -> u16 {
        if NESTED_POLLS.fetch_add(1, Ordering::SeqCst) >= NESTED_POLLS_MAX {
            NESTED_POLLS.fetch_sub(1, Ordering::SeqCst);
            return 0;
        }
        let ready = !self.interest.lock().scan(1, false).is_empty();
        NESTED_POLLS.fetch_sub(1, Ordering::SeqCst);
        if ready {
            events & (POLLIN | POLLRDNORM) as u16
        } else {
            0
        }
    }
}

/// The epoll instance behind `f`, if it is one.
pub fn as_epoll(f: &OpenFile) -> Option<&Epoll> {
    let io: &dyn Inode = &**f.io();
    io.as_any().downcast_ref::<Epoll>()
}

fn create(cx: &Ctx, cloexec: bool) -> SysResult {
    let (dev, ino) = crate::syscall::fs::anon_inode_id();
    let ep = Arc::new(Epoll {
        meta: Metadata {
            dev,
            ino,
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Metadata::default()
        },
        interest: Mutex::new(Interest::default()),
    });
    let f = OpenFile::new(Dentry::anonymous(ep, b"anon_inode:[eventpoll]"), O_RDWR)?;
    Ok(cx.p.files.insert(f, cloexec)? as usize)
}

/// epoll_create(2): `size` is a hint Linux ignores, but it must be positive.
pub fn sys_epoll_create(cx: &Ctx, size: i32) -> SysResult {
    if size <= 0 {
        return Err(Errno::EINVAL);
    }
    create(cx, false)
}

pub fn sys_epoll_create1(cx: &Ctx, flags: u32) -> SysResult {
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    create(cx, flags & EPOLL_CLOEXEC != 0)
}
