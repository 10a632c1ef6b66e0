//! osprey-linux: the Linux personality of the Osprey kernel.
//!
//! It turns the machine the hal offers (through the [`Machine`] trait) into what a Linux
//! x86_64 program expects: the system calls ([`syscall`]), one process with its files, memory,
//! limits and signal dispositions ([`process`]), /proc ([`procfs`]), the standard streams
//! ([`console`]), program loading ([`exec`]) and `--strace` ([`strace`]). It is safe code only
//! and builds for the host, so its logic is unit-tested without a VM.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod bounce;
pub mod chacha;
pub mod console;
pub mod exec;
pub mod futex;
pub mod iowait;
pub mod machine;
pub mod memory;
pub mod net;
pub mod process;
pub mod procfs;
pub mod signal;
pub mod strace;
pub mod syscall;
pub mod sysfs;
#[cfg(test)]
mod testing;
pub mod thread;
pub mod uaccess;
pub mod vdso;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use osprey_abi::Errno;
use osprey_mm::{Access, Fault, PageTable};
use osprey_proto::launch::{self, Launch};
use osprey_vfs::{Clock, Dentry, DevFs, FdTable, OpenFile, RamFs, Timespec, Vfs};
use spin::Mutex;

pub use machine::{Machine, Stream};

use crate::console::{Console, Kind};
use crate::memory::Memory;
use crate::process::{Creds, FsState, Process, SignalState};
use crate::syscall::Ctx;
use crate::thread::Thread;

/// The running system: the machine and the app's process.
pub struct Linux {
    pub m: &'static dyn Machine,
    pub p: &'static Process,
}

/// Why the app could not be started.
#[derive(Debug)]
pub enum BootError {
    /// The initramfs is malformed.
    Initramfs(String),
    /// No launch record, or a bad one.
    Launch(String),
    /// The program could not be loaded.
    Exec(Errno),
}

impl core::fmt::Display for BootError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BootError::Initramfs(s) => write!(f, "bad initramfs: {s}"),
            BootError::Launch(s) => write!(f, "bad launch record: {s}"),
            BootError::Exec(e) => write!(f, "cannot start the program: {e}"),
        }
    }
}

fn join_nul(list: &[Vec<u8>]) -> Vec<u8> {
    let mut v = Vec::new();
    for s in list {
        v.extend_from_slice(s);
        v.push(0);
    }
    v
}

/// Reads and removes the launch record from the unpacked root.
fn take_launch(vfs: &Vfs) -> Result<Launch, BootError> {
    let root = vfs.root();
    let d = vfs
        .resolve(&root, osprey_proto::LAUNCH_PATH.as_bytes(), false)
        .map_err(|e| BootError::Launch(alloc::format!("{}: {e}", osprey_proto::LAUNCH_PATH)))?;
    let md = d.inode().metadata();
    let mut buf = alloc::vec![0u8; md.size as usize];
    let n = d
        .inode()
        .read_at(0, &mut buf)
        .map_err(|e| BootError::Launch(alloc::format!("{e}")))?;
    buf.truncate(n);
    let l = Launch::decode(&buf).map_err(|e| BootError::Launch(alloc::format!("{e:?}")))?;
    let _ = vfs.unlink(&root, osprey_proto::LAUNCH_PATH.as_bytes());
    let _ = vfs.unlink(&root, osprey_proto::PAD_PATH.as_bytes());
    let _ = vfs.rmdir(&root, b".osprey");
    Ok(l)
}

