//! `--machine q35`: a PC with PCI Express instead of microvm. The same kernel boots there (after
//! SeaBIOS), programs run as on the host (stdout, stdin, exit status through COM1 and
//! isa-debug-exit), and the network card is a virtio-net-pci that the kernel finds on the PCI
//! bus and drives with MSI-X interrupts: a server in the VM serves clients on the host through
//! a published port (an epoll echo server of tests/programs, Debian's python3 http.server with
//! curl), and a client in the VM fetches from a server on the host.
//!
//! q35 spends a few tenths of a second (more on a loaded host) in its firmware under TCG, so
//! these tests boot few VMs.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

const Q35: [&str; 2] = ["--machine", "q35"];

#[test]
fn programs_run_on_q35_as_on_the_host() {
    same_as_native(
        &Guest::new(program("hello", Variant::Static))
            .opt("--machine")
            .opt("q35"),
    );
    // The exit status comes back through isa-debug-exit; stdin goes in through COM1.
    same_as_native(
        &Guest::new(program("exit_status", Variant::StaticPie))
            .opt("--machine")
            .opt("q35")
            .opt("--net")
            .opt("none")
            .args(["exit", "7"]),
    );
    let (vm, _) = same_as_native(
        &Guest::new(program("echo_stdin", Variant::Musl))
            .opt("--machine")
            .opt("q35")
            .stdin("line one\nline two\n"),
    );
    assert!(vm.out().contains("line two"), "{}", vm.show());
}

/// Checks the kernel log of a `--verbose` q35 run: the card found on the PCI bus with MSI-X,
/// the gateway's ARP reply with at least one interrupt; returns the log.
fn check_card(run: &Run) -> String {
    run.expect_status(0);
    let err = run.err();
    let found = err
        .lines()
        .find(|l| l.contains("net: virtio-net at "))
        .unwrap_or_else(|| panic!("no card in the kernel log{}", run.show()));
    assert!(
        found.contains("(virtio-pci, MSI-X)"),
        "the card is not the PCI one, or has no MSI-X: {found}{}",
        run.show()
    );
    let reply = err
        .lines()
        .find(|l| l.contains("net: self-check: ARP reply: 10.0.2.2 is at 52:55:0a:00:02:02"))
        .unwrap_or_else(|| panic!("QEMU's gateway did not answer ARP{}", run.show()));
    // "... (F frames, I interrupts)": the reply came by MSI-X, not only by polling.
    let irqs: u64 = reply
        .rsplit_once(", ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no interrupt count in {reply}"));
    assert!(
        irqs >= 1,
        "no interrupt for the reply: {reply}{}",
        run.show()
    );
    err
}

#[test]
fn the_card_is_found_on_the_pci_bus_and_interrupts() {
    let hello = || {
        Guest::new(program("hello", Variant::Static))
            .opt("--machine")
            .opt("q35")
            .opt("--verbose")
    };
    // With SeaBIOS (QEMU's default firmware), which assigns the BARs: the kernel keeps them.
    let log = check_card(&hello().run());
    assert!(
        !log.contains("placed at"),
        "SeaBIOS assigns the BARs, the kernel must keep them:\n{log}"
    );
    assert!(
        log.contains("pci: configuration space through ECAM at 0xb0000000"),
        "q35's MCFG window was not used:\n{log}"
    );
    // With qboot, the minimal firmware QEMU ships, which leaves the BARs at 0: the kernel
    // places them (a QEMU wrapper adds -bios).
    let qboot = "/usr/share/qemu/qboot.rom";
    if std::path::Path::new(qboot).is_file() {
        let dir = tempfile::tempdir().unwrap();
        let wrapper = dir.path().join("qemu-qboot");
        std::fs::write(
            &wrapper,
            format!("#!/bin/sh\nexec qemu-system-x86_64 -bios {qboot} \"$@\"\n"),
        )
        .unwrap();
        let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&wrapper, perms).unwrap();
        let log = check_card(&hello().opt("--qemu").opt(&wrapper).run());
        let placed = log.lines().filter(|l| l.contains("placed at")).count();
        assert_eq!(
            placed, 2,
            "the kernel did not place the card's two BARs:\n{log}"
        );
    }
    // The legacy configuration ports, which serve when there is no usable ECAM window.
    let mut cmd = hello().command();
    cmd.env("OSPREY_KERNEL_CMDLINE", "pci=ports");
    let log = check_card(&run_command(cmd, b"", TIMEOUT));
    assert!(
        log.contains("pci: configuration space through ports 0xcf8/0xcfc"),
        "pci=ports was not obeyed:\n{log}"
    );
}

