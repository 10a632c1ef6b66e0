//! Waiting for I/O readiness: blocking reads and writes of pipes and sockets, poll and select.
//!
//! A wait for files that all keep a readiness source (`wait_until_files`) sleeps on the
//! thread's own queue, which watchers on those sources wake. Everything else uses one wait
//! list for the whole app. Whatever changes the readiness of a file (a pipe gains
//! data or room, an end closes) calls [`notify`], which bumps an event count and unparks every
//! registered waiter; each waiter re-checks its own condition. A thundering herd in principle,
//! but the app's threads are few and each check is cheap: epoll's check looks only at what
//! changed, through the ready list the files' `PollSource`s feed (`syscall/event/epoll.rs`).
//! An epoll instance whose registrations all have readiness sources has its own
//! [`WaitQueue`] instead: its epoll_wait sleeps there, woken only when its ready list gets
//! something (a server's event loop threads then no longer wake for each other's traffic).
//! Waiters also look again every 2 ms (200 us while a timerfd exists: timerfds expire
//! unannounced; 50 ms on an epoll instance's own queue, which each of its files wakes), a
//! safety net; each look first sends deferred TCP data (unless another thread waits to run
//! on the CPU: its own wait sends both threads' data) and polls the network stack if its
//! timer request is overdue (`inet::flush_deferred_before_wait`).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};

use osprey_abi::Errno;
use osprey_vfs::{OpenFile, PollWatcher};
use spin::{Mutex, Once};

use crate::machine::Machine;
use crate::syscall::Ctx;

/// The app-wide wait list: every [`notify`] wakes all of it.
static IO: WaitQueue = WaitQueue::new();

static MACHINE: Once<&'static dyn Machine> = Once::new();

/// Gives the wait list the machine that unparks threads (once, at boot).
pub fn init(m: &'static dyn Machine) {
    MACHINE.call_once(|| m);
}

/// The machine, for code that has no `Ctx` (the network stack's clock, seed and memory
/// size); None before boot.
pub fn machine() -> Option<&'static dyn Machine> {
    MACHINE.get().copied()
}

/// Something's readiness changed: wake every waiter of the app-wide list to look again.
pub fn notify() {
    crate::net::counters::bump(&crate::net::counters::C.notifies);
    IO.wake_all();
}

/// Threads waiting for one object's readiness rather than for anything's: an epoll instance
/// whose every registration has a readiness source keeps one, and only that instance's ready
/// list wakes them ([`WaitQueue::wake_all`], called as a registration is queued). Other
/// changes in the app (another thread's socket, a pipe elsewhere) then cost these threads
/// nothing, where [`notify`] wakes every thread on the app-wide list.
#[derive(Default)]
pub struct WaitQueue {
    /// Bumped by every wake: a waiter that saw it move since its look does not sleep.
    events: AtomicU64,
    /// How many threads are registered: every pipe read and write notifies, and with nobody
    /// waiting that must not cost a lock.
    registered: AtomicUsize,
    /// The registered threads, each with whether a wake already unparked it since it
    /// registered: a busy source wakes its queue many times before the waiter runs (every
    /// segment, every ready registration), and only the first unpark does anything; the
    /// others cost a look-up in the scheduler's thread table each.
    waiters: Mutex<Vec<(i32, bool)>>,
}

