//! Console framing: `[tag u8][len u16 little-endian][payload: len bytes]`.
//!
//! Guest to host tags are [`Tag`]; host to guest tags are [`InTag`]. A payload is at most
//! [`MAX_PAYLOAD`] bytes; longer writes are split into several frames.

use alloc::vec::Vec;

/// Largest payload of one frame.
pub const MAX_PAYLOAD: usize = u16::MAX as usize;
/// Bytes of frame header.
pub const HEADER_LEN: usize = 3;

/// Frames from the guest to the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Tag {
    /// Bytes the app wrote to its standard output.
    Stdout = 1,
    /// Bytes the app wrote to its standard error.
    Stderr = 2,
    /// One kernel log line (shown by `--verbose`; kept for the post-mortem otherwise).
    Log = 3,
    /// The app's exit status as the shell would see it (0..=255, 128+signal for a signal):
    /// payload is an `i32` little-endian. Sent once, just before the VM powers off.
    Exit = 4,
    /// A crash report: see [`CrashReport`]. Sent before the `Exit` frame of a fatal signal.
    Crash = 5,
    /// A kernel panic message (UTF-8 text, may span several frames). The VM exits right after.
    Panic = 6,
    /// One `--strace` line (UTF-8, no trailing newline).
    Strace = 7,
    /// One `--bootchart` milestone: payload is `u64` LE nanoseconds since PVH entry followed by
    /// the milestone's name (UTF-8).
    Bootchart = 8,
    /// The TSC frequency the kernel measured (payload `u64` LE, kHz), sent once when it had to
    /// calibrate against the PIT, so the host can cache it and pass `tsc_khz=` on the kernel
    /// command line next time (calibration costs 10 ms).
    TscKhz = 9,
    /// The guest's serial port is set up (payload empty). The host must not send stdin before
    /// this: setting up the UART's FIFO discards anything already received.
    Ready = 10,
    /// The app changed its terminal's settings (TCSETS on a tty): payload is the Linux
    /// `struct termios` (36 bytes). The host applies the line-discipline bits (canonical mode,
    /// echo, signals, CR/NL mapping, VMIN/VTIME) to its own terminal, so a shell's line editor or
    /// a full-screen program works as it would on the host.
    Termios = 11,
    /// Part of the sampling profiler's report (`--profile`): the payloads of all Profile
    /// frames, in order, form one [`crate::profile::ProfileReport`]. Sent at shutdown, before
    /// the `Exit` frame.
    Profile = 12,
}

impl Tag {
    pub fn from_u8(v: u8) -> Option<Tag> {
        Some(match v {
            1 => Tag::Stdout,
            2 => Tag::Stderr,
            3 => Tag::Log,
            4 => Tag::Exit,
            5 => Tag::Crash,
            6 => Tag::Panic,
            7 => Tag::Strace,
            8 => Tag::Bootchart,
            9 => Tag::TscKhz,
            10 => Tag::Ready,
            11 => Tag::Termios,
            12 => Tag::Profile,
            _ => return None,
        })
    }
}

/// Frames from the host to the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum InTag {
    /// Bytes for the app's standard input.
    Stdin = 1,
    /// The host's standard input reached end of file (payload empty).
    StdinEof = 2,
    /// `osprey` received a signal (SIGINT, SIGTERM, SIGHUP) meant for the app: payload is
    /// the signal number, `u32` LE. The kernel sends it to the process, as `docker stop`
    /// does; its default action ends the app with 128+N, a handler may shut down cleanly.
    Signal = 3,
}

impl InTag {
    pub fn from_u8(v: u8) -> Option<InTag> {
        match v {
            1 => Some(InTag::Stdin),
            2 => Some(InTag::StdinEof),
            3 => Some(InTag::Signal),
            _ => None,
        }
    }
}

/// The header of a frame carrying `len` bytes.
pub fn header(tag: u8, len: usize) -> [u8; HEADER_LEN] {
    debug_assert!(len <= MAX_PAYLOAD);
    let l = (len as u16).to_le_bytes();
    [tag, l[0], l[1]]
}

/// Appends `payload` to `out` as one or more frames with `tag`.
pub fn encode(out: &mut Vec<u8>, tag: u8, payload: &[u8]) {
    if payload.is_empty() {
        out.extend_from_slice(&header(tag, 0));
        return;
    }
    for chunk in payload.chunks(MAX_PAYLOAD) {
        out.extend_from_slice(&header(tag, chunk.len()));
        out.extend_from_slice(chunk);
    }
}

