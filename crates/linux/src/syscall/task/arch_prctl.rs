//! arch_prctl: the app's FS base (TLS). GS base belongs to the kernel (its per-CPU pointer),
//! so ARCH_SET_GS is refused with EINVAL (see ARCHITECTURE.md).

use osprey_abi::prctl::*;
use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const USER_END: u64 = 0x0000_8000_0000_0000;

pub fn sys_arch_prctl(cx: &Ctx, code: i32, addr: u64) -> SysResult {
    match code {
        ARCH_SET_FS => {
            // Linux refuses a non-canonical or kernel-half base with EPERM.
            if addr >= USER_END {
                return Err(Errno::EPERM);
            }
            cx.m.set_fs_base(addr);
            Ok(0)
        }
        ARCH_GET_FS => {
            UserPtr::<u64>::new(addr).write(cx.m, &cx.m.fs_base())?;
            Ok(0)
        }
        ARCH_GET_GS => {
            UserPtr::<u64>::new(addr).write(cx.m, &0)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
