//! A fake machine and a ready-made process for host tests of the system calls.
//!
//! App memory is a sparse map of 4 KiB pages (unmapped addresses are holes: copies touching
//! them fail with EFAULT, as the real user-copy fixups do), console output is captured, the
//! clocks are fixed, the RNG is a deterministic xorshift, and `exit`/`crash` panic with a
//! message starting `osprey-test:` so a test can expect them.

use std::boxed::Box;
use std::collections::{BTreeMap, VecDeque};
use std::string::String;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::vec::Vec;

use osprey_abi::Errno;
use osprey_mm::{PageTable, Perm};
use osprey_proto::frame::CrashReport;
use osprey_vfs::{Clock, Dentry, DevFs, FdTable, OpenFile, RamFs, Timespec, Vfs};

use crate::console::{Console, Kind};
use crate::machine::{Machine, Stream};
use crate::memory::Memory;
use crate::process::{self, Creds, FsState, Process, SignalState};
use crate::syscall::Ctx;
use crate::thread::Thread;

const PAGE: u64 = 4096;
/// CLOCK_MONOTONIC of the fake machine: 5 s after boot.
pub const MONOTONIC_NS: u64 = 5_000_000_000;
/// CLOCK_REALTIME of the fake machine: 2023-11-14T22:13:20.5Z.
pub const REALTIME_NS: u64 = 1_700_000_000_500_000_000;
/// RAM of the fake machine: 256 MiB, 128 MiB free.
pub const MEM_TOTAL: u64 = 256 << 20;
pub const MEM_FREE: u64 = 128 << 20;

struct Page {
    writable: bool,
    data: Box<[u8; PAGE as usize]>,
}

#[derive(Default)]
pub struct FakeMachine {
    pages: Mutex<BTreeMap<u64, Page>>,
    /// Next address `alloc` hands out.
    next: AtomicU64,
    pub stdout: Mutex<Vec<u8>>,
    pub stderr: Mutex<Vec<u8>>,
    pub stdin: Mutex<VecDeque<u8>>,
    pub strace_lines: Mutex<Vec<String>>,
    rng: Mutex<u64>,
    fs_base: AtomicU64,
    /// How far the fake clock has moved past MONOTONIC_NS (parks and sleeps move it).
    elapsed: AtomicU64,
    /// Threads started with spawn_thread: (tid, stack, tls).
    pub spawned: Mutex<Vec<(i32, u64, Option<u64>)>>,
    /// Threads unparked, in order.
    pub unparked: Mutex<Vec<i32>>,
    /// The calling thread's vector registers (an XSAVE image of FPU_SIZE bytes).
    pub fpu: Mutex<Vec<u8>>,
    /// The deadline of the armed ITIMER_REAL.
    pub alarm: Mutex<Option<u64>>,
}

/// Size of the fake's XSAVE image (x87, SSE, AVX: 576 + 256).
pub const FPU_SIZE: usize = 832;

impl FakeMachine {
    pub fn new() -> FakeMachine {
        let m = FakeMachine::default();
        m.next.store(0x1000_0000, Ordering::Relaxed);
        *m.rng.lock().unwrap() = 0x9e37_79b9_7f4a_7c15;
        let mut fpu = vec![0u8; FPU_SIZE];
        fpu[24..28].copy_from_slice(&0x1f80u32.to_le_bytes()); // MXCSR reset value
        fpu[512..520].copy_from_slice(&3u64.to_le_bytes()); // XSTATE_BV: x87, SSE
        *m.fpu.lock().unwrap() = fpu;
        m
    }

    fn advance_to(&self, deadline_ns: u64) {
        let want = deadline_ns.saturating_sub(MONOTONIC_NS);
        self.elapsed.fetch_max(want, Ordering::Relaxed);
    }

