//! Crash reports: the kernel sends the registers and the ELF object that contains `rip`; the
//! host, which has the original files (and their symbol tables), names the function.
//!
//! ```text
//! osprey: the app was killed by SIGSEGV (Segmentation fault) at address 0x0 (SEGV_MAPERR)
//!   rip 0x401d35 <main+21> in /path/prog
//!   rax 0x0000000000000000  rbx 0x00007ffffffde8f8  rcx ...
//! ```

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use osprey_proto::frame::{CrashReport, REG_NAMES};

/// Linux signal name and description.
pub fn signal_name(sig: u32) -> (&'static str, &'static str) {
    match sig {
        1 => ("SIGHUP", "Hangup"),
        2 => ("SIGINT", "Interrupt"),
        3 => ("SIGQUIT", "Quit"),
        4 => ("SIGILL", "Illegal instruction"),
        5 => ("SIGTRAP", "Trace/breakpoint trap"),
        6 => ("SIGABRT", "Aborted"),
        7 => ("SIGBUS", "Bus error"),
        8 => ("SIGFPE", "Floating point exception"),
        9 => ("SIGKILL", "Killed"),
        10 => ("SIGUSR1", "User defined signal 1"),
        11 => ("SIGSEGV", "Segmentation fault"),
        12 => ("SIGUSR2", "User defined signal 2"),
        13 => ("SIGPIPE", "Broken pipe"),
        14 => ("SIGALRM", "Alarm clock"),
        15 => ("SIGTERM", "Terminated"),
        16 => ("SIGSTKFLT", "Stack fault"),
        17 => ("SIGCHLD", "Child exited"),
        18 => ("SIGCONT", "Continued"),
        19 => ("SIGSTOP", "Stopped (signal)"),
        20 => ("SIGTSTP", "Stopped"),
        21 => ("SIGTTIN", "Stopped (tty input)"),
        22 => ("SIGTTOU", "Stopped (tty output)"),
        23 => ("SIGURG", "Urgent I/O condition"),
        24 => ("SIGXCPU", "CPU time limit exceeded"),
        25 => ("SIGXFSZ", "File size limit exceeded"),
        26 => ("SIGVTALRM", "Virtual timer expired"),
        27 => ("SIGPROF", "Profiling timer expired"),
        28 => ("SIGWINCH", "Window changed"),
        29 => ("SIGIO", "I/O possible"),
        30 => ("SIGPWR", "Power failure"),
        31 => ("SIGSYS", "Bad system call"),
        _ => ("SIG?", "Unknown signal"),
    }
}

/// The name of `si_code` for `sig`, as in <asm-generic/siginfo.h>.
pub fn code_name(sig: u32, code: i32) -> Option<&'static str> {
    Some(match (sig, code) {
        (_, 0) => "SI_USER",
        (_, 0x80) => "SI_KERNEL",
        (_, -1) => "SI_QUEUE",
        (_, -6) => "SI_TKILL",
        (11, 1) => "SEGV_MAPERR",
        (11, 2) => "SEGV_ACCERR",
        (11, 3) => "SEGV_BNDERR",
        (11, 4) => "SEGV_PKUERR",
        (7, 1) => "BUS_ADRALN",
        (7, 2) => "BUS_ADRERR",
        (7, 3) => "BUS_OBJERR",
        (4, 1) => "ILL_ILLOPC",
        (4, 2) => "ILL_ILLOPN",
        (4, 3) => "ILL_ILLADR",
        (4, 4) => "ILL_ILLTRP",
        (4, 5) => "ILL_PRVOPC",
        (4, 6) => "ILL_PRVREG",
        (4, 7) => "ILL_COPROC",
        (4, 8) => "ILL_BADSTK",
        (8, 1) => "FPE_INTDIV",
        (8, 2) => "FPE_INTOVF",
        (8, 3) => "FPE_FLTDIV",
        (8, 4) => "FPE_FLTOVF",
        (8, 5) => "FPE_FLTUND",
        (8, 6) => "FPE_FLTRES",
        (8, 7) => "FPE_FLTINV",
        (8, 8) => "FPE_FLTSUB",
        (5, 1) => "TRAP_BRKPT",
        (5, 2) => "TRAP_TRACE",
        _ => return None,
    })
}

/// Signals whose `si_addr` means something (a faulting address or instruction).
fn has_fault_address(sig: u32) -> bool {
    matches!(sig, 4 | 5 | 7 | 8 | 11)
}

/// The function containing `addr` (a link-time address, bias already removed) in the ELF file
/// at `path`: `(name, offset)`. Uses .symtab, else .dynsym (stripped binaries keep the latter).
pub fn symbolize(path: &Path, addr: u64) -> Option<(String, u64)> {
    let data = fs::read(path).ok()?;
    symbolize_bytes(&data, addr)
}

/// [`symbolize`] for an ELF image in memory.
pub fn symbolize_bytes(data: &[u8], addr: u64) -> Option<(String, u64)> {
    let table = crate::symbols::SymbolTable::parse(data)?;
    table
        .lookup(addr)
        .map(|(name, off)| (name.to_string(), off))
}

