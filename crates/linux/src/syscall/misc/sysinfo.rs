//! sysinfo: uptime, memory (the VM's RAM as the kernel's frame allocator sees it), one process.

use osprey_abi::Sysinfo;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_sysinfo(cx: &Ctx, info: UserPtr<Sysinfo>) -> SysResult {
    let (total, free) = cx.m.memory();
    let s = Sysinfo {
        uptime: (cx.m.monotonic_ns() / 1_000_000_000) as i64,
        totalram: total,
        freeram: free,
        procs: 1,
        mem_unit: 1,
        ..Default::default()
    };
    info.write(cx.m, &s)?;
    Ok(0)
}
