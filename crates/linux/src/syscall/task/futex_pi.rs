//! The priority-inheritance futex operations: FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI
//! and FUTEX_UNLOCK_PI, behind glibc's PTHREAD_PRIO_INHERIT mutexes (robust ones too). The
//! word holds the owner's thread id; the queue work is `FutexTable::lock_pi`/`unlock_pi`.
//! The lock is real (hand-over to the first waiter, EDEADLK, ESRCH for a vanished owner,
//! FUTEX_OWNER_DIED after a robust owner's death); the priority boost is not, as no thread
//! here has a real-time priority to lend. FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI
//! (condition variables over PI mutexes; glibc's current ones do not use them) stay ENOSYS.

use osprey_abi::futex::{FUTEX_CLOCK_REALTIME, FUTEX_CMD_MASK, FUTEX_LOCK_PI};
use osprey_abi::{Errno, Timespec};

use crate::futex::WaitEnd;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// FUTEX_LOCK_PI (absolute timeout on CLOCK_REALTIME), FUTEX_LOCK_PI2 (on CLOCK_MONOTONIC
/// unless FUTEX_CLOCK_REALTIME) and FUTEX_TRYLOCK_PI (`trylock`: no wait, no timeout).
pub fn lock(cx: &Ctx, op: i32, uaddr: u64, timeout: u64, trylock: bool) -> SysResult {
    if uaddr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    let deadline = match UserPtr::<Timespec>::new(timeout).nullable() {
        Some(p) if !trylock => {
            let ns = crate::syscall::time::timespec_ns(&p.read(cx.m)?)?;
            let realtime = op & FUTEX_CMD_MASK == FUTEX_LOCK_PI || op & FUTEX_CLOCK_REALTIME != 0;
            Some(if realtime {
                cx.m.monotonic_ns()
                    .saturating_add(ns.saturating_sub(cx.m.realtime_ns()))
            } else {
                ns
            })
        }
        _ => None,
    };
    let alive = |tid: u32| cx.p.threads.lock().contains_key(&(tid as i32));
    match cx
        .p
        .futexes
        .lock_pi(cx.m, cx.t, uaddr, deadline, trylock, &alive)?
    {
        WaitEnd::Woken => Ok(0),
        WaitEnd::TimedOut => Err(Errno::ETIMEDOUT),
        // As Linux: a signal's handler runs, then the lock call starts again.
        WaitEnd::Interrupted => Err(Errno::ERESTARTNOINTR),
    }
}

/// FUTEX_UNLOCK_PI: the caller must own the word (EPERM otherwise: glibc probes for PI
/// support with an unlock of a free word and takes any answer but ENOSYS as a yes).
pub fn unlock(cx: &Ctx, uaddr: u64) -> SysResult {
    if uaddr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    cx.p.futexes.unlock_pi(cx.m, cx.t.tid, uaddr)?;
    Ok(0)
}
