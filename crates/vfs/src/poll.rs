//! Readiness sources: how an object tells the epoll instances watching it that its readiness
//! may have changed, so that they look at it (and only at it) again.
//!
//! An object that can (a pipe, an eventfd, a socket) owns a [`PollSource`] and calls
//! [`PollSource::changed`] after every change of its state, with none of its own locks held.
//! Watchers (epoll instances) register with a cookie (their registration's id); `changed`
//! bumps the source's generation and hands each watcher its cookie. A watcher's `wake` must
//! not block or take locks that are held while calling into sources (it only queues the
//! cookie); returning false drops the watcher (its registration is gone).

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use spin::Mutex;

/// Something that wants to hear about readiness changes.
pub trait PollWatcher: Send + Sync {
    /// The source registered with `cookie` may have changed. False: forget this cookie.
    fn wake(&self, cookie: u64) -> bool;
}

/// The readiness-change side of an object: a generation counter and its watchers.
#[derive(Default)]
pub struct PollSource {
    generation: AtomicU64,
    count: AtomicUsize,
    watchers: Mutex<Vec<(Weak<dyn PollWatcher>, u64)>>,
}

impl PollSource {
    pub fn new() -> PollSource {
        PollSource::default()
    }

    /// A counter bumped by every [`PollSource::changed`] (edge-triggered epoll compares it).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The object's readiness may have changed: bump the generation, tell the watchers.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        // Most objects have no watcher: no lock for them.
        if self.count.load(Ordering::SeqCst) == 0 {
            return;
        }
        let mut w = self.watchers.lock();
        w.retain(|(watcher, cookie)| watcher.upgrade().is_some_and(|x| x.wake(*cookie)));
        self.count.store(w.len(), Ordering::SeqCst);
    }

    /// Whether some watcher listens (objects that must work to detect a change skip it
    /// when nobody does).
    pub fn watched(&self) -> bool {
        self.count.load(Ordering::SeqCst) != 0
    }

    /// Starts telling `watcher` about changes, with `cookie`.
    pub fn watch(&self, watcher: Weak<dyn PollWatcher>, cookie: u64) {
        let mut w = self.watchers.lock();
        w.push((watcher, cookie));
        self.count.store(w.len(), Ordering::SeqCst);
    }

    /// Stops telling `watcher` (compared by address) about changes with `cookie`.
    pub fn unwatch(&self, watcher: &Arc<dyn PollWatcher>, cookie: u64) {
        let mut w = self.watchers.lock();
        w.retain(|(x, c)| !(*c == cookie && core::ptr::addr_eq(x.as_ptr(), Arc::as_ptr(watcher))));
        self.count.store(w.len(), Ordering::SeqCst);
    }
}
