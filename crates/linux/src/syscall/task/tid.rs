//! set_tid_address, set_robust_list, get_robust_list: recorded for thread exit (the futex wake
//! on clear_child_tid and robust-list cleanup run when threads exit; issue 4).

use osprey_abi::Errno;

use crate::process::PID;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

/// Size of `struct robust_list_head` on x86_64.
const ROBUST_LIST_HEAD_LEN: usize = 24;

pub fn sys_set_tid_address(cx: &Ctx, tidptr: UserPtr<i32>) -> SysResult {
    cx.p.thread.lock().clear_child_tid = tidptr.addr();
    Ok(PID as usize)
}

pub fn sys_set_robust_list(cx: &Ctx, head: UserPtr<u8>, len: usize) -> SysResult {
    if len != ROBUST_LIST_HEAD_LEN {
        return Err(Errno::EINVAL);
    }
    let mut t = cx.p.thread.lock();
    t.robust_list = head.addr();
    t.robust_list_len = len;
    Ok(0)
}

pub fn sys_get_robust_list(cx: &Ctx, pid: i32, head: UserPtr<u64>, len: UserPtr<u64>) -> SysResult {
    if pid != 0 && pid != PID {
        return Err(Errno::ESRCH);
    }
    let (h, l) = {
        let t = cx.p.thread.lock();
        (t.robust_list, t.robust_list_len as u64)
    };
    head.write(cx.m, &h)?;
    len.write(cx.m, &l)?;
    Ok(0)
}
