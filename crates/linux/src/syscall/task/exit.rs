//! exit (the calling thread) and exit_group (the app).
//!
//! A thread's exit does what pthread_join and robust mutexes rely on: the futexes on its
//! robust list are marked FUTEX_OWNER_DIED and one waiter of each is woken, then its
//! clear_child_tid word is zeroed and one waiter woken. When the last thread exits, the app
//! ends with that thread's status, as on Linux.

use core::sync::atomic::Ordering;

use osprey_abi::futex::*;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Linux's bound on a robust list walk (a loop in app memory cannot hang the kernel).
const ROBUST_LIST_LIMIT: usize = 2048;

/// Releases one robust futex held by the dying thread.
fn futex_death(cx: &Ctx, uaddr: u64) {
    if uaddr % 4 != 0 {
        return;
    }
    // Atomically, as Linux's handle_futex_death: other threads may be locking it meanwhile.
    let Ok(mut v) = cx.m.read_u32(uaddr) else {
        return;
    };
    loop {
        if v & FUTEX_TID_MASK != cx.t.tid as u32 {
            return;
        }
        let new = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        match cx.m.cmpxchg_u32(uaddr, v, new) {
            Ok(seen) if seen == v => break,
            Ok(seen) => v = seen,
            Err(_) => return,
        }
    }
    // A PI lock goes to its first waiter (which then sees FUTEX_OWNER_DIED); a plain one
    // wakes a waiter to take it.
    if v & FUTEX_WAITERS != 0 && !cx.p.futexes.hand_over_dead_pi(cx.m, uaddr) {
        cx.p.futexes.wake(cx.m, uaddr, 1, FUTEX_BITSET_MATCH_ANY);
    }
}

/// Walks `struct robust_list_head { next, futex_offset, list_op_pending }`.
fn release_robust_list(cx: &Ctx) {
    let (head, len) = *cx.t.robust_list.lock();
    if head == 0 || len != 24 {
        return;
    }
    let Ok(next) = UserPtr::<u64>::new(head).read(cx.m) else {
        return;
    };
    let Ok(offset) = UserPtr::<i64>::new(head + 8).read(cx.m) else {
        return;
    };
    let Ok(pending) = UserPtr::<u64>::new(head + 16).read(cx.m) else {
        return;
    };
    let word = |entry: u64| (entry & !1).wrapping_add(offset as u64);
    let mut entry = next;
    let mut n = 0;
    while entry != head && entry != 0 && n < ROBUST_LIST_LIMIT {
        // Read the next link before releasing this entry: its owner may reuse it at once.
        let Ok(following) = UserPtr::<u64>::new(entry & !1).read(cx.m) else {
            break;
        };
        if entry != pending {
            futex_death(cx, word(entry));
        }
        entry = following;
        n += 1;
    }
    if pending != 0 {
        futex_death(cx, word(pending));
    }
}

pub fn sys_exit(cx: &Ctx, status: i32) -> SysResult {
    // Robust futexes first, while the thread still counts as alive: a FUTEX_LOCK_PI racing
    // with this exit then sees the owner alive (and waits for the hand-over) or
    // FUTEX_OWNER_DIED, never an owner that vanished (ESRCH, which glibc takes as a bug for a
    // robust mutex).
    release_robust_list(cx);
    let last = {
        let mut threads = cx.p.threads.lock();
        threads.remove(&cx.t.tid);
        threads.is_empty()
    };
    if last {
        cx.m.exit(status & 0xff);
    }
    crate::signal::retarget_shared(cx);
    let ctid = cx.t.clear_child_tid.swap(0, Ordering::Relaxed);
    if ctid != 0 {
        // Like Linux, a bad address here is ignored: the thread is gone either way.
        if UserPtr::<u32>::new(ctid).write(cx.m, &0).is_ok() {
            cx.p.futexes.wake(cx.m, ctid, 1, FUTEX_BITSET_MATCH_ANY);
        }
    }
    cx.m.exit_thread()
}

pub fn sys_exit_group(cx: &Ctx, status: i32) -> SysResult {
    cx.m.exit(status & 0xff)
}
