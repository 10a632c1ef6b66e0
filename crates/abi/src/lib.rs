//! The Linux x86_64 ABI as Osprey's kernel crates see it: error numbers, system call numbers,
//! `#[repr(C)]` structures with Linux's exact layout, and flag constants.
//!
//! Every structure derives zerocopy's `FromBytes + IntoBytes + Immutable + KnownLayout`, so the
//! kernel copies it to and from app memory as a byte slice (`s.as_bytes()`,
//! `T::read_from_bytes(buf)`) in safe code only. Padding is spelled out as named zero fields,
//! so no uninitialised byte can reach the app.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod auxv;
pub mod dirent;
pub mod errno;
pub mod fcntl;
pub mod futex;
pub mod ioctl;
pub mod mman;
pub mod poll;
pub mod prctl;
pub mod process;
pub mod random;
pub mod signal;
pub mod socket;
pub mod stat;
pub mod strace;
pub mod sysno;
pub mod termios;
pub mod time;
pub mod uio;

#[cfg(test)]
mod layout_test;

pub use errno::Errno;
pub use zerocopy;
/// The byte-conversion traits the structures implement, re-exported so users need not depend
/// on zerocopy themselves.
pub use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

pub use dirent::LinuxDirent64;
pub use fcntl::{AtFlags, Flock, OpenFlags, OpenHow};
pub use futex::{FutexWaitv, RobustListHead};
pub use mman::{MapFlags, ProtFlags};
pub use poll::{EpollEvent, Pollfd};
pub use process::{CloneArgs, CloneFlags, Rlimit, Rusage, SchedParam, Sysinfo, Utsname};
pub use signal::{KernelSigaction, SigInfo, Sigcontext, Stack, Ucontext};
pub use socket::{Cmsghdr, Linger, Msghdr, SockaddrIn, SockaddrIn6, SockaddrUn, Ucred};
pub use stat::{Stat, Statfs, Statx, StatxTimestamp};
pub use sysno::syscall_name;
pub use termios::{Termios, Termios2, Winsize};
pub use time::{Itimerspec, Itimerval, Timespec, Timeval, Timezone, Tms};
pub use uio::Iovec;
