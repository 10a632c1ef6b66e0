//! exit, exit_group. With one thread, both end the app.

use crate::syscall::{Ctx, SysResult};

pub fn sys_exit(cx: &Ctx, status: i32) -> SysResult {
    sys_exit_group(cx, status)
}

pub fn sys_exit_group(cx: &Ctx, status: i32) -> SysResult {
    cx.m.exit(status & 0xff)
}
