//! [`GlobalPark`]: a [`Park`] that forwards to a scheduler installed at run time, for locks in
//! crates that cannot name the kernel's scheduler type (the Linux layer is built and tested on
//! the host without the kernel). The kernel installs its scheduler once at boot
//! ([`GlobalPark::install`]); until then, and on a host where nobody installs one, a lock that
//! is never contended works unchanged and one that is contended panics with a clear message
//! rather than spin (single-threaded host tests: contention there is a self-deadlock).
//!
//! The cost over a static `Park` is one indirect call on the contended path only: the fast
//! paths of lock and unlock never call the scheduler.

use crate::Park;

/// The object-safe form of [`Park`] that [`GlobalPark`] calls. Threads are named by a non-zero
/// number (the kernel: the tid).
pub trait DynPark: Sync {
    /// The calling thread's number; None for a thread that must never wait (an idle thread).
    fn current(&self) -> Option<u64>;
    /// [`Park::park`] (`None`) or [`Park::park_until`] (`Some(deadline_ns)`).
    fn park(&self, deadline_ns: Option<u64>);
    /// [`Park::unpark`].
    fn unpark(&self, thread: u64);
    /// [`Park::now_ns`].
    fn now_ns(&self) -> u64;
    /// [`Park::critical`]: run `f` with preemption and interrupts off.
    fn critical(&self, f: &mut dyn FnMut());
    /// [`Park::spin_limit`].
    fn spin_limit(&self) -> u32;
    /// [`Park::need_resched`].
    fn need_resched(&self) -> bool;
}

static INSTALLED: spin::Once<&'static dyn DynPark> = spin::Once::new();

/// Park through the scheduler given to [`GlobalPark::install`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GlobalPark;

impl GlobalPark {
    /// Make `park` the scheduler of every `GlobalPark` lock. Only the first call counts (a
    /// kernel has one scheduler); false if one was already installed.
    pub fn install(park: &'static dyn DynPark) -> bool {
        let mut first = false;
        INSTALLED.call_once(|| {
            first = true;
            park
        });
        first
    }

    fn get() -> Option<&'static dyn DynPark> {
        INSTALLED.get().copied()
    }

    /// The calling thread's number, if a scheduler is installed and this thread may wait.
    pub fn current_id() -> Option<u64> {
        Self::get()?.current()
    }

    fn scheduler() -> &'static dyn DynPark {
        Self::get().expect(
            "osprey-sync: a lock had to wait but no scheduler was installed (GlobalPark::install)",
        )
    }
}

impl Park for GlobalPark {
    type Token = u64;

    fn current() -> u64 {
        Self::scheduler()
            .current()
            .expect("osprey-sync: a thread that must not wait (the idle thread) waited on a lock")
    }

    fn park() {
        Self::scheduler().park(None)
    }

    fn park_until(deadline_ns: u64) {
        Self::scheduler().park(Some(deadline_ns))
    }

    fn unpark(thread: &u64) {
        Self::scheduler().unpark(*thread)
    }

    fn now_ns() -> u64 {
        Self::scheduler().now_ns()
    }

    fn critical<R>(f: impl FnOnce() -> R) -> R {
        let Some(s) = Self::get() else {
            return f(); // no scheduler, no interrupts to mask: a host without one
        };
        let mut f = Some(f);
        let mut result = None;
        s.critical(&mut || result = f.take().map(|f| f()));
        result.expect("DynPark::critical runs its closure")
    }

    fn spin_limit() -> u32 {
        Self::get().map_or(0, |s| s.spin_limit())
    }

    fn need_resched() -> bool {
        Self::get().is_some_and(|s| s.need_resched())
    }
}
