//! mlock family. Osprey has no swap: every page, once touched, stays resident, which is what
//! locking promises, so these only validate. (MCL_ONFAULT etc. need nothing more.)

use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};

fn check(cx: &Ctx, addr: u64, len: u64) -> Result<(), Errno> {
    let start = addr & !4095;
    let end = addr
        .checked_add(len)
        .and_then(|e| e.checked_add(4095))
        .ok_or(Errno::ENOMEM)?
        & !4095;
    if end > start {
        cx.p.mm
            .lock()
            .space
            .check_access(start, end - start, false)
            .map_err(|_| Errno::ENOMEM)?;
    }
    Ok(())
}

pub fn sys_mlock(cx: &Ctx, addr: u64, len: u64) -> SysResult {
    check(cx, addr, len)?;
    Ok(0)
}

pub fn sys_munlock(cx: &Ctx, addr: u64, len: u64) -> SysResult {
    check(cx, addr, len)?;
    Ok(0)
}

const MCL_CURRENT: i32 = 1;
const MCL_FUTURE: i32 = 2;
const MCL_ONFAULT: i32 = 4;

pub fn sys_mlockall(_cx: &Ctx, flags: i32) -> SysResult {
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT
    {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn sys_munlockall(_cx: &Ctx) -> SysResult {
    Ok(0)
}