/// A VM in the background; dropping it stops it (SIGTERM to osprey, then SIGKILL).
struct Vm {
    child: Option<Child>,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Vm {
    fn start(options: &[String], program: &std::path::Path, args: &[&str]) -> Vm {
        require_qemu();
        let mut child = Command::new(OSPREY)
            .args(["run", "--accel", "tcg"])
            .args(options)
            .arg(program)
            .args(args)
            .env_remove("TERM")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start osprey");
        let collect = |mut r: Box<dyn Read + Send>| {
            let buf = Arc::new(Mutex::new(Vec::new()));
            let into = buf.clone();
            thread::spawn(move || {
                let mut b = [0u8; 4096];
                while let Ok(n @ 1..) = r.read(&mut b) {
                    into.lock().unwrap().extend_from_slice(&b[..n]);
                }
            });
            buf
        };
        let out = collect(Box::new(child.stdout.take().unwrap()));
        let err = collect(Box::new(child.stderr.take().unwrap()));
        Vm {
            child: Some(child),
            out,
            err,
        }
    }

    fn show(&self) -> String {
        format!(
            "\n--- stdout:\n{}\n--- stderr:\n{}",
            String::from_utf8_lossy(&self.out.lock().unwrap()),
            String::from_utf8_lossy(&self.err.lock().unwrap())
        )
    }

    /// Waits (90 s at most: TCG on a loaded host) until `request` on a fresh connection to
    /// 127.0.0.1:`port` is answered with something starting with `answer`. QEMU accepts on a
    /// published port before the guest listens, so a connect alone proves nothing.
    fn wait_ready(&mut self, port: u16, request: &[u8], answer: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Some(s) = self.child.as_mut().unwrap().try_wait().unwrap() {
                thread::sleep(Duration::from_millis(200));
                panic!("the VM exited early ({s}){}", self.show());
            }
            if let Ok(mut s) = TcpStream::connect(local(port)) {
                s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
                let mut got = vec![0u8; answer.len()];
                if s.write_all(request).is_ok() && s.read_exact(&mut got).is_ok() {
                    assert_eq!(got, answer, "{}", self.show());
                    return;
                }
            }
            thread::sleep(Duration::from_millis(250));
        }
        panic!("127.0.0.1:{port} did not answer within 90 s{}", self.show());
    }

