//! mmap, munmap. A private file mapping is demand-paged from the file (copy on fault); a
//! MAP_SHARED mapping of a ramfs file maps the file's own pages (osprey-mm asks `InodeFile`
//! for them), so the mapping and read()/write() see each other; writable shared mappings of
//! other files (/proc) are refused with ENODEV. /dev/zero maps anonymous memory.

use osprey_abi::Errno;
use osprey_mm::flags::{MAP_ANONYMOUS, PROT_EXEC, PROT_READ, PROT_WRITE};
use osprey_mm::Backing;

use osprey_vfs::consts::makedev;
use osprey_vfs::FileType;

use crate::exec::InodeFile;
use crate::syscall::{fs::file, Ctx, SysResult};

pub fn sys_mmap(
    cx: &Ctx,
    addr: u64,
    len: u64,
    prot: u32,
    flags: u32,
    fd: i32,
    offset: u64,
) -> SysResult {
    if prot
        & !(PROT_READ
            | PROT_WRITE
            | PROT_EXEC
            | osprey_mm::flags::PROT_GROWSDOWN
            | osprey_mm::flags::PROT_GROWSUP)
        != 0
    {
        return Err(Errno::EINVAL);
    }
    let backing = if flags & MAP_ANONYMOUS != 0 {
        Backing::Anonymous
    } else {
        let f = file(cx, fd)?;
        if !f.readable() {
            return Err(Errno::EACCES);
        }
        let md = f.metadata();
        if md.file_type() == FileType::CharDevice && md.rdev == makedev(1, 5) {
            // /dev/zero: anonymous memory, shared or private, as Linux gives.
            Backing::Anonymous
        } else if !md.is_regular() {
            return Err(Errno::ENODEV);
        } else {
            Backing::file(InodeFile::new(&f), offset)
        }
    };
    let mut mm = cx.p.mm.lock();
    let (space, pt) = mm.parts();
    space
        .mmap(pt, addr, len, prot, flags, backing)
        .map(|a| a as usize)
}

pub fn sys_munmap(cx: &Ctx, addr: u64, len: u64) -> SysResult {
    let mut mm = cx.p.mm.lock();
    let (space, pt) = mm.parts();
    space.munmap(pt, addr, len)?;
    Ok(0)
}
