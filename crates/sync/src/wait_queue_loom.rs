//! Loom models of the wait queue: a wake that races a waiter's queue-then-check, and a wake-up
//! claimed by a waiter that then leaves without sleeping (it must be passed on, not lost).
//!
//! Run: RUSTFLAGS="--cfg loom" cargo test --release -p osprey-sync --lib loom

use crate::{LoomPark, Sleep, WaitQueue};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

#[test]
fn wake_after_condition_is_never_missed() {
    model(|| {
        let wq = Arc::new(WaitQueue::<LoomPark>::new());
        let flag = Arc::new(AtomicBool::new(false));
        let (wq2, flag2) = (wq.clone(), flag.clone());
        let waiter = thread::spawn(move || wq2.wait_for(|| flag2.load(Ordering::Acquire)));
        flag.store(true, Ordering::Release);
        wq.wake_one();
        waiter.join().unwrap();
    });
}

#[test]
fn claimed_wake_of_a_leaving_waiter_is_passed_on() {
    // Two tokens, two consumers, each token announced by one wake_one. A consumer that finds
    // a token right after queuing leaves; if a wake had already claimed its record, that wake
    // must go to the other consumer, or the other sleeps forever (loom: deadlock).
    model(|| {
        let wq = Arc::new(WaitQueue::<LoomPark>::new());
        let tokens = Arc::new(AtomicUsize::new(0));
        let take = |tokens: &AtomicUsize| {
            let mut n = tokens.load(Ordering::Acquire);
            while n > 0 {
                match tokens.compare_exchange(n, n - 1, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => return true,
                    Err(now) => n = now,
                }
            }
            false
        };
        let consumers: std::vec::Vec<_> = (0..2)
            .map(|_| {
                let (wq, tokens) = (wq.clone(), tokens.clone());
                thread::spawn(move || wq.wait_for(|| take(&tokens)))
            })
            .collect();
        for _ in 0..2 {
            tokens.fetch_add(1, Ordering::Release);
            wq.wake_one();
        }
        for c in consumers {
            c.join().unwrap();
        }
        assert_eq!(tokens.load(Ordering::Acquire), 0);
    });
}

#[test]
fn futex_style_sleep_against_wake() {
    // FUTEX_WAIT against FUTEX_WAKE: the sleeper either sees the word changed (NotSlept) or
    // is woken; never both missed.
    model(|| {
        let wq = Arc::new(WaitQueue::<LoomPark>::new());
        let word = Arc::new(AtomicUsize::new(0));
        let (wq2, word2) = (wq.clone(), word.clone());
        let sleeper =
            thread::spawn(move || wq2.sleep_if(|| word2.load(Ordering::Acquire) == 0, None));
        word.store(1, Ordering::Release);
        wq.wake_n(1);
        let r = sleeper.join().unwrap();
        assert!(r == Sleep::Woken || r == Sleep::NotSlept);
    });
}

#[test]
fn wake_racing_a_timeout_goes_to_the_next_sleeper() {
    // LoomPark's clock stands at 0, so a deadline of 0 is already due: S1's wait races its own
    // cancellation against the wake. Whichever wins, the wake is not lost: if S1 timed out,
    // it went to S2 (else S2 sleeps forever and loom reports the deadlock).
    model(|| {
        let wq = Arc::new(WaitQueue::<LoomPark>::new());
        let flag = Arc::new(AtomicBool::new(false));
        let wq1 = wq.clone();
        let s1 = thread::spawn(move || wq1.sleep_if(|| true, Some(0)));
        let (wq2, flag2) = (wq.clone(), flag.clone());
        let s2 = thread::spawn(move || wq2.sleep_if(|| !flag2.load(Ordering::Acquire), None));
        flag.store(true, Ordering::Release);
        wq.wake_one();
        if s1.join().unwrap() == Sleep::Woken {
            wq.wake_one(); // S1 took the first wake: release S2 (if it slept)
        }
        let r2 = s2.join().unwrap();
        assert!(r2 == Sleep::Woken || r2 == Sleep::NotSlept);
    });
}
