//! The console: guest frames in, the user's stdout/stderr out; the user's stdin in, frames out.
//!
//! [`Console`] is the pure part (bytes in, writes and a verdict out) so it is tested with a fake
//! stream; `run.rs` owns the threads and the QEMU process.

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::path::PathBuf;

use osprey_proto::frame::{self, CrashReport, Decoder, InTag, Tag};

/// How many kernel log lines are kept for a post-mortem when --verbose is off.
pub const LOG_TAIL_LINES: usize = 50;

/// Maps a guest path to the host file packed there (crash symbolization).
pub type HostFileMap = Box<dyn Fn(&str) -> Option<PathBuf>>;

/// What the user asked to see.
#[derive(Clone, Copy, Debug, Default)]
pub struct Show {
    pub verbose: bool,
    pub bootchart: bool,
}

/// What happened in the VM, as far as the frames tell.
pub struct Console<O: Write, E: Write> {
    out: O,
    err: E,
    show: Show,
    decoder: Decoder,
    /// The app's exit status from the Exit frame.
    pub exit_status: Option<i32>,
    /// Text of Panic frames (several frames form one message).
    pub panic: Option<String>,
    /// The last kernel log lines (all of them are printed live with --verbose).
    pub log_tail: VecDeque<String>,
    /// Boot milestones: (ns since PVH entry, name).
    pub bootchart: Vec<(u64, String)>,
    /// Our stdout was closed by the reader (EPIPE): the app's output has nowhere to go.
    pub stdout_closed: bool,
    /// Maps a guest path to the host file packed there (crash symbolization).
    host_file: HostFileMap,
    /// Whether anything at all came from the guest (tells "never booted" from "died").
    pub got_frames: bool,
    /// The TSC frequency the guest measured (kHz), to cache for the next run.
    pub tsc_khz: Option<u64>,
    /// Terminal settings the app asked for since the last look (Termios frames).
    pub termios: Option<Vec<u8>>,
    /// The bytes of the Profile frames so far (`--profile`).
    profile: Vec<u8>,
}

impl<O: Write, E: Write> Console<O, E> {
    pub fn new(out: O, err: E, show: Show, host_file: HostFileMap) -> Self {
        Console {
            out,
            err,
            show,
            decoder: Decoder::new(),
            exit_status: None,
            panic: None,
            log_tail: VecDeque::new(),
            bootchart: Vec::new(),
            stdout_closed: false,
            host_file,
            got_frames: false,
            tsc_khz: None,
            termios: None,
            profile: Vec::new(),
        }
    }