    /// Waits for the VM to exit by itself; its status.
    fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        let mut child = self.child.take().unwrap();
        while Instant::now() < deadline {
            if let Some(s) = child.try_wait().unwrap() {
                thread::sleep(Duration::from_millis(200)); // the collectors drain
                return s.code();
            }
            thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
        None
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGTERM first: osprey then stops QEMU; SIGKILL would leave QEMU behind.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        for _ in 0..100 {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Deterministic, incompressible-looking bytes (xorshift).
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

#[test]
fn a_server_in_a_q35_vm_serves_the_host_over_the_pci_card() {
    let (port, stats) = (free_port(), free_port());
    let options: Vec<String> = Q35
        .iter()
        .map(|s| s.to_string())
        .chain(["-p".into(), format!("{port}:7000")])
        .chain(["-p".into(), format!("{stats}:7001")])
        .collect();
    let prog = program("tcp_echo_epoll", Variant::Static);
    let mut vm = Vm::start(&options, &prog, &["7000", "7001"]);
    vm.wait_ready(port, b"ready?\n", b"ready?\n");
    // Four connections at once, 256 KiB each way on every one, written and read concurrently
    // (the server reads only as fast as it can write back).
    let workers: Vec<_> = (0..4u64)
        .map(|i| {
            thread::spawn(move || {
                let data = pseudo_random(256 << 10, 0x9e37 + i);
                let mut s = TcpStream::connect(local(port)).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                let mut w = s.try_clone().unwrap();
                let sent = data.clone();
                let writer = thread::spawn(move || {
                    for chunk in sent.chunks(16 << 10) {
                        w.write_all(chunk).unwrap();
                    }
                    w.shutdown(std::net::Shutdown::Write).unwrap();
                });
                let mut got = Vec::new();
                s.read_to_end(&mut got).unwrap();
                writer.join().unwrap();
                assert!(
                    got == data,
                    "connection {i}: {} bytes echoed of {}",
                    got.len(),
                    data.len()
                );
            })
        })
        .collect();
    for w in workers {
        if w.join().is_err() {
            panic!("an echo connection failed{}", vm.show());
        }
    }
    // The server quits cleanly when asked, printing its counters; the VM exits 0.
    let mut s = TcpStream::connect(local(stats)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut line = String::new();
    BufReader::new(&mut s).read_line(&mut line).unwrap();
    s.write_all(b"QUIT\n").unwrap();
    let status = vm.wait_exit(Duration::from_secs(30));
    assert_eq!(status, Some(0), "the server's VM{}", vm.show());
    let out = String::from_utf8_lossy(&vm.out.lock().unwrap()).into_owned();
    // 4 x 256 KiB plus the readiness probe.
    let bytes: u64 = out
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("bytes="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no byte count in the server's output{}", vm.show()));
    assert!(
        bytes >= 4 * (256 << 10),
        "{bytes} bytes echoed{}",
        vm.show()
    );
    assert!(!vm.show().contains("panic"), "{}", vm.show());
}

#[test]
fn a_client_in_a_q35_vm_fetches_from_the_host() {
    let body = pseudo_random(300_000, 7);
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in &body {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut req = Vec::new();
        let mut b = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(0) | Err(_) => break,
                Ok(n) => req.extend_from_slice(&b[..n]),
            }
        }
        let head = format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&body).unwrap();
    });
    // 10.0.2.2 is the host under QEMU's user network.
    let run = Guest::new(program("http_get", Variant::Static))
        .opt("--machine")
        .opt("q35")
        .args(["10.0.2.2", &port.to_string(), "/file"])
        .run();
    run.expect_status(0).expect_stdout(&format!(
        "status=200\nbody_length=300000\nfnv1a64={h:016x}\n"
    ));
    server.join().unwrap();
}

#[test]
fn python3_http_server_in_a_q35_vm_serves_curl_on_the_host() {
    let py = "/usr/bin/python3";
    assert!(
        std::path::Path::new(py).is_file(),
        "{py} is missing (apt-get install python3, or scripts/install-deps.sh)"
    );
    require_tool("curl", "curl");
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let big = pseudo_random(200_000, 0x5eed);
    std::fs::write(site.join("big.bin"), &big).unwrap();
    let port = free_port();
    let options: Vec<String> = Q35
        .iter()
        .map(|s| s.to_string())
        .chain(["--mem".into(), "256M".into()])
        .chain(["-v".into(), format!("{}:/srv", site.display())])
        .chain(["--cwd".into(), "/srv".into()])
        .chain(["-p".into(), format!("{port}:8000")])
        .collect();
    let mut vm = Vm::start(
        &options,
        std::path::Path::new(py),
        &["-m", "http.server", "8000"],
    );
    vm.wait_ready(port, b"GET / HTTP/1.0\r\n\r\n", b"HTTP/1.");
    let out = dir.path().join("got.bin");
    let url = format!("http://127.0.0.1:{port}/big.bin");
    let mut curl = Command::new("curl");
    curl.args(["-sS", "--max-time", "60", "-o"])
        .arg(&out)
        .args(["-w", "%{http_code}", &url]);
    let r = run_command(curl, b"", Duration::from_secs(70));
    r.expect_status(0);
    assert_eq!(r.out(), "200", "curl {url}{}{}", r.show(), vm.show());
    assert!(
        std::fs::read(&out).unwrap() == big,
        "the file curl got differs from the one served{}",
        vm.show()
    );
}
