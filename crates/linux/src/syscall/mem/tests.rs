//! Host tests of the memory calls' file-facing rules (the VMA logic itself is tested in
//! osprey-mm): which open files a MAP_SHARED mapping may write, and msync's checks.

use osprey_abi::fcntl::*;
use osprey_abi::mman::*;
use osprey_abi::Errno;

use crate::syscall::fs::open::sys_openat;
use crate::syscall::mem::{mmap::sys_mmap, mprotect::sys_mprotect, msync::sys_msync};
use crate::testing::TestEnv;
use crate::uaccess::UserPtr;

const RW: u32 = PROT_READ | PROT_WRITE;

fn open(e: &TestEnv, path: &str, flags: u32) -> i32 {
    let cx = e.cx();
    sys_openat(&cx, AT_FDCWD, UserPtr::new(e.m.cstr(path)), flags, 0o644).unwrap() as i32
}

#[test]
fn shared_writable_mappings_follow_the_open_mode() {
    let e = TestEnv::new();
    let cx = e.cx();
    let rw = open(&e, "/tmp/db-shm", O_RDWR | O_CREAT);
    let map = |prot, flags, fd| sys_mmap(&cx, 0, 8192, prot, flags, fd, 0);
    let a = map(RW, MAP_SHARED, rw).expect("read/write file, shared read/write");
    assert_eq!(sys_msync(&cx, a as u64, 8192, MS_SYNC as i32), Ok(0));
    assert_eq!(
        sys_msync(&cx, a as u64, 8192, (MS_SYNC | MS_ASYNC) as i32),
        Err(Errno::EINVAL)
    );
    assert_eq!(sys_msync(&cx, a as u64, 8192, -1), Err(Errno::EINVAL));

    let ro = open(&e, "/tmp/db-shm", O_RDONLY);
    assert_eq!(map(RW, MAP_SHARED, ro), Err(Errno::EACCES));
    let b = map(PROT_READ, MAP_SHARED, ro).unwrap();
    assert_eq!(sys_mprotect(&cx, b as u64, 8192, RW), Err(Errno::EACCES));
    assert!(
        map(RW, MAP_PRIVATE, ro).is_ok(),
        "private copies may be written"
    );

    let app = open(&e, "/tmp/db-shm", O_RDWR | O_APPEND);
    assert_eq!(map(RW, MAP_SHARED, app), Err(Errno::EACCES));
    let wo = open(&e, "/tmp/db-shm", O_WRONLY);
    assert_eq!(map(PROT_WRITE, MAP_SHARED, wo), Err(Errno::EACCES));

    // A synthetic file (/proc) has no pages to share: a read-only shared mapping is a
    // snapshot (osprey-mm refuses a writable one with ENODEV; no /proc file is writable yet).
    let cmdline = open(&e, "/proc/self/cmdline", O_RDONLY);
    assert!(map(PROT_READ, MAP_SHARED, cmdline).is_ok());
}
