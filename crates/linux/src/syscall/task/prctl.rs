//! prctl: the options Debian programs use at start (names, dumpable, death signal,
//! no_new_privs, THP, VMA names). Others are EINVAL, as Linux answers unknown options.

use osprey_abi::prctl::*;
use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::{read_cstr, UserPtr};

const PR_SET_VMA: i32 = 0x53564d41;

pub fn sys_prctl(
    cx: &Ctx,
    option: i32,
    arg2: u64,
    _arg3: u64,
    _arg4: u64,
    _arg5: u64,
) -> SysResult {
    match option {
        PR_SET_NAME => {
            let name = read_cstr(cx.m, arg2, 4096).or_else(|e| match e {
                Errno::ENAMETOOLONG => Ok(alloc::vec::Vec::new()),
                e => Err(e),
            })?;
            let mut t = cx.t.name.lock();
            *t = [0; 16];
            let n = name.len().min(15);
            t[..n].copy_from_slice(&name[..n]);
            Ok(0)
        }
        PR_GET_NAME => {
            let name = cx.t.name();
            cx.m.copy_to_user(arg2, &name)?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(1),
        PR_SET_DUMPABLE => {
            if arg2 > 1 {
                return Err(Errno::EINVAL);
            }
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            if arg2 > 64 {
                return Err(Errno::EINVAL);
            }
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            UserPtr::<i32>::new(arg2).write(cx.m, &0)?;
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS | PR_SET_THP_DISABLE | PR_SET_VMA => Ok(0),
        PR_GET_NO_NEW_PRIVS | PR_GET_THP_DISABLE => Ok(0),
        PR_CAPBSET_READ => {
            // Root holds every capability (0..=40 on Linux 6.x).
            if arg2 <= 40 {
                Ok(1)
            } else {
                Err(Errno::EINVAL)
            }
        }
        _ => Err(Errno::EINVAL),
    }
}