    /// Handles bytes read from QEMU's side of COM1. Output is flushed before returning, so the
    /// user sees each chunk as soon as the guest sent it.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.decoder.push(bytes);
        while let Some((tag, payload)) = self.decoder.next_frame() {
            self.got_frames = true;
            self.frame(tag, payload);
        }
        if !self.stdout_closed {
            if let Err(e) = self.out.flush() {
                self.note_stdout_error(e);
            }
        }
        let _ = self.err.flush();
    }

    fn note_stdout_error(&mut self, e: io::Error) {
        // EPIPE (`| head -1`) and any other failure alike: stop writing, never panic.
        self.stdout_closed = true;
        if e.kind() != ErrorKind::BrokenPipe {
            let _ = writeln!(self.err, "osprey: writing the app's output failed: {e}");
        }
    }

    fn frame(&mut self, tag: u8, payload: Vec<u8>) {
        match Tag::from_u8(tag) {
            Some(Tag::Stdout) => {
                if !self.stdout_closed {
                    if let Err(e) = self.out.write_all(&payload) {
                        self.note_stdout_error(e);
                    }
                }
            }
            Some(Tag::Stderr) => {
                let _ = self.err.write_all(&payload);
            }
            Some(Tag::Log) => {
                let line = String::from_utf8_lossy(&payload)
                    .trim_end_matches('\n')
                    .to_string();
                if self.show.verbose {
                    let _ = writeln!(self.err, "{line}");
                }
                self.remember(line);
            }
            Some(Tag::Strace) => {
                let _ = self.err.write_all(&payload);
                if !payload.ends_with(b"\n") {
                    let _ = self.err.write_all(b"\n");
                }
            }
            Some(Tag::Bootchart) => {
                if payload.len() >= 8 {
                    let ns = u64::from_le_bytes(payload[..8].try_into().unwrap());
                    let name = String::from_utf8_lossy(&payload[8..]).into_owned();
                    self.bootchart.push((ns, name));
                }
            }
            Some(Tag::Crash) => match CrashReport::decode(&payload) {
                Some(r) => {
                    let text = crate::crash::format_report(&r, &*self.host_file);
                    let _ = self.err.write_all(text.as_bytes());
                }
                None => {
                    let _ = writeln!(
                        self.err,
                        "osprey: the app crashed (unreadable crash report)"
                    );
                }
            },
            Some(Tag::Panic) => {
                self.panic
                    .get_or_insert_with(String::new)
                    .push_str(&String::from_utf8_lossy(&payload));
            }
            Some(Tag::Profile) => self.profile.extend_from_slice(&payload),
            Some(Tag::Ready) => {}
            Some(Tag::Termios) => self.termios = Some(payload),
            Some(Tag::TscKhz) => {
                if let Some(b) = payload.get(..8) {
                    self.tsc_khz = Some(u64::from_le_bytes(b.try_into().unwrap()));
                }
            }
            Some(Tag::Exit) => {
                if payload.len() >= 4 {
                    self.exit_status = Some(i32::from_le_bytes(payload[..4].try_into().unwrap()));
                }
            }
            None => self.remember(format!(
                "(osprey: unknown frame tag {tag}, {} bytes)",
                payload.len()
            )),
        }
    }

    /// The profile the guest sent (`--profile`) as text: the `top` busiest functions, or all.
    /// None if no whole report arrived.
    pub fn profile_report(&self, kernel: &[u8], top: Option<usize>) -> Option<String> {
        let r = osprey_proto::profile::ProfileReport::decode(&self.profile)?;
        Some(crate::profile::format(&r, kernel, &*self.host_file, top))
    }

    fn remember(&mut self, line: String) {
        if self.log_tail.len() == LOG_TAIL_LINES {
            self.log_tail.pop_front();
        }
        self.log_tail.push_back(line);
    }

    /// Bytes that arrived after the last whole frame (a VM that died mid-frame, or a guest that
    /// wrote raw bytes to the serial port).
    pub fn leftover(&self) -> &[u8] {
        self.decoder.pending()
    }

    /// Prints the kernel log tail on stderr (after a panic or an unexplained stop), unless
    /// --verbose already showed it.
    pub fn print_log_tail(&mut self) {
        if self.show.verbose || self.log_tail.is_empty() {
            return;
        }
        let _ = writeln!(self.err, "osprey: last kernel log lines:");
        for l in &self.log_tail {
            let _ = writeln!(self.err, "  {l}");
        }
    }

    /// The boot chart table, or None without --bootchart.
    pub fn bootchart_table(&self, host_total_ms: f64) -> Option<String> {
        if !self.show.bootchart {
            return None;
        }
        let mut s = String::from("osprey: boot chart (guest time since PVH entry)\n");
        s.push_str("        time      delta  milestone\n");
        let mut prev = 0u64;
        for (ns, name) in &self.bootchart {
            let delta = ns.saturating_sub(prev);
            prev = *ns;
            s.push_str(&format!(
                "  {:>8.3} ms {:>7.3} ms  {name}\n",
                *ns as f64 / 1e6,
                delta as f64 / 1e6
            ));
        }
        if self.bootchart.is_empty() {
            s.push_str("  (the kernel reported no milestones)\n");
        }
        s.push_str(&format!(
            "  host: {host_total_ms:.1} ms from starting QEMU to its exit\n"
        ));
        Some(s)
    }

    pub fn err(&mut self) -> &mut E {
        &mut self.err
    }
}

