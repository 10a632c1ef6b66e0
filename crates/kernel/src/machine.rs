//! The Linux layer's view of the machine (`osprey_linux::Machine`), implemented with the hal.

use core::sync::atomic::{AtomicU64, Ordering};

use osprey_abi::Errno;
use osprey_hal::dev::{power, serial};
use osprey_hal::mm::usercopy;
use osprey_linux::{Machine, Stream};
use osprey_proto::frame::{CrashReport, Tag};

pub struct KernelMachine;

pub static MACHINE: KernelMachine = KernelMachine;

/// The host terminal's size from `winsize=` on the command line: columns << 16 | rows.
static WINSIZE: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

pub fn set_winsize(cols: u16, rows: u16) {
    WINSIZE.store(((cols as u32) << 16) | rows as u32, Ordering::Relaxed);
}

/// The TSC at the PVH entry: CLOCK_MONOTONIC's zero.
static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
/// CLOCK_REALTIME at boot, from the host's clock in the launch record (ns since the epoch).
static REALTIME_AT_BOOT: AtomicU64 = AtomicU64::new(0);

pub fn init_clock(entry_tsc: u64) {
    BOOT_TSC.store(entry_tsc, Ordering::Relaxed);
}

pub fn set_realtime(host_ns: u64) {
    // The host took its time just before starting QEMU; boot so far is a few milliseconds.
    REALTIME_AT_BOOT.store(host_ns, Ordering::Relaxed);
}

/// The launch record's time (taken while packing) is the fallback when the command line has
/// none.
pub fn set_realtime_if_unset(host_ns: u64) {
    let _ = REALTIME_AT_BOOT.compare_exchange(0, host_ns, Ordering::Relaxed, Ordering::Relaxed);
}

fn since_boot_ns() -> u64 {
    // The frequency first: a first call may calibrate (50 ms), which must not count.
    osprey_hal::time::tsc_hz();
    let t = osprey_hal::time::tsc().saturating_sub(BOOT_TSC.load(Ordering::Relaxed));
    osprey_hal::time::tsc_to_ns(t)
}

/// CLOCK_MONOTONIC: nanoseconds since the PVH entry.
pub fn monotonic_ns() -> u64 {
    since_boot_ns()
}

/// The TSC value at which CLOCK_MONOTONIC reads `ns`.
pub fn tsc_at(ns: u64) -> u64 {
    BOOT_TSC
        .load(Ordering::Relaxed)
        .saturating_add(osprey_hal::time::ns_to_tsc(ns))
}

/// Ends the VM with `status`, after the boot chart if asked for.
pub fn shutdown(status: i32) -> ! {
    crate::net::log_counters();
    crate::profile::report(crate::traps::LINUX.get());
    if crate::BOOTCHART.load(Ordering::Relaxed) {
        // The end of the run as the guest sees it: PVH entry -> "app exited" is what the
        // benchmarks compare with a process's start-to-exit time in a Linux guest.
        crate::bootchart::mark("app exited");
        crate::bootchart::report();
    }
    if osprey_hal::time::tsc_was_calibrated() {
        let khz = osprey_hal::time::tsc_hz() / 1000;
        serial::write_frame(Tag::TscKhz as u8, &khz.to_le_bytes());
    }
    serial::write_frame(Tag::Exit as u8, &status.to_le_bytes());
    power::exit(osprey_proto::DEBUG_EXIT_NORMAL)
}

impl Machine for KernelMachine {
    fn copy_from_user(&self, src: u64, dst: &mut [u8]) -> Result<(), Errno> {
        usercopy::copy_from_user(dst, src).map_err(|_| Errno::EFAULT)
    }

    fn copy_to_user(&self, dst: u64, src: &[u8]) -> Result<(), Errno> {
        usercopy::copy_to_user(dst, src).map_err(|_| Errno::EFAULT)
    }

    fn read_u32(&self, addr: u64) -> Result<u32, Errno> {
        usercopy::read_u32(addr).map_err(|_| Errno::EFAULT)
    }

    fn cmpxchg_u32(&self, addr: u64, expected: u32, new: u32) -> Result<u32, Errno> {
        usercopy::cmpxchg_u32(addr, expected, new).map_err(|_| Errno::EFAULT)
    }

    fn fill_user(&self, dst: u64, byte: u8, len: usize) -> Result<(), Errno> {
        usercopy::fill_user(dst, byte, len).map_err(|_| Errno::EFAULT)
    }

    fn console_write(&self, stream: Stream, bytes: &[u8]) {
        let tag = match stream {
            Stream::Stdout => Tag::Stdout,
            Stream::Stderr => Tag::Stderr,
        };
        serial::write_frame(tag as u8, bytes);
    }

