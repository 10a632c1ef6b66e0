//! ns per lock+unlock of osprey-sync's Mutex (over std threads: StdPark), spin::Mutex and
//! std::sync::Mutex, uncontended and with 2..16 threads hammering one lock for 0.4 s each (with
//! each thread's share of the operations: fairness); and a condvar
//! ping-pong round trip. Host numbers, for BENCHMARKS.md:
//!   cargo run --release -p osprey-sync --features std --example lock_bench
use osprey_sync::{Condvar, Mutex, StdPark};
use std::sync::Arc;
use std::time::Instant;

trait Lock: Send + Sync + 'static {
    const NAME: &'static str;
    fn new() -> Self;
    fn bump(&self);
    fn get(&self) -> u64;
}

impl Lock for Mutex<u64, StdPark> {
    const NAME: &'static str = "osprey_sync::Mutex";
    fn new() -> Self {
        Mutex::new(0)
    }
    fn bump(&self) {
        *self.lock() += 1;
    }
    fn get(&self) -> u64 {
        *self.lock()
    }
}

impl Lock for spin::Mutex<u64> {
    const NAME: &'static str = "spin::Mutex";
    fn new() -> Self {
        spin::Mutex::new(0)
    }
    fn bump(&self) {
        *self.lock() += 1;
    }
    fn get(&self) -> u64 {
        *self.lock()
    }
}

impl Lock for std::sync::Mutex<u64> {
    const NAME: &'static str = "std::sync::Mutex";
    fn new() -> Self {
        std::sync::Mutex::new(0)
    }
    fn bump(&self) {
        *self.lock().unwrap() += 1;
    }
    fn get(&self) -> u64 {
        *self.lock().unwrap()
    }
}

/// Threads start together and hammer the lock for `RUN`; returns wall-clock ns per lock
/// (all threads together) and the smallest and largest per-thread share of the operations.
const RUN: std::time::Duration = std::time::Duration::from_millis(400);

fn run<L: Lock>(threads: usize) -> (f64, f64, f64) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let lock = Arc::new(L::new());
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (lock, stop, barrier) = (lock.clone(), stop.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    lock.bump();
                    n += 1;
                }
                n
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    std::thread::sleep(RUN);
    stop.store(true, Ordering::Relaxed);
    let counts: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ns = start.elapsed().as_nanos() as f64;
    let total: u64 = counts.iter().sum();
    assert_eq!(lock.get(), total, "{} lost an increment", L::NAME);
    let fair = total as f64 / threads as f64;
    let min = *counts.iter().min().unwrap() as f64 / fair;
    let max = *counts.iter().max().unwrap() as f64 / fair;
    (ns / total as f64, min, max)
}

fn row<L: Lock>() {
    let mut cells = Vec::new();
    // LOCK_BENCH_THREADS=n runs only that column (for tracing one case).
    let only: Option<usize> = std::env::var("LOCK_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok());
    for threads in [1, 2, 4, 16] {
        if only.is_some_and(|n| n != threads) {
            continue;
        }
        let (ns, min, max) = run::<L>(threads);
        cells.push(if threads == 1 {
            format!("{ns:.1}")
        } else {
            format!("{ns:.1} ({min:.2}..{max:.2})")
        });
    }
    println!("| {} | {} |", L::NAME, cells.join(" | "));
}

/// Round trip of two threads taking turns through one mutex and one condvar each way.
fn pingpong_osprey(rounds: u64) -> f64 {
    let state = Arc::new((Mutex::<u64, StdPark>::new(0), Condvar::<StdPark>::new()));
    let other = state.clone();
    let t = std::thread::spawn(move || {
        let (m, cv) = &*other;
        let mut g = m.lock();
        for r in 0..rounds {
            cv.wait_while(&mut g, |turn| *turn != 2 * r + 1);
            *g += 1;
            cv.notify_one();
        }
    });
    let (m, cv) = &*state;
    let start = Instant::now();
    let mut g = m.lock();
    for r in 0..rounds {
        *g += 1;
        cv.notify_one();
        cv.wait_while(&mut g, |turn| *turn != 2 * r + 2);
    }
    drop(g);
    let ns = start.elapsed().as_nanos() as f64;
    t.join().unwrap();
    ns / rounds as f64
}

/// As `pingpong_osprey`, notifying with the mutex held through `notify_one_locked` (wait
/// morphing: the waiter is moved into the mutex's queue and woken once, owning it).
fn pingpong_osprey_morph(rounds: u64) -> f64 {
    let state = Arc::new((Mutex::<u64, StdPark>::new(0), Condvar::<StdPark>::new()));
    let other = state.clone();
    let t = std::thread::spawn(move || {
        let (m, cv) = &*other;
        let mut g = m.lock();
        for r in 0..rounds {
            cv.wait_while(&mut g, |turn| *turn != 2 * r + 1);
            *g += 1;
            cv.notify_one_locked(&g);
        }
    });
    let (m, cv) = &*state;
    let start = Instant::now();
    let mut g = m.lock();
    for r in 0..rounds {
        *g += 1;
        cv.notify_one_locked(&g);
        cv.wait_while(&mut g, |turn| *turn != 2 * r + 2);
    }
    drop(g);
    let ns = start.elapsed().as_nanos() as f64;
    t.join().unwrap();
    ns / rounds as f64
}

fn pingpong_std(rounds: u64) -> f64 {
    let state = Arc::new((std::sync::Mutex::new(0u64), std::sync::Condvar::new()));
    let other = state.clone();
    let t = std::thread::spawn(move || {
        let (m, cv) = &*other;
        let mut g = m.lock().unwrap();
        for r in 0..rounds {
            g = cv.wait_while(g, |turn| *turn != 2 * r + 1).unwrap();
            *g += 1;
            cv.notify_one();
        }
    });
    let (m, cv) = &*state;
    let start = Instant::now();
    let mut g = m.lock().unwrap();
    for r in 0..rounds {
        *g += 1;
        cv.notify_one();
        g = cv.wait_while(g, |turn| *turn != 2 * r + 2).unwrap();
    }
    drop(g);
    let ns = start.elapsed().as_nanos() as f64;
    t.join().unwrap();
    ns / rounds as f64
}

fn main() {
    println!(
        "host CPUs: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!("ns per lock+increment+unlock, all threads together; in brackets the smallest and");
    println!("largest per-thread share of the operations (1.00 = a fair share)");
    println!("| lock | 1 thread | 2 threads | 4 threads | 16 threads |");
    println!("|---|---|---|---|---|");
    row::<Mutex<u64, StdPark>>();
    row::<spin::Mutex<u64>>();
    row::<std::sync::Mutex<u64>>();
    println!();
    println!("| condvar ping-pong round trip | ns |");
    println!("|---|---|");
    println!(
        "| osprey_sync::{{Mutex, Condvar}} | {:.0} |",
        pingpong_osprey(100_000)
    );
    println!(
        "| osprey_sync::{{Mutex, Condvar}}, notify_one_locked | {:.0} |",
        pingpong_osprey_morph(100_000)
    );
    println!(
        "| std::sync::{{Mutex, Condvar}} | {:.0} |",
        pingpong_std(100_000)
    );
}
