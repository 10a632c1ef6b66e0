//! ns per lock+unlock of osprey-sync's Mutex (over std threads: StdPark), spin::Mutex and
//! std::sync::Mutex, uncontended and with 2..16 threads hammering one lock; and a condvar
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

/// Wall-clock ns per operation with `threads` threads doing `total / threads` bumps each.
fn run<L: Lock>(threads: usize, total: u64) -> f64 {
    let lock = Arc::new(L::new());
    let per = total / threads as u64;
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let lock = lock.clone();
            std::thread::spawn(move || {
                for _ in 0..per {
                    lock.bump();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let ns = start.elapsed().as_nanos() as f64;
    assert_eq!(
        lock.get(),
        per * threads as u64,
        "{} lost an increment",
        L::NAME
    );
    ns / (per * threads as u64) as f64
}

fn row<L: Lock>() {
    let mut cells = vec![format!("{:.1}", run::<L>(1, 10_000_000))];
    for threads in [2, 4, 16] {
        cells.push(format!("{:.1}", run::<L>(threads, 1_000_000)));
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
        "| std::sync::{{Mutex, Condvar}} | {:.0} |",
        pingpong_std(100_000)
    );
}
