//! What the Linux layer needs from the machine. The kernel crate implements it with the hal;
//! host tests implement it with fakes. Keeping this a trait is what lets every system call be
//! unit-tested on the host, and what a ring-3 (PVM) mode will implement differently.

use osprey_abi::Errno;
use osprey_proto::frame::CrashReport;

/// Which of the app's standard streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

pub trait Machine: Send + Sync {
    /// Copies from app memory. EFAULT if any byte is not readable app memory.
    fn copy_from_user(&self, src: u64, dst: &mut [u8]) -> Result<(), Errno>;
    /// Copies to app memory. EFAULT if any byte is not writable app memory.
    fn copy_to_user(&self, dst: u64, src: &[u8]) -> Result<(), Errno>;
    /// Reads the aligned 32-bit word at `addr` (futexes). EFAULT if unreadable or unaligned.
    fn read_u32(&self, addr: u64) -> Result<u32, Errno> {
        let mut b = [0u8; 4];
        self.copy_from_user(addr, &mut b)?;
        Ok(u32::from_ne_bytes(b))
    }
    /// Atomically (against every CPU) replaces the aligned word at `addr` with `new` if it
    /// holds `expected`; returns the value it held.
    fn cmpxchg_u32(&self, addr: u64, expected: u32, new: u32) -> Result<u32, Errno> {
        let old = self.read_u32(addr)?;
        if old == expected {
            self.copy_to_user(addr, &new.to_ne_bytes())?;
        }
        Ok(old)
    }
    /// Fills app memory with a byte.
    fn fill_user(&self, dst: u64, byte: u8, len: usize) -> Result<(), Errno>;

