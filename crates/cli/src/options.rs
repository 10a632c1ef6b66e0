//! The command line: `osprey run [OPTIONS] PROGRAM [ARGS]...` (clap 4 derive).
//!
//! Everything the user can type is here, with its help text; the rest of the crate receives
//! already-validated values (sizes in bytes, a CPU count in range, an absolute guest cwd).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Run one unmodified Linux x86_64 program as a tiny virtual machine.";

const LONG_ABOUT: &str = "\
Run one unmodified Linux x86_64 program as a tiny virtual machine.

osprey packs the program into an initramfs, boots it on its own unikernel under QEMU and wires
the program's standard input, output and error to yours, like `docker run` without an image:

    osprey run /bin/busybox sh -c 'echo hi; echo $((6*7))'
    echo data | osprey run -e KEY=VALUE ./prog arg1 'arg 2' > out.txt 2> err.txt; echo $?";

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0-255  the program's own exit status; 128+N when signal N killed it (139 for SIGSEGV),
         as a shell reports it.
  125    osprey could not run the program: missing or unsupported program, QEMU missing,
         kernel panic, the VM stopped without reporting a status (one line on stderr says
         which).
  124    --timeout expired and the VM was killed.
  130    interrupted (Ctrl-C); 143 for SIGTERM, 129 for SIGHUP. The signal is passed to the
         program first (like docker stop): one that handles it exits with its own status;
         a second signal or 10 s later the VM is killed.
  141    osprey's standard output was closed (e.g. `| head -1`): the VM was stopped, as a
         native program would die of SIGPIPE.
  2      invalid command line (usage error).

Environment:
  OSPREY_KERNEL=PATH  boot this kernel ELF instead of the one built into osprey (for kernel
                      developers).
  OSPREY_NET_DUMP=PATH  write every frame the network card sends or receives to PATH (pcap).";

#[derive(Debug, Parser)]
#[command(
    name = "osprey",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_STATUS_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run PROGRAM with ARGS in a new VM; its stdio is yours, its exit status becomes osprey's.
    #[command(after_help = EXIT_STATUS_HELP,
              override_usage = "osprey run [OPTIONS] PROGRAM [ARGS]...")]
    Run(RunArgs),
    /// Pack PROGRAM (with its libraries, runtime data, volumes and --include trees) into IMAGE
    /// once; `osprey run --image IMAGE ARGS` then boots it without packing again.
    #[command(override_usage = "osprey build [OPTIONS] -o IMAGE PROGRAM")]
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Where to write the image (an initramfs: cpio newc).
    #[arg(short = 'o', long = "output", value_name = "IMAGE")]
    pub output: PathBuf,

    /// As for `osprey run`: a host directory at GUEST in the image.
    #[arg(short = 'v', long = "volume", value_name = "HOST:GUEST[:ro]", value_parser = parse_volume)]
    pub volume: Vec<(PathBuf, String)>,

    /// As for `osprey run`: a host file or tree in the image.
    #[arg(long = "include", value_name = "HOST[:GUEST]", value_parser = parse_include)]
    pub include: Vec<(PathBuf, String)>,

    /// The program: a path, or a name looked up in PATH.
    #[arg(value_name = "PROGRAM")]
    pub program: OsString,
}

/// The machine QEMU emulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Machine {
    /// QEMU's microvm: no firmware, no PCI, virtio-mmio devices; the fastest to boot.
    Microvm,
    /// A PC with PCI Express (Q35 chipset): SeaBIOS runs first (a little slower to boot), the
    /// network card is a virtio-net-pci with MSI-X.
    Q35,
}

