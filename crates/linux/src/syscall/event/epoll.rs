//! The epoll instance, and epoll_create, epoll_create1.
//!
//! An epoll file holds an interest list: registrations keyed by (fd, open file description),
//! as Linux keys them, each with the events asked for, the user's 64-bit cookie and the state
//! the trigger modes need. A registration holds the description weakly: when the last
//! descriptor of a description closes, the description goes away and so does the
//! registration (found dead and dropped at the next scan or epoll_ctl), which is Linux's
//! "removed on last close" without a hook in close().
//!
//! Finding what is ready: a ready list fed by the files, as Linux's. Files that keep a
//! readiness source (`Inode::poll_source`: pipes, eventfds, AF_UNIX stream sockets) are
//! watched: their `changed()` queues the registration's id on the instance's ready list
//! (`Epoll::wake`, a short lock of its own). A scan visits only the queued registrations,
//! plus those whose file keeps no source (the console, timerfds, datagram sockets, nested
//! epolls), which are polled every time. A level-triggered registration that was reported
//! goes back on the list, to be polled again at the next scan (and dropped from it once not
//! ready). So a wake costs what changed, not the number of registrations. Waiting still goes
//! through `crate::iowait`'s app-wide list (every change wakes every waiter, which then finds
//! its ready list empty or not), except on an instance whose registrations all have sources:
//! its waiters sleep on its own `iowait::WaitQueue`, which `wake` wakes.
//!
//! Locks, in order: an instance's interest list, then a source's watcher list (epoll_ctl),
//! then an instance's ready list (`wake`, called from `changed`). A scan takes the ready list
//! and lets it go before it polls anything.
//!
//! Trigger modes (see [`visit`]):
//! - level-triggered: reported whenever ready (and the events asked for intersect).
//! - EPOLLET: reported when ready *and* something happened since the last report. With a
//!   source, "something happened" is "its generation moved" (what Linux does: it reports
//!   again on every wake-up of the file, even if the file was already ready, e.g. more data
//!   into a non-empty pipe); without one, it is "a ready bit appeared that the previous scan
//!   did not see" (an edge of the readiness itself).
//! - EPOLLONESHOT: after one report the registration is disarmed until EPOLL_CTL_MOD.
//! - EPOLLEXCLUSIVE: accepted with Linux's argument checks. Linux then wakes "one or more"
//!   of the epoll instances sharing the file; here every waiter looks (all of them may report
//!   the event), which that wording allows.
//!
//! Fairness: the ready list is FIFO; registrations a scan had no room for stay at its front,
//! reported level-triggered ones go to its back (Linux rotates its ready list the same way),
//! and the polled-every-time ones rotate likewise.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use osprey_abi::fcntl::O_RDWR;
use osprey_abi::poll::*;
use osprey_abi::Errno;
use osprey_vfs::{Dentry, Inode, Metadata, OpenFile, PollWatcher};
use spin::Mutex;

use crate::syscall::{Ctx, SysResult};

/// Deepest nesting of epoll instances (Linux's EP_MAX_NESTS).
pub const MAX_NESTS: usize = 4;

/// Events the caller can ask for and that come back in `revents`; the rest are flags.
const EVENT_BITS: u32 = !(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);

/// The (fd, description) pair a registration is known by.
pub type Key = (i32, usize);

pub struct Registration {
    /// Unique for the instance's lifetime: the cookie its file's source hands back.
    pub id: u64,
    file: Weak<OpenFile>,
    /// What the app asked for (event bits and EPOLLET/ONESHOT/EXCLUSIVE), with EPOLLERR and
    /// EPOLLHUP always added, as Linux does.
    pub events: u32,
    pub data: u64,
    /// EPOLLONESHOT fired: nothing is reported until EPOLL_CTL_MOD re-arms it.
    disarmed: bool,
    /// The file's source generation at the last report (edge-triggered).
    reported_gen: Option<u64>,
    /// The ready bits the last scan found (skip test and edges without a generation).
    last_ready: u32,
}

