//! `osprey run`: check the program, pack it, boot QEMU, pump stdio until the VM stops.
//!
//! Threads: one copies our stdin to the guest as frames, one reads QEMU's stdout (COM1) into a
//! channel, one collects QEMU's stderr. The main thread decodes frames and watches the clock
//! (--timeout), our signals (SIGINT/SIGTERM/SIGHUP) and a closed stdout; it owns the QEMU child
//! and kills it when any of those ends the run. Temporary files live in a directory removed when
//! `run` returns (main calls `process::exit` only after that).

use std::ffi::{OsStr, OsString};
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use osprey_proto::launch;

use crate::console::{self, Console, Show};
use crate::options::RunArgs;
use crate::pack::{self, LaunchInputs};
use crate::program;
use crate::qemu::{self, HostFacts, VmConfig};
use crate::EXIT_RUNNER_FAILED;

/// Exit status when --timeout killed the VM (as timeout(1)).
const EXIT_TIMEOUT: i32 = 124;
/// How long the app has to end after a forwarded SIGINT/SIGTERM/SIGHUP before the VM is
/// killed (docker stop's default).
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The pipe to the guest's console, shared by the stdin pump and the signal forwarder: each
/// `write` puts the whole buffer under the lock, so frames never interleave.
#[derive(Clone)]
struct ToGuest(Arc<Mutex<std::process::ChildStdin>>);

impl Write for ToGuest {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        w.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}
/// Exit status when our stdout was closed: what a native program killed by SIGPIPE gives.
const EXIT_STDOUT_CLOSED: i32 = 128 + 13;

/// The default PATH of the app, as docker gives containers.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The app's environment: docker-like defaults, then each `-e` in order (`KEY=VALUE` sets,
/// `KEY` copies the host's value or is skipped when the host has none).
pub fn guest_env(
    opts: &[OsString],
    host: impl Fn(&OsStr) -> Option<OsString>,
    stdout_tty: bool,
) -> Vec<Vec<u8>> {
    let mut vars: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"PATH".to_vec(), DEFAULT_PATH.into()),
        (b"HOME".to_vec(), b"/root".to_vec()),
        (b"HOSTNAME".to_vec(), b"osprey".to_vec()),
    ];
    if stdout_tty {
        if let Some(term) = host(OsStr::new("TERM")) {
            vars.push((b"TERM".to_vec(), term.into_vec()));
        }
    }
    for opt in opts {
        let b = opt.as_bytes();
        let (key, value) = match b.iter().position(|&c| c == b'=') {
            Some(i) => (b[..i].to_vec(), b[i + 1..].to_vec()),
            None => match host(opt) {
                Some(v) => (b.to_vec(), v.into_vec()),
                None => continue,
            },
        };
        match vars.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => vars.push((key, value)),
        }
    }
    vars.into_iter()
        .map(|(mut k, v)| {
            k.push(b'=');
            k.extend(v);
            k
        })
        .collect()
}

/// Where the kernel and initramfs copies go: $XDG_RUNTIME_DIR (tmpfs, private) else $TMPDIR or
/// /tmp.
fn scratch_parent() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(d) if d.is_dir() => d,
        _ => std::env::temp_dir(),
    }
}

enum Event {
    /// Bytes from COM1.
    Serial(Vec<u8>),
    /// QEMU closed its stdout: it is exiting.
    SerialEnd,
}

