//! Loom models of the mutex's lock / unlock / hand-off races. Loom runs every interleaving
//! (with up to 3 preemptions; LOOM_MAX_PREEMPTIONS=5 for a deeper run) of the threads below and of their atomic accesses, with C11 memory
//! order, and fails on a deadlock (all threads parked: a lost wake-up), a leaked `Arc`
//! (a wait record left in the queue), a panic (two consumers of the queue) or an assertion.
//!
//! Run (seconds in release; about four minutes with LOOM_MAX_PREEMPTIONS=5):
//!   RUSTFLAGS="--cfg loom" cargo test --release -p osprey-sync --lib loom
//! The default `cargo test` does not build this module.

use crate::raw_mutex::RawMutex;
use crate::LoomPark;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// A counter guarded by the lock, checked in safe code only: `inside` is swapped (an RMW,
/// which always sees the latest value) to catch two holders at once, and `value` is bumped
/// with *relaxed* load and store, so it carries no ordering of its own: loom lets a relaxed
/// load read any value not ruled out by happens-before, so if a hand-off failed to publish the
/// previous owner's writes, some execution would read a stale count and lose an increment.
struct Guarded {
    lock: RawMutex<LoomPark>,
    inside: AtomicBool,
    value: AtomicUsize,
}

impl Guarded {
    fn new() -> Self {
        Guarded {
            lock: RawMutex::new(),
            inside: AtomicBool::new(false),
            value: AtomicUsize::new(0),
        }
    }

    fn add_one(&self) {
        self.lock.lock();
        self.bump();
        self.lock.unlock();
    }

    /// Called with the lock held.
    fn bump(&self) {
        assert!(
            !self.inside.swap(true, Ordering::Relaxed),
            "two holders at once"
        );
        let v = self.value.load(Ordering::Relaxed);
        self.value.store(v + 1, Ordering::Relaxed);
        self.inside.store(false, Ordering::Relaxed);
    }

    /// Called after every other thread was joined.
    fn get(&self) -> usize {
        self.value.load(Ordering::Relaxed)
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    // Interleavings with up to 3 preemptions (LOOM_MAX_PREEMPTIONS overrides): enough for every
    // race between two operations of the protocol, and seconds to run.
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = runs.clone();
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f()
    });
    std::eprintln!(
        "loom explored {} executions",
        runs.load(std::sync::atomic::Ordering::Relaxed)
    );
}

#[test]
fn two_lockers() {
    model(|| {
        let g = Arc::new(Guarded::new());
        let g2 = g.clone();
        let t = thread::spawn(move || g2.add_one());
        g.add_one();
        t.join().unwrap();
        assert_eq!(g.get(), 2);
        assert!(!g.lock.is_locked());
    });
}

#[test]
fn two_lockers_twice_each() {
    // Each thread re-locks after unlocking: covers an unlock racing with a locker that has
    // counted itself but not queued (the hand-off ticket), from both sides.
    model(|| {
        let g = Arc::new(Guarded::new());
        let g2 = g.clone();
        let t = thread::spawn(move || {
            g2.add_one();
            g2.add_one();
        });
        g.add_one();
        g.add_one();
        t.join().unwrap();
        assert_eq!(g.get(), 4);
        assert!(!g.lock.is_locked());
    });
}

#[test]
fn three_lockers() {
    model(|| {
        let g = Arc::new(Guarded::new());
        let ts: std::vec::Vec<_> = (0..2)
            .map(|_| {
                let g = g.clone();
                thread::spawn(move || g.add_one())
            })
            .collect();
        g.add_one();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(g.get(), 3);
        assert!(!g.lock.is_locked());
    });
}

#[test]
fn try_lock_against_lock_and_unlock() {
    // try_lock may take a hand-off ticket; the lockers must still all get through.
    model(|| {
        let g = Arc::new(Guarded::new());
        let g2 = g.clone();
        let t = thread::spawn(move || g2.add_one());
        let g3 = g.clone();
        let t2 = thread::spawn(move || {
            if g3.lock.try_lock() {
                g3.bump();
                g3.lock.unlock();
                1
            } else {
                0
            }
        });
        g.add_one();
        t.join().unwrap();
        let tried = t2.join().unwrap();
        assert_eq!(g.get(), 2 + tried);
        assert!(!g.lock.is_locked());
    });
}

#[test]
fn condvar_record_moved_into_the_queue() {
    // Wait morphing: B publishes a wait record (as a condvar wait does, lock released) and
    // sleeps on it; A, holding the lock, moves it into the lock's queue; C locks meanwhile.
    // B must wake owning the lock, exactly once, in some order with C, and nobody may hang.
    use crate::waiter::{Record, Waiter};
    model(|| {
        let g = Arc::new(Guarded::new());
        let slot: Arc<loom::sync::Mutex<Option<Record<LoomPark>>>> =
            Arc::new(loom::sync::Mutex::new(None));
        let (gb, slot_b) = (g.clone(), slot.clone());
        let b = thread::spawn(move || {
            let me = Arc::new(Waiter::<LoomPark>::current_with(gb.lock.id()));
            *slot_b.lock().unwrap() = Some(me.clone());
            assert!(me.wait(None));
            assert!(me.handed());
            gb.bump();
            gb.lock.unlock();
        });
        let gc = g.clone();
        let c = thread::spawn(move || gc.add_one());
        g.lock.lock();
        let record = loop {
            if let Some(r) = slot.lock().unwrap().take() {
                break r;
            }
            thread::yield_now();
        };
        assert!(record.claim_for_move());
        g.lock.enqueue_held(record);
        g.bump();
        g.lock.unlock();
        b.join().unwrap();
        c.join().unwrap();
        assert_eq!(g.get(), 3);
        assert!(!g.lock.is_locked());
    });
}