impl Registration {
    pub fn new(id: u64, file: &Arc<OpenFile>, events: u32, data: u64) -> Registration {
        Registration {
            id,
            file: Arc::downgrade(file),
            events,
            data,
            disarmed: false,
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
    /// Registration id -> key.
    pub ids: BTreeMap<u64, Key>,
    /// Registrations whose file keeps no readiness source: polled at every scan, in turn.
    pub unsourced: VecDeque<u64>,
    pub next_id: u64,
    /// Where [`Interest::sweep`] goes on.
    sweep_at: Option<Key>,
}

/// The ready list: registration ids queued by their files' sources (and by epoll_ctl).
#[derive(Default)]
pub struct ReadyList {
    /// Ids of live registrations with a source (a wake for another id is stale).
    pub known: BTreeSet<u64>,
    queue: VecDeque<u64>,
    queued: BTreeSet<u64>,
}

impl ReadyList {
    pub fn push(&mut self, id: u64) {
        if self.queued.insert(id) {
            self.queue.push_back(id);
        }
    }
    fn push_front(&mut self, id: u64) {
        if self.queued.insert(id) {
            self.queue.push_front(id);
        }
    }
    pub fn forget(&mut self, id: u64) {
        self.known.remove(&id);
        if self.queued.remove(&id) {
            self.queue.retain(|&x| x != id);
        }
    }
}

impl Interest {
    /// Checks a couple of registrations, round-robin, for a closed file, and returns the dead
    /// ones' keys. Closing a file normally queues its registrations (its source fires as the
    /// object goes) and the next scan drops them; this catches the rest (an object that
    /// outlived the closed description, a file without a source), so that registrations of
    /// closed files cannot pile up however many the app opens and closes.
    pub fn sweep(&mut self) -> Vec<Key> {
        use core::ops::Bound::{Excluded, Unbounded};
        let mut dead = Vec::new();
        for _ in 0..2 {
            let next = match self.sweep_at {
                Some(k) => self.regs.range((Excluded(k), Unbounded)).next(),
                None => self.regs.iter().next(),
            }
            .or_else(|| self.regs.iter().next());
            let Some((k, r)) = next else { break };
            self.sweep_at = Some(*k);
            if r.file().is_none() && !dead.contains(k) {
                dead.push(*k);
            }
        }
        dead
    }

    /// One pass: up to `max` (events, data) pairs of ready registrations. `consume`: this is
    /// epoll_wait (take the ready list, update edge and one-shot state, requeue); false: a
    /// peek for poll() on the epoll file itself, which changes nothing.
    pub fn scan(&mut self, ready: &Mutex<ReadyList>, max: usize, consume: bool) -> Vec<(u32, u64)> {
        let queued: Vec<u64> = {
            let mut r = ready.lock();
            if consume {
                r.queued.clear();
                core::mem::take(&mut r.queue).into()
            } else {
                r.queue.iter().copied().collect()
            }
        };
        let mut out = Vec::new();
        let mut dead = Vec::new();
        // Level-triggered registrations reported now: polled again next time.
        let mut again = Vec::new();
        let mut unvisited = Vec::new();
        for (i, &id) in queued.iter().enumerate() {
            if out.len() >= max {
                unvisited.extend_from_slice(&queued[i..]);
                break;
            }
            let Some(key) = self.ids.get(&id) else {
                continue;
            };
            let r = self.regs.get_mut(key).expect("ids and regs agree");
            match visit(r, consume) {
                Visit::Dead => dead.push(*key),
                Visit::Ready(ev) => {
                    out.push((ev, r.data));
                    if r.events & (EPOLLET | EPOLLONESHOT) == 0 {
                        again.push(id);
                    }
                }
                Visit::Idle => {}
            }
        }
        // Then the files without a source, in turn: the reported ones rotate to the back.
        let mut rotated = Vec::new();
        let order: Vec<u64> = self.unsourced.iter().copied().collect();
        for id in order {
            if out.len() >= max {
                break;
            }
            let Some(key) = self.ids.get(&id) else {
                continue;
            };
            let r = self.regs.get_mut(key).expect("ids and regs agree");
            match visit(r, consume) {
                Visit::Dead => dead.push(*key),
                Visit::Ready(ev) => {
                    out.push((ev, r.data));
                    rotated.push(id);
                }
                Visit::Idle => {}
            }
        }
        if !consume {
            return out;
        }
        self.unsourced.retain(|x| !rotated.contains(x));
        self.unsourced.extend(rotated);
        {
            let mut r = ready.lock();
            // Those there was no room for keep their place at the front; ids queued while
            // this scan ran stay where they are; reported level-triggered ones go last.
            for &id in unvisited.iter().rev() {
                r.push_front(id);
            }
            for id in again {
                r.push(id);
            }
            for &key in &dead {
                if let Some(reg) = self.regs.get(&key) {
                    r.forget(reg.id);
                }
            }
        }
        for key in dead {
            if let Some(reg) = self.regs.remove(&key) {
                self.ids.remove(&reg.id);
                self.unsourced.retain(|&x| x != reg.id);
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
    let gen = f.poll_source().map(|s| s.generation());
    // Nothing happened since the last edge-triggered report: nothing to report, ready or
    // not.
    if gen.is_some() && et && gen == r.reported_gen {
        return Visit::Idle;
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
    me: Weak<Epoll>,
    pub interest: Mutex<Interest>,
    pub ready: Mutex<ReadyList>,
    /// Threads in epoll_wait on this instance while every registration has a readiness
    /// source (see `iowait::WaitQueue`); with some that must be polled, they wait on the
    /// app-wide list instead.
    pub waiters: crate::iowait::WaitQueue,
}

impl PollWatcher for Epoll {
    /// A watched file changed: queue its registration and wake the threads waiting on this
    /// instance (nothing else: see the lock order).
    fn wake(&self, id: u64) -> bool {
        {
            let mut r = self.ready.lock();
            if !r.known.contains(&id) {
                return false;
            }
            r.push(id);
        }
        self.waiters.wake_all();
        true
    }
}

impl Epoll {
    /// This instance as a watcher, for a source's watch/unwatch.
    pub fn watcher(&self) -> Option<Arc<dyn PollWatcher>> {
        self.me.upgrade().map(|e| e as Arc<dyn PollWatcher>)
    }

    /// Whether every registration has a readiness source (its waiters may then sleep on the
    /// instance's own queue).
    pub fn all_sourced(&self) -> bool {
        self.interest.lock().unsourced.is_empty()
    }

    /// Runs a scan of the interest list (see [`Interest::scan`]).
    pub fn scan(&self, max: usize, consume: bool) -> Vec<(u32, u64)> {
        self.interest.lock().scan(&self.ready, max, consume)
    }

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
        let ready = !self.scan(1, false).is_empty();
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
    let ep = Arc::new_cyclic(|me| Epoll {
        me: me.clone(),
        ready: Mutex::new(ReadyList::default()),
        meta: Metadata {
            dev,
            ino,
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Metadata::default()
        },
        interest: Mutex::new(Interest::default()),
        waiters: crate::iowait::WaitQueue::new(),
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