/// Runs the program; returns osprey's exit status. `Err` means osprey could not run it (125).
/// `realtime=` (the wall clock now) and, when known from an earlier run, `tsc_khz=`.
fn kernel_cmdline(engine: &str, profile_hz: Option<u32>) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut s = format!("{}={now}", osprey_proto::cmdline::REALTIME);
    if let Some(khz) = crate::tsc_cache::load(engine) {
        s.push_str(&format!(" {}={khz}", osprey_proto::cmdline::TSC_KHZ));
    }
    // The terminal's size, if osprey runs on one (the app asks with TIOCGWINSZ).
    if let Some((terminal_size::Width(w), terminal_size::Height(h))) =
        terminal_size::terminal_size()
    {
        s.push_str(&format!(" {}={w}x{h}", osprey_proto::cmdline::WINSIZE));
    }
    if let Some(hz) = profile_hz {
        s.push_str(&format!(" {}={hz}", osprey_proto::cmdline::PROFILE));
    }
    // For kernel developers and tests: extra kernel command-line words.
    if let Ok(extra) = std::env::var("OSPREY_KERNEL_CMDLINE") {
        s.push(' ');
        s.push_str(&extra);
    }
    s
}

/// The program with everything it needs besides this run's launch record: base files, the
/// program and its libraries, its runtime's data, volumes and --include trees, and the
/// libraries of included shared objects.
fn packed_program(
    program: &program::Program,
    volume: &[(PathBuf, String)],
    include: &[(PathBuf, String)],
) -> Result<pack::Pack> {
    let mut image = pack::base(program);
    for dir in crate::runtimes::empty_dirs_for(program) {
        image.dir(dir, 0o755);
    }
    let mut includes: Vec<(PathBuf, String)> = crate::runtimes::data_for(program);
    includes.extend(volume.iter().cloned());
    includes.extend(include.iter().cloned());
    for (host, guest) in &includes {
        pack::include(&mut image, host, guest)
            .with_context(|| format!("--include {}", host.display()))?;
    }
    // Shared objects among the included files (python's lib-dynload) need their libraries too.
    if let program::Linking::Dynamic { interp } = &program.linking {
        let interp = String::from_utf8_lossy(interp).into_owned();
        for lib in crate::libs::for_included(&image, &interp)? {
            pack::add_library(&mut image, &lib);
        }
    }
    Ok(image)
}

/// Writes `pack` as a newc archive, with a progress bar on stderr (when it is a terminal) if
/// the writing lasts longer than a moment.
fn write_with_progress(pack: &pack::Pack, w: &mut dyn Write) -> Result<()> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    const QUIET_FOR: Duration = Duration::from_millis(300);
    let bar = ProgressBar::with_draw_target(Some(pack.host_bytes()), ProgressDrawTarget::hidden());
    if let Ok(style) =
        ProgressStyle::with_template("osprey: packing [{bar:30}] {bytes}/{total_bytes} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let started = Instant::now();
    let mut shown = false;
    let result = pack.write_newc_with(&mut { w }, &mut |n| {
        bar.inc(n);
        if !shown && started.elapsed() > QUIET_FOR {
            shown = true;
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    });
    bar.finish_and_clear();
    result
}

/// What describes a packed program for the image cache: everything `packed_program` reads
/// from the user's request.
fn cache_request(
    program: &program::Program,
    volume: &[(PathBuf, String)],
    include: &[(PathBuf, String)],
) -> String {
    format!(
        "{:?} {:?} {:?} -v {volume:?} --include {include:?}",
        program.host_path, program.guest_path, program.typed_abs_path
    )
}

/// The packed program as an archive file from the image cache (packed and stored now when it
/// is not there or is stale), or, when there is no cache, the pack to write into the initramfs.
/// The file is returned open: another osprey pruning the cache cannot take it away.
fn cached_program(
    program: &program::Program,
    volume: &[(PathBuf, String)],
    include: &[(PathBuf, String)],
) -> Result<Result<std::fs::File, pack::Pack>> {
    let key = crate::image_cache::key(&cache_request(program, volume, include));
    if let Some(f) = crate::image_cache::lookup(&key).and_then(|img| std::fs::File::open(img).ok())
    {
        return Ok(Ok(f));
    }
    let image = packed_program(program, volume, include)?;
    let mut inputs = image.host_inputs();
    // The loader's configuration and the paths libraries were found at (symlinks).
    inputs.extend(
        ["/etc/ld.so.cache", "/etc/ld.so.conf"]
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists()),
    );
    inputs.extend(program.libs.iter().map(|l| PathBuf::from(&l.guest_path)));
    inputs.push(program.host_path.clone());
    match crate::image_cache::store(&key, &inputs, |w| write_with_progress(&image, w)) {
        Ok(Some(img)) => match std::fs::File::open(img) {
            Ok(f) => Ok(Ok(f)),
            Err(_) => Ok(Err(image)),
        },
        // No cache (turned off, no HOME, not writable): the caller writes the pack itself.
        Ok(None) | Err(_) => Ok(Err(image)),
    }
}

