//! futex: wait, wake, requeue, wake-op and the bitset variants, on the wait queues of
//! [`crate::futex::FutexTable`]. Arguments are checked as Linux checks them; a wait ends with
//! 0 (woken), EAGAIN (the word had changed), ETIMEDOUT or EINTR (a signal for the thread,
//! after its handler; the kernel-internal restart codes say when Linux restarts instead).
//! The priority-inheritance operations are in `futex_pi.rs`.
//!
//! FUTEX_WAKE_OP's read-modify-write of the second word is a compare-exchange loop on app
//! memory (`Machine::cmpxchg_u32`), atomic against threads on other CPUs.

use osprey_abi::futex::*;
use osprey_abi::{Errno, Timespec};

use crate::futex::WaitEnd;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn check_addr(uaddr: u64) -> Result<(), Errno> {
    if uaddr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

#[inline(always)]
fn wait(cx: &Ctx, op: i32, uaddr: u64, val: u32, timeout: u64, bitset: u32) -> SysResult {
    check_addr(uaddr)?;
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    // FUTEX_WAIT's timeout is relative (CLOCK_MONOTONIC); WAIT_BITSET's is absolute on
    // CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME. (The clock is read only
    // for a timeout: an untimed wait is the hot path of every mutex and condition variable.)
    let deadline = match UserPtr::<Timespec>::new(timeout).nullable() {
        None => None,
        Some(p) => {
            let ns = crate::syscall::time::timespec_ns(&p.read(cx.m)?)?;
            let now = cx.m.monotonic_ns();
            Some(if op & FUTEX_CMD_MASK == FUTEX_WAIT {
                now.saturating_add(ns)
            } else if op & FUTEX_CLOCK_REALTIME != 0 {
                now.saturating_add(ns.saturating_sub(cx.m.realtime_ns()))
            } else {
                ns
            })
        }
    };
    match cx
        .p
        .futexes
        .wait(cx.m, cx.t, uaddr, val, deadline, bitset)?
    {
        WaitEnd::Woken => Ok(0),
        WaitEnd::TimedOut => Err(Errno::ETIMEDOUT),
        // As Linux: an untimed wait restarts after an SA_RESTART handler (and after a signal
        // that runs none); a timed one fails with EINTR when a handler runs.
        WaitEnd::Interrupted if deadline.is_none() => Err(Errno::ERESTARTSYS),
        WaitEnd::Interrupted => Err(Errno::ERESTART_RESTARTBLOCK),
    }
}

/// FUTEX_WAKE_OP's operation on the word at `uaddr2`; returns its comparison of the old value
/// (whether waiters on `uaddr2` are woken too).
fn wake_op(cx: &Ctx, uaddr2: u64, encoded: u32) -> Result<bool, Errno> {
    let op = (encoded >> 28) & 0x7;
    let shift = encoded & (8 << 28) != 0;
    let cmp = (encoded >> 24) & 0xf;
    let mut oparg = (encoded >> 12) & 0xfff;
    let cmparg = encoded & 0xfff;
    if shift {
        if oparg > 31 {
            return Err(Errno::EINVAL);
        }
        oparg = 1 << oparg;
    }
    if op > 4 || cmp > 5 {
        return Err(Errno::ENOSYS);
    }
    // An atomic read-modify-write, as Linux's (other threads may touch the word meanwhile).
    let mut old = cx.m.read_u32(uaddr2)?;
    loop {
        let new = match op {
            0 => oparg,
            1 => old.wrapping_add(oparg),
            2 => old | oparg,
            3 => old & !oparg,
            _ => old ^ oparg,
        };
        let seen = cx.m.cmpxchg_u32(uaddr2, old, new)?;
        if seen == old {
            break;
        }
        old = seen;
    }
    let (a, b) = (old as i32, cmparg as i32);
    Ok(match cmp {
        0 => a == b,
        1 => a != b,
        2 => a < b,
        3 => a <= b,
        4 => a > b,
        _ => a >= b,
    })
}

/// futex(2). FUTEX_WAKE, FUTEX_WAIT and FUTEX_WAIT_BITSET (every contended mutex unlock and
/// every condition variable wait) are handled here, inlined into the system-call handler;
/// the other commands in `other_command`, kept out of line so that the compiler does not
/// fold these tests into its jump table (an indirect jump: under TCG, a block lookup).
#[inline(always)]
pub fn sys_futex(
    cx: &Ctx,
    uaddr: u64,
    op: i32,
    val: u32,
    timeout: u64,
    uaddr2: u64,
    val3: u32,
) -> SysResult {
    let cmd = op & FUTEX_CMD_MASK;
    if cmd == FUTEX_WAKE {
        check_addr(uaddr)?;
        return Ok(cx
            .p
            .futexes
            .wake(cx.m, uaddr, val as usize, FUTEX_BITSET_MATCH_ANY));
    }
    if cmd == FUTEX_WAIT {
        return wait(cx, op, uaddr, val, timeout, FUTEX_BITSET_MATCH_ANY);
    }
    if cmd == FUTEX_WAIT_BITSET {
        // (glibc's condition variables and semaphores wait this way.)
        return wait(cx, op, uaddr, val, timeout, val3);
    }
    other_command(cx, uaddr, op, val, timeout, uaddr2, val3)
}

/// The futex commands other than the three `sys_futex` handles itself.
#[inline(never)]
fn other_command(
    cx: &Ctx,
    uaddr: u64,
    op: i32,
    val: u32,
    timeout: u64,
    uaddr2: u64,
    val3: u32,
) -> SysResult {
    // For the requeue and wake-op commands the timeout argument is a count.
    let val2 = timeout as u32;
    match op & FUTEX_CMD_MASK {
        // (FUTEX_WAKE, FUTEX_WAIT and FUTEX_WAIT_BITSET never get here: `sys_futex`.)
        FUTEX_WAKE_BITSET => {
            check_addr(uaddr)?;
            if val3 == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(cx.p.futexes.wake(cx.m, uaddr, val as usize, val3))
        }
        cmd @ (FUTEX_REQUEUE | FUTEX_CMP_REQUEUE) => {
            check_addr(uaddr)?;
            check_addr(uaddr2)?;
            if (val as i32) < 0 || (val2 as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            let expect = (cmd == FUTEX_CMP_REQUEUE).then_some(val3);
            cx.p.futexes
                .requeue(cx.m, uaddr, val as usize, uaddr2, val2 as usize, expect)
        }
        FUTEX_WAKE_OP => {
            check_addr(uaddr)?;
            check_addr(uaddr2)?;
            cx.p.futexes
                .wake_op(cx.m, uaddr, val as usize, uaddr2, val2 as usize, || {
                    wake_op(cx, uaddr2, val3)
                })
        }
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 => super::futex_pi::lock(cx, op, uaddr, timeout, false),
        FUTEX_TRYLOCK_PI => super::futex_pi::lock(cx, op, uaddr, 0, true),
        FUTEX_UNLOCK_PI => super::futex_pi::unlock(cx, uaddr),
        // FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, FUTEX_FD (gone from Linux since 2.6.26).
        _ => Err(Errno::ENOSYS),
    }
}
