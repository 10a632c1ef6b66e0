//! osprey-vfs: the virtual file system of the Osprey kernel.
//!
//! The syscall layer (osprey-linux) builds `open`, `read`, `stat`, `getdents64`, `rename`,
//! `dup`, `fcntl`, ... on these pieces:
//!
//! * [`inode`]: the [`Inode`] trait every file, directory, device and /proc entry implements.
//! * [`ramfs`]: the writable in-memory file system for `/` and `/tmp`.
//! * [`dentry`], [`path`], [`mount`], [`vfs`]: the mounted tree, path resolution and the
//!   path-based calls ([`Vfs::open`], [`Vfs::mkdir`], [`Vfs::rename`], ...).
//! * [`file`]: open file descriptions ([`OpenFile`]): offset, status flags, read/write/lseek,
//!   getdents64.
//! * [`fdtable`]: per-process descriptor tables ([`FdTable`]).
//! * [`devfs`], [`synthetic`]: /dev and the building blocks for /proc and /sys.
//! * [`cpio`]: unpacking the initramfs into a ramfs.
//! * [`page`]: the pages of file contents that MAP_SHARED mappings map.
//!
//! It is `no_std` + `alloc` and host-testable; interior mutability uses `spin` locks, and no
//! lock of this crate is held while a caller-supplied closure (clock, RNG, /proc generator)
//! runs.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod consts;
pub mod cpio;
pub mod dentry;
pub mod devfs;
pub mod fdtable;
pub mod file;
pub mod inode;
pub mod meta;
pub mod mount;
pub mod page;
pub mod path;
pub mod poll;
pub mod ramfs;
pub mod synthetic;
pub mod vfs;

#[cfg(test)]
mod tests;

pub use osprey_abi::Errno;

pub use dentry::Dentry;
pub use devfs::{CharDevice, DevFs, DeviceNode, Rng};
pub use fdtable::FdTable;
pub use file::{dirent64_reclen, OpenFile};
pub use inode::{Clock, DirEntry, FileType, Inode, Metadata, SetTime, Timespec};
pub use meta::alloc_dev;
pub use mount::MountInfo;
pub use page::{FilePage, HeapPages, PageAllocator};
pub use path::{LastKind, ParentLookup};
pub use poll::{PollSource, PollWatcher};
pub use ramfs::RamFs;
pub use synthetic::{DynamicDir, StaticDir, SynthFs, SyntheticFile, SyntheticLink};
pub use vfs::Vfs;

/// Result with a Linux errno.
pub type Result<T> = core::result::Result<T, Errno>;