/// The accelerator QEMU uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Accel {
    /// KVM where hardware virtualization really works, else TCG (the rule is above).
    Auto,
    /// Hardware virtualization via /dev/kvm (fails if it is not usable).
    Kvm,
    /// QEMU's software CPU emulator: works everywhere, slower.
    Tcg,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Guest memory: a number of bytes or with a binary suffix K, M, G (64M, 1G, 8192K;
    /// "MiB"/"MB" spellings work too). At least 4M. Rounded up to a whole MiB. Default: 64M
    /// plus the size of the packed files (they stay in the VM's memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_mem)]
    pub mem: Option<u64>,

    /// Virtual CPUs (1-255), passed to QEMU as -smp. The kernel starts them all; the app's
    /// threads run on the first one until the scheduler lands.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=255))]
    pub cpus: u8,

    /// Accelerator. `auto` picks KVM only when it really works: /dev/kvm is readable and
    /// writable, the kvm_intel or kvm_amd module is loaded, the CPU flags in /proc/cpuinfo
    /// include vmx or svm, and /dev/kvm is not the software `kvm_pvm` (our ring-0 guest crashes
    /// there). Otherwise TCG, without a failed KVM attempt first.
    #[arg(long, value_enum, value_name = "ACCEL", default_value_t = Accel::Auto)]
    pub accel: Accel,

    /// The machine QEMU emulates: `microvm` (no firmware, virtio-mmio card: boots fastest) or
    /// `q35` (a PC with PCI Express: firmware first, a virtio-net-pci card).
    #[arg(long, value_enum, value_name = "MACHINE", default_value_t = Machine::Microvm)]
    pub machine: Machine,

    /// Set an environment variable of the program (repeatable). `-e KEY` takes KEY's value
    /// from your environment (skipped if unset), like docker. The defaults are PATH, HOME=/root,
    /// HOSTNAME=osprey and, when stdout is a terminal, your TERM; -e adds or overrides.
    #[arg(short = 'e', long = "env", value_name = "KEY[=VALUE]",
          value_parser = clap::builder::OsStringValueParser::new().try_map(check_env))]
    pub env: Vec<OsString>,

    /// Show the kernel log on stderr as it runs.
    #[arg(long)]
    pub verbose: bool,

    /// Print every system call the program makes on stderr, strace style.
    #[arg(long)]
    pub strace: bool,

    /// Print the boot milestones and their times on stderr when the VM stops.
    #[arg(long)]
    pub bootchart: bool,

    /// Sample where every CPU spends its time, HZ times a second (1000 if no value: write
    /// `--profile=HZ`), and print the busiest functions (the app's, its libraries', the
    /// kernel's, and idle) on stderr when the VM stops.
    #[arg(long, value_name = "HZ", num_args = 0..=1, require_equals = true,
          default_missing_value = "1000",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub profile: Option<u32>,

    /// With --profile: also write every function's samples to FILE.
    #[arg(long, value_name = "FILE", requires = "profile")]
    pub profile_out: Option<PathBuf>,

    /// The QEMU binary to use.
    #[arg(long, value_name = "PATH", default_value = "qemu-system-x86_64")]
    pub qemu: PathBuf,

    /// Kill the VM after SECS seconds (decimals allowed); osprey then exits with 124.
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,

    /// The program's working directory inside the VM (absolute; created if needed).
    #[arg(long, value_name = "DIR", value_parser = parse_cwd)]
    pub cwd: Option<String>,

    /// Bring a host directory (or file) into the VM at GUEST, like docker's -v. Today it is
    /// a copy taken at start: writes inside the VM stay inside the VM (`:ro` is accepted and is
    /// what you get). Real sharing comes with storage (virtio-fs).
    #[arg(short = 'v', long = "volume", value_name = "HOST:GUEST[:ro]", value_parser = parse_volume)]
    pub volume: Vec<(PathBuf, String)>,

    /// Copy a host file or directory (recursively, symlinks kept) into the VM, at the same path
    /// or at GUEST (repeatable). For data a program reads: a script, a runtime's library
    /// directory (`--include /usr/lib/python3.11`). Writes in the VM stay in the VM.
    #[arg(long = "include", value_name = "HOST[:GUEST]", value_parser = parse_include)]
    pub include: Vec<(PathBuf, String)>,

    /// Publish a port of the VM on the host, like docker's -p (repeatable): connections to
    /// HOST (on 127.0.0.1, or on IP) reach GUEST in the VM. `/udp` for UDP; TCP by default.
    /// Checked before boot: a host port already in use is an error.
    #[arg(short = 'p', long = "publish", value_name = "[IP:]HOST:GUEST[/udp]",
          value_parser = crate::net::parse_publish)]
    pub publish: Vec<crate::net::Publish>,

    /// The VM's network: `user` (default) gives it a network card on QEMU's user-mode
    /// network: outgoing connections go out through the host's, DNS works, -p publishes
    /// ports. `none`: no card at all. `tap:IFNAME`: the card on an existing tap device (needs
    /// --ip; the VM is reached at that address, no -p).
    #[arg(long = "net", value_name = "user|none|tap:IFNAME", default_value = "user",
          value_parser = crate::net::parse_net)]
    pub net: crate::net::NetMode,

    /// A static IPv4 address and prefix length for the VM (e.g. 10.0.2.15/24) instead of
    /// DHCP from QEMU's user network (which gives 10.0.2.15/24, gateway 10.0.2.2).
    #[arg(long = "ip", value_name = "ADDR/PREFIX", value_parser = crate::net::parse_ip)]
    pub ip: Option<(std::net::Ipv4Addr, u8)>,

    /// The default gateway with --ip (default: the network's .2, QEMU's host address).
    #[arg(long = "gw", value_name = "ADDR")]
    pub gw: Option<std::net::Ipv4Addr>,

    /// Boot an image written by `osprey build` instead of packing PROGRAM: everything after
    /// the options is then the program's ARGS.
    #[arg(long, value_name = "IMAGE", conflicts_with_all = ["include", "volume"])]
    pub image: Option<PathBuf>,

    /// PROGRAM, then its ARGS. PROGRAM is a path, or a name looked up in your PATH like a
    /// shell does: an x86_64 Linux executable, static or dynamic (its loader and libraries
    /// come along).
    /// Everything after PROGRAM goes to it, even when it starts with '-' or is `--`
    /// (`osprey run prog -x --y` gives prog -x --y).
    //
    // One positional rather than PROGRAM + ARGS: clap keeps a `--` after PROGRAM for the
    // program only while it is filling a hyphen-accepting multi-value positional.
    #[arg(value_name = "PROGRAM", required_unless_present = "image", num_args = 0..,
          trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<OsString>,
}

