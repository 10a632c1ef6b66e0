//! Rust's std on threads: spawn/join with results, Arc<Mutex>, RwLock, Condvar, mpsc channels,
//! thread::sleep, scoped threads, thread names, thread_local!, available_parallelism, and a
//! Barrier. Deterministic output, compared with the host.
use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

thread_local! {
    static LOCAL: Cell<u64> = const { Cell::new(1) };
}

fn main() {
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let c = Arc::clone(&counter);
            thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || {
                    for _ in 0..10_000 {
                        *c.lock().unwrap() += 1;
                    }
                    LOCAL.with(|l| l.set(l.get() + i));
                    (thread::current().name().unwrap().to_string(), LOCAL.with(|l| l.get()))
                })
                .unwrap()
        })
        .collect();
    let mut names = Vec::new();
    let mut locals = 0;
    for h in handles {
        let (n, l) = h.join().unwrap();
        names.push(n);
        locals += l;
    }
    println!("mutex total={} locals={} main_local={}", *counter.lock().unwrap(), locals, LOCAL.with(|l| l.get()));
    println!("names={}", names.join(","));

    let (tx, rx) = mpsc::channel();
    for id in 0..4u64 {
        let tx = tx.clone();
        thread::spawn(move || {
            for k in 0..250u64 {
                tx.send(id * 1000 + k).unwrap();
            }
        });
    }
    drop(tx);
    let received: Vec<u64> = rx.iter().collect();
    println!("mpsc count={} sum={}", received.len(), received.iter().sum::<u64>());

    let (stx, srx) = mpsc::sync_channel::<u32>(0);
    let producer = thread::spawn(move || {
        for i in 0..100 {
            stx.send(i).unwrap();
        }
    });
    let s: u32 = srx.iter().sum();
    producer.join().unwrap();
    println!("rendezvous sum={s}");

    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let p2 = Arc::clone(&pair);
    let waiter = thread::spawn(move || {
        let (m, c) = &*p2;
        let mut ready = m.lock().unwrap();
        while !*ready {
            ready = c.wait(ready).unwrap();
        }
        "woken"
    });
    thread::sleep(Duration::from_millis(20));
    {
        let (m, c) = &*pair;
        *m.lock().unwrap() = true;
        c.notify_all();
    }
    println!("condvar {}", waiter.join().unwrap());

    let (m, c) = (Mutex::new(()), Condvar::new());
    let (_g, to) = c.wait_timeout(m.lock().unwrap(), Duration::from_millis(30)).unwrap();
    println!("wait_timeout timed_out={}", to.timed_out());

    let start = Instant::now();
    thread::sleep(Duration::from_millis(50));
    println!("slept_enough={}", start.elapsed() >= Duration::from_millis(50));

    let table = RwLock::new(vec![0u32; 8]);
    let mut data = vec![1u64, 2, 3, 4, 5, 6, 7, 8];
    thread::scope(|sc| {
        for chunk in data.chunks_mut(2) {
            sc.spawn(|| {
                for x in chunk {
                    *x *= 10;
                }
                let _r = table.read().unwrap();
            });
        }
        sc.spawn(|| table.write().unwrap()[0] = 9);
    });
    println!("scoped data={:?} table0={}", data, table.read().unwrap()[0]);

    let barrier = Arc::new(Barrier::new(5));
    let leaders: usize = (0..5)
        .map(|_| {
            let b = Arc::clone(&barrier);
            thread::spawn(move || b.wait().is_leader() as usize)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .sum();
    println!("barrier leaders={leaders}");

    let r = thread::spawn(|| -> u32 { panic!("expected panic in a thread") }).join();
    println!("panicking thread joined with error={}", r.is_err());
    println!("parallelism>=1: {}", thread::available_parallelism().map(|n| n.get() >= 1).unwrap_or(false));
}
