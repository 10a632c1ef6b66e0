//! The one thing these locks need from a scheduler: put the current thread to sleep, and wake a
//! given thread. The contract is std's `thread::park`/`Thread::unpark`: every thread has one
//! *permit*; `unpark` makes it available (it does not pile up), `park` consumes it or sleeps until
//! it is made available. An `unpark` that comes before the `park` is therefore not lost, which is
//! what lets a waker publish "you are woken" and unpark without any lock shared with the sleeper.
//! `park` may also return spuriously; every caller here re-checks its own wait record.

/// A scheduler's sleep/wake interface. All functions are associated (no `self`): a kernel has one
/// scheduler, so a lock is `Mutex<T, KernelPark>` with a zero-sized `KernelPark` and the calls are
/// static, inlinable and need no pointer in every lock.
pub trait Park: 'static {
    /// Names a thread for [`Park::unpark`]. Cloned into every wait record, so it should be cheap
    /// (a thread id or an `Arc` to the thread); it must keep whatever `unpark` needs alive.
    type Token: Clone + Send + Sync;

    /// The calling thread's token.
    fn current() -> Self::Token;

    /// Sleep until this thread's permit is available, then consume it. May return spuriously.
    fn park();

    /// As [`Park::park`], but also returns once [`Park::now_ns`] has reached `deadline_ns`
    /// (CLOCK_MONOTONIC nanoseconds). May return early; callers compare the clock themselves.
    fn park_until(deadline_ns: u64);

    /// Make `thread`'s permit available, waking it if it is parked. Callable from any thread, and
    /// from interrupt context (it must not sleep).
    fn unpark(thread: &Self::Token);

    /// CLOCK_MONOTONIC in nanoseconds: the clock deadlines are measured on.
    fn now_ns() -> u64;

    /// Run `f` with preemption and interrupt delivery off on this CPU. [`crate::WaitQueue`] and
    /// [`crate::Condvar`] keep their waiter list under a spin lock held for a few instructions
    /// (a push, a pop, an unlink) inside this section, so the holder is never preempted (no
    /// lock-holder preemption) and an interrupt handler that wakes a queue cannot spin on a lock
    /// its own CPU holds. It must nest (restore the previous state, not blindly re-enable),
    /// since an interrupt handler calls it with interrupts already off. A host implementation
    /// can simply call `f`.
    fn critical<R>(f: impl FnOnce() -> R) -> R;

    /// How many times [`crate::Mutex`] re-checks a held lock before it queues and sleeps. Worth
    /// it only when the holder can be running on another CPU, so a kernel on one CPU returns 0.
    /// The spin is bounded, so a preempted holder costs at most this much before the waiter
    /// sleeps.
    fn spin_limit() -> u32 {
        64
    }

    /// Whether another thread is waiting for this CPU (Linux's `need_resched`). A waiter that
    /// spins for a mutex stops spinning and sleeps when this says so: the thread that waits
    /// for the CPU may be the one the lock was handed to, and while the spinner holds its CPU
    /// that owner cannot run. Without this check, with more threads than CPUs, every hand-off
    /// went to a thread stuck behind a spinner on its own CPU and waited out the whole spin:
    /// a lock convoy (mmap/munmap from 4 threads on 2 CPUs ran at 1/7 of one thread's rate).
    fn need_resched() -> bool {
        false
    }
}

/// `Park` over std threads, for host tests (feature `std`, and this crate's own tests).
#[cfg(any(test, feature = "std"))]
pub mod std_park {
    extern crate std;
    use std::sync::OnceLock;
    use std::thread::{self, Thread};
    use std::time::{Duration, Instant};

    /// Park over `std::thread::park`/`unpark`; deadlines on a monotonic clock that starts at the
    /// first call.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct StdPark;

    fn epoch() -> Instant {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        *EPOCH.get_or_init(Instant::now)
    }

    impl super::Park for StdPark {
        type Token = Thread;

        fn current() -> Thread {
            thread::current()
        }

        fn park() {
            thread::park()
        }

        fn park_until(deadline_ns: u64) {
            let now = Self::now_ns();
            if deadline_ns > now {
                thread::park_timeout(Duration::from_nanos(deadline_ns - now));
            }
        }

        fn unpark(thread: &Thread) {
            thread.unpark()
        }

        fn now_ns() -> u64 {
            epoch().elapsed().as_nanos() as u64
        }

        fn critical<R>(f: impl FnOnce() -> R) -> R {
            f()
        }

        fn spin_limit() -> u32 {
            // Spinning on one CPU only delays the holder. OSPREY_SYNC_SPIN overrides (for
            // the benchmark).
            static LIMIT: OnceLock<u32> = OnceLock::new();
            *LIMIT.get_or_init(|| {
                if let Some(n) = std::env::var("OSPREY_SYNC_SPIN")
                    .ok()
                    .and_then(|v| v.parse().ok())
                {
                    return n;
                }
                match thread::available_parallelism() {
                    Ok(n) if n.get() > 1 => 64,
                    _ => 0,
                }
            })
        }
    }
}

/// `Park` over loom's model threads, for the model-checking tests. Loom has no clock, so a
/// deadline park is a plain park and time stands still.
#[cfg(loom)]
pub mod loom_park {
    use loom::thread::{self, Thread};

    pub struct LoomPark;

    impl super::Park for LoomPark {
        type Token = Thread;
        fn current() -> Thread {
            thread::current()
        }
        fn park() {
            thread::park()
        }
        fn park_until(_deadline_ns: u64) {
            thread::park()
        }
        fn unpark(thread: &Thread) {
            thread.unpark()
        }
        fn now_ns() -> u64 {
            0
        }
        fn critical<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        fn spin_limit() -> u32 {
            1
        }
    }
}