    fn console_read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        crate::stdin::read(buf, nonblock)
    }

    fn console_pending(&self) -> usize {
        crate::stdin::pending()
    }

    fn console_set_termios(&self, termios: &[u8]) {
        serial::write_frame(Tag::Termios as u8, termios);
    }

    fn console_readable(&self) -> bool {
        crate::stdin::readable()
    }

    fn idle(&self, until_ns: u64) {
        // A card interrupt or stack timer noted but not yet served is served before the
        // thread sleeps (the socket calls poll the stack themselves after queuing).
        crate::net::poll_if_pending();
        // iowait chooses how soon to look again (console input and sockets notify; timerfds
        // do not).
        crate::sched::park(Some(until_ns));
    }

    fn milestone(&self, name: &'static str) {
        crate::bootchart::mark(name);
    }

    fn strace(&self, line: &str) {
        serial::write_frame(Tag::Strace as u8, line.as_bytes());
    }

    fn monotonic_ns(&self) -> u64 {
        since_boot_ns()
    }

    fn file_time_ns(&self) -> u64 {
        // File timestamps need no precision: before the TSC frequency is known (boot, with no
        // hint from the host), use the launch time rather than spending 10 ms calibrating.
        if osprey_hal::time::tsc_hz_known() {
            self.realtime_ns()
        } else {
            REALTIME_AT_BOOT.load(Ordering::Relaxed)
        }
    }

    fn realtime_ns(&self) -> u64 {
        REALTIME_AT_BOOT.load(Ordering::Relaxed) + since_boot_ns()
    }

    fn sleep_until(&self, deadline_ns: u64) {
        crate::sched::sleep_until(deadline_ns);
    }

    fn spawn_thread(
        &self,
        thread: alloc::sync::Arc<osprey_linux::thread::Thread>,
        stack: u64,
        tls: Option<u64>,
    ) -> Result<(), Errno> {
        // The child resumes the caller's system call: same registers, rax = 0, its own stack.
        let mut frame = osprey_hal::trap::syscall_frame().ok_or(Errno::EINVAL)?;
        frame.rax = 0;
        if stack != 0 {
            frame.rsp = stack;
        }
        let fs = tls.unwrap_or_else(osprey_hal::cpu::fs_base);
        crate::sched::spawn(thread, &frame, fs)
    }

    fn park(&self, deadline_ns: Option<u64>) {
        crate::sched::park(deadline_ns);
    }

    fn unpark(&self, tid: i32) {
        crate::sched::unpark(tid);
    }

    fn interrupt_thread(&self, tid: i32) {
        crate::sched::interrupt_thread(tid);
    }

    fn cpu_id(&self) -> u32 {
        osprey_hal::cpu::percpu::cpu_id() as u32
    }

    fn migrate_if_needed(&self) {
        crate::sched::migrate_if_needed();
    }

    fn set_alarm(&self, deadline_ns: Option<u64>) {
        crate::sched::set_itimer(deadline_ns);
    }

    fn net_timer(&self, deadline_ns: Option<u64>) {
        crate::sched::set_net_timer(deadline_ns);
    }

    fn yield_now(&self) {
        crate::sched::yield_now();
    }

    fn others_runnable(&self) -> bool {
        crate::sched::others_runnable()
    }

    fn exit_thread(&self) -> ! {
        crate::sched::exit_current()
    }

    fn random(&self, buf: &mut [u8]) {
        crate::rng::fill(buf);
    }

    fn set_fs_base(&self, v: u64) {
        osprey_hal::cpu::set_fs_base(v);
    }

    fn fs_base(&self) -> u64 {
        osprey_hal::cpu::fs_base()
    }

    fn file_pages(&self) -> alloc::sync::Arc<dyn osprey_vfs::PageAllocator> {
        alloc::sync::Arc::new(crate::file_pages::FramePages)
    }

    fn memory(&self) -> (u64, u64) {
        let s = osprey_hal::mm::stats();
        (s.total_bytes, s.free_bytes)
    }

    fn terminal_size(&self) -> (u16, u16) {
        match WINSIZE.load(Ordering::Relaxed) {
            0 => (80, 24),
            v => ((v >> 16) as u16, v as u16),
        }
    }

    fn vdso_symbols(&self) -> alloc::vec::Vec<(&'static str, u64)> {
        crate::vdso::symbols()
    }

    fn cpus(&self) -> u32 {
        osprey_hal::cpu::cpu_count() as u32
    }

    fn cpuinfo(&self) -> alloc::string::String {
        crate::cpuinfo::text(self.cpus())
    }

    fn hwcap(&self) -> (u64, u64) {
        let f = osprey_hal::cpu::features();
        // HWCAP2 bit 1: the kernel enabled FSGSBASE, so the app may use rdfsbase/wrfsbase.
        (f.hwcap as u64, if f.fsgsbase { 1 << 1 } else { 0 })
    }

    fn fpu_layout(&self) -> (usize, u64) {
        (
            osprey_hal::task::fpu::area_size(),
            osprey_hal::task::fpu::xfeatures(),
        )
    }

    fn fpu_save(&self, buf: &mut [u8]) {
        // Only a heap exhaustion can fail here; the frame then carries a reset state.
        if osprey_hal::task::fpu::save_running(buf).is_err() {
            buf.fill(0);
        }
    }

    fn fpu_restore(&self, buf: &[u8]) -> Result<(), Errno> {
        osprey_hal::task::fpu::restore_running(buf).map_err(|_| Errno::EFAULT)
    }

    fn current_regs(&self) -> [u64; 18] {
        osprey_hal::trap::syscall_frame()
            .map(|f| f.regs_for_report())
            .unwrap_or_default()
    }

    fn exit(&self, status: i32) -> ! {
        shutdown(status)
    }

    fn crash(&self, report: &CrashReport) -> ! {
        let mut report = report.clone();
        if report.module_path.is_empty() {
            if let Some((path, bias)) = crate::traps::LINUX
                .get()
                .and_then(|l| l.module_at(report.regs[16]))
            {
                report.module_path = path;
                report.module_bias = bias;
            }
        }
        serial::write_frame(Tag::Crash as u8, &report.encode());
        shutdown(128 + report.signal as i32)
    }
}