impl Linux {
    /// Unpacks the initramfs and builds the process. Returns the system and the launch record
    /// (the kernel needs its flags).
    pub fn boot(
        m: &'static dyn Machine,
        initrd: &'static [u8],
        pt: Box<dyn PageTable + Send>,
        on_launch: &dyn Fn(&Launch),
    ) -> Result<(Linux, Launch), BootError> {
        let clock: Clock = Arc::new(move || {
            let ns = m.file_time_ns();
            Timespec {
                sec: (ns / 1_000_000_000) as i64,
                nsec: (ns % 1_000_000_000) as i64,
            }
        });
        m.milestone("linux: start");
        iowait::init(m);
        // Like tmpfs, files may take at most half of RAM: beyond that writes get ENOSPC
        // rather than leaving the kernel without memory.
        let rootfs = RamFs::with_pages(clock.clone(), m.memory().0 / 2, m.file_pages());
        osprey_vfs::cpio::unpack_static(initrd, &rootfs.root())
            .map_err(|e| BootError::Initramfs(alloc::format!("{e:?}")))?;
        m.milestone("initramfs unpacked");
        let vfs = Vfs::new(rootfs.root());
        let launch = take_launch(&vfs)?;
        on_launch(&launch);

        let root = vfs.root();
        let rng: osprey_vfs::Rng = Arc::new(move |b: &mut [u8]| m.random(b));
        let devfs = DevFs::new(clock.clone(), rng);
        let tty = |f: u32| launch.has(f);
        let stdin = devfs.add_device(
            b"stdin-console",
            makedev(5, 1),
            0o620,
            Console::new(m, Kind::In, tty(launch::flags::STDIN_TTY)),
        );
        let stdout = devfs.add_device(
            b"stdout-console",
            makedev(5, 1),
            0o620,
            Console::new(m, Kind::Out, tty(launch::flags::STDOUT_TTY)),
        );
        let stderr = devfs.add_device(
            b"stderr-console",
            makedev(5, 1),
            0o620,
            Console::new(m, Kind::Err, tty(launch::flags::STDERR_TTY)),
        );
        // The host-visible names are /dev/console and /dev/tty; the per-stream nodes above are
        // internal (they let fds 0-2 carry their stream), so hide them again.
        for n in [&b"stdin-console"[..], b"stdout-console", b"stderr-console"] {
            devfs.dir().remove(n);
        }
        devfs.add_device(
            b"console",
            makedev(5, 1),
            0o600,
            Console::new(m, Kind::Out, tty(launch::flags::STDOUT_TTY)),
        );
        if launch.has(launch::flags::STDIN_TTY) {
            devfs.add_device(
                b"tty",
                makedev(5, 0),
                0o666,
                Console::new(m, Kind::In, true),
            );
        }
        for dir in [&b"/dev"[..], b"/proc", b"/tmp", b"/sys"] {
            let _ = vfs.mkdir(&root, dir, 0o755);
        }
        vfs.mount(&root, b"/dev", devfs.root(), "devtmpfs", "devtmpfs")
            .map_err(|e| BootError::Initramfs(alloc::format!("mount /dev: {e}")))?;

        let files = FdTable::new();
        for (fd, inode, name, flags) in [
            (0, stdin, &b"/dev/stdin"[..], osprey_abi::fcntl::O_RDONLY),
            (1, stdout, b"/dev/stdout", osprey_abi::fcntl::O_WRONLY),
            (2, stderr, b"/dev/stderr", osprey_abi::fcntl::O_WRONLY),
        ] {
            let d = Dentry::anonymous(inode, name);
            let f = OpenFile::new(d, flags).map_err(BootError::Exec)?;
            let got = files.insert(f, false).map_err(BootError::Exec)?;
            debug_assert_eq!(got, fd);
        }
        let (total, _) = m.memory();
        let cwd = vfs
            .resolve(&root, &launch.cwd, true)
            .unwrap_or(root.clone());
        let hostname = b"osprey".to_vec();
        let p = Process {
            pid: process::PID,
            strace: launch.has(launch::flags::STRACE),
            vfs,
            fs: Mutex::new(FsState { cwd, umask: 0o022 }),
            files,
            mm: memory::MemoryLock::new(Memory::new(pt)),
            exe: launch.exe.clone(),
            cmdline: join_nul(&launch.argv),
            environ: join_nul(&launch.envp),
            creds: Mutex::new(Creds::root()),
            rlimits: Mutex::new(process::default_rlimits(total)),
            signals: alloc::sync::Arc::new(Mutex::new(SignalState::new())),
            threads: Mutex::new(alloc::collections::BTreeMap::new()),
            next_tid: core::sync::atomic::AtomicI32::new(process::PID + 1),
            futexes: futex::FutexTable::new(),
            start_ns: m.monotonic_ns(),
            auxv: Mutex::new(Vec::new()),
            exe_bias: Mutex::new(0),
            hostname,
        };
        let p: &'static Process = Box::leak(Box::new(p));
        p.threads.lock().insert(
            process::PID,
            Arc::new(Thread::new(process::PID, comm_of(&launch.exe), 0)),
        );
        let sys_root = sysfs::build(m, clock.clone());
        p.vfs
            .mount(&p.vfs.root(), b"/sys", sys_root, "sysfs", "sysfs")
            .map_err(|e| BootError::Initramfs(alloc::format!("mount /sys: {e}")))?;
        let proc_root = procfs::build(p, m, clock.clone());
        p.vfs
            .mount(&p.vfs.root(), b"/proc", proc_root, "proc", "proc")
            .map_err(|e| BootError::Initramfs(alloc::format!("mount /proc: {e}")))?;
        // /dev/shm, a tmpfs (mode 1777) as on Linux: shm_open and sem_open (python's
        // multiprocessing locks) create files there and map them MAP_SHARED. Mounted last so
        // that the other mounts keep their ids and device numbers.
        let shm = RamFs::with_pages(clock, m.memory().0 / 2, m.file_pages());
        let _ = shm.root().chmod(0o1777);
        p.vfs
            .mount(&p.vfs.root(), b"/dev/shm", shm.root(), "tmpfs", "tmpfs")
            .map_err(|e| BootError::Initramfs(alloc::format!("mount /dev/shm: {e}")))?;
        Ok((Linux { m, p }, launch))
    }