    /// A leaked machine, for `&'static dyn Machine` users (devices, procfs).
    pub fn leak() -> &'static FakeMachine {
        Box::leak(Box::new(FakeMachine::new()))
    }

    /// Maps zeroed pages covering `[addr, addr + len)`.
    pub fn map(&self, addr: u64, len: u64, writable: bool) {
        let mut pages = self.pages.lock().unwrap();
        let mut p = addr & !(PAGE - 1);
        while p < addr + len {
            pages.entry(p).or_insert_with(|| Page {
                writable,
                data: Box::new([0; PAGE as usize]),
            });
            p += PAGE;
        }
    }

    /// Unmaps the page containing `addr`.
    #[allow(dead_code)]
    pub fn unmap(&self, addr: u64) {
        self.pages.lock().unwrap().remove(&(addr & !(PAGE - 1)));
    }

    /// Fresh writable memory of `len` bytes, followed by an unmapped guard page; returns its
    /// address.
    pub fn alloc(&self, len: u64) -> u64 {
        let pages = len.div_ceil(PAGE).max(1);
        let addr = self.next.fetch_add((pages + 1) * PAGE, Ordering::Relaxed);
        self.map(addr, pages * PAGE, true);
        addr
    }

    /// Fresh memory holding `bytes`, placed so that it ends exactly at a guard page.
    pub fn alloc_bytes(&self, bytes: &[u8]) -> u64 {
        let len = bytes.len() as u64;
        let base = self.alloc(len.max(1));
        let pages = len.div_ceil(PAGE).max(1);
        let addr = base + pages * PAGE - len;
        self.poke(addr, bytes);
        addr
    }

    /// A NUL-terminated string in fresh memory.
    pub fn cstr(&self, s: &str) -> u64 {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.alloc_bytes(&v)
    }

    /// Writes app memory directly (must be mapped).
    pub fn poke(&self, addr: u64, bytes: &[u8]) {
        let mut pages = self.pages.lock().unwrap();
        for (i, b) in bytes.iter().enumerate() {
            let a = addr + i as u64;
            let page = pages.get_mut(&(a & !(PAGE - 1))).expect("poke: unmapped");
            page.data[(a % PAGE) as usize] = *b;
        }
    }

    /// Reads app memory directly (must be mapped).
    pub fn peek(&self, addr: u64, len: usize) -> Vec<u8> {
        let pages = self.pages.lock().unwrap();
        (0..len as u64)
            .map(|i| {
                let a = addr + i;
                pages.get(&(a & !(PAGE - 1))).expect("peek: unmapped").data[(a % PAGE) as usize]
            })
            .collect()
    }

    pub fn peek_i32(&self, addr: u64) -> i32 {
        i32::from_le_bytes(self.peek(addr, 4).try_into().unwrap())
    }

    /// What the app wrote to stdout so far.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    fn each_byte(
        &self,
        addr: u64,
        len: usize,
        write: bool,
        mut f: impl FnMut(usize, &mut u8),
    ) -> Result<(), Errno> {
        let end = addr.checked_add(len as u64).ok_or(Errno::EFAULT)?;
        let mut pages = self.pages.lock().unwrap();
        // Check the whole range first: the real copy may stop midway, but no test relies on
        // partially copied bytes.
        let mut p = addr & !(PAGE - 1);
        while p < end {
            match pages.get(&p) {
                Some(pg) if !write || pg.writable => {}
                _ => return Err(Errno::EFAULT),
            }
            p += PAGE;
        }
        for i in 0..len {
            let a = addr + i as u64;
            let pg = pages.get_mut(&(a & !(PAGE - 1))).ok_or(Errno::EFAULT)?;
            f(i, &mut pg.data[(a % PAGE) as usize]);
        }
        Ok(())
    }
}