impl WaitQueue {
    pub const fn new() -> WaitQueue {
        WaitQueue {
            events: AtomicU64::new(0),
            registered: AtomicUsize::new(0),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// The object changed: wake the threads waiting on it to look again. Takes only this
    /// queue's lock and the scheduler's (callers may hold a readiness source's watcher lock).
    pub fn wake_all(&self) {
        self.events.fetch_add(1, SeqCst);
        // A waiter registers before it re-reads `events` (both SeqCst): if it is not counted
        // yet, it will see this bump and not sleep.
        if self.registered.load(SeqCst) == 0 {
            return;
        }
        let mut waiters = self.waiters.lock();
        if let Some(m) = MACHINE.get() {
            for (tid, woken) in waiters.iter_mut().filter(|(_, woken)| !*woken) {
                *woken = true;
                crate::net::counters::bump(&crate::net::counters::C.unparks);
                m.unpark(*tid);
            }
        }
    }
}

/// Waits until `ready()` gives Some, the monotonic deadline passes (Ok(None); no deadline:
/// forever), or a signal arrives for the thread (ERESTARTNOHAND: EINTR after its handler, as
/// Linux's poll and select).
pub fn wait_until<T>(
    cx: &Ctx,
    deadline_ns: Option<u64>,
    ready: impl FnMut() -> Result<Option<T>, Errno>,
) -> Result<Option<T>, Errno> {
    wait_until_on(cx, deadline_ns, || None, ready)
}

/// [`wait_until`], sleeping on the queue `queue()` gives (looked at before every sleep: None
/// is the app-wide list) instead of the app-wide list. Whatever makes `ready()` true must then
/// wake that queue.
pub fn wait_until_on<'q, T>(
    cx: &Ctx,
    deadline_ns: Option<u64>,
    queue: impl Fn() -> Option<&'q WaitQueue>,
    mut ready: impl FnMut() -> Result<Option<T>, Errno>,
) -> Result<Option<T>, Errno> {
    loop {
        let own = queue();
        let own_queue = own.is_some();
        let q = own.unwrap_or(&IO);
        // What this thread (or another) sent since the stack's last poll leaves before the
        // thread looks and sleeps (TCP sends are deferred to here: `inet::flush_deferred`).
        crate::net::inet::flush_deferred_before_wait();
        let seen = q.events.load(SeqCst);
        if let Some(v) = ready()? {
            return Ok(Some(v));
        }
        if deadline_ns.is_some_and(|d| cx.m.monotonic_ns() >= d) {
            return Ok(None);
        }
        if cx.t.interrupted() {
            return Err(Errno::ERESTARTNOHAND);
        }
        q.waiters.lock().push((cx.t.tid, false));
        q.registered.fetch_add(1, SeqCst);
        // A wake between the look above and the registration bumped the count: look again
        // instead of sleeping through it.
        if q.events.load(SeqCst) == seen {
            crate::net::counters::bump(&crate::net::counters::C.sleeps);
            // Timerfds expire unannounced: with one around, look again every 200 us (their
            // documented precision). Without, every 2 ms, a safety net only: every source of
            // readiness wakes its queue (idle wake-ups cost a busy server's vCPU: 5,000 a
            // second per waiting thread at 200 us). A wait on its own queue (an epoll
            // instance whose every file has a readiness source) is woken by each of them:
            // its safety net is 50 ms, so that a busy server's waits do not keep arming the
            // timer (each programming of the LAPIC costs 10-20 us under TCG).
            let recheck = if crate::syscall::time::timerfd::any_live() {
                200_000
            } else if own_queue {
                50_000_000
            } else {
                2_000_000
            };
            let until = cx.m.monotonic_ns().saturating_add(recheck);
            cx.m.idle(deadline_ns.map_or(until, |d| d.min(until)));
            if q.events.load(SeqCst) == seen {
                crate::net::counters::bump(&crate::net::counters::C.empty_wakes);
            }
        }
        q.registered.fetch_sub(1, SeqCst);
        let mut w = q.waiters.lock();
        if let Some(i) = w.iter().position(|&(t, _)| t == cx.t.tid) {
            w.swap_remove(i);
        }
    }
}

/// A wait that only some files' readiness can end (poll, select, a blocking read, write,
/// send, recv or accept): while it lasts, a watcher on each file's readiness source, waking
/// the waiting thread's own queue. One per thread (`Thread::file_wait`), reused: a thread
/// waits in one place at a time, and once `unwatch` returns no source calls it any more
/// (`changed` calls watchers under the lock `unwatch` takes).
pub struct FileWait {
    queue: WaitQueue,
}

impl FileWait {
    pub fn new() -> Arc<FileWait> {
        Arc::new(FileWait {
            queue: WaitQueue::new(),
        })
    }
}

impl PollWatcher for FileWait {
    fn wake(&self, _cookie: u64) -> bool {
        self.queue.wake_all();
        true
    }
}

/// [`wait_until`] for a `ready()` that only the readiness of `files` changes. When every one
/// of them keeps a readiness source (pipes, eventfds, sockets), the thread sleeps on a queue
/// that only those sources wake, with the 50 ms safety net of an epoll instance's own queue:
/// a thread blocked in recv() or poll() no longer wakes, looks and re-arms its 2 ms timer for
/// every change anywhere in the app (a JVM's or a thread-per-connection server's hundreds of
/// blocked threads, each woken by every packet). A file without one (the console, a timerfd)
/// changes unannounced: then the app-wide list, as before.
pub fn wait_until_files<T>(
    cx: &Ctx,
    files: &[&OpenFile],
    deadline_ns: Option<u64>,
    ready: impl FnMut() -> Result<Option<T>, Errno>,
) -> Result<Option<T>, Errno> {
    if !files.iter().all(|f| f.poll_source().is_some()) {
        return wait_until(cx, deadline_ns, ready);
    }
    // (No list of the sources: an allocation per wait showed in the profile of a pipe
    // ping-pong; each file gives its source again, the same one.)
    let sources = || files.iter().filter_map(|f| f.poll_source());
    let mut ready = ready;
    // A first look without watchers: most calls do not wait. (A change between this look and
    // the watchers' registration is caught by the look `wait_until_on` makes after it.)
    crate::net::inet::flush_deferred_before_wait();
    if let Some(v) = ready()? {
        return Ok(Some(v));
    }
    if deadline_ns.is_some_and(|d| cx.m.monotonic_ns() >= d) {
        return Ok(None);
    }
    let wait = &cx.t.file_wait;
    let watcher: Arc<dyn PollWatcher> = wait.clone();
    for s in sources() {
        s.watch(Arc::downgrade(&watcher), 0);
    }
    let r = wait_until_on(cx, deadline_ns, || Some(&wait.queue), ready);
    for s in sources() {
        s.unwatch(&watcher, 0);
    }
    r
}

/// Runs `op` until it stops saying EAGAIN, waiting for readiness in between: the blocking
/// behaviour of a stream opened without O_NONBLOCK. A signal makes it ERESTARTSYS (a pipe
/// read or write restarts after an SA_RESTART handler, else fails with EINTR).
pub fn retry_blocking<T>(cx: &Ctx, op: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    retry_blocking_on(cx, None, op)
}

/// [`retry_blocking`] for an `op` on `file` that only `file`'s own readiness lets go on (its
/// data, its room, its peer's close): the wait is [`wait_until_files`]'s.
pub fn retry_blocking_on<T>(
    cx: &Ctx,
    file: Option<&OpenFile>,
    mut op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, Errno> {
    let mut result = None;
    let ready = || match op() {
        Err(Errno::EAGAIN) => Ok(None),
        r => {
            result = Some(r);
            Ok(Some(()))
        }
    };
    match file {
        Some(f) => wait_until_files(cx, &[f], None, ready),
        None => wait_until(cx, None, ready),
    }
    .map_err(|e| {
        if e == Errno::ERESTARTNOHAND {
            Errno::ERESTARTSYS
        } else {
            e
        }
    })?;
    result.expect("set when wait_until returns Some")
}