    /// Loads the program the launch record names. Separate from [`Linux::boot`] because the
    /// load page-faults (the stack is written through demand paging), so the kernel must be
    /// able to reach this `Linux` from its fault handler first.
    pub fn start(&self, launch: &Launch) -> Result<exec::Entry, BootError> {
        let main = self.main_thread();
        exec::load(&self.ctx(&main), &launch.exe, &launch.argv, &launch.envp)
            .map_err(BootError::Exec)
    }

    /// The context of thread `t` (for calls made on its behalf).
    pub fn ctx<'a>(&'a self, t: &'a Thread) -> Ctx<'a> {
        Ctx {
            m: self.m,
            p: self.p,
            t,
        }
    }

    /// The first thread (tid = pid), made at boot.
    pub fn main_thread(&self) -> Arc<Thread> {
        self.p
            .thread(process::PID)
            .expect("the main thread exists until the app ends")
    }

    /// Runs system call `nr` for thread `t`; the value for rax.
    #[inline(always)]
    pub fn syscall(&self, t: &Thread, nr: usize, args: &[u64; 6]) -> isize {
        syscall::dispatch(&self.ctx(t), nr, args)
    }

    /// On the way back to app code from a system call (`nr`, result `ret`, already in
    /// `regs.rax`) when the thread has a signal to act on or the call asked for a restart:
    /// delivers signals (handler frames, default actions) and restarts or fails the call as
    /// Linux would. Returns whether `regs` changed (the kernel must then restore them all).
    pub fn signals_at_syscall_exit(
        &self,
        t: &Thread,
        regs: &mut osprey_abi::Sigcontext,
        nr: usize,
        ret: isize,
    ) -> bool {
        signal::deliver(&self.ctx(t), regs, Some(signal::SyscallExit { nr, ret }))
    }

    /// On the way back to app code after an interrupt: delivers pending signals.
    pub fn signals_at_interrupt_exit(&self, t: &Thread, regs: &mut osprey_abi::Sigcontext) -> bool {
        signal::deliver(&self.ctx(t), regs, None)
    }

    /// A CPU exception in app code that Linux turns into a signal (`info`): returns with the
    /// handler's frame built in `regs`, or ends the app (no handler, or the signal blocked).
    pub fn fault_signal(
        &self,
        t: &Thread,
        regs: &mut osprey_abi::Sigcontext,
        info: osprey_abi::SigInfo,
    ) {
        signal::force_fault(&self.ctx(t), regs, info)
    }

