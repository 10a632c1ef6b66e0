//! prlimit64, getrlimit, setrlimit: per-process limits, Linux's defaults for root. The limits
//! that matter today are RLIMIT_STACK (glibc sizes thread stacks from it) and RLIMIT_NOFILE
//! (the fd table enforces it).

use osprey_abi::process::*;
use osprey_abi::{Errno, Rlimit};

use crate::process::PID;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_prlimit64(
    cx: &Ctx,
    pid: i32,
    resource: u32,
    new: UserPtr<Rlimit>,
    old: UserPtr<Rlimit>,
) -> SysResult {
    if pid != 0 && pid != PID {
        return Err(Errno::ESRCH);
    }
    if resource >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let newv = match new.nullable() {
        Some(p) => {
            let v = p.read(cx.m)?;
            if v.rlim_cur > v.rlim_max {
                return Err(Errno::EINVAL);
            }
            Some(v)
        }
        None => None,
    };
    let prev = {
        let mut l = cx.p.rlimits.lock();
        let prev = l[resource as usize];
        if let Some(v) = newv {
            // Root may raise hard limits; RLIMIT_NOFILE cannot exceed nr_open (1 << 20).
            if resource == RLIMIT_NOFILE && v.rlim_max > 1 << 20 {
                return Err(Errno::EPERM);
            }
            l[resource as usize] = v;
        }
        prev
    };
    if let Some(v) = newv {
        if resource == RLIMIT_NOFILE {
            cx.p.files.set_limit(v.rlim_cur as usize)?;
        }
    }
    if let Some(p) = old.nullable() {
        p.write(cx.m, &prev)?;
    }
    Ok(0)
}

pub fn sys_getrlimit(cx: &Ctx, resource: u32, rlim: UserPtr<Rlimit>) -> SysResult {
    if rlim.is_null() {
        return Err(Errno::EFAULT);
    }
    sys_prlimit64(cx, 0, resource, UserPtr::new(0), rlim)
}

pub fn sys_setrlimit(cx: &Ctx, resource: u32, rlim: UserPtr<Rlimit>) -> SysResult {
    if rlim.is_null() {
        return Err(Errno::EFAULT);
    }
    sys_prlimit64(cx, 0, resource, rlim, UserPtr::new(0))
}