impl Machine for FakeMachine {
    fn copy_from_user(&self, src: u64, dst: &mut [u8]) -> Result<(), Errno> {
        self.each_byte(src, dst.len(), false, |i, b| dst[i] = *b)
    }
    fn copy_to_user(&self, dst: u64, src: &[u8]) -> Result<(), Errno> {
        self.each_byte(dst, src.len(), true, |i, b| *b = src[i])
    }
    fn fill_user(&self, dst: u64, byte: u8, len: usize) -> Result<(), Errno> {
        self.each_byte(dst, len, true, |_, b| *b = byte)
    }
    fn console_write(&self, stream: Stream, bytes: &[u8]) {
        match stream {
            Stream::Stdout => self.stdout.lock().unwrap().extend_from_slice(bytes),
            Stream::Stderr => self.stderr.lock().unwrap().extend_from_slice(bytes),
        }
    }
    fn console_read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        let mut q = self.stdin.lock().unwrap();
        if q.is_empty() && nonblock {
            return Err(Errno::EAGAIN);
        }
        // An empty queue is end of file (a blocking read could never be satisfied).
        let n = buf.len().min(q.len());
        for (d, s) in buf.iter_mut().zip(q.drain(..n)) {
            *d = s;
        }
        Ok(n)
    }
    fn console_pending(&self) -> usize {
        self.stdin.lock().unwrap().len()
    }
    fn console_readable(&self) -> bool {
        // The fake's stdin is whatever the test put there, then end of file.
        true
    }
    fn idle(&self, _until_ns: u64) {}
    fn strace(&self, line: &str) {
        self.strace_lines.lock().unwrap().push(line.into());
    }
    fn monotonic_ns(&self) -> u64 {
        MONOTONIC_NS + self.elapsed.load(Ordering::Relaxed)
    }
    fn realtime_ns(&self) -> u64 {
        REALTIME_NS
    }
    fn sleep_until(&self, deadline_ns: u64) {
        self.advance_to(deadline_ns);
    }
    fn spawn_thread(
        &self,
        thread: std::sync::Arc<crate::thread::Thread>,
        stack: u64,
        tls: Option<u64>,
    ) -> Result<(), Errno> {
        self.spawned.lock().unwrap().push((thread.tid, stack, tls));
        Ok(())
    }
    fn park(&self, deadline_ns: Option<u64>) {
        // One thread: nobody else can unpark it, so only a deadline ends the park.
        match deadline_ns {
            Some(d) => self.advance_to(d),
            None => panic!("osprey-test: park with no deadline and no other thread"),
        }
    }
    fn unpark(&self, tid: i32) {
        self.unparked.lock().unwrap().push(tid);
    }
    fn set_alarm(&self, deadline_ns: Option<u64>) {
        *self.alarm.lock().unwrap() = deadline_ns;
    }
    fn yield_now(&self) {}
    fn exit_thread(&self) -> ! {
        panic!("osprey-test: exit_thread")
    }
    fn random(&self, buf: &mut [u8]) {
        let mut s = self.rng.lock().unwrap();
        for b in buf {
            *s ^= *s << 13;
            *s ^= *s >> 7;
            *s ^= *s << 17;
            *b = *s as u8;
        }
    }
    fn set_fs_base(&self, v: u64) {
        self.fs_base.store(v, Ordering::Relaxed);
    }
    fn fs_base(&self) -> u64 {
        self.fs_base.load(Ordering::Relaxed)
    }
    fn memory(&self) -> (u64, u64) {
        (MEM_TOTAL, MEM_FREE)
    }
    fn cpus(&self) -> u32 {
        1
    }
    fn cpuinfo(&self) -> String {
        "processor\t: 0\n".into()
    }
    fn hwcap(&self) -> (u64, u64) {
        (0, 0)
    }
    fn fpu_layout(&self) -> (usize, u64) {
        (FPU_SIZE, 0b111)
    }
    fn fpu_save(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.fpu.lock().unwrap());
    }
    fn fpu_restore(&self, buf: &[u8]) -> Result<(), Errno> {
        // What XRSTOR insists on: MXCSR's reserved bits clear, a standard-format header.
        let mxcsr = u32::from_le_bytes(buf[24..28].try_into().unwrap());
        if mxcsr & 0xffff_0000 != 0 || buf[520..528] != [0; 8] {
            return Err(Errno::EFAULT);
        }
        self.fpu.lock().unwrap().copy_from_slice(buf);
        Ok(())
    }
    fn current_regs(&self) -> [u64; 18] {
        [0; 18]
    }
    fn exit(&self, status: i32) -> ! {
        panic!("osprey-test: exit({status})")
    }
    fn crash(&self, report: &CrashReport) -> ! {
        panic!("osprey-test: crash(signal {})", report.signal)
    }
}

/// Page tables that map nothing: the fs tests never fault app memory in through the mm.
struct NullPt;