/// `osprey build PROGRAM -o IMAGE`: packs once what `run` would pack, plus a manifest naming
/// the program; `osprey run --image IMAGE ARGS` then boots it without packing again.
pub fn build(b: crate::options::BuildArgs) -> Result<i32> {
    let host_dir = std::env::current_dir().context("the current directory")?;
    let program = program::resolve(&b.program, std::env::var_os("PATH").as_deref(), &host_dir)?;
    let mut image = packed_program(&program, &b.volume, &b.include)?;
    image.file(
        pack::IMAGE_MANIFEST,
        pack::Source::Bytes(pack::image_manifest(&program)),
        0o400,
    );
    let tmp = b.output.with_extension("tmp");
    {
        let f = std::fs::File::create(&tmp).with_context(|| format!("{}", tmp.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        write_with_progress(&image, &mut w)?;
        w.into_inner()
            .map_err(|e| e.into_error())
            .context("writing the image")?;
    }
    std::fs::rename(&tmp, &b.output).with_context(|| format!("{}", b.output.display()))?;
    let size = std::fs::metadata(&b.output).map(|m| m.len()).unwrap_or(0);
    let _ = writeln!(
        io::stderr(),
        "osprey: wrote {} ({:.1} MiB) for {}",
        b.output.display(),
        size as f64 / (1 << 20) as f64,
        program.guest_path
    );
    Ok(0)
}

pub fn run(a: RunArgs) -> Result<i32> {
    let started = Instant::now();
    // Published ports must be free before anything else happens.
    let net = a.net_config();
    net.check_host_ports().map_err(|e| anyhow!(e))?;
    let kernel = crate::kernel_image::load()?;
    let host_dir = std::env::current_dir().context("the current directory")?;
    // The program: resolved and packed now, or taken from an image `osprey build` wrote.
    let (program, exe, argv0) = match &a.image {
        Some(img) => {
            let (exe, argv0) = pack::read_image_manifest(img)?;
            (None, exe, std::ffi::OsString::from(argv0))
        }
        None => {
            let p = program::resolve(a.program(), std::env::var_os("PATH").as_deref(), &host_dir)?;
            let (exe, argv0) = (p.guest_path.clone(), p.argv0.clone());
            (Some(p), exe, argv0)
        }
    };

    let (stdin_tty, stdout_tty, stderr_tty) = (
        io::stdin().is_terminal(),
        io::stdout().is_terminal(),
        io::stderr().is_terminal(),
    );
    let mut flags = pack::tty_flags(stdin_tty, stdout_tty, stderr_tty);
    if a.strace {
        flags |= launch::flags::STRACE;
    }
    if a.verbose {
        flags |= launch::flags::VERBOSE;
    }
    if a.bootchart {
        flags |= launch::flags::BOOTCHART;
    }
    let env = guest_env(&a.env, |k| std::env::var_os(k), stdout_tty);
    // Arguments that name files on the host (`python3 script.py`, `sort numbers.txt`) are packed
    // at their absolute path; if one is relative, the program starts in the same directory as
    // here, so the relative name works unchanged (unless --cwd says otherwise).
    let arg_files = crate::pack::argument_files(a.args());
    let host_cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.to_str().map(str::to_string));
    let cwd = match (&a.cwd, &host_cwd) {
        (Some(c), _) => c.clone(),
        (None, Some(h)) if arg_files.iter().any(|f| f.relative) => h.clone(),
        _ => "/".to_string(),
    };
    let launch = pack::launch_record(LaunchInputs {
        exe: &exe,
        argv0: &argv0,
        args: a.args(),
        env,
        cwd: &cwd,
        flags,
    })?;
    // The program with its libraries and data: an image (--image), an archive from the image
    // cache, or packed now.
    let base: Option<Result<std::fs::File, pack::Pack>> = match (&a.image, &program) {
        (Some(img), _) => Some(Ok(
            std::fs::File::open(img).with_context(|| format!("{}", img.display()))?
        )),
        (None, Some(p)) => Some(cached_program(p, &a.volume, &a.include)?),
        (None, None) => None,
    };
    // What changes per run (launch record, cwd, argument files) goes into `run_files`.
    let mut run_files = pack::Pack::new();
    pack::add_launch(&mut run_files, &cwd, &launch);
    for f in &arg_files {
        pack::include(&mut run_files, &f.host, &f.guest)
            .with_context(|| format!("packing the argument {}", f.host.display()))?;
    }
    // DNS: an /etc/resolv.conf naming QEMU's DNS proxy, unless the program's files bring
    // their own (an image's, a volume or include over /etc, a file argument).
    let named = arg_files.iter().any(|f| f.guest == "/etc/resolv.conf");
    let has_resolv = named
        || match (&a.image, &program) {
            (Some(img), _) => pack::image_has_file(img, "etc/resolv.conf").unwrap_or(false),
            _ => a
                .volume
                .iter()
                .chain(a.include.iter())
                .any(|(_, g)| g == "/etc" || g == "/etc/resolv.conf"),
        };
    if !has_resolv {
        let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        if let Some(text) = net.resolv_conf(&host) {
            run_files.file(
                "/etc/resolv.conf",
                pack::Source::Bytes(text.into_bytes()),
                0o644,
            );
        }
    }
    let image = run_files;

    let engine = qemu::choose_engine(a.accel, &HostFacts::read()).map_err(|e| anyhow!(e))?;

    // Signals: record which one arrived; the loop below forwards it to the app (which ends
    // with 128+N by default, or shuts down its own way) and kills QEMU if the app is not done
    // within STOP_GRACE or a second signal comes. (QEMU runs in its own process group, so a
    // ^C in the terminal reaches osprey only.) Installed before the temporary directory
    // exists, so that it is always removed.
    let signalled = Arc::new(AtomicUsize::new(0));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register_usize(sig, Arc::clone(&signalled), sig as usize)
            .context("installing signal handlers")?;
    }

    let scratch = tempfile::Builder::new()
        .prefix("osprey-")
        .tempdir_in(scratch_parent())
        .context("creating a temporary directory")?;
    let kernel_path = scratch.path().join("kernel.elf");
    std::fs::write(&kernel_path, &kernel[..]).context("writing the kernel image")?;
    let initrd_path = scratch.path().join("initrd.cpio");
    {
        let f = std::fs::File::create(&initrd_path).context("creating the initramfs")?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        // The program's archive first (the kernel unpacks concatenated archives in order), then
        // this run's files.
        match &base {
            Some(Ok(src)) => {
                let mut src: &std::fs::File = src;
                io::copy(&mut src, &mut w).context("copying the image")?;
            }
            Some(Err(pack)) => write_with_progress(pack, &mut w)?,
            None => {}
        }
        image.write_newc(&mut w)?;
        w.into_inner()
            .map_err(|e| e.into_error())
            .context("writing the initramfs")?;
    }
    let engine_name = format!("{engine:?}").to_lowercase();
    // The initramfs stays in guest memory (files are used in place), so by default the VM gets
    // 64M for the program on top of it.
    let initrd_bytes = std::fs::metadata(&initrd_path)
        .map(|m| m.len())
        .unwrap_or(0);
    let mem = a
        .mem
        .unwrap_or((64 << 20) + initrd_bytes.next_multiple_of(1 << 20));
    let cfg = VmConfig {
        qemu: a.qemu.clone(),
        engine,
        machine: a.machine,
        mem_bytes: mem,
        cpus: a.cpus,
        kernel: kernel_path,
        initrd: initrd_path,
        append: kernel_cmdline(&engine_name, a.profile) + &net.kernel_cmdline(),
        net: net.qemu_args(a.machine),
    };

    let backlog = crate::slirp::prepare(&net, scratch.path());

    if a.verbose {
        let linking = match program.as_ref().map(|p| &p.linking) {
            Some(program::Linking::Static) => "static",
            Some(program::Linking::StaticPie) => "static-pie",
            Some(program::Linking::Dynamic { .. }) => "dynamic",
            None => "from an image",
        };
        // writeln, not eprintln: a closed stderr must not panic osprey.
        let _ = writeln!(
            io::stderr(),
            "osprey: running {} ({linking}) with {:?}, {} MiB, {} CPU(s)",
            exe,
            engine,
            mem.div_ceil(1 << 20),
            a.cpus
        );
        match &backlog {
            crate::slirp::Backlog::NotNeeded => {}
            crate::slirp::Backlog::Shim(_) => {
                let _ = writeln!(
                    io::stderr(),
                    "osprey: QEMU's listen backlog for published ports raised to 128 (preloaded \
                     listen_backlog.so)"
                );
            }
            crate::slirp::Backlog::Unavailable(why) => {
                let _ = writeln!(
                    io::stderr(),
                    "osprey: QEMU keeps its listen backlog of 1 for published ports: {why}"
                );
            }
        }
    }
    let preload = match &backlog {
        crate::slirp::Backlog::Shim(p) => Some(p.as_path()),
        _ => None,
    };
    let mut child = spawn(&cfg, preload)?;
    let mut console = Console::new(
        io::stdout().lock(),
        io::stderr(),
        Show {
            verbose: a.verbose,
            bootchart: a.bootchart,
        },
        // Crash reports name host files: the packed one, or (from an image) the same path here.
        Box::new(move |g| {
            image
                .host_file(g)
                .map(Path::to_path_buf)
                .or_else(|| Path::new(g).is_file().then(|| PathBuf::from(g)))
        }),
    );

    let to_guest = ToGuest(Arc::new(Mutex::new(
        child.stdin.take().expect("piped stdin"),
    )));
    let signal_to_guest = to_guest.clone();
    // Stdin waits for the guest's first frame (Ready): the guest's UART setup discards bytes
    // that arrive before it.
    let guest_ready = Arc::new((Mutex::new(false), Condvar::new()));
    let ready = guest_ready.clone();
    thread::spawn(move || {
        let (lock, cv) = &*ready;
        let mut up = lock.lock().unwrap();
        while !*up {
            up = cv.wait(up).unwrap();
        }
        drop(up);
        // Errors mean the VM is gone; nothing to do about it here.
        let _ = console::pump_stdin(io::stdin(), to_guest);
    });
    let mut signalled_ready = false;
    let host_terminal = crate::terminal::HostTerminal::new();
    let mut from_guest = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from_guest.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.send(Event::Serial(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = tx.send(Event::SerialEnd);
    });
    let mut qemu_err = child.stderr.take().expect("piped stderr");
    let stderr_thread = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = qemu_err.read_to_end(&mut v);
        v
    });

    let deadline = a.timeout.map(|t| Instant::now() + t);
    let qemu_started = Instant::now();
    // A signal forwarded to the app: which, and when the VM is killed if still running.
    let mut forwarded: Option<(usize, Instant)> = None;
    loop {
        let sig = signalled.swap(0, Ordering::SeqCst);
        if sig != 0 {
            // Before the guest's console is up (a frame sent now would be lost) or at a
            // second signal: stop at once.
            if !console.got_frames || forwarded.is_some() {
                kill(&mut child);
                return Ok(128 + sig as i32);
            }
            let mut f = Vec::new();
            osprey_proto::frame::encode(
                &mut f,
                osprey_proto::frame::InTag::Signal as u8,
                &(sig as u32).to_le_bytes(),
            );
            // From another thread: the pipe may be full of stdin the app has not read (the
            // frame then waits behind it), and this loop must keep watching the grace period
            // and a second signal.
            let mut w = signal_to_guest.clone();
            thread::spawn(move || {
                let _ = w.write_all(&f).and_then(|()| w.flush());
            });
            forwarded = Some((sig, Instant::now() + STOP_GRACE));
        }
        if let Some((sig, by)) = forwarded {
            if Instant::now() >= by {
                kill(&mut child);
                let _ = writeln!(
                    console.err(),
                    "osprey: the program did not stop within {}s of the signal; the VM was killed",
                    STOP_GRACE.as_secs()
                );
                return Ok(128 + sig as i32);
            }
        }
        if console.stdout_closed {
            kill(&mut child);
            return Ok(EXIT_STDOUT_CLOSED);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            kill(&mut child);
            console.print_log_tail();
            let secs = a.timeout.unwrap().as_secs_f64();
            let _ = writeln!(
                console.err(),
                "osprey: the VM ran longer than --timeout {secs}s and was killed"
            );
            return Ok(EXIT_TIMEOUT);
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Event::Serial(bytes)) => {
                console.feed(&bytes);
                if let Some(t) = console.termios.take() {
                    host_terminal.apply(&t);
                }
                if console.got_frames && !signalled_ready {
                    signalled_ready = true;
                    *guest_ready.0.lock().unwrap() = true;
                    guest_ready.1.notify_all();
                }
            }
            Ok(Event::SerialEnd) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }

    let status = child.wait().context("waiting for QEMU")?;
    if let Some(khz) = console.tsc_khz {
        crate::tsc_cache::store(&engine_name, khz);
    }
    let qemu_ms = qemu_started.elapsed().as_secs_f64() * 1e3;
    let qemu_stderr = stderr_thread.join().unwrap_or_default();
    if a.verbose && !qemu_stderr.is_empty() {
        let _ = writeln!(console.err(), "osprey: QEMU said:");
        let _ = console.err().write_all(&qemu_stderr);
    }
    if let Some(table) = console.bootchart_table(qemu_ms) {
        let _ = console.err().write_all(table.as_bytes());
        let _ = writeln!(
            console.err(),
            "  host: {:.1} ms for the whole osprey run",
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    if a.profile.is_some() {
        print_profile(&mut console, &kernel, a.profile_out.as_deref());
    }
    if console.exit_status.is_none() {
        // QEMU killed by the signal that reached us too (sent to the whole group by kill(1)
        // with a negative pid, say): give our handler a moment to record it.
        thread::sleep(Duration::from_millis(20));
        let sig = signalled.load(Ordering::SeqCst);
        if let Some(sig) = (sig != 0).then_some(sig).or(forwarded.map(|(s, _)| s)) {
            return Ok(128 + sig as i32);
        }
    }
    if let Some(text) = console.panic.clone() {
        let text = crate::crash::symbolize_panic(text.trim_end(), &kernel);
        let _ = write!(console.err(), "osprey: kernel panic: {text}");
        console.print_log_tail();
        return Ok(EXIT_RUNNER_FAILED);
    }
    if let Some(s) = console.exit_status {
        return Ok(s & 0xff);
    }
    // No exit frame: say what we know.
    let how = match (status.code(), status.signal()) {
        (Some(c), _) if c == qemu::debug_exit_status(osprey_proto::DEBUG_EXIT_NORMAL) => {
            "the kernel shut down normally but sent no Exit frame".to_string()
        }
        (Some(c), _) if c == qemu::debug_exit_status(osprey_proto::DEBUG_EXIT_PANIC) => {
            "the kernel shut down after a panic".to_string()
        }
        (Some(c), _) => format!("QEMU exited with status {c}"),
        (None, Some(s)) => format!("QEMU was killed by signal {s}"),
        _ => "QEMU stopped".to_string(),
    };
    let err = console.err();
    let _ = writeln!(
        err,
        "osprey: the VM stopped without reporting an exit status ({how})"
    );
    let leftover = console.leftover().to_vec();
    let got_frames = console.got_frames;
    console.print_log_tail();
    let err = console.err();
    if !got_frames {
        let _ = writeln!(err, "osprey: the kernel sent nothing (did it boot?)");
    }
    if !leftover.is_empty() {
        let shown = String::from_utf8_lossy(&leftover[..leftover.len().min(256)]).into_owned();
        let _ = writeln!(
            err,
            "osprey: {} stray bytes on the console: {shown:?}",
            leftover.len()
        );
    }
    if !qemu_stderr.is_empty() && !a.verbose {
        let _ = writeln!(err, "osprey: QEMU said:");
        let _ = err.write_all(&qemu_stderr);
    }
    Ok(EXIT_RUNNER_FAILED)
}

/// Starts QEMU; `preload`: a shared object for its LD_PRELOAD (`crate::slirp`).
fn spawn(cfg: &VmConfig, preload: Option<&Path>) -> Result<Child> {
    use std::os::unix::process::CommandExt as _;
    let mut cmd = Command::new(&cfg.qemu);
    if let Some(shim) = preload {
        cmd.env(
            "LD_PRELOAD",
            crate::slirp::ld_preload(shim, std::env::var_os("LD_PRELOAD")),
        );
    }
    cmd.args(qemu::args(cfg))
        // Its own process group: a ^C in the terminal goes to osprey, which forwards it to
        // the app, instead of killing QEMU under it.
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                anyhow!(
                    "{}: not found: install qemu-system-x86 (apt-get install qemu-system-x86) \
                     or pass --qemu PATH",
                    cfg.qemu.display()
                )
            } else {
                anyhow!("starting {}: {e}", cfg.qemu.display())
            }
        })
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(opts: &[&str], tty: bool) -> Vec<String> {
        let opts: Vec<OsString> = opts.iter().map(OsString::from).collect();
        let host = |k: &OsStr| match k.to_str() {
            Some("TERM") => Some(OsString::from("xterm-256color")),
            Some("USER") => Some(OsString::from("alice")),
            _ => None,
        };
        guest_env(&opts, host, tty)
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect()
    }

    #[test]
    fn docker_like_environment() {
        assert_eq!(
            env_of(&[], false),
            [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME=/root",
                "HOSTNAME=osprey"
            ]
        );
        assert_eq!(env_of(&[], true).last().unwrap(), "TERM=xterm-256color");
        let e = env_of(
            &[
                "KEY=VALUE",
                "HOME=/home/x",
                "USER",
                "UNSET",
                "EMPTY=",
                "EQ=a=b",
            ],
            false,
        );
        assert_eq!(
            e,
            [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME=/home/x",
                "HOSTNAME=osprey",
                "KEY=VALUE",
                "USER=alice",
                "EMPTY=",
                "EQ=a=b"
            ]
        );
        assert_eq!(env_of(&["A=1", "A=2"], false).last().unwrap(), "A=2");
    }
}

/// `--profile`: the busiest functions on stderr, every function in `out` if given.
fn print_profile<O: Write, E: Write>(
    console: &mut Console<O, E>,
    kernel: &[u8],
    out: Option<&Path>,
) {
    let Some(text) = console.profile_report(kernel, Some(crate::profile::TOP)) else {
        let _ = writeln!(
            console.err(),
            "osprey: no profile: the VM stopped before the kernel sent it"
        );
        return;
    };
    let _ = console.err().write_all(text.as_bytes());
    if let Some(path) = out {
        let all = console.profile_report(kernel, None).unwrap_or_default();
        if let Err(e) = std::fs::write(path, all) {
            let _ = writeln!(console.err(), "osprey: writing {}: {e}", path.display());
        }
    }
}
