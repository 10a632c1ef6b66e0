//! getpriority/setpriority and the sched_*scheduler/param family: nice values and
//! scheduling policies, per thread as on Linux.
//!
//! A thread's nice value weighs its share of the CPU (the kernel's scheduler turns it into a
//! weight with `osprey_sched::weight`), SCHED_IDLE makes it run only when nothing else wants
//! the CPU, SCHED_BATCH is recorded (it changes only wake-up preemption on Linux, which this
//! scheduler does not do). The real-time policies (SCHED_FIFO, SCHED_RR, SCHED_DEADLINE) are
//! refused with EPERM, as Linux refuses them to a process without CAP_SYS_NICE (a container's
//! default): the run queue has no strict-priority class.
//!
//! `who`/`pid` 0 is the calling thread; a positive value names a thread of the app (the app
//! is PID 1, which is also its main thread's id). setpriority(PRIO_PROCESS) changes that one
//! thread, as Linux does; PRIO_PGRP and PRIO_USER reach every thread (one process group, one
//! user).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use osprey_abi::Errno;

use crate::process::PID;
use crate::syscall::{Ctx, SysResult};
use crate::thread::Thread;
use crate::uaccess::UserPtr;

const PRIO_PROCESS: i32 = 0;
const PRIO_PGRP: i32 = 1;
const PRIO_USER: i32 = 2;

pub const SCHED_OTHER: u32 = 0;
const SCHED_FIFO: u32 = 1;
const SCHED_RR: u32 = 2;
pub const SCHED_BATCH: u32 = 3;
pub const SCHED_IDLE: u32 = 5;
const SCHED_DEADLINE: u32 = 6;
const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;

/// The threads `which`/`who` names (ESRCH: none; EINVAL: a bad `which`).
fn targets(cx: &Ctx, which: i32, who: i32) -> Result<Vec<Arc<Thread>>, Errno> {
    match which {
        PRIO_PROCESS => {
            if who == 0 {
                return cx
                    .p
                    .thread(cx.t.tid)
                    .map(|t| alloc::vec![t])
                    .ok_or(Errno::ESRCH);
            }
            cx.p.thread(who).map(|t| alloc::vec![t]).ok_or(Errno::ESRCH)
        }
        PRIO_PGRP => {
            // One process group: the app's (its id is the pid).
            if who != 0 && who != PID {
                return Err(Errno::ESRCH);
            }
            Ok(cx.p.threads.lock().values().cloned().collect())
        }
        PRIO_USER => {
            let uid = cx.p.creds.lock().uid;
            if who != 0 && who as u32 != uid {
                return Err(Errno::ESRCH);
            }
            Ok(cx.p.threads.lock().values().cloned().collect())
        }
        _ => Err(Errno::EINVAL),
    }
}

/// getpriority(2): the highest priority (lowest nice) among the targets, as the raw system
/// call returns it: 20 - nice, 1..=40 (glibc turns it back into a nice value).
pub fn sys_getpriority(cx: &Ctx, which: i32, who: i32) -> SysResult {
    let best = targets(cx, which, who)?
        .iter()
        .map(|t| t.nice.load(Ordering::Relaxed))
        .min()
        .ok_or(Errno::ESRCH)?;
    Ok((20 - best) as usize)
}

/// setpriority(2): nice clamped to -20..=19; lowering it needs privilege (root here, or
/// RLIMIT_NICE on Linux: not modelled).
pub fn sys_setpriority(cx: &Ctx, which: i32, who: i32, prio: i32) -> SysResult {
    let nice = prio.clamp(-20, 19);
    let threads = targets(cx, which, who)?;
    if threads.is_empty() {
        return Err(Errno::ESRCH);
    }
    let privileged = cx.p.creds.lock().euid == 0;
    for t in &threads {
        if nice < t.nice.load(Ordering::Relaxed) && !privileged {
            return Err(Errno::EACCES);
        }
    }
    for t in &threads {
        t.nice.store(nice, Ordering::Relaxed);
    }
    Ok(0)
}

