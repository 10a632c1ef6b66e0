//! Host tests with std threads (StdPark). The loom models are in raw_mutex_loom.rs and
//! wait_queue_loom.rs.

use crate::raw_mutex::RawMutex;
use crate::{Condvar, Mutex, Park, Sleep, StdPark, WaitQueue};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use std::vec::Vec;

type M<T> = Mutex<T, StdPark>;

// Kernel locks live in statics: all three constructors are const.
static STATIC_MUTEX: M<u32> = M::new(7);
static STATIC_CONDVAR: Condvar<StdPark> = Condvar::new();
static STATIC_WAIT_QUEUE: WaitQueue<StdPark> = WaitQueue::new();

#[test]
fn statics_work() {
    *STATIC_MUTEX.lock() += 1;
    assert_eq!(*STATIC_MUTEX.lock(), 8);
    assert!(!STATIC_CONDVAR.notify_one());
    assert_eq!(STATIC_WAIT_QUEUE.wake_all(), 0);
}

fn ms(n: u64) -> u64 {
    n * 1_000_000
}

/// Debug builds run a fifth of the iterations so plain `cargo test` stays at a few seconds;
/// `cargo test --release -p osprey-sync` runs the full 16 x 100k.
const INCREMENTS: usize = if cfg!(debug_assertions) {
    20_000
} else {
    100_000
};

#[test]
fn sixteen_threads_exact_total_and_exclusion() {
    // `inside` catches two holders at once; the plain read-modify-write of `count` would lose
    // increments if exclusion or the hand-off's memory ordering were wrong.
    let m = Arc::new(M::new(0u64));
    let inside = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (m, inside) = (m.clone(), inside.clone());
            thread::spawn(move || {
                for _ in 0..INCREMENTS {
                    let mut g = m.lock();
                    assert!(!inside.swap(true, Ordering::Relaxed), "two holders at once");
                    *g += 1;
                    inside.store(false, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.lock(), 16 * INCREMENTS as u64);
    assert!(!m.is_locked());
}

#[test]
fn try_lock_fails_while_held_and_succeeds_when_free() {
    let m = Arc::new(M::new(5));
    let g = m.lock();
    let m2 = m.clone();
    assert!(thread::spawn(move || m2.try_lock().is_none())
        .join()
        .unwrap());
    drop(g);
    let m2 = m.clone();
    assert_eq!(
        thread::spawn(move || m2.try_lock().map(|g| *g))
            .join()
            .unwrap(),
        Some(5)
    );
}

/// Wait until `raw` counts `n` threads (holder + lockers), then give the last one time to push
/// its wait record (it pushes right after counting itself).
fn until_counted(raw: &RawMutex<StdPark>, n: usize) {
    let start = Instant::now();
    while raw.count_for_tests() < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "locker never arrived"
        );
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(20));
}

#[test]
fn unlock_hands_the_lock_to_the_waiter_no_barging() {
    // The owner unlocks with a waiter queued and at once tries to take the lock back: it must
    // fail, because unlock passed the lock to the waiter without ever making it free.
    let raw = Arc::new(RawMutex::<StdPark>::new());
    raw.lock();
    let got = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (raw, got) = (raw.clone(), got.clone());
        thread::spawn(move || {
            raw.lock();
            got.store(true, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(20));
            raw.unlock();
        })
    };
    until_counted(&raw, 2);
    raw.unlock();
    assert!(!raw.try_lock(), "the unlocker barged past a queued waiter");
    raw.lock(); // queues behind the waiter, which now owns the lock
    assert!(
        got.load(Ordering::SeqCst),
        "the waiter never ran before the re-lock"
    );
    raw.unlock();
    waiter.join().unwrap();
}

#[test]
fn waiters_get_the_lock_in_arrival_order() {
    let raw = Arc::new(RawMutex::<StdPark>::new());
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    raw.lock();
    let mut threads = Vec::new();
    for i in 0..6 {
        let (raw2, order) = (raw.clone(), order.clone());
        threads.push(thread::spawn(move || {
            raw2.lock();
            order.lock().unwrap().push(i);
            raw2.unlock();
        }));
        until_counted(&raw, i + 2);
    }
    raw.unlock();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), (0..6).collect::<Vec<_>>());
}