    /// Writes the app's output to the host.
    fn console_write(&self, stream: Stream, bytes: &[u8]);
    /// Reads the app's stdin. Blocks until at least one byte or end of file (Ok(0)); with
    /// `nonblock`, EAGAIN instead of blocking.
    fn console_read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno>;
    /// Bytes of stdin available without blocking (FIONREAD).
    fn console_pending(&self) -> usize;
    /// The app set its terminal's attributes (a Linux `struct termios`, 36 bytes): the host
    /// mirrors them on its own terminal.
    fn console_set_termios(&self, _termios: &[u8]) {}
    /// The host terminal's size (columns, rows), for TIOCGWINSZ; 80x24 when unknown.
    fn terminal_size(&self) -> (u16, u16) {
        (80, 24)
    }
    /// Whether a read of stdin would not block (data, or end of file).
    fn console_readable(&self) -> bool;
    /// Waits a little for something to happen (console input, a timer), at most until
    /// CLOCK_MONOTONIC reaches `until_ns`. Blocking calls loop around it.
    fn idle(&self, until_ns: u64);
    /// Records a boot milestone for `--bootchart` (costs a TSC read).
    fn milestone(&self, _name: &'static str) {}
    /// One `--strace` line.
    fn strace(&self, line: &str);

    /// Nanoseconds since boot (CLOCK_MONOTONIC).
    fn monotonic_ns(&self) -> u64;
    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
    fn realtime_ns(&self) -> u64;
    /// CLOCK_REALTIME for file timestamps, where coarse is fine.
    fn file_time_ns(&self) -> u64 {
        self.realtime_ns()
    }
    /// Sleeps until CLOCK_MONOTONIC reaches `deadline_ns`.
    fn sleep_until(&self, deadline_ns: u64);
    /// Cryptographically strong random bytes.
    fn random(&self, buf: &mut [u8]);

    /// Starts a new thread of the app, named `thread` (its tid). It resumes the current
    /// system call's registers with rax = 0, rsp = `stack` (0: the caller's) and FS base
    /// `tls` (None: the caller's), and a copy of the caller's vector state, as `clone` does.
    /// ENOMEM when the kernel cannot make it.
    fn spawn_thread(
        &self,
        thread: alloc::sync::Arc<crate::thread::Thread>,
        stack: u64,
        tls: Option<u64>,
    ) -> Result<(), Errno>;
    /// Sleeps the calling thread until [`Machine::unpark`] names it, CLOCK_MONOTONIC reaches
    /// `deadline_ns`, or for no reason: callers re-check what they wait for.
    fn park(&self, deadline_ns: Option<u64>);
    /// Wakes thread `tid` from [`Machine::park`] (or makes its next park return at once).
    fn unpark(&self, tid: i32);
    /// Makes thread `tid` leave app code soon if it is running there on another CPU, so that
    /// what was just queued for it (a signal) is acted on at once rather than at its next
    /// system call or tick.
    fn interrupt_thread(&self, _tid: i32) {}
    /// Arms the process's real-time interval timer for `deadline_ns` (CLOCK_MONOTONIC), or
    /// disarms it: when it fires the kernel calls `Linux::itimer_fired`.
    fn set_alarm(&self, deadline_ns: Option<u64>);
    /// The network stack next needs polling at `deadline_ns` (CLOCK_MONOTONIC; None: only
    /// when a frame arrives). Socket calls poll the stack themselves and pass on what it
    /// asked for (a retransmission, a delayed ACK, frames the full card could not take yet),
    /// so that the kernel's network timer polls it then.
    fn net_timer(&self, _deadline_ns: Option<u64>) {}
    /// Lets other runnable threads run (sched_yield).
    fn yield_now(&self);
    /// Whether another thread waits to run on the caller's CPU (it runs as soon as the
    /// caller sleeps).
    fn others_runnable(&self) -> bool {
        false
    }
    /// Ends the calling thread (the Linux layer did its exit work); other threads go on.
    fn exit_thread(&self) -> !;
    /// Moves the calling thread to a CPU its affinity allows, if the current one is not.
    fn migrate_if_needed(&self) {}
    /// The CPU the caller runs on.
    fn cpu_id(&self) -> u32 {
        0
    }

    /// The app's FS base (TLS).
    fn set_fs_base(&self, v: u64);
    fn fs_base(&self) -> u64;

    /// Total and free RAM in bytes.
    fn memory(&self) -> (u64, u64);
    /// Where ramfs file pages come from: memory the page tables can map, so that MAP_SHARED
    /// mappings map the file's own pages. Default: heap pages (host tests, which map nothing).
    fn file_pages(&self) -> alloc::sync::Arc<dyn osprey_vfs::PageAllocator> {
        alloc::sync::Arc::new(osprey_vfs::HeapPages)
    }
    /// The vDSO's functions (name, address the app can call); none: no vDSO is mapped.
    fn vdso_symbols(&self) -> alloc::vec::Vec<(&'static str, u64)> {
        alloc::vec::Vec::new()
    }
    /// Number of CPUs the app may use.
    fn cpus(&self) -> u32;
    /// Text for /proc/cpuinfo.
    fn cpuinfo(&self) -> alloc::string::String;
    /// AT_HWCAP / AT_HWCAP2.
    fn hwcap(&self) -> (u64, u64);

    /// The app's vector state image: (bytes of the XSAVE image for the enabled components,
    /// XCR0); (512, 0) when the CPU has only FXSAVE. A signal frame's fpstate holds one.
    fn fpu_layout(&self) -> (usize, u64);
    /// Saves the calling thread's vector registers into `buf` (`fpu_layout().0` bytes), in
    /// XSAVE (or FXSAVE) standard format.
    fn fpu_save(&self, buf: &mut [u8]);
    /// Loads the calling thread's vector registers from such an image (rt_sigreturn). EFAULT
    /// when the image is not one the CPU would accept (reserved bits, unknown components).
    fn fpu_restore(&self, buf: &[u8]) -> Result<(), Errno>;

    /// The app's registers at the current system call or trap, in CrashReport order.
    fn current_regs(&self) -> [u64; 18];

    /// Ends the VM with the app's exit status (0..=255; 128+signal for a signal).
    fn exit(&self, status: i32) -> !;
    /// Reports a fatal signal and ends the VM with 128+signal.
    fn crash(&self, report: &CrashReport) -> !;
}
