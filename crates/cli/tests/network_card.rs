//! The network card and the network options: the VM gets a virtio-net card on QEMU's user
//! network by default, the driver finds it, its interrupt reaches the kernel, and QEMU answers
//! the ARP request the boot self-check sends (`--verbose` shows it); `--ip`/`--gw` reach both
//! QEMU (its network moves) and the kernel (the self-check asks the given gateway);
//! `--net none` has no card; without a DHCP server the program starts after 5 s and a
//! warning; the guest's /etc/resolv.conf names QEMU's DNS proxy; bad `-p` values and host
//! ports in use are refused before boot.

#[macro_use]
mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::*;

/// The self-check's line: "net: self-check: ARP reply: GW is at MAC after N us (F frames,
/// I interrupts)"; returns (MAC, interrupts).
fn arp_reply(run: &Run, gw: &str) -> (String, u64) {
    let err = run.err();
    let line = err
        .lines()
        .find(|l| l.contains("net: self-check: ARP reply"))
        .unwrap_or_else(|| panic!("no ARP reply in the kernel log{}", run.show()));
    let rest = line
        .split_once(&format!("ARP reply: {gw} is at "))
        .unwrap_or_else(|| panic!("the reply is not from {gw}: {line}"))
        .1;
    let mac = rest.split_whitespace().next().unwrap().to_string();
    let irqs = rest
        .rsplit_once(", ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no interrupt count in {line}"));
    (mac, irqs)
}

#[test]
fn card_is_found_and_qemu_answers_arp() {
    let run = Guest::new(program("hello", Variant::Static))
        .opt("--verbose")
        .run();
    run.expect_status(0);
    assert!(
        run.err()
            .contains("net: virtio-net at 0xfeb02e00 (virtio-mmio v2, GSI 47"),
        "the card was not found where microvm puts it{}",
        run.show()
    );
    let (mac, irqs) = arp_reply(&run, "10.0.2.2");
    // QEMU's user network: its gateway's MAC is 52:55:0a:00:02:02 (52:55 + the address).
    assert_eq!(mac, "52:55:0a:00:02:02", "{}", run.show());
    // The reply came through the I/O APIC to the kernel's handler, not only by polling.
    assert!(irqs >= 1, "no interrupt for the reply{}", run.show());
}

#[test]
fn static_address_and_gateway_reach_qemu_and_the_kernel() {
    let run = Guest::new(program("hello", Variant::Static))
        .opt("--verbose")
        .opt("--ip")
        .opt("192.168.7.10/24")
        .opt("--gw")
        .opt("192.168.7.1")
        .run();
    run.expect_status(0);
    // QEMU's network is 192.168.7.0/24 with the host at .1: it answers for that address.
    let (mac, _) = arp_reply(&run, "192.168.7.1");
    assert_eq!(mac, "52:55:c0:a8:07:01", "{}", run.show());
}

#[test]
fn net_none_has_no_card() {
    let run = Guest::new(program("hello", Variant::Static))
        .opt("--verbose")
        .opt("--bootchart")
        .opt("--net")
        .opt("none")
        .run();
    run.expect_status(0);
    assert!(
        !run.err().contains("virtio-net") && !run.err().contains("network card ready"),
        "--net none still has a card{}",
        run.show()
    );
}

/// With DHCP the program starts once the lease is in (`tcp_client_cases` checks the address
/// from its first instruction); with no DHCP server on the link the boot gives up after 5 s,
/// says so, and starts the program anyway. (The link: QEMU's `-netdev socket` on a UDP port
/// nobody listens on, swapped in for the user network by a wrapper around QEMU.)
#[test]
fn no_dhcp_server_starts_the_program_after_a_warning() {
    let dir = std::env::temp_dir().join(format!("osprey-nodhcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wrapper = dir.join("qemu");
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/bash\nargs=()\nfor a in \"$@\"; do case \"$a\" in user,id=n0*) \
             args+=(\"socket,id=n0,udp=127.0.0.1:{port},localaddr=127.0.0.1:0\");; \
             *) args+=(\"$a\");; esac; done\nexec qemu-system-x86_64 \"${{args[@]}}\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let run = Guest::new(program("hello", Variant::Static))
        .opt("--qemu")
        .opt(&wrapper)
        .run();
    let _ = std::fs::remove_dir_all(&dir);
    run.expect_status(0);
    assert!(run.out().contains("hello"), "{}", run.show());
    assert!(
        run.err().contains("no DHCP lease after 5 s"),
        "no warning{}",
        run.show()
    );
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "the boot did not wait for the lease"
    );
}

#[test]
fn resolv_conf_names_the_dns_proxy() {
    require_busybox();
    // (Through sh builtins: a file named as an argument would be packed from the host, and
    // there is no fork for cat.)
    let run = Guest::new(BUSYBOX).args(["sh", "-c", RESOLV]).run();
    run.expect_status(0);
    assert!(
        run.out().lines().any(|l| l == "nameserver 10.0.2.3"),
        "{}",
        run.show()
    );
    let run = Guest::new(BUSYBOX)
        .opt("--ip")
        .opt("10.9.0.5/16")
        .args(["sh", "-c", RESOLV])
        .run();
    run.expect_status(0);
    assert!(
        run.out().lines().any(|l| l == "nameserver 10.9.0.3"),
        "{}",
        run.show()
    );
    // No network, no resolver.
    let run = Guest::new(BUSYBOX)
        .opt("--net")
        .opt("none")
        .args(["sh", "-c", RESOLV])
        .run();
    assert_ne!(run.status, 0, "{}", run.show());
}

#[test]
fn host_port_in_use_is_refused_before_boot() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let run = Guest::new(program("hello", Variant::Static))
        .opt("-p")
        .opt(format!("{port}:80"))
        .run();
    run.expect_status(125);
    assert!(
        run.err()
            .contains(&format!("TCP/127.0.0.1 port {port} is already in use")),
        "{}",
        run.show()
    );
    assert!(run.out().is_empty(), "the program ran{}", run.show());
    assert!(run.elapsed < Duration::from_secs(5), "{}", run.show());
}