/// The thread a sched_* `pid` names (0: the caller; negative: EINVAL).
fn thread_of(cx: &Ctx, pid: i32) -> Result<Arc<Thread>, Errno> {
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    let tid = if pid == 0 { cx.t.tid } else { pid };
    cx.p.thread(tid).ok_or(Errno::ESRCH)
}

/// Reads a `struct sched_param` (one int).
fn read_param(cx: &Ctx, param: UserPtr<i32>) -> Result<i32, Errno> {
    if param.is_null() {
        return Err(Errno::EINVAL);
    }
    param.read(cx.m)
}

/// Checks `policy`'s priority and privileges: the policies this scheduler has take priority 0.
fn check(policy: u32, prio: i32) -> Result<(), Errno> {
    match policy {
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE if prio == 0 => Ok(()),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Err(Errno::EINVAL),
        SCHED_FIFO | SCHED_RR if !(1..=99).contains(&prio) => Err(Errno::EINVAL),
        SCHED_FIFO | SCHED_RR | SCHED_DEADLINE => Err(Errno::EPERM),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_sched_setscheduler(cx: &Ctx, pid: i32, policy: i32, param: UserPtr<i32>) -> SysResult {
    let t = thread_of(cx, pid)?;
    let prio = read_param(cx, param)?;
    let policy = policy as u32;
    check(policy & !SCHED_RESET_ON_FORK, prio)?;
    t.policy.store(policy, Ordering::Relaxed);
    Ok(0)
}

pub fn sys_sched_getscheduler(cx: &Ctx, pid: i32) -> SysResult {
    Ok(thread_of(cx, pid)?.policy.load(Ordering::Relaxed) as usize)
}

/// sched_setparam: a new priority within the thread's policy (always 0 here).
pub fn sys_sched_setparam(cx: &Ctx, pid: i32, param: UserPtr<i32>) -> SysResult {
    let t = thread_of(cx, pid)?;
    let prio = read_param(cx, param)?;
    check(
        t.policy.load(Ordering::Relaxed) & !SCHED_RESET_ON_FORK,
        prio,
    )?;
    Ok(0)
}

pub fn sys_sched_getparam(cx: &Ctx, pid: i32, param: UserPtr<i32>) -> SysResult {
    thread_of(cx, pid)?;
    if param.is_null() {
        return Err(Errno::EINVAL);
    }
    param.write(cx.m, &0)?;
    Ok(0)
}

/// The priority range of `policy` (Linux's: 1-99 for the real-time ones, 0 for the others).
fn range(policy: i32) -> Result<(i32, i32), Errno> {
    match policy as u32 {
        SCHED_FIFO | SCHED_RR => Ok((1, 99)),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Ok((0, 0)),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_sched_get_priority_max(_cx: &Ctx, policy: i32) -> SysResult {
    Ok(range(policy)?.1 as usize)
}

pub fn sys_sched_get_priority_min(_cx: &Ctx, policy: i32) -> SysResult {
    Ok(range(policy)?.0 as usize)
}

/// What a new thread inherits from its creator: nice and policy. With SCHED_RESET_ON_FORK
/// a negative nice goes back to 0 and the flag itself is not inherited (it would also turn a
/// real-time policy into SCHED_OTHER, but there are none here).
pub fn inherit(parent: &Thread, child: &Thread) {
    let policy = parent.policy.load(Ordering::Relaxed);
    let mut nice = parent.nice.load(Ordering::Relaxed);
    if policy & SCHED_RESET_ON_FORK != 0 {
        nice = nice.max(0);
    }
    child.nice.store(nice, Ordering::Relaxed);
    child
        .policy
        .store(policy & !SCHED_RESET_ON_FORK, Ordering::Relaxed);
}

/// The policy without its flags (what the scheduler looks at).
pub fn base_policy(t: &Thread) -> u32 {
    t.policy.load(Ordering::Relaxed) & !SCHED_RESET_ON_FORK
}
