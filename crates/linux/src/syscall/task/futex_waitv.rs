//! futex_waitv (Linux 5.16): one wait on up to 128 futex words, ended by a wake of any of
//! them; returns the index of the woken one. Each entry is a `struct futex_waitv { u64 val;
//! u64 uaddr; u32 flags; u32 reserved; }` whose flags must say a 32-bit futex
//! (FUTEX2_SIZE_U32, optionally FUTEX2_PRIVATE); the timeout is absolute on the given clock.

use osprey_abi::futex::{FUTEX2_PRIVATE, FUTEX2_SIZE_MASK, FUTEX2_SIZE_U32, FUTEX_WAITV_MAX};
use osprey_abi::time::{CLOCK_MONOTONIC, CLOCK_REALTIME};
use osprey_abi::{Errno, Timespec};

use crate::futex::WaitEnd;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Bytes of one `struct futex_waitv`.
const ENTRY: usize = 24;

/// The entries as (word address, expected value). EINVAL for flags other than a 32-bit
/// (private or not) futex, a non-zero reserved field, a misaligned word or a value that does
/// not fit in 32 bits... (Linux compares the 64-bit value with the 32-bit word: such a value
/// can never match; it answers EAGAIN then, and so does this, for the same reason).
fn entries(cx: &Ctx, addr: u64, n: usize) -> Result<alloc::vec::Vec<(u64, u32)>, Errno> {
    let mut raw = alloc::vec![0u8; n * ENTRY];
    cx.m.copy_from_user(addr, &mut raw)?;
    let mut out = alloc::vec::Vec::with_capacity(n);
    for e in raw.chunks_exact(ENTRY) {
        let u64_at = |o: usize| u64::from_le_bytes(e[o..o + 8].try_into().unwrap_or([0; 8]));
        let u32_at = |o: usize| u32::from_le_bytes(e[o..o + 4].try_into().unwrap_or([0; 4]));
        let (val, uaddr, flags, reserved) = (u64_at(0), u64_at(8), u32_at(16), u32_at(20));
        if reserved != 0
            || flags & !(FUTEX2_SIZE_MASK | FUTEX2_PRIVATE) != 0
            || flags & FUTEX2_SIZE_MASK != FUTEX2_SIZE_U32
            || uaddr % 4 != 0
        {
            return Err(Errno::EINVAL);
        }
        if val > u32::MAX as u64 {
            return Err(Errno::EAGAIN);
        }
        out.push((uaddr, val as u32));
    }
    Ok(out)
}

pub fn sys_futex_waitv(
    cx: &Ctx,
    waiters: u64,
    nr: u32,
    flags: u32,
    timeout: UserPtr<Timespec>,
    clock: i32,
) -> SysResult {
    if flags != 0 || nr == 0 || nr as usize > FUTEX_WAITV_MAX {
        return Err(Errno::EINVAL);
    }
    let deadline = match timeout.nullable() {
        None => None,
        Some(p) => {
            let ns = crate::syscall::time::timespec_ns(&p.read(cx.m)?)?;
            let now = cx.m.monotonic_ns();
            Some(match clock {
                CLOCK_MONOTONIC => ns,
                CLOCK_REALTIME => now.saturating_add(ns.saturating_sub(cx.m.realtime_ns())),
                _ => return Err(Errno::EINVAL),
            })
        }
    };
    let list = entries(cx, waiters, nr as usize)?;
    match cx.p.futexes.wait_multiple(cx.m, cx.t, &list, deadline)? {
        (WaitEnd::Woken, i) => Ok(i),
        (WaitEnd::TimedOut, _) => Err(Errno::ETIMEDOUT),
        // As Linux (ERESTARTSYS): restarted after an SA_RESTART handler, EINTR otherwise.
        (WaitEnd::Interrupted, _) => Err(Errno::ERESTARTSYS),
    }
}