#[test]
fn queued_threads_take_turns_round_robin() {
    // Each thread holds the lock for 5 ms, far longer than the pre-queue spin, so every other
    // contender is queued by the time it unlocks. Hand-off in FIFO order then gives strict
    // turns: any 4 consecutive holders are the 4 threads, nobody re-takes the lock before the
    // others had it (a barging lock lets the unlocker win its own re-lock most of the time).
    const THREADS: usize = 4;
    const ROUNDS: usize = 8;
    let m = Arc::new(M::new(Vec::new()));
    let threads: Vec<_> = (0..THREADS)
        .map(|id| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let mut g = m.lock();
                    g.push(id);
                    thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let order = m.lock().clone();
    assert_eq!(order.len(), THREADS * ROUNDS);
    // The first round may be cut short by late starters; from then on, strict turns.
    for window in order[THREADS..].windows(THREADS) {
        let mut ids = window.to_vec();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), THREADS, "not round robin: {order:?}");
    }
}

#[test]
fn condvar_bounded_buffer_producers_consumers() {
    const PER_PRODUCER: u64 = 5_000;
    struct Buf {
        items: VecDeque<u64>,
        done_producers: usize,
    }
    let m = Arc::new(M::new(Buf {
        items: VecDeque::new(),
        done_producers: 0,
    }));
    let not_full = Arc::new(Condvar::<StdPark>::new());
    let not_empty = Arc::new(Condvar::<StdPark>::new());
    let mut producers = Vec::new();
    for p in 0..4u64 {
        let (m, not_full, not_empty) = (m.clone(), not_full.clone(), not_empty.clone());
        producers.push(thread::spawn(move || {
            for i in 0..PER_PRODUCER {
                let mut g = m.lock();
                not_full.wait_while(&mut g, |b| b.items.len() >= 8);
                g.items.push_back(p * PER_PRODUCER + i);
                drop(g);
                not_empty.notify_one();
            }
            m.lock().done_producers += 1;
            not_empty.notify_all();
        }));
    }
    let mut consumers = Vec::new();
    for _ in 0..4 {
        let (m, not_full, not_empty) = (m.clone(), not_full.clone(), not_empty.clone());
        consumers.push(thread::spawn(move || {
            let (mut sum, mut n) = (0u64, 0u64);
            loop {
                let mut g = m.lock();
                not_empty.wait_while(&mut g, |b| b.items.is_empty() && b.done_producers < 4);
                match g.items.pop_front() {
                    Some(v) => {
                        drop(g);
                        not_full.notify_one();
                        sum += v;
                        n += 1;
                    }
                    None => return (sum, n),
                }
            }
        }));
    }
    for p in producers {
        p.join().unwrap();
    }
    let (mut sum, mut n) = (0, 0);
    for c in consumers {
        let (s, k) = c.join().unwrap();
        sum += s;
        n += k;
    }
    let total = 4 * PER_PRODUCER;
    assert_eq!(n, total);
    assert_eq!(sum, total * (total - 1) / 2);
}

#[test]
fn condvar_wait_until_times_out_and_holds_the_lock_again() {
    let m = M::new(1);
    let cv = Condvar::<StdPark>::new();
    let mut g = m.lock();
    let start = StdPark::now_ns();
    let r = cv.wait_until(&mut g, start + ms(30));
    assert!(r.timed_out());
    assert!(StdPark::now_ns() >= start + ms(30));
    assert_eq!(*g, 1);
    assert!(
        m.try_lock().is_none(),
        "the mutex must be held again after a timed-out wait"
    );
    drop(g);
    // A timed-out waiter left the list: a later notify finds nobody.
    assert!(!cv.notify_one());
}

