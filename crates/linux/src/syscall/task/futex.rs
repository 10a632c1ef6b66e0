//! futex, for a process with one thread (issue 4 replaces this with wait queues shared by many
//! threads). With a single thread nobody else can be waiting, so wakes wake no one (0) and the
//! requeue operations move no one; a wait whose value no longer matches is EAGAIN; a wait with
//! a timeout sleeps until it and returns ETIMEDOUT; a wait without one could only be ended by
//! another thread or a signal, neither of which exists yet, so it blocks for good, as Linux
//! would (the kernel log says why). Arguments are checked as Linux checks them.

use osprey_abi::futex::*;
use osprey_abi::{Errno, Timespec};

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn check_addr(uaddr: u64) -> Result<(), Errno> {
    if uaddr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

fn wait(cx: &Ctx, op: i32, uaddr: u64, val: u32, timeout: u64, bitset: u32) -> SysResult {
    check_addr(uaddr)?;
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let now = cx.m.monotonic_ns();
    // FUTEX_WAIT's timeout is relative (CLOCK_MONOTONIC); WAIT_BITSET's is absolute on
    // CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME.
    let deadline = match UserPtr::<Timespec>::new(timeout).nullable() {
        None => None,
        Some(p) => {
            let ns = crate::syscall::time::timespec_ns(&p.read(cx.m)?)?;
            Some(if op & FUTEX_CMD_MASK == FUTEX_WAIT {
                now.saturating_add(ns)
            } else if op & FUTEX_CLOCK_REALTIME != 0 {
                now.saturating_add(ns.saturating_sub(cx.m.realtime_ns()))
            } else {
                ns
            })
        }
    };
    let cur = UserPtr::<u32>::new(uaddr).read(cx.m)?;
    if cur != val {
        return Err(Errno::EAGAIN);
    }
    match deadline {
        Some(d) => {
            cx.m.sleep_until(d);
            Err(Errno::ETIMEDOUT)
        }
        None => {
            log::warn!(
                "futex wait at {uaddr:#x} with no other thread to wake it: blocked for good"
            );
            loop {
                cx.m.idle(u64::MAX);
            }
        }
    }
}

/// FUTEX_WAKE_OP's operation on the word at `uaddr2`, then its comparison of the old value.
fn wake_op(cx: &Ctx, uaddr2: u64, encoded: u32) -> Result<(), Errno> {
    check_addr(uaddr2)?;
    let op = (encoded >> 28) & 0x7;
    let shift = encoded & (8 << 28) != 0;
    let cmp = (encoded >> 24) & 0xf;
    let mut oparg = (encoded >> 12) & 0xfff;
    if shift {
        if oparg > 31 {
            return Err(Errno::EINVAL);
        }
        oparg = 1 << oparg;
    }
    if op > 4 || cmp > 5 {
        return Err(Errno::ENOSYS);
    }
    let p = UserPtr::<u32>::new(uaddr2);
    let old = p.read(cx.m)?;
    let new = match op {
        0 => oparg,
        1 => old.wrapping_add(oparg),
        2 => old | oparg,
        3 => old & !oparg,
        _ => old ^ oparg,
    };
    p.write(cx.m, &new)?;
    // The comparison decides whether waiters on uaddr2 are woken: there are none.
    Ok(())
}

pub fn sys_futex(
    cx: &Ctx,
    uaddr: u64,
    op: i32,
    val: u32,
    timeout: u64,
    uaddr2: u64,
    val3: u32,
) -> SysResult {
    match op & FUTEX_CMD_MASK {
        FUTEX_WAIT => wait(cx, op, uaddr, val, timeout, FUTEX_BITSET_MATCH_ANY),
        FUTEX_WAIT_BITSET => wait(cx, op, uaddr, val, timeout, val3),
        FUTEX_WAKE => {
            check_addr(uaddr)?;
            Ok(0)
        }
        FUTEX_WAKE_BITSET => {
            check_addr(uaddr)?;
            if val3 == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(0)
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            check_addr(uaddr)?;
            check_addr(uaddr2)?;
            if (val as i32) < 0 || (timeout as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            if op & FUTEX_CMD_MASK == FUTEX_CMP_REQUEUE
                && UserPtr::<u32>::new(uaddr).read(cx.m)? != val3
            {
                return Err(Errno::EAGAIN);
            }
            Ok(0)
        }
        FUTEX_WAKE_OP => {
            check_addr(uaddr)?;
            wake_op(cx, uaddr2, val3)?;
            Ok(0)
        }
        // Priority-inheritance futexes: glibc falls back on ENOSYS (issue 4 may add them).
        _ => Err(Errno::ENOSYS),
    }
}
