//! clone, clone3 (threads), fork, vfork.
//!
//! Osprey runs one process in one address space, so `clone` makes threads: the flags must
//! share memory, files, filesystem state and signal handlers with the caller (what glibc,
//! musl and Rust's std pass for a thread). A new process (fork, vfork, posix_spawn's
//! CLONE_VM|CLONE_VFORK, or a thread with its own file table) needs a second address space
//! or copies of per-process state that do not exist yet: ENOSYS, shown under --strace, which
//! programs handle as "cannot spawn".

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use osprey_abi::process::*;
use osprey_abi::zerocopy::{FromZeros, IntoBytes};
use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::thread::Thread;
use crate::uaccess::UserPtr;

/// What a thread shares with its creator; all of it is required.
const THREAD_SHARE: u64 = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;

/// Flags accepted on top of those (the rest are refused like Linux refuses them for threads).
const THREAD_OPTIONAL: u64 = CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_CHILD_SETTID
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_PTRACE
    | CLONE_IO
    | CLONE_PARENT;

struct Request {
    flags: u64,
    /// The child's stack pointer (0: the caller's).
    sp: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
}

fn spawn(cx: &Ctx, r: Request) -> SysResult {
    let f = r.flags & !CSIGNAL;
    // Linux's own consistency rules first (EINVAL), then what Osprey cannot do (ENOSYS).
    if f & CLONE_THREAD != 0 && f & CLONE_SIGHAND == 0 {
        return Err(Errno::EINVAL);
    }
    if f & CLONE_SIGHAND != 0 && f & CLONE_VM == 0 {
        return Err(Errno::EINVAL);
    }
    if f & CLONE_THREAD != 0 && f & (CLONE_PIDFD | CLONE_NEWUSER | CLONE_NEWPID) != 0 {
        return Err(Errno::EINVAL);
    }
    if f & CLONE_FS != 0 && f & CLONE_NEWNS != 0 {
        return Err(Errno::EINVAL);
    }
    if f & THREAD_SHARE != THREAD_SHARE || f & !(THREAD_SHARE | THREAD_OPTIONAL) != 0 {
        log::warn!(
            "clone with flags {:#x}: only threads (CLONE_VM|FS|FILES|SIGHAND|THREAD) are \
             supported; new processes (fork/spawn) are not",
            r.flags
        );
        return Err(Errno::ENOSYS);
    }
    let tid = cx.p.alloc_tid();
    let t = Arc::new(Thread::new(tid, cx.t.name(), cx.t.mask()));
    super::priority::inherit(cx.t, &t);
    if f & CLONE_CHILD_CLEARTID != 0 {
        t.clear_child_tid.store(r.child_tid, Ordering::Relaxed);
    }
    // Both tid words are written before the child exists: one address space, and Linux has
    // them in place before the child runs too.
    if f & CLONE_PARENT_SETTID != 0 {
        UserPtr::<i32>::new(r.parent_tid).write(cx.m, &tid)?;
    }
    if f & CLONE_CHILD_SETTID != 0 {
        UserPtr::<i32>::new(r.child_tid).write(cx.m, &tid)?;
    }
    let tls = (f & CLONE_SETTLS != 0).then_some(r.tls);
    cx.p.threads.lock().insert(tid, t.clone());
    if let Err(e) = cx.m.spawn_thread(t, r.sp, tls) {
        cx.p.threads.lock().remove(&tid);
        return Err(e);
    }
    Ok(tid as usize)
}

/// clone(flags, stack, parent_tid, child_tid, tls): the x86_64 argument order.
pub fn sys_clone(
    cx: &Ctx,
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
) -> SysResult {
    // clone3-only flags are not valid here.
    if flags & !0xffff_ffff != 0 {
        return Err(Errno::EINVAL);
    }
    spawn(
        cx,
        Request {
            flags,
            sp: stack,
            parent_tid,
            child_tid,
            tls,
        },
    )
}

pub fn sys_clone3(cx: &Ctx, uargs: UserPtr<CloneArgs>, size: usize) -> SysResult {
    if size < CLONE_ARGS_SIZE_VER0 || size > 4096 {
        return Err(Errno::EINVAL);
    }
    let mut buf = alloc::vec![0u8; size];
    cx.m.copy_from_user(uargs.addr(), &mut buf)?;
    // A newer struct than ours is fine only if the fields we do not know are zero.
    let known = core::mem::size_of::<CloneArgs>();
    if size > known && buf[known..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG);
    }
    let mut a = CloneArgs::new_zeroed();
    let n = size.min(known);
    a.as_mut_bytes()[..n].copy_from_slice(&buf[..n]);
    if a.exit_signal & !CSIGNAL != 0 || a.flags & CSIGNAL != 0 {
        return Err(Errno::EINVAL);
    }
    if (a.stack == 0) != (a.stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    if a.set_tid != 0 || a.set_tid_size != 0 {
        // Choosing tids is for checkpoint/restore in namespaces.
        return Err(Errno::EPERM);
    }
    if a.flags & (CLONE_INTO_CGROUP | CLONE_CLEAR_SIGHAND) != 0 {
        return Err(Errno::EINVAL);
    }
    spawn(
        cx,
        Request {
            flags: a.flags | a.exit_signal,
            sp: if a.stack != 0 {
                a.stack.wrapping_add(a.stack_size)
            } else {
                0
            },
            parent_tid: a.parent_tid,
            child_tid: a.child_tid,
            tls: a.tls,
        },
    )
}

pub fn sys_fork(cx: &Ctx) -> SysResult {
    let _ = cx;
    log::warn!("fork: new processes are not supported (one address space)");
    Err(Errno::ENOSYS)
}

pub fn sys_vfork(cx: &Ctx) -> SysResult {
    sys_fork(cx)
}