#[test]
fn bad_publish_values_are_usage_errors() {
    for bad in ["80", "x:80", "8080:80/sctp", "1.2.3:80:80", "8080:70000"] {
        let run = Guest::new(program("hello", Variant::Static))
            .opt("-p")
            .opt(bad)
            .run();
        run.expect_status(2);
        assert!(run.err().contains(bad), "{bad}: {}", run.show());
    }
    let run = Guest::new(program("hello", Variant::Static))
        .opt("--net")
        .opt("none")
        .opt("-p")
        .opt("8080:80")
        .run();
    run.expect_status(2);
    assert!(run.err().contains("--net none"), "{}", run.show());
}

#[test]
fn published_port_is_forwarded_by_qemu() {
    // QEMU listens on the published host port for as long as the VM runs: a client's
    // connection is accepted there (and its SYN goes on to the guest's card).
    require_busybox();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = Guest::new(BUSYBOX)
        .opt("-p")
        .opt(format!("{port}:8000"))
        .args(["sleep", "3"])
        .command();
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut connected = false;
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            connected = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().unwrap();
    assert!(connected, "nothing listened on 127.0.0.1:{port}");
    assert_eq!(status.code(), Some(0));
}

/// Prints /etc/resolv.conf with busybox sh builtins only.
const RESOLV: &str = "while read -r l; do echo \"$l\"; done < /etc/resolv.conf";

/// A private network namespace holding one tap device whose host side is `HOST_IP/24`: the
/// tap mode's tests run osprey (and their clients) inside it, so nothing touches the
/// machine's own network. Removed on drop.
struct TapNet {
    ns: String,
    tap: String,
}

const TAP_HOST: &str = "10.213.7.1";
const TAP_GUEST: &str = "10.213.7.2";

impl TapNet {
    /// None (with the reason printed) where namespaces cannot be made: not root, or no `ip`.
    fn new(tag: &str) -> Option<TapNet> {
        let uid = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
            });
        if uid.as_deref() != Some("0") {
            eprintln!("tap-mode test skipped: making a network namespace and a tap needs root");
            return None;
        }
        require_tool("ip", "iproute2");
        let id = std::process::id();
        let net = TapNet {
            ns: format!("osprey-test-{id}-{tag}"),
            tap: format!("ot{}{tag}", id % 100_000),
        };
        let ip = |args: &[&str]| {
            let st = std::process::Command::new("ip")
                .args(args)
                .status()
                .unwrap();
            assert!(st.success(), "ip {args:?} failed");
        };
        ip(&["netns", "add", &net.ns]);
        ip(&["-n", &net.ns, "link", "set", "lo", "up"]);
        ip(&[
            "-n", &net.ns, "tuntap", "add", "dev", &net.tap, "mode", "tap",
        ]);
        ip(&[
            "-n",
            &net.ns,
            "addr",
            "add",
            &format!("{TAP_HOST}/24"),
            "dev",
            &net.tap,
        ]);
        ip(&["-n", &net.ns, "link", "set", &net.tap, "up"]);
        Some(net)
    }

    /// `cmd` run inside the namespace.
    fn wrap(&self, cmd: std::process::Command) -> std::process::Command {
        let mut w = std::process::Command::new("ip");
        w.args(["netns", "exec", &self.ns]).arg(cmd.get_program());
        w.args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => w.env(k, v),
                None => w.env_remove(k),
            };
        }
        w
    }

    /// `prog` with its card on this tap at TAP_GUEST/24.
    fn guest(&self, prog: std::path::PathBuf) -> Guest {
        Guest::new(prog)
            .opt("--net")
            .opt(format!("tap:{}", self.tap))
            .opt("--ip")
            .opt(format!("{TAP_GUEST}/24"))
    }

    /// The MAC address of the tap's host side.
    fn host_mac(&self) -> String {
        let out = std::process::Command::new("ip")
            .args(["netns", "exec", &self.ns, "cat"])
            .arg(format!("/sys/class/net/{}/address", self.tap))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for TapNet {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.ns])
            .status();
    }
}