/// An incremental decoder: feed it bytes as they arrive, take whole frames out.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes received from the other side.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Takes the next whole frame, if one has fully arrived: `(tag, payload)`.
    pub fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        if self.buf.len() < HEADER_LEN {
            return None;
        }
        let len = u16::from_le_bytes([self.buf[1], self.buf[2]]) as usize;
        if self.buf.len() < HEADER_LEN + len {
            return None;
        }
        let tag = self.buf[0];
        let payload = self.buf[HEADER_LEN..HEADER_LEN + len].to_vec();
        self.buf.drain(..HEADER_LEN + len);
        Some((tag, payload))
    }

    /// Bytes received that do not yet form a whole frame.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }
}

/// What the kernel knows about a fatal signal in the app, for the host to print and symbolize.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrashReport {
    /// Linux signal number (11 for SIGSEGV).
    pub signal: u32,
    /// `si_code` as Linux would set it (SEGV_MAPERR = 1, SEGV_ACCERR = 2, ...).
    pub code: i32,
    /// The faulting address (`si_addr`); 0 when the signal has none.
    pub fault_addr: u64,
    /// General registers at the fault, in this order: rax rbx rcx rdx rsi rdi rbp rsp
    /// r8 r9 r10 r11 r12 r13 r14 r15 rip rflags.
    pub regs: [u64; 18],
    /// Load bias of the ELF object that contains `rip` (0 for a non-PIE executable).
    pub module_bias: u64,
    /// Guest path of the ELF object that contains `rip`, empty when `rip` is in no mapped file.
    pub module_path: Vec<u8>,
}

/// Register names in [`CrashReport::regs`] order.
pub const REG_NAMES: [&str; 18] = [
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15", "rip", "rflags",
];

impl CrashReport {
    pub fn rip(&self) -> u64 {
        self.regs[16]
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4 + 4 + 8 + 18 * 8 + 8 + self.module_path.len());
        v.extend_from_slice(&self.signal.to_le_bytes());
        v.extend_from_slice(&self.code.to_le_bytes());
        v.extend_from_slice(&self.fault_addr.to_le_bytes());
        for r in self.regs {
            v.extend_from_slice(&r.to_le_bytes());
        }
        v.extend_from_slice(&self.module_bias.to_le_bytes());
        v.extend_from_slice(&self.module_path);
        v
    }

    pub fn decode(b: &[u8]) -> Option<CrashReport> {
        const FIXED: usize = 4 + 4 + 8 + 18 * 8 + 8;
        if b.len() < FIXED {
            return None;
        }
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let mut regs = [0u64; 18];
        for (i, r) in regs.iter_mut().enumerate() {
            *r = u64_at(16 + i * 8);
        }
        Some(CrashReport {
            signal: u32::from_le_bytes(b[0..4].try_into().unwrap()),
            code: i32::from_le_bytes(b[4..8].try_into().unwrap()),
            fault_addr: u64_at(8),
            regs,
            module_bias: u64_at(16 + 18 * 8),
            module_path: b[FIXED..].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_split() {
        let mut out = Vec::new();
        encode(&mut out, Tag::Stdout as u8, b"hello");
        let big = vec![7u8; MAX_PAYLOAD + 10];
        encode(&mut out, Tag::Stderr as u8, &big);
        encode(&mut out, InTag::StdinEof as u8, b"");
        let mut d = Decoder::new();
        // Feed one byte at a time: frames only come out whole.
        let mut got = Vec::new();
        for b in &out {
            d.push(core::slice::from_ref(b));
            while let Some(f) = d.next_frame() {
                got.push(f);
            }
        }
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], (1, b"hello".to_vec()));
        assert_eq!(got[1].1.len(), MAX_PAYLOAD);
        assert_eq!(got[2].1.len(), 10);
        assert_eq!(got[3], (2, vec![]));
        assert!(d.pending().is_empty());
    }

    #[test]
    fn host_frames() {
        for t in [InTag::Stdin, InTag::StdinEof, InTag::Signal] {
            assert_eq!(InTag::from_u8(t as u8), Some(t));
        }
        assert_eq!(InTag::from_u8(0), None);
        assert_eq!(InTag::from_u8(4), None);
        let mut out = Vec::new();
        encode(&mut out, InTag::Signal as u8, &15u32.to_le_bytes());
        let mut d = Decoder::new();
        d.push(&out);
        assert_eq!(d.next_frame(), Some((3, 15u32.to_le_bytes().to_vec())));
    }

    #[test]
    fn crash_report_round_trip() {
        let mut r = CrashReport {
            signal: 11,
            code: 1,
            fault_addr: 0xdead,
            ..Default::default()
        };
        r.regs[16] = 0x401000;
        r.module_bias = 0x5555_5555_4000;
        r.module_path = b"/bin/prog".to_vec();
        let d = CrashReport::decode(&r.encode()).unwrap();
        assert_eq!(d, r);
        assert_eq!(d.rip(), 0x401000);
        assert!(CrashReport::decode(&[0; 10]).is_none());
    }
}
