//! sched_yield, sched_getaffinity/setaffinity (per thread: the scheduler runs a thread only on
//! the CPUs its mask allows), getcpu.

use alloc::sync::Arc;

use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::thread::{Thread, AFFINITY_WORDS};
use crate::uaccess::UserPtr;

/// The thread a pid argument names: 0 is the caller.
fn target(cx: &Ctx, pid: i32) -> Result<Option<Arc<Thread>>, Errno> {
    if pid == 0 {
        return Ok(None);
    }
    cx.p.thread(pid).map(Some).ok_or(Errno::ESRCH)
}

pub fn sys_sched_yield(cx: &Ctx) -> SysResult {
    cx.m.yield_now();
    Ok(0)
}

pub fn sys_sched_getaffinity(cx: &Ctx, pid: i32, len: usize, mask: UserPtr<u8>) -> SysResult {
    let t = target(cx, pid)?;
    let t = t.as_deref().unwrap_or(cx.t);
    // Linux copies whole longs and needs room for its nr_cpu_ids bits.
    let cpus = cx.m.cpus() as usize;
    let bytes = cpus.div_ceil(64) * 8;
    if len < bytes || len % 8 != 0 {
        return Err(Errno::EINVAL);
    }
    let mut buf = alloc::vec![0u8; bytes];
    for c in 0..cpus {
        if t.may_run_on(c) {
            buf[c / 8] |= 1 << (c % 8);
        }
    }
    cx.m.copy_to_user(mask.addr(), &buf)?;
    Ok(bytes)
}

pub fn sys_sched_setaffinity(cx: &Ctx, pid: i32, len: usize, mask: UserPtr<u8>) -> SysResult {
    let t = target(cx, pid)?;
    let mut buf = alloc::vec![0u8; len.min(AFFINITY_WORDS * 8)];
    cx.m.copy_from_user(mask.addr(), &mut buf)?;
    let cpus = (cx.m.cpus() as usize).min(AFFINITY_WORDS * 64);
    let mut words = [0u64; AFFINITY_WORDS];
    for c in 0..cpus {
        if buf.get(c / 8).is_some_and(|b| b & (1 << (c % 8)) != 0) {
            words[c / 64] |= 1 << (c % 64);
        }
    }
    // Like Linux: the mask must name at least one CPU that exists.
    if words.iter().all(|&w| w == 0) {
        return Err(Errno::EINVAL);
    }
    *t.as_deref().unwrap_or(cx.t).affinity.lock() = words;
    if t.is_none() {
        cx.m.migrate_if_needed();
    }
    Ok(0)
}

pub fn sys_getcpu(cx: &Ctx, cpu: UserPtr<u32>, node: UserPtr<u32>, _cache: u64) -> SysResult {
    if let Some(c) = cpu.nullable() {
        c.write(cx.m, &cx.m.cpu_id())?;
    }
    if let Some(n) = node.nullable() {
        n.write(cx.m, &0)?;
    }
    Ok(0)
}