#[test]
fn tap_mode_puts_the_card_on_a_host_tap_device() {
    let Some(net) = TapNet::new("a") else { return };
    let guest = net
        .guest(program("hello", Variant::Static))
        .opt("--verbose")
        .opt("--gw")
        .opt(TAP_HOST);
    let run = run_command(net.wrap(guest.command()), b"", TIMEOUT);
    run.expect_status(0);
    // The host's kernel answers the self-check's ARP request for its side of the tap.
    let (mac, _) = arp_reply(&run, TAP_HOST);
    assert_eq!(mac, net.host_mac(), "{}", run.show());
}

#[test]
fn tap_mode_serves_a_client_on_the_link() {
    let Some(net) = TapNet::new("b") else { return };
    require_tool("socat", "socat");
    let guest = net
        .guest(program("tcp_echo_epoll", Variant::Static))
        .args(["7000", "7001"]);
    let mut vm = net.wrap(guest.command());
    vm.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = vm.spawn().unwrap();
    // A client in the namespace talks straight to the guest's address: no NAT, no forward.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut echoed = String::new();
    while std::time::Instant::now() < deadline {
        let mut c = std::process::Command::new("socat");
        c.args([
            "-t",
            "3",
            "-",
            &format!("TCP:{TAP_GUEST}:7000,connect-timeout=2"),
        ]);
        let r = run_command(
            net.wrap(c),
            b"hello over the tap\n",
            Duration::from_secs(20),
        );
        echoed = r.out().to_string();
        if echoed.contains("hello over the tap") {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        echoed,
        "hello over the tap\n",
        "no echo from {TAP_GUEST}:7000 over the tap; osprey's stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tap_mode_carries_megabytes_both_ways_intact_with_checksum_offload() {
    // On a tap QEMU offers checksum offload (VIRTIO_NET_F_CSUM / GUEST_CSUM): the driver takes
    // it, the card completes the TCP checksums of what the guest sends and vouches for what
    // it receives, and frames are announced to the device in batches. 8 MiB through an echo
    // server (edge-triggered epoll with back-pressure: a full send buffer, EPOLLOUT when a
    // third of it is free again) must come back bit for bit.
    let Some(net) = TapNet::new("c") else { return };
    require_tool("socat", "socat");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.bin");
    let output = dir.path().join("out.bin");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let data: Vec<u8> = (0..8 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    std::fs::write(&input, &data).unwrap();
    let guest = net
        .guest(program("tcp_echo_epoll", Variant::Static))
        .opt("--verbose")
        .args(["7000", "7001"]);
    let mut vm = net.wrap(guest.command());
    let log = dir.path().join("osprey.log");
    vm.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    let child = vm.spawn().unwrap();
    let socat = |from: &std::path::Path, to: &std::path::Path, secs: u64| {
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(format!(
            "socat -t 60 -T 60 - TCP:{TAP_GUEST}:7000,connect-timeout=2 < '{}' > '{}'",
            from.display(),
            to.display()
        ));
        run_command(net.wrap(c), b"", Duration::from_secs(secs))
    };
    // Wait for the server with a small echo.
    let small = dir.path().join("small.txt");
    let small_out = dir.path().join("small.out");
    std::fs::write(&small, "ready?\n").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        socat(&small, &small_out, 20);
        if std::fs::read(&small_out).unwrap_or_default() == b"ready?\n" {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let started = std::time::Instant::now();
    let run = socat(&input, &output, 300);
    let took = started.elapsed();
    eprintln!("8 MiB echoed over the tap in {took:?}");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = child.wait_with_output().unwrap();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    let got = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    assert_eq!(
        got,
        data.len() as u64,
        "echoed {got} of {} bytes in {took:?}; socat: {}\nosprey's stderr:\n{log}",
        data.len(),
        run.show()
    );
    assert_eq!(
        sha256_file(&output),
        sha256_file(&input),
        "the echo differs; osprey's stderr:\n{log}"
    );
    assert!(
        log.contains("CSUM | GUEST_CSUM"),
        "the driver did not take checksum offload on a tap:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn tap_mode_options_are_checked_before_boot() {
    // No --ip, -p with tap, a device that does not exist: usage errors or a clear refusal.
    let r = Guest::new(program("hello", Variant::Static))
        .opt("--net")
        .opt("tap:ot-none0")
        .run();
    assert_eq!(r.status, 2, "{}", r.show());
    assert!(r.err().contains("--ip"), "{}", r.show());
    let r = Guest::new(program("hello", Variant::Static))
        .opt("--net")
        .opt("tap:ot-none0")
        .opt("--ip")
        .opt("10.213.8.2/24")
        .opt("-p")
        .opt("8080:80")
        .run();
    assert_eq!(r.status, 2, "{}", r.show());
    let r = Guest::new(program("hello", Variant::Static))
        .opt("--net")
        .opt("tap:ot-none0")
        .opt("--ip")
        .opt("10.213.8.2/24")
        .run();
    assert_ne!(r.status, 0, "{}", r.show());
    assert!(
        r.err().contains("no network interface \"ot-none0\""),
        "{}",
        r.show()
    );
}
