//! sigaltstack: recorded (used when handlers run on it, issue 4).

use osprey_abi::signal::*;
use osprey_abi::{Errno, Stack};

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_sigaltstack(cx: &Ctx, ss: UserPtr<Stack>, old: UserPtr<Stack>) -> SysResult {
    let new = match ss.nullable() {
        Some(p) => {
            let s = p.read(cx.m)?;
            let mode = s.ss_flags & !SS_AUTODISARM;
            if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
                return Err(Errno::EINVAL);
            }
            if mode != SS_DISABLE && s.ss_size < MINSIGSTKSZ as u64 {
                return Err(Errno::ENOMEM);
            }
            Some(s)
        }
        None => None,
    };
    let prev = {
        let mut st = cx.t.signals.lock();
        let prev = st.altstack;
        if let Some(s) = new {
            st.altstack = if s.ss_flags & SS_DISABLE != 0 {
                Stack {
                    ss_sp: 0,
                    ss_flags: SS_DISABLE,
                    __pad0: 0,
                    ss_size: 0,
                }
            } else {
                Stack {
                    ss_flags: s.ss_flags & SS_AUTODISARM,
                    ..s
                }
            };
        }
        prev
    };
    if let Some(p) = old.nullable() {
        p.write(cx.m, &prev)?;
    }
    Ok(0)
}
