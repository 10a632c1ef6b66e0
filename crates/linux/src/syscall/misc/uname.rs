//! uname: Osprey presents itself as a Linux 6.1 x86_64 system (the ABI it implements), with the
//! hostname set at launch.

use osprey_abi::Utsname;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub const SYSNAME: &[u8] = b"Linux";
pub const RELEASE: &[u8] = b"6.1.0-osprey";
pub const VERSION: &[u8] = b"#1 SMP PREEMPT_DYNAMIC Osprey unikernel";
pub const MACHINE: &[u8] = b"x86_64";

fn field(dst: &mut [u8; 65], src: &[u8]) {
    let n = src.len().min(64);
    dst[..n].copy_from_slice(&src[..n]);
}

pub fn sys_uname(cx: &Ctx, buf: UserPtr<Utsname>) -> SysResult {
    let mut u = Utsname::default();
    field(&mut u.sysname, SYSNAME);
    field(&mut u.nodename, &cx.p.hostname);
    field(&mut u.release, RELEASE);
    field(&mut u.version, VERSION);
    field(&mut u.machine, MACHINE);
    field(&mut u.domainname, b"(none)");
    buf.write(cx.m, &u)?;
    Ok(0)
}