impl PageTable for NullPt {
    fn map_zeroed(&mut self, _va: u64, _perm: Perm) -> Result<(), Errno> {
        Ok(())
    }
    fn map_with(&mut self, _va: u64, _perm: Perm, _data: &[u8]) -> Result<(), Errno> {
        Ok(())
    }
    fn map_shared(
        &mut self,
        _va: u64,
        _perm: Perm,
        _page: &osprey_mm::SharedPage,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn is_mapped(&self, _va: u64) -> bool {
        false
    }
    fn unmap_range(&mut self, _start: u64, _end: u64) -> u64 {
        0
    }
    fn protect_range(&mut self, _start: u64, _end: u64, _perm: Perm) {}
    fn move_range(&mut self, _from: u64, _to: u64, _len: u64) {}
}

/// A machine and a process like `Linux::boot` builds: a ramfs `/` with `/tmp`, devfs on
/// `/dev`, procfs on `/proc`, fds 0-2 on console devices, cwd `/`, umask 022.
pub struct TestEnv {
    pub m: &'static FakeMachine,
    pub p: &'static Process,
    /// The calling thread (the main one).
    pub t: &'static Thread,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let m = FakeMachine::leak();
        let md: &'static dyn Machine = m;
        let clock: Clock = std::sync::Arc::new(move || {
            let ns = md.realtime_ns();
            Timespec::new((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as i64)
        });
        let rootfs = RamFs::new(clock.clone());
        let vfs = Vfs::new(rootfs.root());
        let root = vfs.root();
        for dir in [&b"/dev"[..], b"/proc", b"/tmp", b"/etc"] {
            vfs.mkdir(&root, dir, 0o755).unwrap();
        }
        let rng: osprey_vfs::Rng = std::sync::Arc::new(move |b: &mut [u8]| md.random(b));
        let devfs = DevFs::new(clock.clone(), rng);
        let mk = |name: &[u8], kind| {
            devfs.add_device(
                name,
                osprey_vfs::consts::makedev(5, 1),
                0o620,
                Console::new(md, kind, false),
            )
        };
        let ins = [
            mk(b"in", Kind::In),
            mk(b"out", Kind::Out),
            mk(b"err", Kind::Err),
        ];
        for n in [&b"in"[..], b"out", b"err"] {
            devfs.dir().remove(n);
        }
        vfs.mount(&root, b"/dev", devfs.root(), "devtmpfs", "devtmpfs")
            .unwrap();
        let files = FdTable::new();
        for (inode, flags) in ins.into_iter().zip([0, 1, 1]) {
            let f = OpenFile::new(Dentry::anonymous(inode, b"/dev/console"), flags).unwrap();
            files.insert(f, false).unwrap();
        }
        let p = Process {
            pid: process::PID,
            strace: false,
            vfs,
            fs: spin::Mutex::new(FsState {
                cwd: root,
                umask: 0o022,
            }),
            files,
            mm: crate::memory::MemoryLock::new(Memory::new(Box::new(NullPt))),
            exe: b"/bin/test".to_vec(),
            cmdline: b"test\0".to_vec(),
            environ: Vec::new(),
            creds: spin::Mutex::new(Creds::root()),
            rlimits: spin::Mutex::new(process::default_rlimits(MEM_TOTAL)),
            signals: std::sync::Arc::new(spin::Mutex::new(SignalState::new())),
            threads: spin::Mutex::new(std::collections::BTreeMap::new()),
            next_tid: core::sync::atomic::AtomicI32::new(process::PID + 1),
            futexes: crate::futex::FutexTable::new(),
            start_ns: MONOTONIC_NS,
            hostname: b"osprey".to_vec(),
            auxv: spin::Mutex::new(Vec::new()),
            exe_bias: spin::Mutex::new(0),
        };
        let p: &'static Process = Box::leak(Box::new(p));
        let main = std::sync::Arc::new(Thread::new(
            process::PID,
            *b"test\0\0\0\0\0\0\0\0\0\0\0\0",
            0,
        ));
        p.threads.lock().insert(process::PID, main.clone());
        let t: &'static Thread = Box::leak(Box::new(main));
        let proc_root = crate::procfs::build(p, md, clock);
        p.vfs
            .mount(&p.vfs.root(), b"/proc", proc_root, "proc", "proc")
            .unwrap();
        TestEnv { m, p, t }
    }

    pub fn cx(&self) -> Ctx<'_> {
        Ctx {
            m: self.m,
            p: self.p,
            t: self.t,
        }
    }

    /// Runs a system call through the table, as the kernel does; the raw rax value.
    pub fn sys(&self, nr: usize, args: &[u64]) -> isize {
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        crate::syscall::dispatch(&self.cx(), nr, &a)
    }
}