/// `HOST:GUEST[:ro|:rw]` (docker's -v): GUEST is required and absolute.
fn parse_volume(s: &str) -> Result<(PathBuf, String), String> {
    let s = s
        .strip_suffix(":ro")
        .or_else(|| s.strip_suffix(":rw"))
        .unwrap_or(s);
    match s.rsplit_once(':') {
        Some((_, g)) if !g.is_empty() => parse_include(s),
        _ => Err(format!("{s}: expected HOST:GUEST")),
    }
}

/// `HOST[:GUEST]`: the host path must exist; GUEST (absolute) defaults to HOST's absolute path.
fn parse_include(s: &str) -> Result<(PathBuf, String), String> {
    let (host, guest) = match s.split_once(':') {
        Some((h, g)) => (h, Some(g)),
        None => (s, None),
    };
    let host = std::fs::canonicalize(host).map_err(|e| format!("{host}: {e}"))?;
    let guest = match guest {
        Some(g) if g.starts_with('/') => g.to_string(),
        Some(g) => return Err(format!("{g}: the path in the VM must be absolute")),
        None => host.to_str().ok_or("the path is not UTF-8")?.to_string(),
    };
    Ok((host, guest))
}

impl RunArgs {
    /// Checks clap cannot express: with hyphen values allowed, an unknown option before PROGRAM
    /// (`osprey run --nope prog`) would be taken as the program; make it the usage error it is.
    /// (A program whose name starts with '-' is still reachable as ./-name.)
    pub fn validate(&self) -> Result<(), clap::Error> {
        if let Err(msg) = self.net_config().validate() {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let run = cmd.find_subcommand_mut("run").expect("run subcommand");
            return Err(run.error(clap::error::ErrorKind::ArgumentConflict, msg));
        }
        if self.image.is_some() {
            return Ok(());
        }
        let p = self.program().to_string_lossy();
        if p.starts_with('-') {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let run = cmd.find_subcommand_mut("run").expect("run subcommand");
            return Err(run.error(
                clap::error::ErrorKind::UnknownArgument,
                format!("unexpected argument '{p}' (a program named like an option: use ./{p})"),
            ));
        }
        Ok(())
    }

    /// The network options together.
    pub fn net_config(&self) -> crate::net::NetConfig {
        crate::net::NetConfig {
            mode: self.net.clone(),
            publish: self.publish.clone(),
            ip: self.ip,
            gw: self.gw,
        }
    }

    /// The program as typed.
    pub fn program(&self) -> &OsString {
        &self.command[0]
    }

    /// The program's arguments: after PROGRAM, or all of them with --image.
    fn first_arg(&self) -> usize {
        if self.image.is_some() {
            0
        } else {
            1
        }
    }

    /// Its arguments (argv[1..]).
    pub fn args(&self) -> &[OsString] {
        &self.command[self.first_arg().min(self.command.len())..]
    }
}

/// The smallest guest memory we accept: below this the kernel, the initramfs and a stack do not
/// fit together.
pub const MIN_MEM: u64 = 4 << 20;