    /// The host forwarded a signal `osprey` received (SIGINT, SIGTERM, ...): it goes to the
    /// process as from `kill` by a process outside the VM (SI_USER, pid 0). Called by the
    /// kernel's console code, in no thread's system call.
    pub fn host_signal(&self, sig: i32) {
        if !(1..=64).contains(&sig) {
            return;
        }
        let Some(t) = self
            .p
            .thread(process::PID)
            .or_else(|| self.p.threads.lock().values().next().cloned())
        else {
            return;
        };
        let info = osprey_abi::SigInfo::from_process(sig, osprey_abi::signal::SI_USER, 0, 0);
        signal::send_to_process(&self.ctx(&t), info);
    }

    /// The process's alarm passed: SIGALRM for ITIMER_REAL and the signals of the POSIX timers
    /// that are due (and the next periods armed). Called by the kernel's timer code, in no
    /// thread's system call.
    pub fn itimer_fired(&self) {
        let Some(t) = self
            .p
            .thread(process::PID)
            .or_else(|| self.p.threads.lock().values().next().cloned())
        else {
            return;
        };
        syscall::time::posix_timer::alarm_fired(&self.ctx(&t));
    }

    /// rt_sigreturn: `regs` (the caller's registers) become the ones saved in the signal
    /// frame; a frame that cannot be read or restored ends the app with SIGSEGV.
    pub fn rt_sigreturn(&self, t: &Thread, regs: &mut osprey_abi::Sigcontext) {
        let cx = self.ctx(t);
        let ok = signal::frame::sigreturn(&cx, regs).is_ok();
        if self.p.strace && ok {
            strace::sigreturn(&cx, t.mask(), regs.rax);
        }
        if !ok {
            let info = osprey_abi::SigInfo::fault(
                osprey_abi::signal::SIGSEGV,
                osprey_abi::signal::SI_KERNEL,
                0,
            );
            signal::force_fault(&cx, regs, info);
        }
    }

    /// Resolves a page fault at `addr` in app memory (demand paging), or says which signal
    /// the access deserves. May sleep (the memory lock). Must not be called with the memory
    /// lock held by the calling thread.
    pub fn page_fault(&self, addr: u64, access: Access) -> Result<(), Fault> {
        // The memory lock sleeps, so a fault that finds it held waits for the holder (an
        // mmap or another fault on another CPU). Unless the holder is this very thread: then
        // kernel code copied app memory while holding it, a bug a wait would turn into a
        // silent hang. Say so instead.
        let mut mm = match self.p.mm.try_lock() {
            Some(mm) => mm,
            None if self.p.mm.maybe_held_by_caller() => panic!(
                "page fault at {addr:#x} while the memory lock is held (a user copy under it)"
            ),
            None => self.p.mm.lock(),
        };
        let (space, pt) = mm.parts();
        space.handle_fault(pt, addr, access)
    }

    /// The guest path of the ELF object mapped at `addr` and its load bias, for crash reports.
    pub fn module_at(&self, addr: u64) -> Option<(Vec<u8>, u64)> {
        let mm = self.p.mm.lock();
        let vma = mm.space.find(addr)?;
        match &vma.backing {
            osprey_mm::Backing::File { id, offset, .. } => {
                let path = id.path.as_bytes().to_vec();
                // The executable's bias is known from loading it; for other objects (shared
                // libraries, linked at 0 with vaddr == file offset) it is start - offset.
                let bias = if path == self.p.exe {
                    *self.p.exe_bias.lock()
                } else {
                    vma.start - offset
                };
                Some((path, bias))
            }
            _ => None,
        }
    }
}

fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & !0xff) << 12)
}

fn comm_of(exe: &[u8]) -> [u8; 16] {
    let base = exe.rsplit(|&b| b == b'/').next().unwrap_or(exe);
    let mut n = [0u8; 16];
    let k = base.len().min(15);
    n[..k].copy_from_slice(&base[..k]);
    n
}
