//! set_tid_address, set_robust_list, get_robust_list: per-thread words used when the thread
//! exits (clear_child_tid is zeroed and futex-woken; the robust list's futexes are released;
//! see `exit.rs`).

use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Size of `struct robust_list_head` on x86_64.
const ROBUST_LIST_HEAD_LEN: usize = 24;

pub fn sys_set_tid_address(cx: &Ctx, tidptr: UserPtr<i32>) -> SysResult {
    cx.t.clear_child_tid
        .store(tidptr.addr(), core::sync::atomic::Ordering::Relaxed);
    Ok(cx.t.tid as usize)
}

pub fn sys_set_robust_list(cx: &Ctx, head: UserPtr<u8>, len: usize) -> SysResult {
    if len != ROBUST_LIST_HEAD_LEN {
        return Err(Errno::EINVAL);
    }
    *cx.t.robust_list.lock() = (head.addr(), len);
    Ok(0)
}

pub fn sys_get_robust_list(cx: &Ctx, pid: i32, head: UserPtr<u64>, len: UserPtr<u64>) -> SysResult {
    let t = if pid == 0 {
        None
    } else {
        Some(cx.p.thread(pid).ok_or(Errno::ESRCH)?)
    };
    let (h, l) = *t.as_deref().unwrap_or(cx.t).robust_list.lock();
    let l = l as u64;
    head.write(cx.m, &h)?;
    len.write(cx.m, &l)?;
    Ok(0)
}
