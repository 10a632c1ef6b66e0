//! Host tests of the file system calls, over the fake machine of `crate::testing`.

use alloc::vec::Vec;

use osprey_abi::fcntl::*;
use osprey_abi::stat::*;
use osprey_abi::{Errno, FromBytes, Stat};

use crate::syscall::Ctx;
use crate::testing::TestEnv;
use crate::uaccess::UserPtr;

use super::*;

mod files;
mod names;
mod pipes;
mod vectors;

/// An unmapped address well inside app space.
const HOLE: u64 = 0x7000_0000;

fn env() -> TestEnv {
    TestEnv::new()
}

fn p(e: &TestEnv, s: &str) -> UserPtr<u8> {
    UserPtr::new(e.m.cstr(s))
}

fn open(cx: &Ctx, e: &TestEnv, path: &str, flags: u32, mode: u32) -> Result<i32, Errno> {
    open::sys_openat(cx, AT_FDCWD, p(e, path), flags, mode).map(|fd| fd as i32)
}

fn write(cx: &Ctx, e: &TestEnv, fd: i32, data: &[u8]) -> Result<usize, Errno> {
    let a = e.m.alloc_bytes(data);
    rw::sys_write(cx, fd, UserPtr::new(a), data.len())
}

fn read(cx: &Ctx, e: &TestEnv, fd: i32, n: usize) -> Result<Vec<u8>, Errno> {
    let a = e.m.alloc(n as u64);
    let got = rw::sys_read(cx, fd, UserPtr::new(a), n)?;
    Ok(e.m.peek(a, got))
}

fn stat_of(cx: &Ctx, e: &TestEnv, path: &str) -> Result<Stat, Errno> {
    let b = e.m.alloc(144);
    stat::sys_stat(cx, p(e, path), UserPtr::new(b))?;
    Ok(Stat::read_from_bytes(&e.m.peek(b, 144)).unwrap())
}

fn fstat_of(cx: &Ctx, e: &TestEnv, fd: i32) -> Result<Stat, Errno> {
    let b = e.m.alloc(144);
    stat::sys_fstat(cx, fd, UserPtr::new(b))?;
    Ok(Stat::read_from_bytes(&e.m.peek(b, 144)).unwrap())
}

/// Writes `data` to a new file at `path`.
fn make_file(cx: &Ctx, e: &TestEnv, path: &str, data: &[u8]) {
    let fd = open(cx, e, path, O_CREAT | O_WRONLY | O_TRUNC, 0o644).unwrap();
    assert_eq!(write(cx, e, fd, data), Ok(data.len()));
    close::sys_close(cx, fd).unwrap();
}