/// Parses a memory size: plain bytes or a number with a binary suffix (K, M, G, T, optionally
/// followed by "iB" or "B"; case-insensitive).
pub fn parse_mem(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, suffix) = t.split_at(digits_end);
    if num.is_empty() {
        return Err(format!(
            "'{s}' is not a size (try 64M, 1G, 512K or a number of bytes)"
        ));
    }
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => {
            return Err(format!(
                "'{s}' is not a size: unknown unit '{suffix}' (use K, M, G or plain bytes)"
            ))
        }
    };
    let n: u64 = num.parse().map_err(|_| format!("'{s}' is too large"))?;
    let bytes = n
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))?;
    if bytes < MIN_MEM {
        return Err(format!("'{s}' is too small: the VM needs at least 4M"));
    }
    if bytes > (1u64 << 40) {
        return Err(format!("'{s}' is too large (at most 1T)"));
    }
    Ok(bytes)
}

fn check_env(s: OsString) -> Result<OsString, String> {
    use std::os::unix::ffi::OsStrExt;
    let b = s.as_bytes();
    if b.is_empty() || b[0] == b'=' {
        return Err(format!(
            "'{}': the variable name is empty",
            s.to_string_lossy()
        ));
    }
    if b.contains(&0) {
        return Err("environment variables cannot contain NUL".into());
    }
    Ok(s)
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !(secs > 0.0 && secs.is_finite() && secs < 1e9) {
        return Err(format!(
            "'{s}': the timeout must be a positive number of seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse_cwd(s: &str) -> Result<String, String> {
    if !s.starts_with('/') {
        return Err(format!(
            "'{s}' is not an absolute path (the guest cwd starts with /)"
        ));
    }
    if s.contains('\0') {
        return Err("the guest cwd cannot contain NUL".into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn sizes() {
        assert_eq!(parse_mem("64M"), Ok(64 << 20));
        assert_eq!(parse_mem("1G"), Ok(1 << 30));
        assert_eq!(parse_mem("1g"), Ok(1 << 30));
        assert_eq!(parse_mem("8192K"), Ok(8 << 20));
        assert_eq!(parse_mem("128MiB"), Ok(128 << 20));
        assert_eq!(parse_mem("16mb"), Ok(16 << 20));
        assert_eq!(parse_mem("4194304"), Ok(4 << 20));
        assert_eq!(parse_mem(" 4M "), Ok(4 << 20));
        assert!(parse_mem("512K").unwrap_err().contains("too small"));
        assert!(parse_mem("3M").unwrap_err().contains("too small"));
        assert!(parse_mem("lots").unwrap_err().contains("not a size"));
        assert!(parse_mem("").is_err());
        assert!(parse_mem("12X").unwrap_err().contains("unknown unit"));
        assert!(parse_mem("1.5G").is_err());
        assert!(parse_mem("-1M").is_err());
        assert!(parse_mem("99999999999999999999")
            .unwrap_err()
            .contains("too large"));
        assert!(parse_mem("99999999999T").unwrap_err().contains("too large"));
    }

    #[test]
    fn timeouts_and_cwd() {
        assert_eq!(parse_timeout("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("-3").is_err());
        assert!(parse_timeout("nan").is_err());
        assert!(parse_timeout("soon").is_err());
        assert_eq!(parse_cwd("/work"), Ok("/work".to_string()));
        assert!(parse_cwd("work").is_err());
    }

    fn parse(args: &[&str]) -> Result<RunArgs, clap::Error> {
        let mut v = vec!["osprey", "run"];
        v.extend_from_slice(args);
        let r = Cli::try_parse_from(v).map(|c| match c.command {
            Command::Run(r) => r,
            Command::Build(_) => unreachable!("parsed `osprey run`"),
        })?;
        r.validate()?;
        Ok(r)
    }

    #[test]
    fn image_runs_take_every_word_as_an_argument() {
        let r = parse(&["--image", "/tmp/x.img", "-c", "print(1)"]).unwrap();
        assert_eq!(r.args(), ["-c", "print(1)"]);
        let r = parse(&["--image", "/tmp/x.img"]).unwrap();
        assert!(r.args().is_empty());
        assert!(parse(&["--image", "/tmp/x.img", "--include", "/tmp", "a"]).is_err());
        let b = Cli::try_parse_from(["osprey", "build", "-o", "/tmp/o.img", "/bin/true"]).unwrap();
        assert!(matches!(b.command, Command::Build(ref a) if a.program == "/bin/true"));
    }

    #[test]
    fn defaults() {
        let r = parse(&["prog"]).unwrap();
        assert_eq!(r.mem, None);
        assert_eq!(r.cpus, 1);
        assert_eq!(r.accel, Accel::Auto);
        assert_eq!(r.machine, Machine::Microvm);
        assert_eq!(r.cwd, None);
        assert_eq!(r.qemu, PathBuf::from("qemu-system-x86_64"));
        assert!(r.timeout.is_none() && !r.verbose && !r.strace && !r.bootchart);
        assert!(r.args().is_empty() && r.env.is_empty());
        assert_eq!(r.net, crate::net::NetMode::User);
        assert!(r.publish.is_empty() && r.ip.is_none() && r.gw.is_none());
    }

    #[test]
    fn network_options() {
        let r = parse(&[
            "-p",
            "8080:80",
            "--publish",
            "0.0.0.0:53:53/udp",
            "--ip",
            "10.0.2.20/24",
            "--gw",
            "10.0.2.2",
            "prog",
            "-p",
            "1:2",
        ])
        .unwrap();
        assert_eq!(r.publish.len(), 2);
        assert_eq!(r.publish[0].host_port, 8080);
        assert_eq!(r.publish[1].proto, crate::net::Proto::Udp);
        assert_eq!(r.ip, Some(("10.0.2.20".parse().unwrap(), 24)));
        assert_eq!(r.args(), ["-p", "1:2"]); // after PROGRAM: the program's
        assert_eq!(
            parse(&["--net", "none", "prog"]).unwrap().net,
            crate::net::NetMode::None
        );
        for bad in [
            &["-p", "80", "prog"][..],
            &["-p", "x:80", "prog"],
            &["-p", "8080:80/sctp", "prog"],
            &["--net", "none", "-p", "80:80", "prog"],
            &["--net", "tap", "prog"],
            &["--ip", "10.0.2.15", "prog"],
            &["--gw", "10.0.2.2", "prog"],
            &["--ip", "10.0.2.15/24", "--gw", "10.9.2.2", "prog"],
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn program_arguments_keep_their_hyphens() {
        let r = parse(&[
            "--strace",
            "-e",
            "A=1",
            "-e",
            "B",
            "prog",
            "-x",
            "--y",
            "--verbose",
            "z",
        ])
        .unwrap();
        assert!(r.strace && !r.verbose);
        assert_eq!(r.env, vec![OsString::from("A=1"), OsString::from("B")]);
        assert_eq!(r.program(), "prog");
        assert_eq!(r.args(), ["-x", "--y", "--verbose", "z"]);
        let r = parse(&["/bin/busybox", "sh", "-c", "echo hi; echo $((6*7))"]).unwrap();
        assert_eq!(r.args(), ["sh", "-c", "echo hi; echo $((6*7))"]);
        let r = parse(&["prog", "--", "-a"]).unwrap();
        assert_eq!(r.args(), ["--", "-a"]);
        let r = parse(&["--verbose", "prog", "a", "--", "b"]).unwrap();
        assert!(r.verbose);
        assert_eq!(r.args(), ["a", "--", "b"]);
        let r = parse(&["--", "./-prog", "-v"]).unwrap();
        assert_eq!(
            (r.program().to_str(), r.args().len(), r.verbose),
            (Some("./-prog"), 1, false)
        );
        // An unknown option before PROGRAM is a usage error, not a program name.
        let e = parse(&["--nope", "prog"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("unexpected argument '--nope'"),
            "{e}"
        );
    }

    #[test]
    fn options() {
        let r = parse(&[
            "--mem",
            "1G",
            "--cpus",
            "4",
            "--accel",
            "tcg",
            "--machine",
            "q35",
            "--timeout",
            "1.5",
            "--cwd",
            "/tmp",
            "--qemu",
            "/opt/q",
            "--bootchart",
            "--verbose",
            "-v",
            "/tmp:/data:ro",
            "p",
        ])
        .unwrap();
        assert_eq!((r.mem, r.cpus, r.accel), (Some(1 << 30), 4, Accel::Tcg));
        assert_eq!(r.machine, Machine::Q35);
        assert_eq!(r.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(r.cwd.as_deref(), Some("/tmp"));
        assert!(r.bootchart && r.verbose);
        assert_eq!(
            r.volume,
            [(std::fs::canonicalize("/tmp").unwrap(), "/data".to_string())]
        );
        assert!(parse(&["-v", "/tmp", "p"]).is_err());
    }

    #[test]
    fn usage_errors() {
        use clap::error::ErrorKind;
        for bad in [
            &["--cpus", "0", "p"][..],
            &["--cpus", "256", "p"],
            &["--mem", "garbage", "p"],
            &["--accel", "xen", "p"],
            &["--machine", "pc", "p"],
            &["--cwd", "rel", "p"],
            &["-e", "=x", "p"],
            &[],
        ] {
            let e = parse(bad).unwrap_err();
            assert_ne!(e.kind(), ErrorKind::DisplayHelp, "{bad:?}");
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
