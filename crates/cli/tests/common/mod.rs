//! Shared helpers of the integration tests that boot the real kernel under QEMU.
//!
//! * [`program`] compiles a C program of `tests/programs/` with one of the three toolchains
//!   ([`Variant`]) into `target/test-programs/`, once: the binary is reused while it is newer
//!   than its source and `util.h`. Compiles go to a unique temporary name and are renamed into
//!   place, so parallel tests and concurrent test binaries never see half-written files.
//! * [`guest`] runs `osprey run --accel tcg ...` with a timeout (the child is killed and the
//!   test fails after [`TIMEOUT`]) and captures stdout, stderr and the status separately.
//! * [`native`] runs the same binary on the host with the environment the guest gets, so that
//!   [`same_as_native`] can diff stdout and the status.
//!
//! Missing tools (QEMU, gcc, musl-gcc, busybox) make the tests FAIL with the command that
//! installs them: `scripts/test.sh` installs them first, so a missing tool in CI is a real
//! failure, never a silent pass.

#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// The `osprey` binary cargo built for these tests (with the kernel embedded).
pub const OSPREY: &str = env!("CARGO_BIN_EXE_osprey");

/// A run that takes longer than this is killed and the test fails. Every program here runs in
/// a few seconds under TCG; a hang must not cost the suite minutes per test.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// What `osprey run` gives the app when no `-e` is passed (crates/cli/src/run.rs), so that the
/// host run of a program sees the same environment.
pub const GUEST_DEFAULT_ENV: &[(&str, &str)] = &[
    (
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ),
    ("HOME", "/root"),
    ("HOSTNAME", "osprey"),
];

const INSTALL: &str = "run scripts/install-deps.sh (or: sudo apt-get install qemu-system-x86 gcc \
                       musl-tools busybox-static binutils)";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/cli has two parents")
        .to_path_buf()
}

/// The cargo target directory (`target/`), found from the osprey binary's path
/// (`target/<profile>/osprey`), so that CARGO_TARGET_DIR is respected.
pub fn target_dir() -> PathBuf {
    Path::new(OSPREY)
        .parent()
        .and_then(Path::parent)
        .expect("osprey lives in target/<profile>/")
        .to_path_buf()
}

/// Where the compiled test programs go.
pub fn build_dir() -> PathBuf {
    target_dir().join("test-programs")
}

/// The sources of the test programs.
pub fn programs_dir() -> PathBuf {
    repo_root().join("tests").join("programs")
}