#[test]
fn condvar_notify_beats_the_deadline() {
    let m = Arc::new(M::new(false));
    let cv = Arc::new(Condvar::<StdPark>::new());
    let t = {
        let (m, cv) = (m.clone(), cv.clone());
        thread::spawn(move || {
            let mut g = m.lock();
            let deadline = StdPark::now_ns() + ms(10_000);
            let r = cv.wait_while_until(&mut g, deadline, |ready| !*ready);
            (r.timed_out(), *g)
        })
    };
    thread::sleep(Duration::from_millis(20));
    *m.lock() = true;
    cv.notify_one();
    let start = Instant::now();
    assert_eq!(t.join().unwrap(), (false, true));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn condvar_notify_all_wakes_every_waiter() {
    let m = Arc::new(M::new(0usize));
    let cv = Arc::new(Condvar::<StdPark>::new());
    let go = Arc::new(AtomicBool::new(false));
    let waiting = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (m, cv, go, waiting) = (m.clone(), cv.clone(), go.clone(), waiting.clone());
            thread::spawn(move || {
                let mut g = m.lock();
                waiting.fetch_add(1, Ordering::SeqCst);
                while !go.load(Ordering::SeqCst) {
                    cv.wait(&mut g);
                }
                *g += 1;
            })
        })
        .collect();
    while waiting.load(Ordering::SeqCst) < 8 {
        thread::sleep(Duration::from_millis(1));
    }
    // All 8 counted themselves under the mutex and release it only by waiting.
    let g = m.lock();
    go.store(true, Ordering::SeqCst);
    assert_eq!(cv.notify_all(), 8);
    drop(g);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.lock(), 8);
}

#[test]
fn wait_queue_condition_and_deadline() {
    let wq = Arc::new(WaitQueue::<StdPark>::new());
    let flag = Arc::new(AtomicBool::new(false));
    // Timeout with the condition still false.
    let start = StdPark::now_ns();
    assert!(!wq.wait_for_until(|| flag.load(Ordering::SeqCst), Some(start + ms(25))));
    assert!(StdPark::now_ns() >= start + ms(25));
    assert!(wq.is_empty(), "a timed-out waiter must leave the queue");
    // Woken by a waker that sets the condition first.
    let t = {
        let (wq, flag) = (wq.clone(), flag.clone());
        thread::spawn(move || wq.wait_for(|| flag.load(Ordering::SeqCst)))
    };
    thread::sleep(Duration::from_millis(20));
    flag.store(true, Ordering::SeqCst);
    wq.wake_all();
    t.join().unwrap();
    // Already true: returns at once without queuing.
    assert!(wq.wait_for_until(|| true, Some(0)));
}

