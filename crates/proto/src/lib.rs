//! What the host (`osprey` CLI) and the guest kernel say to each other.
//!
//! Two formats live here so that both sides are built from one definition:
//!
//! * [`launch`]: the *launch record*, a file at [`LAUNCH_PATH`] inside the initramfs that tells
//!   the kernel what to run (argv, envp, the executable, the working directory) and how (strace,
//!   verbose log, bootchart, which stdio streams are terminals, wall-clock time, a random seed).
//!   A file, not the kernel command line, so arguments may hold any bytes and any length.
//! * [`frame`]: the *console framing* on the first serial port. The guest never writes raw bytes:
//!   every write is a frame `[tag u8][len u16 LE][payload]`, so the host can tell the app's
//!   stdout from its stderr, from the kernel log, strace lines, the exit status and a crash
//!   report. The host sends stdin to the guest the same way.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod frame;
pub mod launch;
pub mod profile;

/// Where the launch record sits in the initramfs. The kernel reads it and removes it before the
/// app starts, so the app never sees it.
pub const LAUNCH_PATH: &str = ".osprey/launch";

/// Padding entries the host writes so that big files' data starts on a page boundary of the
/// initramfs (the kernel uses file contents in place). Removed by the kernel at boot.
pub const PAD_PATH: &str = ".osprey/pad";

/// Kernel command-line keys the host sets (`key=value`, space separated):
/// `realtime=NS` is the host's wall clock (ns since the epoch) just before QEMU starts, so file
/// timestamps are right from the first instruction; `tsc_khz=KHZ` is the TSC frequency the
/// host learned from an earlier run on this machine ([`frame::Tag::TscKhz`]).
pub mod cmdline {
    pub const REALTIME: &str = "realtime";
    pub const TSC_KHZ: &str = "tsc_khz";
    /// `winsize=COLSxROWS`: the host terminal's size, for the app's TIOCGWINSZ.
    pub const WINSIZE: &str = "winsize";
    /// `panic=boot`: the kernel panics on purpose once booted; `panic=ap`: every other CPU
    /// panics as soon as it runs the kernel's AP entry (tests of the panic path).
    pub const PANIC: &str = "panic";
    /// `selftest=tlb`: the hal checks at boot that TLB shootdowns reach the other CPUs and
    /// reports on stderr (tests of SMP).
    pub const SELFTEST: &str = "selftest";
    /// `net=virtio`: the VM has a virtio-net card (the kernel looks for one only then).
    pub const NET: &str = "net";
    /// `ip=ADDR/PREFIX`: the network interface's static IPv4 address (`--ip`); absent: DHCP.
    pub const IP: &str = "ip";
    /// `gw=ADDR`: the default gateway (`--gw`).
    pub const GATEWAY: &str = "gw";
    /// `pci=ports`: reach PCI configuration space through the legacy ports even when the
    /// MCFG offers an ECAM window (tests of that path).
    pub const PCI: &str = "pci";
    /// `netdefer=0`: TCP sends poll the stack at once instead of at the thread's next wait.
    pub const NET_DEFER: &str = "netdefer";
    /// `netchan=0|1`: net channels (received TCP segments queued for the socket's reader)
    /// off or on.
    pub const NET_CHANNELS: &str = "netchan";
    /// `netstate=signal`: on a signal forwarded from the host (Ctrl-C, SIGTERM to `osprey`),
    /// the kernel first writes every TCP connection's state to stderr (debugging a stalled
    /// transfer: `OSPREY_KERNEL_CMDLINE=netstate=signal`, then `timeout` or Ctrl-C).
    pub const NET_STATE: &str = "netstate";
    /// `profile=HZ`: sample every CPU's instruction pointer HZ times a second and send a
    /// [`crate::profile::ProfileReport`] at shutdown (`osprey run --profile`).
    pub const PROFILE: &str = "profile";

    /// The value of `key` in a command line.
    pub fn get<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
        cmdline.split_ascii_whitespace().find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == key).then_some(v)
        })
    }
}

/// The value the kernel writes to QEMU's `isa-debug-exit` port when it shuts down normally
/// (after an [`frame::Tag::Exit`] frame). QEMU exits with `(value << 1) | 1`.
pub const DEBUG_EXIT_NORMAL: u32 = 0x10;
/// The value written after a kernel panic (after a [`frame::Tag::Panic`] frame).
pub const DEBUG_EXIT_PANIC: u32 = 0x11;
/// The I/O port of QEMU's `isa-debug-exit` device (`-device isa-debug-exit,iobase=0xf4,iosize=4`).
pub const DEBUG_EXIT_PORT: u16 = 0xf4;
