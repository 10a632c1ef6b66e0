//! Process, thread and user identity. The app is PID 1 (its VM's init), runs as root, and is
//! alone in its session and process group.

use osprey_abi::Errno;

use crate::process::PID;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

pub fn sys_getpid(_cx: &Ctx) -> SysResult {
    Ok(PID as usize)
}

pub fn sys_gettid(cx: &Ctx) -> SysResult {
    Ok(cx.t.tid as usize)
}

pub fn sys_getppid(_cx: &Ctx) -> SysResult {
    Ok(0)
}

pub fn sys_getuid(cx: &Ctx) -> SysResult {
    Ok(cx.p.creds.lock().uid as usize)
}

pub fn sys_geteuid(cx: &Ctx) -> SysResult {
    Ok(cx.p.creds.lock().euid as usize)
}

pub fn sys_getgid(cx: &Ctx) -> SysResult {
    Ok(cx.p.creds.lock().gid as usize)
}

pub fn sys_getegid(cx: &Ctx) -> SysResult {
    Ok(cx.p.creds.lock().egid as usize)
}

pub fn sys_getresuid(cx: &Ctx, r: UserPtr<u32>, e: UserPtr<u32>, s: UserPtr<u32>) -> SysResult {
    let (a, b, c) = {
        let cr = cx.p.creds.lock();
        (cr.uid, cr.euid, cr.suid)
    };
    r.write(cx.m, &a)?;
    e.write(cx.m, &b)?;
    s.write(cx.m, &c)?;
    Ok(0)
}

pub fn sys_getresgid(cx: &Ctx, r: UserPtr<u32>, e: UserPtr<u32>, s: UserPtr<u32>) -> SysResult {
    let (a, b, c) = {
        let cr = cx.p.creds.lock();
        (cr.gid, cr.egid, cr.sgid)
    };
    r.write(cx.m, &a)?;
    e.write(cx.m, &b)?;
    s.write(cx.m, &c)?;
    Ok(0)
}

/// Root may become any user (memcached -u, nginx "user"); there is no permission checking
/// beyond that yet, so the ids are recorded and reported.
pub fn sys_setuid(cx: &Ctx, uid: u32) -> SysResult {
    let mut cr = cx.p.creds.lock();
    if cr.euid != 0 && uid != cr.uid && uid != cr.suid {
        return Err(Errno::EPERM);
    }
    if cr.euid == 0 {
        cr.uid = uid;
        cr.suid = uid;
    }
    cr.euid = uid;
    Ok(0)
}

pub fn sys_setgid(cx: &Ctx, gid: u32) -> SysResult {
    let mut cr = cx.p.creds.lock();
    if cr.euid != 0 && gid != cr.gid && gid != cr.sgid {
        return Err(Errno::EPERM);
    }
    if cr.euid == 0 {
        cr.gid = gid;
        cr.sgid = gid;
    }
    cr.egid = gid;
    Ok(0)
}

pub fn sys_getgroups(cx: &Ctx, size: i32, list: UserPtr<u32>) -> SysResult {
    let groups = cx.p.creds.lock().groups.clone();
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len());
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    for (i, g) in groups.iter().enumerate() {
        list.offset(i)?.write(cx.m, g)?;
    }
    Ok(groups.len())
}

pub fn sys_setgroups(cx: &Ctx, size: i32, list: UserPtr<u32>) -> SysResult {
    if !(0..=65536).contains(&size) {
        return Err(Errno::EINVAL);
    }
    if cx.p.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    let mut groups = alloc::vec::Vec::with_capacity(size as usize);
    for i in 0..size as usize {
        groups.push(list.offset(i)?.read(cx.m)?);
    }
    cx.p.creds.lock().groups = groups;
    Ok(0)
}

fn check_self(pid: i32) -> Result<(), Errno> {
    if pid == 0 || pid == PID {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}

pub fn sys_getpgrp(_cx: &Ctx) -> SysResult {
    Ok(PID as usize)
}

pub fn sys_getpgid(_cx: &Ctx, pid: i32) -> SysResult {
    check_self(pid)?;
    Ok(PID as usize)
}

pub fn sys_setpgid(_cx: &Ctx, pid: i32, pgid: i32) -> SysResult {
    check_self(pid)?;
    if pgid != 0 && pgid != PID {
        return Err(Errno::EPERM);
    }
    Ok(0)
}

pub fn sys_getsid(_cx: &Ctx, pid: i32) -> SysResult {
    check_self(pid)?;
    Ok(PID as usize)
}

/// The app already leads its session and process group, so setsid fails as on Linux.
pub fn sys_setsid(_cx: &Ctx) -> SysResult {
    Err(Errno::EPERM)
}