/// Copies `input` to `to_guest` as Stdin frames, one per chunk as it arrives (a terminal in
/// cooked mode gives a line at a time), then one StdinEof frame. Returns when the input ends or
/// the guest side is gone.
pub fn pump_stdin(mut input: impl Read, mut to_guest: impl Write) -> io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut frames = Vec::with_capacity(buf.len() + frame::HEADER_LEN);
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // An unreadable stdin (closed fd, EIO) is treated as end of input.
            Err(_) => break,
        };
        frames.clear();
        frame::encode(&mut frames, InTag::Stdin as u8, &buf[..n]);
        to_guest.write_all(&frames)?;
        to_guest.flush()?;
    }
    frames.clear();
    frame::encode(&mut frames, InTag::StdinEof as u8, &[]);
    to_guest.write_all(&frames)?;
    to_guest.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(list: &[(Tag, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (t, p) in list {
            frame::encode(&mut v, *t as u8, p);
        }
        v
    }

    fn console(show: Show) -> Console<Vec<u8>, Vec<u8>> {
        Console::new(Vec::new(), Vec::new(), show, Box::new(|_| None))
    }

    #[test]
    fn demux_in_any_chunking() {
        let mut boot = 1_500_000u64.to_le_bytes().to_vec();
        boot.extend_from_slice(b"vfs ready");
        let stream = frames(&[
            (Tag::Log, b"booting"),
            (Tag::Stdout, b"hello "),
            (Tag::Stderr, b"warn\n"),
            (Tag::Strace, b"write(1, \"hello \", 6) = 6"),
            (Tag::Bootchart, &boot),
            (Tag::Stdout, b"world\n"),
            (Tag::Exit, &42i32.to_le_bytes()),
        ]);
        for chunk in [1, 2, 3, 7, stream.len()] {
            let mut c = console(Show::default());
            for piece in stream.chunks(chunk) {
                c.feed(piece);
            }
            assert_eq!(c.out, b"hello world\n");
            assert_eq!(c.err, b"warn\nwrite(1, \"hello \", 6) = 6\n");
            assert_eq!(c.exit_status, Some(42));
            assert_eq!(c.bootchart, [(1_500_000, "vfs ready".to_string())]);
            assert_eq!(c.log_tail, ["booting"]);
            assert!(c.leftover().is_empty() && c.panic.is_none());
        }
    }

    #[test]
    fn verbose_log_and_tail() {
        let mut c = console(Show {
            verbose: true,
            bootchart: true,
        });
        c.feed(&frames(&[(Tag::Log, b"one\n"), (Tag::Log, b"two")]));
        assert_eq!(c.err, b"one\ntwo\n");
        let table = c.bootchart_table(12.0).unwrap();
        assert!(table.contains("no milestones") && table.contains("12.0 ms"));

        let mut c = console(Show::default());
        for i in 0..LOG_TAIL_LINES + 10 {
            c.feed(&frames(&[(Tag::Log, format!("line {i}").as_bytes())]));
        }
        assert!(c.err.is_empty());
        assert_eq!(c.log_tail.len(), LOG_TAIL_LINES);
        assert_eq!(c.log_tail[0], "line 10");
        c.print_log_tail();
        let err = String::from_utf8(c.err.clone()).unwrap();
        assert!(err.starts_with("osprey: last kernel log lines:\n  line 10\n"));
        assert!(c.bootchart_table(1.0).is_none());
    }

    #[test]
    fn panic_and_crash_and_garbage() {
        let mut c = console(Show::default());
        let mut r = CrashReport {
            signal: 11,
            code: 2,
            fault_addr: 0x1000,
            ..Default::default()
        };
        r.regs[16] = 0x401000;
        r.module_path = b"/prog".to_vec();
        c.feed(&frames(&[
            (Tag::Crash, &r.encode()),
            (Tag::Exit, &139i32.to_le_bytes()),
            (Tag::Panic, b"kernel "),
            (Tag::Panic, b"bug"),
        ]));
        let err = String::from_utf8(c.err.clone()).unwrap();
        assert!(err.starts_with("osprey: the app was killed by SIGSEGV (Segmentation fault) at address 0x1000 (SEGV_ACCERR)\n  rip 0x401000 in /prog\n"), "{err}");
        assert_eq!(c.exit_status, Some(139));
        assert_eq!(c.panic.as_deref(), Some("kernel bug"));
        c.feed(&[99, 1, 0, b'x', 1, 5]);
        assert_eq!(
            c.log_tail.back().unwrap(),
            "(osprey: unknown frame tag 99, 1 bytes)"
        );
        assert_eq!(c.leftover(), [1, 5]);
    }

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_stdout_is_noted_not_fatal() {
        let mut c = Console::new(Broken, Vec::new(), Show::default(), Box::new(|_| None));
        c.feed(&frames(&[
            (Tag::Stdout, b"a"),
            (Tag::Stdout, b"b"),
            (Tag::Exit, &0i32.to_le_bytes()),
        ]));
        assert!(c.stdout_closed);
        assert!(c.err.is_empty());
        assert_eq!(c.exit_status, Some(0));
    }

    #[test]
    fn stdin_becomes_frames_then_eof() {
        let big = vec![b'z'; 40_000];
        let mut out = Vec::new();
        pump_stdin(&big[..], &mut out).unwrap();
        let mut d = Decoder::new();
        d.push(&out);
        let mut data = Vec::new();
        let mut tags = Vec::new();
        while let Some((t, p)) = d.next_frame() {
            tags.push(t);
            data.extend(p);
        }
        assert_eq!(data, big);
        assert_eq!(*tags.last().unwrap(), InTag::StdinEof as u8);
        assert!(tags[..tags.len() - 1]
            .iter()
            .all(|&t| t == InTag::Stdin as u8));
        let mut out = Vec::new();
        pump_stdin(&b""[..], &mut out).unwrap();
        assert_eq!(out, [InTag::StdinEof as u8, 0, 0]);
    }
}
