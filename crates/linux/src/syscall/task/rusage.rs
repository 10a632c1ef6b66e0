//! getrusage, times. The app's CPU time is approximated by its wall time since start: it is
//! the only thing the VM runs, and the kernel does not yet split user from system time.

use osprey_abi::process::{RUSAGE_CHILDREN, RUSAGE_SELF, RUSAGE_THREAD};
use osprey_abi::{Errno, Rusage, Timeval, Tms};

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

fn elapsed_ns(cx: &Ctx) -> u64 {
    cx.m.monotonic_ns().saturating_sub(cx.p.start_ns)
}

pub fn sys_getrusage(cx: &Ctx, who: i32, usage: UserPtr<Rusage>) -> SysResult {
    let mut r = Rusage::default();
    match who {
        RUSAGE_SELF | RUSAGE_THREAD => {
            let ns = elapsed_ns(cx);
            r.ru_utime = Timeval {
                tv_sec: (ns / 1_000_000_000) as i64,
                tv_usec: ((ns % 1_000_000_000) / 1000) as i64,
            };
            r.ru_maxrss = (cx.p.mm.lock().resident_bytes() / 1024) as i64;
        }
        RUSAGE_CHILDREN => {}
        _ => return Err(Errno::EINVAL),
    }
    usage.write(cx.m, &r)?;
    Ok(0)
}

/// Clock ticks (USER_HZ = 100) since boot, as times() returns.
pub fn sys_times(cx: &Ctx, buf: UserPtr<Tms>) -> SysResult {
    let ticks = (cx.m.monotonic_ns() / 10_000_000) as i64;
    if let Some(b) = buf.nullable() {
        let user = (elapsed_ns(cx) / 10_000_000) as i64;
        b.write(
            cx.m,
            &Tms {
                tms_utime: user,
                tms_stime: 0,
                tms_cutime: 0,
                tms_cstime: 0,
            },
        )?;
    }
    Ok(ticks as usize)
}