#[test]
fn wait_queue_futex_style_sleep() {
    let wq = Arc::new(WaitQueue::<StdPark>::new());
    assert_eq!(wq.sleep_if(|| false, None), Sleep::NotSlept);
    assert!(wq.is_empty());
    let deadline = StdPark::now_ns() + ms(20);
    assert_eq!(wq.sleep_if(|| true, Some(deadline)), Sleep::TimedOut);
    assert!(StdPark::now_ns() >= deadline);
    // Three sleepers, wake two (FUTEX_WAKE 2), then the last.
    let woken = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (wq, woken) = (wq.clone(), woken.clone());
            thread::spawn(move || {
                assert_eq!(wq.sleep_if(|| true, None), Sleep::Woken);
                woken.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    while wq.waiters_for_tests() < 3 {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(wq.wake_n(2), 2);
    thread::sleep(Duration::from_millis(50));
    assert_eq!(woken.load(Ordering::SeqCst), 2);
    assert_eq!(wq.wake_n(5), 1);
    for t in threads {
        t.join().unwrap();
    }
    assert!(!wq.wake_one());
}

#[test]
fn wait_queue_stress_no_lost_wakeup() {
    // A ping-pong through two wait queues and a shared turn counter: a lost wake-up hangs.
    let turn = Arc::new(AtomicUsize::new(0));
    let wqs = Arc::new([WaitQueue::<StdPark>::new(), WaitQueue::<StdPark>::new()]);
    const ROUNDS: usize = 5_000;
    let players: Vec<_> = (0..2)
        .map(|me| {
            let (turn, wqs) = (turn.clone(), wqs.clone());
            thread::spawn(move || {
                for r in 0..ROUNDS {
                    let mine = 2 * r + me;
                    wqs[me].wait_for(|| turn.load(Ordering::SeqCst) == mine);
                    turn.store(mine + 1, Ordering::SeqCst);
                    wqs[1 - me].wake_one();
                }
            })
        })
        .collect();
    for p in players {
        p.join().unwrap();
    }
    assert_eq!(turn.load(Ordering::SeqCst), 2 * ROUNDS);
}

#[test]
fn wait_queue_requeue_moves_sleepers() {
    // FUTEX_CMP_REQUEUE as glibc's condvar broadcast once used it: wake one, move the rest to
    // the mutex's queue, where they sleep until that queue is woken.
    let from = Arc::new(WaitQueue::<StdPark>::new());
    let to = Arc::new(WaitQueue::<StdPark>::new());
    let woken = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (from, woken) = (from.clone(), woken.clone());
            thread::spawn(move || {
                assert_eq!(from.sleep_if(|| true, None), Sleep::Woken);
                woken.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    while from.waiters_for_tests() < 4 {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(from.requeue(&to, 1, 2), (1, 2));
    assert_eq!(from.waiters_for_tests(), 1);
    assert_eq!(to.waiters_for_tests(), 2);
    thread::sleep(Duration::from_millis(30));
    assert_eq!(
        woken.load(Ordering::SeqCst),
        1,
        "a moved sleeper woke without a wake"
    );
    assert_eq!(to.wake_all(), 2);
    assert_eq!(from.wake_all(), 1);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(woken.load(Ordering::SeqCst), 4);
}

#[test]
fn wait_queue_requeued_sleeper_times_out() {
    let from = Arc::new(WaitQueue::<StdPark>::new());
    let to = Arc::new(WaitQueue::<StdPark>::new());
    let t = {
        let from = from.clone();
        thread::spawn(move || from.sleep_if(|| true, Some(StdPark::now_ns() + ms(40))))
    };
    while from.waiters_for_tests() < 1 {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(from.requeue(&to, 0, 1), (0, 1));
    assert_eq!(t.join().unwrap(), Sleep::TimedOut);
    // The dead record is skipped by wakes and dropped by the next sleeper.
    assert!(!to.wake_one());
    assert!(to.is_empty());
}

#[test]
fn condvar_notify_locked_moves_the_waiter_behind_the_holder() {
    // The waiter is notified while the notifier holds the mutex: it must not run until the
    // notifier releases the mutex, then it wakes holding the mutex, not timed out.
    let m = Arc::new(M::new(0u32));
    let cv = Arc::new(Condvar::<StdPark>::new());
    let returned = Arc::new(AtomicBool::new(false));
    let t = {
        let (m, cv, returned) = (m.clone(), cv.clone(), returned.clone());
        thread::spawn(move || {
            let mut g = m.lock();
            let r = cv.wait_while_until(&mut g, StdPark::now_ns() + ms(10_000), |v| *v == 0);
            returned.store(true, Ordering::SeqCst);
            *g += 10;
            r.timed_out()
        })
    };
    // Wait until the waiter sleeps on the condvar (it released the mutex).
    loop {
        let g = m.lock();
        if !cv.waiters.is_empty() {
            drop(g);
            break;
        }
        drop(g);
        thread::sleep(Duration::from_millis(1));
    }
    let mut g = m.lock();
    *g = 1;
    assert!(cv.notify_one_locked(&g));
    thread::sleep(Duration::from_millis(30));
    assert!(
        !returned.load(Ordering::SeqCst),
        "the waiter ran while the notifier held the mutex"
    );
    drop(g);
    assert!(!t.join().unwrap());
    assert_eq!(*m.lock(), 11);
}

#[test]
fn condvar_notify_all_locked_hands_the_mutex_to_each_waiter() {
    let m = Arc::new(M::new((0usize, false)));
    let cv = Arc::new(Condvar::<StdPark>::new());
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (m, cv) = (m.clone(), cv.clone());
            thread::spawn(move || {
                let mut g = m.lock();
                g.0 += 1;
                cv.wait_while(&mut g, |s| !s.1);
                g.0 += 100;
            })
        })
        .collect();
    while m.lock().0 < 8 {
        thread::sleep(Duration::from_millis(1));
    }
    let mut g = m.lock();
    g.1 = true;
    assert_eq!(cv.notify_all_locked(&g), 8);
    drop(g);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(m.lock().0, 808);
    assert!(!m.is_locked());
}

#[test]
fn condvar_notify_locked_with_another_mutex_is_a_plain_wake() {
    // The waiter waits with mutex A; the notifier holds mutex B. Moving the waiter into B's
    // queue would hand it B while it believes it holds A: it must be woken normally instead.
    let a = Arc::new(M::new(false));
    let b = M::new(());
    let cv = Arc::new(Condvar::<StdPark>::new());
    let t = {
        let (a, cv) = (a.clone(), cv.clone());
        thread::spawn(move || {
            let mut g = a.lock();
            cv.wait_while(&mut g, |ready| !*ready);
        })
    };
    while cv.waiters.is_empty() {
        thread::sleep(Duration::from_millis(1));
    }
    *a.lock() = true;
    let gb = b.lock();
    assert!(cv.notify_one_locked(&gb));
    drop(gb);
    t.join().unwrap();
    assert!(!a.is_locked() && !b.is_locked());
}

#[test]
fn condvar_timeout_while_notifier_holds_the_mutex() {
    // The deadline passes while another thread holds the mutex: the waiter cancels, then
    // queues for the mutex; a later notify under the mutex finds nobody to move.
    let m = Arc::new(M::new(()));
    let cv = Arc::new(Condvar::<StdPark>::new());
    let t = {
        let (m, cv) = (m.clone(), cv.clone());
        thread::spawn(move || {
            let mut g = m.lock();
            cv.wait_until(&mut g, StdPark::now_ns() + ms(20))
                .timed_out()
        })
    };
    while cv.waiters.is_empty() {
        thread::sleep(Duration::from_millis(1));
    }
    let g = m.lock();
    thread::sleep(Duration::from_millis(60));
    assert!(!cv.notify_one_locked(&g));
    drop(g);
    assert!(t.join().unwrap());
}

#[test]
fn condvar_ping_pong_with_notify_locked() {
    // Two threads take turns 20k times, each notifying under the mutex: every turn is a move
    // into the mutex queue and a hand-off. A lost wake-up hangs; a broken hand-off breaks the
    // turn count.
    const ROUNDS: u64 = 20_000;
    let state = Arc::new((M::new(0u64), Condvar::<StdPark>::new()));
    let other = state.clone();
    let t = thread::spawn(move || {
        let (m, cv) = &*other;
        let mut g = m.lock();
        for r in 0..ROUNDS {
            cv.wait_while(&mut g, |turn| *turn != 2 * r + 1);
            *g += 1;
            cv.notify_one_locked(&g);
        }
    });
    let (m, cv) = &*state;
    let mut g = m.lock();
    for r in 0..ROUNDS {
        *g += 1;
        cv.notify_one_locked(&g);
        cv.wait_while(&mut g, |turn| *turn != 2 * r + 2);
    }
    drop(g);
    t.join().unwrap();
    assert_eq!(*m.lock(), 2 * ROUNDS);
}

/// A `DynPark` over std threads: threads are numbered on first use, a registry maps numbers
/// back to threads for `unpark`. No spinning, so contended locks really sleep.
struct StdDynPark;

static DYN_THREADS: std::sync::Mutex<std::collections::BTreeMap<u64, thread::Thread>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn dyn_thread_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    std::thread_local! {
        static ID: u64 = {
            let id = NEXT.fetch_add(1, Ordering::Relaxed);
            DYN_THREADS.lock().unwrap().insert(id, thread::current());
            id
        };
    }
    ID.with(|id| *id)
}

impl crate::DynPark for StdDynPark {
    fn current(&self) -> Option<u64> {
        Some(dyn_thread_id())
    }
    fn park(&self, deadline_ns: Option<u64>) {
        match deadline_ns {
            None => thread::park(),
            Some(d) => StdPark::park_until(d),
        }
    }
    fn unpark(&self, t: u64) {
        if let Some(t) = DYN_THREADS.lock().unwrap().get(&t) {
            t.unpark();
        }
    }
    fn now_ns(&self) -> u64 {
        StdPark::now_ns()
    }
    fn critical(&self, f: &mut dyn FnMut()) {
        f()
    }
    fn spin_limit(&self) -> u32 {
        0
    }
    fn need_resched(&self) -> bool {
        false
    }
}

#[test]
fn global_park_locks_sleep_through_the_installed_scheduler() {
    use crate::GlobalPark;
    static PARK: StdDynPark = StdDynPark;
    assert!(GlobalPark::install(&PARK));
    assert!(!GlobalPark::install(&PARK), "only the first install counts");
    assert_eq!(GlobalPark::current_id(), Some(dyn_thread_id()));

    let m = Arc::new(Mutex::<u64, GlobalPark>::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..INCREMENTS / 10 {
                    *m.lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.lock(), 8 * (INCREMENTS / 10) as u64);

    // A condvar wait with a deadline over the same scheduler.
    let cv = Condvar::<GlobalPark>::new();
    let mut g = m.lock();
    let deadline = GlobalPark::now_ns() + ms(20);
    assert!(cv.wait_until(&mut g, deadline).timed_out());
    assert!(GlobalPark::now_ns() >= deadline);
}
