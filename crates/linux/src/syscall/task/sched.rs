//! sched_yield, sched_getaffinity/setaffinity, getcpu. The affinity mask reports every CPU the
//! VM has; setting one is accepted when it names at least one of them (threads are not pinned
//! yet).

use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_sched_yield(cx: &Ctx) -> SysResult {
    cx.m.yield_now();
    Ok(0)
}

pub fn sys_sched_getaffinity(cx: &Ctx, pid: i32, len: usize, mask: UserPtr<u8>) -> SysResult {
    if pid != 0 && cx.p.thread(pid).is_none() {
        return Err(Errno::ESRCH);
    }
    // Linux copies whole longs and needs room for its nr_cpu_ids bits.
    let cpus = cx.m.cpus() as usize;
    let bytes = cpus.div_ceil(64) * 8;
    if len < bytes || len % 8 != 0 {
        return Err(Errno::EINVAL);
    }
    let mut buf = alloc::vec![0u8; bytes];
    for c in 0..cpus {
        buf[c / 8] |= 1 << (c % 8);
    }
    cx.m.copy_to_user(mask.addr(), &buf)?;
    Ok(bytes)
}

pub fn sys_sched_setaffinity(cx: &Ctx, pid: i32, len: usize, mask: UserPtr<u8>) -> SysResult {
    if pid != 0 && cx.p.thread(pid).is_none() {
        return Err(Errno::ESRCH);
    }
    let mut buf = alloc::vec![0u8; len.min(1024)];
    cx.m.copy_from_user(mask.addr(), &mut buf)?;
    let cpus = cx.m.cpus() as usize;
    let any = (0..cpus).any(|c| buf.get(c / 8).is_some_and(|b| b & (1 << (c % 8)) != 0));
    if !any {
        return Err(Errno::EINVAL);
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
