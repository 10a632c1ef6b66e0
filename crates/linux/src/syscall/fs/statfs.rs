//! statfs, fstatfs. The type comes from the mount the file lives on: ramfs for `/` (and
//! `/tmp`, a directory of it), proc, tmpfs magic for devtmpfs and tmpfs, pipefs for pipes.
//! Sizes: 4 KiB blocks; RAM-backed file systems report the machine's RAM as their size and
//! its free memory as free.

use osprey_abi::stat::*;
use osprey_abi::Statfs;
use osprey_vfs::{Dentry, FileType};

use super::{file, lookup_at};
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const PIPEFS_MAGIC: i64 = 0x5049_5045;
const ST_NOSUID: i64 = 0x2;
const ST_NODEV: i64 = 0x4;
const ST_NOEXEC: i64 = 0x8;
const ST_VALID: i64 = 0x20;
const ST_RELATIME: i64 = 0x1000;
const BSIZE: u64 = 4096;

/// The statfs answer for the file system `d` lives on.
pub fn statfs_of(cx: &Ctx, d: &Dentry) -> Statfs {
    let m = d.inode().metadata();
    let fstype = if d.is_anonymous() {
        if m.file_type() == FileType::Fifo {
            "pipefs"
        } else {
            "anon_inodefs"
        }
    } else {
        // The newest mount whose root shares the file's device; none: the root ramfs.
        let mounts = cx.p.vfs.mounts();
        match mounts
            .iter()
            .rev()
            .find(|mi| mi.root.metadata().dev == m.dev)
        {
            Some(mi) => match mi.fstype.as_str() {
                "proc" => "proc",
                "sysfs" => "sysfs",
                "devpts" => "devpts",
                "devtmpfs" | "tmpfs" => "tmpfs",
                _ => "ramfs",
            },
            None => "ramfs",
        }
    };
    let (total, free) = cx.m.memory();
    let mut s = Statfs {
        f_bsize: BSIZE as i64,
        f_frsize: BSIZE as i64,
        f_namelen: 255,
        f_fsid: [m.dev as i32, (m.dev >> 32) as i32],
        f_flags: ST_VALID | ST_RELATIME,
        ..Statfs::default()
    };
    match fstype {
        "ramfs" | "tmpfs" => {
            s.f_type = if fstype == "ramfs" {
                RAMFS_MAGIC
            } else {
                TMPFS_MAGIC
            };
            s.f_blocks = total / BSIZE;
            s.f_bfree = free / BSIZE;
            s.f_bavail = free / BSIZE;
            if fstype == "tmpfs" {
                s.f_flags |= ST_NOSUID;
            }
        }
        "proc" => {
            s.f_type = PROC_SUPER_MAGIC;
            s.f_flags |= ST_NOSUID | ST_NODEV | ST_NOEXEC;
        }
        "sysfs" => {
            s.f_type = SYSFS_MAGIC;
            s.f_flags |= ST_NOSUID | ST_NODEV | ST_NOEXEC;
        }
        "devpts" => s.f_type = DEVPTS_SUPER_MAGIC,
        "pipefs" => s.f_type = PIPEFS_MAGIC,
        // anon_inodefs
        _ => s.f_type = 0x0904_1934,
    }
    s
}

pub fn sys_statfs(cx: &Ctx, path: UserPtr<u8>, buf: UserPtr<Statfs>) -> SysResult {
    let d = lookup_at(cx, osprey_abi::fcntl::AT_FDCWD, path, true, false)?;
    buf.write(cx.m, &statfs_of(cx, &d))?;
    Ok(0)
}

/// Any descriptor, O_PATH included (Linux uses fdget_raw here).
pub fn sys_fstatfs(cx: &Ctx, fd: i32, buf: UserPtr<Statfs>) -> SysResult {
    let f = file(cx, fd)?;
    buf.write(cx.m, &statfs_of(cx, f.dentry()))?;
    Ok(0)
}