/// A kernel panic message with its `backtrace: 0x... 0x...` line symbolized against the kernel
/// ELF (one frame per line, `0xffffffff8010a2c3 <osprey_linux::...+0x13>`).
pub fn symbolize_panic(text: &str, kernel: &[u8]) -> String {
    let mut out = String::new();
    for line in text.lines() {
        match line.strip_prefix("backtrace:") {
            Some(addrs) => {
                out.push_str("backtrace:\n");
                for a in addrs.split_whitespace() {
                    let Some(v) = a
                        .strip_prefix("0x")
                        .and_then(|h| u64::from_str_radix(h, 16).ok())
                    else {
                        continue;
                    };
                    // A return address points after the call: look up the call itself.
                    match symbolize_bytes(kernel, v.wrapping_sub(1)) {
                        Some((name, off)) => {
                            out.push_str(&format!("  {a} <{name}+{:#x}>\n", off + 1))
                        }
                        None => out.push_str(&format!("  {a}\n")),
                    }
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The report osprey prints on stderr. `host_file` maps a guest path to the packed host file.
pub fn format_report(
    r: &CrashReport,
    host_file: impl Fn(&str) -> Option<std::path::PathBuf>,
) -> String {
    let (name, desc) = signal_name(r.signal);
    let mut s = format!("osprey: the app was killed by {name} ({desc})");
    if has_fault_address(r.signal) {
        let _ = write!(s, " at address {:#x}", r.fault_addr);
    }
    match code_name(r.signal, r.code) {
        Some(c) => {
            let _ = write!(s, " ({c})");
        }
        None => {
            let _ = write!(s, " (si_code {})", r.code);
        }
    }
    s.push('\n');
    let rip = r.rip();
    let _ = write!(s, "  rip {rip:#x}");
    let module = String::from_utf8_lossy(&r.module_path).into_owned();
    if module.is_empty() {
        s.push_str(" (not in any mapped file)");
    } else {
        let sym = host_file(&module).and_then(|h| symbolize(&h, rip.wrapping_sub(r.module_bias)));
        if let Some((func, off)) = sym {
            let _ = write!(s, " <{func}+{off:#x}>");
        }
        let _ = write!(s, " in {module}");
        if r.module_bias != 0 {
            let _ = write!(s, " (loaded at bias {:#x})", r.module_bias);
        }
    }
    s.push('\n');
    // Three registers per line, rip excluded (shown above).
    let regs: Vec<(&str, u64)> = REG_NAMES
        .iter()
        .copied()
        .zip(r.regs)
        .filter(|(n, _)| *n != "rip")
        .collect();
    for line in regs.chunks(3) {
        s.push(' ');
        for (n, v) in line {
            let _ = write!(s, " {n:>6} {v:#018x}");
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::program::tests::gcc;

    const SRC: &str = "
int helper(int x) { return x * 3; }
int main(int argc, char **argv) { (void)argv; return helper(argc); }
";

    /// The address of `name` according to `nm`.
    pub(crate) fn nm_address(path: &Path, name: &str) -> u64 {
        let out = std::process::Command::new("nm").arg(path).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .unwrap();
        u64::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap()
    }

    #[test]
    fn symbolizes_static_and_pie() {
        let d = tempfile::tempdir().unwrap();
        let Some(st) = gcc(d.path(), "st", SRC, &["-static", "-O0", "-no-pie"]) else {
            return;
        };
        let main = nm_address(&st, "main");
        assert_eq!(symbolize(&st, main), Some(("main".into(), 0)));
        assert_eq!(symbolize(&st, main + 5), Some(("main".into(), 5)));
        let helper = nm_address(&st, "helper");
        assert_eq!(symbolize(&st, helper + 1), Some(("helper".into(), 1)));

        let pie = gcc(d.path(), "pie", SRC, &["-static-pie", "-O0"]).unwrap();
        let main = nm_address(&pie, "main");
        let bias = 0x5555_5555_4000u64;
        let mut r = CrashReport {
            signal: 11,
            code: 1,
            fault_addr: 0,
            ..Default::default()
        };
        r.regs[16] = bias + main + 0x15;
        r.regs[0] = 0x1234;
        r.module_bias = bias;
        r.module_path = b"/app/pie".to_vec();
        let text = format_report(&r, |g| (g == "/app/pie").then(|| pie.clone()));
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "osprey: the app was killed by SIGSEGV (Segmentation fault) at address 0x0 (SEGV_MAPERR)"
        );
        let rip_line = lines.next().unwrap();
        assert!(
            rip_line.starts_with(&format!(
                "  rip {:#x} <main+0x15> in /app/pie",
                bias + main + 0x15
            )),
            "{rip_line}"
        );
        assert!(text.contains("rax 0x0000000000001234"));
        assert!(!text.contains(" rip 0x0000"));
        assert_eq!(text.lines().count(), 2 + 6);
    }

    #[test]
    fn unknown_places_still_print() {
        let mut r = CrashReport {
            signal: 6,
            code: -6,
            ..Default::default()
        };
        r.regs[16] = 0xdead;
        let text = format_report(&r, |_| None);
        assert!(text.starts_with("osprey: the app was killed by SIGABRT (Aborted) (SI_TKILL)\n"));
        assert!(text.contains("rip 0xdead (not in any mapped file)"));
        r.module_path = b"/gone".to_vec();
        let text = format_report(&r, |_| None);
        assert!(text.contains("rip 0xdead in /gone\n"), "{text}");
        assert_eq!(symbolize(Path::new("/nonexistent"), 1), None);
        assert_eq!(code_name(11, 99), None);
    }
}