fn tool_works(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// sha256 of a file, by coreutils' sha256sum (no hashing crate in the dependencies).
pub fn sha256_file(p: &Path) -> String {
    require_tool("sha256sum", "coreutils");
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    assert!(out.status.success(), "sha256sum {}", p.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Fails the test (never skips it) when `tool` cannot run (`tool --version`, `--help` or, for
/// shells, `-c true` must succeed).
pub fn require_tool(tool: &str, package: &str) {
    static CHECKED: OnceLock<Mutex<Vec<(String, bool)>>> = OnceLock::new();
    let cache = CHECKED.get_or_init(|| Mutex::new(Vec::new()));
    let ok = {
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        match c.iter().find(|(t, _)| t == tool) {
            Some((_, ok)) => *ok,
            None => {
                let ok = tool_works(tool, "--version")
                    || tool_works(tool, "-V")
                    || tool_works(tool, "--help")
                    || Command::new(tool)
                        .args(["-c", "true"])
                        .status()
                        .is_ok_and(|s| s.success());
                c.push((tool.to_string(), ok));
                ok
            }
        }
    };
    assert!(
        ok,
        "`{tool}` is missing or does not run: these tests need it (Debian package {package}). \
         To install everything the tests need: {INSTALL}"
    );
}

pub fn require_qemu() {
    require_tool("qemu-system-x86_64", "qemu-system-x86");
}

/// Debian's static busybox.
pub const BUSYBOX: &str = "/bin/busybox";

pub fn require_busybox() {
    let p = Path::new(BUSYBOX);
    assert!(
        p.is_file(),
        "{BUSYBOX} is missing: the busybox tests need Debian's static busybox (package \
         busybox-static). To install everything the tests need: {INSTALL}"
    );
    let file = std::fs::read(p).unwrap();
    // Debian's `busybox` package is dynamic; `busybox-static` replaces it with a static one.
    let dynamic = has_interpreter(&file);
    assert!(
        !dynamic,
        "{BUSYBOX} is the dynamic busybox: install busybox-static (apt-get install \
         busybox-static), osprey runs static programs only for now"
    );
}

/// Whether an ELF64 file has a PT_INTERP program header (is dynamically linked).
pub fn has_interpreter(elf: &[u8]) -> bool {
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 {
        return false;
    }
    let phoff = u64::from_le_bytes(elf[32..40].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(54), u16_at(56));
    (0..phnum).any(|i| {
        let o = phoff + i * phentsize;
        o + 4 <= elf.len() && u32::from_le_bytes(elf[o..o + 4].try_into().unwrap()) == 3
    })
}

/// How a test program is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// `gcc -static`: glibc, non-PIE, loaded at its link address.
    Static,
    /// `gcc -static-pie`: glibc, relocates itself, loaded anywhere.
    StaticPie,
    /// `musl-gcc -static`.
    Musl,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::Static, Variant::StaticPie, Variant::Musl];

    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Static => "static",
            Variant::StaticPie => "static-pie",
            Variant::Musl => "musl",
        }
    }

    fn compiler(self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self {
            Variant::Static => ("gcc", "gcc", &["-static"]),
            Variant::StaticPie => ("gcc", "gcc", &["-static-pie", "-fPIE"]),
            Variant::Musl => ("musl-gcc", "musl-tools", &["-static"]),
        }
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Compiles `tests/programs/<name>.c` with `variant` (once; cached by modification time) and
/// returns the path of the binary.
pub fn program(name: &str, variant: Variant) -> PathBuf {
    // One compile at a time in this process; across processes the rename below is atomic.
    static LOCK: Mutex<()> = Mutex::new(());
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let (cc, package, flags) = variant.compiler();
    require_tool(cc, package);
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());

    let src = programs_dir().join(format!("{name}.c"));
    assert!(src.is_file(), "no test program {}", src.display());
    let header = programs_dir().join("util.h");
    let dir = build_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{name}-{}", variant.suffix()));
    let newest_input = [mtime(&src), mtime(&header)].into_iter().flatten().max();
    if let (Some(built), Some(input)) = (mtime(&out), newest_input) {
        if built >= input {
            return out;
        }
    }
    let tmp = dir.join(format!(
        ".{name}-{}.{}.{}.tmp",
        variant.suffix(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let result = Command::new(cc)
        .args(flags)
        .args(["-O2", "-g", "-Wall", "-Wextra", "-o"])
        .arg(&tmp)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("running {cc}: {e}"));
    assert!(
        result.status.success(),
        "{cc} {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::rename(&tmp, &out).unwrap();
    out
}

/// The outcome of one run (in the guest or on the host).
#[derive(Debug, Clone)]
pub struct Run {
    /// What the command was, for messages.
    pub what: String,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The exit status as a shell shows it: the code, or 128+N when signal N killed it.
    pub status: i32,
    pub elapsed: Duration,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// A description for assertion messages: the command, the status and both streams.
    pub fn show(&self) -> String {
        fn cut(s: String) -> String {
            if s.len() > 6000 {
                let mut end = 6000;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}... ({} bytes in all)", &s[..end], s.len())
            } else {
                s
            }
        }
        format!(
            "\n--- command: {}\n--- status: {} ({:.2} s)\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.what,
            self.status,
            self.elapsed.as_secs_f64(),
            cut(self.out()),
            cut(self.err())
        )
    }
    /// Asserts the status, showing everything when it differs.
    pub fn expect_status(&self, status: i32) -> &Self {
        assert_eq!(self.status, status, "unexpected status{}", self.show());
        self
    }
    /// Asserts that stdout is exactly `text`.
    pub fn expect_stdout(&self, text: &str) -> &Self {
        assert!(
            self.stdout == text.as_bytes(),
            "stdout differs from the expected text:\n{}{}",
            diff(text, &self.out()),
            self.show()
        );
        self
    }
    /// The value of `key=value` lines in stdout (or stderr when not in stdout).
    pub fn value(&self, key: &str) -> Option<String> {
        let prefix = format!("{key}=");
        self.out()
            .lines()
            .chain(self.err().lines())
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
    }
    /// Asserts that the program's own checks (`ok:`/`FAIL:` lines of util.h) all passed.
    pub fn expect_checks_pass(&self) -> &Self {
        let out = self.out();
        let failed: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
        assert!(
            failed.is_empty() && self.status == 0,
            "failed checks: {failed:#?}{}",
            self.show()
        );
        assert!(
            out.lines().any(|l| l.starts_with("ok: ")),
            "no check ran{}",
            self.show()
        );
        self
    }
}

fn shell_status(s: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => c,
        (None, Some(sig)) => 128 + sig,
        _ => -1,
    }
}

/// Runs `cmd` with `stdin` as its standard input, capturing everything; kills it and fails the
/// test after `timeout`.
pub fn run_command(cmd: Command, stdin: &[u8], timeout: Duration) -> Run {
    run_command_with(cmd, Input::Bytes(stdin.to_vec()), timeout)
}

/// Where the standard input of [`run_command_with`] comes from.
pub enum Input {
    /// These bytes through a pipe, then EOF.
    Bytes(Vec<u8>),
    /// A file, /dev/null, ... as is.
    Stdio(Stdio),
}

/// [`run_command`] with any kind of standard input.
pub fn run_command_with(mut cmd: Command, stdin: Input, timeout: Duration) -> Run {
    let what = format!("{cmd:?}");
    let started = Instant::now();
    let data = match stdin {
        Input::Bytes(b) => {
            cmd.stdin(Stdio::piped());
            Some(b)
        }
        Input::Stdio(s) => {
            cmd.stdin(s);
            None
        }
    };
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let feeder = data.map(|data| {
        let mut input = child.stdin.take().unwrap();
        thread::spawn(move || {
            // The program may exit without reading everything: a broken pipe is fine.
            let _ = input.write_all(&data);
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > timeout {
            // osprey kills QEMU when it dies of SIGTERM; SIGKILL would leave QEMU behind
            // holding our pipes, so ask politely first.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            thread::sleep(Duration::from_secs(2));
            let _ = child.kill();
            let _ = child.wait();
            let stdout = out_t.join().unwrap_or_default();
            let stderr = err_t.join().unwrap_or_default();
            panic!(
                "timed out after {} s: {what}\n--- stdout:\n{}\n--- stderr:\n{}",
                timeout.as_secs(),
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let stdout = out_t.join().unwrap();
    let stderr = err_t.join().unwrap();
    Run {
        what,
        stdout,
        stderr,
        status: shell_status(status),
        elapsed: started.elapsed(),
    }
}

/// One `osprey run`: options, the program, its arguments and stdin.
#[derive(Clone, Debug, Default)]
pub struct Guest {
    /// Options placed before the program (`--mem 256M`, `-e K=V`, `--strace`...).
    pub options: Vec<OsString>,
    pub program: OsString,
    pub args: Vec<OsString>,
    pub stdin: Vec<u8>,
    /// `-e KEY=VALUE` pairs (also given to the host run by [`same_as_native`]).
    pub env: Vec<(String, String)>,
    /// Where `osprey` (and the host run) start; `None`: the test's own directory for osprey,
    /// `/` for the host run (the guest's default working directory).
    pub dir: Option<PathBuf>,
}

impl Guest {
    pub fn new(program: impl Into<OsString>) -> Self {
        Guest {
            program: program.into(),
            ..Default::default()
        }
    }
    pub fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }
    pub fn args<I, S>(mut self, list: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(list.into_iter().map(Into::into));
        self
    }
    pub fn opt(mut self, o: impl Into<OsString>) -> Self {
        self.options.push(o.into());
        self
    }
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.to_string(), v.to_string()));
        self
    }
    /// Runs `osprey` from `dir` (relative file arguments are packed and the program starts
    /// there) and the host run in `dir` too.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = data.into();
        self
    }

    /// The full `osprey` command line.
    pub fn command(&self) -> Command {
        require_qemu();
        let mut cmd = Command::new(OSPREY);
        cmd.arg("run").args(["--accel", "tcg"]);
        cmd.args(&self.options);
        for (k, v) in &self.env {
            cmd.arg("-e").arg(format!("{k}={v}"));
        }
        cmd.arg(&self.program).args(&self.args);
        // The app's environment must not depend on the test runner's.
        cmd.env_remove("TERM");
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        cmd
    }

    /// Boots the VM and runs the program.
    pub fn run(&self) -> Run {
        run_command(self.command(), &self.stdin, TIMEOUT)
    }

    /// Runs the same program on the host, with the environment the guest gets (the defaults
    /// plus `-e`), in `/` (the guest's default working directory).
    pub fn run_native(&self) -> Run {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .env_clear()
            .current_dir(self.dir.as_deref().unwrap_or(Path::new("/")));
        for (k, v) in GUEST_DEFAULT_ENV {
            cmd.env(k, v);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        run_command(cmd, &self.stdin, TIMEOUT)
    }
}

/// `osprey run --accel tcg PROGRAM ARGS` with empty stdin.
pub fn guest(program: impl Into<OsString>, args: &[&str]) -> Run {
    Guest::new(program).args(args.iter().copied()).run()
}

/// Runs `g` in the guest and on the host; asserts that stdout and the status are the same.
/// Returns (guest, host).
pub fn same_as_native(g: &Guest) -> (Run, Run) {
    let host = g.run_native();
    let vm = g.run();
    assert!(
        vm.stdout == host.stdout && vm.status == host.status,
        "the guest and the host differ (status {} vs {}):\n{}\nguest run:{}\nhost run:{}",
        vm.status,
        host.status,
        diff(&host.out(), &vm.out()),
        vm.show(),
        host.show()
    );
    (vm, host)
}

/// A small line diff (host/expected `-`, guest/actual `+`) around the first difference.
pub fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let first = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    // Common suffix.
    let mut tail = 0;
    while tail < a.len() - first
        && tail < b.len() - first
        && a[a.len() - 1 - tail] == b[b.len() - 1 - tail]
    {
        tail += 1;
    }
    let mut s = format!("first difference at line {}:\n", first + 1);
    for l in &a[first.saturating_sub(2)..first] {
        s.push_str(&format!("  {l}\n"));
    }
    for l in a[first..a.len() - tail].iter().take(40) {
        s.push_str(&format!("- {l}\n"));
    }
    for l in b[first..b.len() - tail].iter().take(40) {
        s.push_str(&format!("+ {l}\n"));
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        s.push_str("(the final newline differs)\n");
    }
    s
}

/// Generates one test per toolchain: `each_variant!(name, |v| { ... })` makes the module
/// `name` with tests `static_glibc`, `static_pie` and `musl`, each calling the body with its
/// [`Variant`].
#[macro_export]
macro_rules! each_variant {
    ($name:ident, |$v:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($v: $crate::common::Variant) $body
            #[test]
            fn static_glibc() {
                body($crate::common::Variant::Static)
            }
            #[test]
            fn static_pie() {
                body($crate::common::Variant::StaticPie)
            }
            #[test]
            fn musl() {
                body($crate::common::Variant::Musl)
            }
        }
    };
}
