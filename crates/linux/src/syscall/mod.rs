//! System calls: the table (one line per call: number, handler, how strace shows its
//! arguments), the dispatcher, and the handlers, one file per call or small family.
//!
//! Handlers have typed signatures (`fn sys_read(cx: &Ctx, fd: Fd, buf: UserPtr<u8>,
//! count: usize) -> SysResult`); the table's `invoke!` converts the six raw registers with
//! [`FromArg`]. A handler returns `Ok(value)` or `Err(errno)`; only the dispatcher negates.
//! A number without a table entry returns ENOSYS and shows under `--strace` by name.

use osprey_abi::Errno;

use crate::machine::Machine;
use crate::process::Process;
use crate::thread::Thread;
use crate::uaccess::UserPtr;

mod table;

pub mod event;
pub mod fs;
pub mod mem;
pub mod misc;
pub mod net;
pub mod signal;
pub mod task;
pub mod time;

pub use table::{dispatch, syscall_args};

/// What a handler returns.
pub type SysResult = Result<usize, Errno>;

/// Everything a handler may use: the machine, the process and the calling thread.
pub struct Ctx<'a> {
    pub m: &'static dyn Machine,
    pub p: &'a Process,
    pub t: &'a Thread,
}

/// A file descriptor argument (an `int` in the ABI: the upper 32 bits are ignored).
pub type Fd = i32;

/// Converts one raw syscall register into a typed argument, the way the Linux ABI does:
/// `int` arguments use the low 32 bits, pointers and sizes the whole register.
pub trait FromArg {
    fn from_arg(v: u64) -> Self;
}

macro_rules! from_arg_as {
    ($($t:ty),*) => { $(impl FromArg for $t { fn from_arg(v: u64) -> Self { v as $t } })* };
}
from_arg_as!(u64, i64, usize, isize, u32, i32, u16);

impl<T> FromArg for UserPtr<T> {
    fn from_arg(v: u64) -> Self {
        UserPtr::new(v)
    }
}

/// How `--strace` shows an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgFmt {
    /// Signed decimal (int).
    Int,
    /// Unsigned decimal (size_t).
    UInt,
    /// Hexadecimal, `NULL` for 0 (pointers).
    Ptr,
    /// File descriptor.
    Fd,
    /// Directory fd of the *at calls (`AT_FDCWD`).
    DirFd,
    /// A NUL-terminated path or name, read from the app.
    Path,
    /// A buffer the app passes in, length in argument `n`.
    InBuf(u8),
    /// A buffer the kernel fills, shown after the call with the returned length.
    OutBuf,
    /// Octal (modes).
    Octal,
    OpenFlags,
    AtFlags,
    Prot,
    MapFlags,
    ClockId,
    Signal,
    SigHow,
    Whence,
    ArchPrctl,
    Ioctl,
    Fcntl,
    Rlimit,
    Madvise,
    Futex,
    CloneFlags,
    AccessMode,
    /// argv/envp-style array of strings.
    StrArray,
}

/// How `--strace` shows the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetFmt {
    Dec,
    /// Addresses (mmap, brk).
    Hex,
}
