//! The VM's network: `--net`, `-p/--publish`, `--ip`/`--gw`, and what they become: QEMU's
//! user-mode network (slirp) with host port forwards and a virtio-net card, the kernel
//! command line's `ip=`/`gw=`, and the guest's /etc/resolv.conf.
//!
//! QEMU's user network is a private 10.0.2.0/24 behind NAT: the guest is 10.0.2.15 (its DHCP
//! answer), the host is reachable as the gateway 10.0.2.2, and 10.0.2.3 is a DNS proxy that
//! forwards to the host's own resolvers (whatever they are, even a 127.0.0.53 stub). With
//! `--ip` in another network, slirp is given that network instead (`net=`, `host=`), and its
//! DNS proxy is that network's .3.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, UdpSocket};

use crate::options::Machine;

/// `--net`: the VM's network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetMode {
    /// QEMU user networking: outgoing connections through the host's, published ports in.
    User,
    /// No network card.
    None,
    /// The card on an existing host tap device (`tap:IFNAME`): the guest is a machine on
    /// that link, at its `--ip`, with no NAT, no slirp and no port forwarding (what
    /// benchmarks want: the host's kernel moves the frames).
    Tap(String),
}

/// Parses `--net`: `user`, `none` or `tap:IFNAME`.
pub fn parse_net(s: &str) -> Result<NetMode, String> {
    match s {
        "user" => Ok(NetMode::User),
        "none" => Ok(NetMode::None),
        _ => match s.strip_prefix("tap:") {
            Some(name) if valid_ifname(name) => Ok(NetMode::Tap(name.to_string())),
            Some(name) => Err(format!(
                "{name:?} is not a network interface name (1-15 characters, no '/', ',', \
                 ':' or spaces)"
            )),
            None => Err(format!(
                "{s:?}: expected user, none or tap:IFNAME (an existing tap device)"
            )),
        },
    }
}

/// A Linux interface name QEMU's `ifname=` can carry (IFNAMSIZ, and no QEMU option syntax).
fn valid_ifname(n: &str) -> bool {
    (1..16).contains(&n.len())
        && n != "."
        && n != ".."
        && !n
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '/' | ',' | ':' | '='))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One `-p [IP:]HOST:GUEST[/tcp|/udp]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publish {
    pub proto: Proto,
    /// The host address to listen on (default 127.0.0.1: only this machine can connect).
    pub host_ip: Ipv4Addr,
    pub host_port: u16,
    pub guest_port: u16,
}

fn parse_port(s: &str, what: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("{s:?} is not a {what} port (1-65535)")),
    }
}

/// Parses `-p`: `HOST:GUEST`, `IP:HOST:GUEST`, each with an optional `/tcp` or `/udp`.
pub fn parse_publish(s: &str) -> Result<Publish, String> {
    let (spec, proto) = match s.rsplit_once('/') {
        Some((spec, "tcp")) => (spec, Proto::Tcp),
        Some((spec, "udp")) => (spec, Proto::Udp),
        Some((_, p)) => return Err(format!("{s}: unknown protocol {p:?} (tcp or udp)")),
        None => (s, Proto::Tcp),
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let (ip, host, guest) = match parts[..] {
        [host, guest] => (None, host, guest),
        [ip, host, guest] => (Some(ip), host, guest),
        _ => {
            return Err(format!(
                "{s}: expected HOST:GUEST or IP:HOST:GUEST, optionally with /udp (e.g. 8080:80)"
            ))
        }
    };
    let host_ip = match ip {
        None | Some("") => Ipv4Addr::LOCALHOST,
        Some(ip) => ip
            .parse()
            .map_err(|_| format!("{s}: {ip:?} is not an IPv4 address"))?,
    };
    Ok(Publish {
        proto,
        host_ip,
        host_port: parse_port(host, "host").map_err(|e| format!("{s}: {e}"))?,
        guest_port: parse_port(guest, "guest").map_err(|e| format!("{s}: {e}"))?,
    })
}

/// Parses `--ip ADDR/PREFIX`.
pub fn parse_ip(s: &str) -> Result<(Ipv4Addr, u8), String> {
    let (a, p) = s
        .split_once('/')
        .ok_or_else(|| format!("{s}: expected ADDR/PREFIX (e.g. 10.0.2.15/24)"))?;
    let addr: Ipv4Addr = a
        .parse()
        .map_err(|_| format!("{s}: {a:?} is not an IPv4 address"))?;
    let prefix: u8 = p
        .parse()
        .ok()
        .filter(|&p| (1..=30).contains(&p))
        .ok_or_else(|| format!("{s}: the prefix length must be 1-30"))?;
    let host_bits = u32::from(addr) & !mask(prefix);
    if host_bits == 0 || host_bits == !mask(prefix) {
        return Err(format!("{s}: {addr} is the network's or broadcast address"));
    }
    Ok((addr, prefix))
}

fn mask(prefix: u8) -> u32 {
    u32::MAX << (32 - prefix as u32)
}

/// Everything the network options say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetConfig {
    pub mode: NetMode,
    pub publish: Vec<Publish>,
    pub ip: Option<(Ipv4Addr, u8)>,
    pub gw: Option<Ipv4Addr>,
}

impl NetConfig {
    /// Checks the combination (before anything is packed or booted).
    pub fn validate(&self) -> Result<(), String> {
        if let NetMode::Tap(name) = &self.mode {
            if !self.publish.is_empty() {
                return Err(format!(
                    "--net tap:{name}: the VM is reached at its --ip address on the tap's \
                     link; -p publishes ports of QEMU's user network only"
                ));
            }
            if self.ip.is_none() {
                return Err(format!(
                    "--net tap:{name} needs --ip ADDR/PREFIX (there is no DHCP server on a \
                     tap link)"
                ));
            }
        }
        if self.mode == NetMode::None {
            if !self.publish.is_empty() {
                return Err("--net none: there is no network to publish ports on (-p)".into());
            }
            if self.ip.is_some() || self.gw.is_some() {
                return Err("--net none: --ip and --gw need a network".into());
            }
        }
        if let (Some(gw), Some((ip, prefix))) = (self.gw, self.ip) {
            if u32::from(gw) & mask(prefix) != u32::from(ip) & mask(prefix) {
                return Err(format!(
                    "--gw {gw} is not in the network of --ip {ip}/{prefix}"
                ));
            }
            if gw == ip {
                return Err(format!("--gw {gw} is the VM's own address"));
            }
        }
        if self.gw.is_some() && self.ip.is_none() {
            return Err("--gw needs --ip (with DHCP the gateway comes from the lease)".into());
        }
        let mut seen = Vec::new();
        for p in &self.publish {
            let key = (p.proto, p.host_ip, p.host_port);
            if seen.contains(&key) {
                return Err(format!(
                    "-p: host port {}:{}/{} is published twice",
                    p.host_ip,
                    p.host_port,
                    p.proto.name()
                ));
            }
            seen.push(key);
        }
        Ok(())
    }

    /// slirp's network, host (gateway) and DNS addresses, and the guest's address.
    fn slirp(&self) -> Option<SlirpNet> {
        if self.mode != NetMode::User {
            return None;
        }
        let (ip, prefix) = self.ip?;
        let net = u32::from(ip) & mask(prefix);
        let gw = self.gw.unwrap_or(Ipv4Addr::from(net + 2));
        // slirp's DNS proxy is .3 unless that is taken by the guest or the gateway.
        let dns = [3u32, 4, 5]
            .into_iter()
            .map(|o| Ipv4Addr::from(net + o))
            .find(|&a| a != ip && a != gw)
            .expect("three candidates, two taken at most");
        Some(SlirpNet {
            net: Ipv4Addr::from(net),
            prefix,
            gw,
            dns,
            guest: ip,
        })
    }

    /// The nameserver the guest should use.
    fn dns(&self) -> Ipv4Addr {
        self.slirp().map_or(Ipv4Addr::new(10, 0, 2, 3), |s| s.dns)
    }

    /// QEMU arguments for the card and its backend (none with `--net none`): a virtio-net on
    /// microvm's virtio-mmio, or a modern-only virtio-net-pci on q35.
    pub fn qemu_args(&self, machine: Machine) -> Vec<String> {
        let netdev = match &self.mode {
            NetMode::None => return Vec::new(),
            NetMode::User => self.user_netdev(),
            NetMode::Tap(name) => format!("tap,id=n0,ifname={name},script=no,downscript=no"),
        };
        let mut args = vec!["-netdev".into(), netdev];
        match machine {
            Machine::Microvm => args.extend([
                // The modern virtio-mmio layout (microvm defaults to the legacy one).
                "-global".into(),
                "virtio-mmio.force-legacy=false".into(),
                "-device".into(),
                "virtio-net-device,netdev=n0".into(),
            ]),
            // Modern virtio only (the kernel drives the virtio 1.x PCI layout), and no
            // option ROM: nothing boots from the network, and the firmware would run it.
            Machine::Q35 => args.extend([
                "-device".into(),
                "virtio-net-pci,netdev=n0,disable-legacy=on,romfile=".into(),
            ]),
        }
        // Every frame between the card and QEMU's backend, as a pcap file (for debugging).
        if let Some(path) = std::env::var_os("OSPREY_NET_DUMP") {
            args.push("-object".into());
            args.push(format!(
                "filter-dump,id=dump0,netdev=n0,file={}",
                path.to_string_lossy()
            ));
        }
        args
    }

    /// QEMU's `-netdev user,...`: slirp's network and the port forwards.
    fn user_netdev(&self) -> String {
        let mut netdev = String::from("user,id=n0");
        let slirp = self.slirp();
        if let Some(s) = &slirp {
            netdev.push_str(&format!(
                ",net={}/{},host={},dns={},dhcpstart={}",
                s.net, s.prefix, s.gw, s.dns, s.guest
            ));
        }
        for p in &self.publish {
            // The guest address: slirp's first DHCP address unless --ip says otherwise.
            let guest = slirp
                .as_ref()
                .map(|s| s.guest.to_string())
                .unwrap_or_default();
            netdev.push_str(&format!(
                ",hostfwd={}:{}:{}-{}:{}",
                p.proto.name(),
                p.host_ip,
                p.host_port,
                guest,
                p.guest_port
            ));
        }
        netdev
    }

    /// Kernel command-line words, each with a leading space: `net=virtio` when there is a
    /// card, and `ip=`/`gw=` for a static address (none: DHCP).
    pub fn kernel_cmdline(&self) -> String {
        use osprey_proto::cmdline::{GATEWAY, IP, NET};
        match (&self.mode, self.slirp()) {
            (NetMode::None, _) => String::new(),
            (NetMode::Tap(_), _) => {
                let (ip, prefix) = self.ip.expect("validate: tap needs --ip");
                let gw = self
                    .gw
                    .map(|g| format!(" {GATEWAY}={g}"))
                    .unwrap_or_default();
                format!(" {NET}=virtio {IP}={ip}/{prefix}{gw}")
            }
            (NetMode::User, None) => format!(" {NET}=virtio"),
            (NetMode::User, Some(s)) => {
                format!(
                    " {NET}=virtio {IP}={}/{} {GATEWAY}={}",
                    s.guest, s.prefix, s.gw
                )
            }
        }
    }

    /// The guest's /etc/resolv.conf: slirp's DNS proxy, with the host's search domains and
    /// options (`host_resolv` is the host's file). None without a network.
    pub fn resolv_conf(&self, host_resolv: &str) -> Option<String> {
        if self.mode == NetMode::None {
            return None;
        }
        if matches!(self.mode, NetMode::Tap(_)) {
            return Some(tap_resolv_conf(host_resolv));
        }
        let mut s = String::from(
            "# written by osprey: QEMU's user-network DNS proxy, which asks the host's resolvers\n",
        );
        s.push_str(&format!("nameserver {}\n", self.dns()));
        for line in host_resolv.lines() {
            let l = line.trim_start();
            if l.starts_with("search ") || l.starts_with("domain ") {
                s.push_str(l);
                s.push('\n');
            }
        }
        Some(s)
    }

    /// Fails with a clear message if a published host port cannot be bound (in use, or a
    /// host address that is not this machine's), or the tap device is missing, before QEMU
    /// is started.
    pub fn check_host_ports(&self) -> Result<(), String> {
        if let NetMode::Tap(name) = &self.mode {
            let dev = std::path::Path::new("/sys/class/net").join(name);
            if !dev.exists() {
                return Err(format!(
                    "--net tap:{name}: there is no network interface {name:?} here; create \
                     it first, e.g. `ip tuntap add dev {name} mode tap user $USER && ip link \
                     set {name} up` (and give the host side an address on the VM's network)"
                ));
            }
            if !dev.join("tun_flags").exists() {
                return Err(format!("--net tap:{name}: {name:?} is not a tap device"));
            }
        }
        for p in &self.publish {
            let addr = SocketAddrV4::new(p.host_ip, p.host_port);
            let r = match p.proto {
                Proto::Tcp => TcpListener::bind(addr).map(drop),
                Proto::Udp => UdpSocket::bind(addr).map(drop),
            };
            if let Err(e) = r {
                let why = match e.kind() {
                    std::io::ErrorKind::AddrInUse => "is already in use on the host".to_string(),
                    std::io::ErrorKind::PermissionDenied => {
                        "needs privileges to listen on (ports below 1024 need root)".to_string()
                    }
                    _ => format!("cannot be listened on: {e}"),
                };
                return Err(format!(
                    "-p {}:{}:{}/{}: {}/{} port {} {why}",
                    p.host_ip,
                    p.host_port,
                    p.guest_port,
                    p.proto.name(),
                    p.proto.name().to_uppercase(),
                    p.host_ip,
                    p.host_port
                ));
            }
        }
        Ok(())
    }
}

/// The guest's /etc/resolv.conf on a tap link: the host's own, without the resolvers on the
/// host's loopback (a local stub like 127.0.0.53 is not reachable from the VM).
fn tap_resolv_conf(host_resolv: &str) -> String {
    let mut s =
        String::from("# written by osprey: the host's resolv.conf, loopback resolvers left out\n");
    for line in host_resolv.lines() {
        let l = line.trim_start();
        if let Some(ns) = l.strip_prefix("nameserver") {
            let loopback = ns
                .trim()
                .parse::<std::net::IpAddr>()
                .map_or(false, |a| a.is_loopback());
            if loopback {
                continue;
            }
        }
        if !l.is_empty() && !l.starts_with('#') {
            s.push_str(l);
            s.push('\n');
        }
    }
    s
}

struct SlirpNet {
    net: Ipv4Addr,
    prefix: u8,
    gw: Ipv4Addr,
    dns: Ipv4Addr,
    guest: Ipv4Addr,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(publish: &[&str]) -> NetConfig {
        NetConfig {
            mode: NetMode::User,
            publish: publish.iter().map(|p| parse_publish(p).unwrap()).collect(),
            ip: None,
            gw: None,
        }
    }

    #[test]
    fn publish_syntax() {
        assert_eq!(
            parse_publish("8080:80"),
            Ok(Publish {
                proto: Proto::Tcp,
                host_ip: Ipv4Addr::LOCALHOST,
                host_port: 8080,
                guest_port: 80
            })
        );
        let p = parse_publish("0.0.0.0:5353:53/udp").unwrap();
        assert_eq!(p.proto, Proto::Udp);
        assert_eq!(p.host_ip, Ipv4Addr::UNSPECIFIED);
        assert_eq!((p.host_port, p.guest_port), (5353, 53));
        assert_eq!(parse_publish("11211:11211/tcp").unwrap().proto, Proto::Tcp);
        for bad in [
            "80",
            "a:80",
            "80:b",
            "0:80",
            "80:0",
            "70000:80",
            "1:2:3:4",
            "8080:80/sctp",
            "localhost:80:80",
            "",
        ] {
            assert!(parse_publish(bad).is_err(), "{bad}");
        }
        assert!(parse_publish("8080:80/sctp").unwrap_err().contains("sctp"));
    }

    #[test]
    fn ip_syntax() {
        assert_eq!(
            parse_ip("10.0.2.15/24"),
            Ok((Ipv4Addr::new(10, 0, 2, 15), 24))
        );
        for bad in [
            "10.0.2.15",
            "10.0.2.15/0",
            "10.0.2.15/31",
            "10.0.2.0/24",
            "10.0.2.255/24",
            "x/24",
        ] {
            assert!(parse_ip(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_network_by_default_with_dhcp() {
        let c = user(&["8080:80", "127.0.0.1:5353:53/udp"]);
        c.validate().unwrap();
        assert_eq!(
            c.qemu_args(Machine::Microvm),
            [
                "-netdev",
                "user,id=n0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53",
                "-global",
                "virtio-mmio.force-legacy=false",
                "-device",
                "virtio-net-device,netdev=n0"
            ]
        );
        assert_eq!(c.kernel_cmdline(), " net=virtio");
        let q35 = c.qemu_args(Machine::Q35);
        assert_eq!(
            q35[2..],
            [
                "-device",
                "virtio-net-pci,netdev=n0,disable-legacy=on,romfile="
            ]
        );
        assert_eq!(q35[..2], c.qemu_args(Machine::Microvm)[..2]);
        let r = c
            .resolv_conf("nameserver 127.0.0.53\nsearch example.com\noptions edns0\n")
            .unwrap();
        assert!(r.contains("nameserver 10.0.2.3\n"), "{r}");
        assert!(r.contains("search example.com\n"));
        assert!(!r.contains("127.0.0.53"));
    }

    #[test]
    fn tap_mode_needs_an_address_and_no_publishing() {
        assert_eq!(parse_net("tap:ostap0"), Ok(NetMode::Tap("ostap0".into())));
        assert_eq!(parse_net("user"), Ok(NetMode::User));
        for bad in [
            "tap",
            "tap:",
            "tap:a/b",
            "tap:a,b",
            "tap:0123456789abcdef",
            "bridge",
        ] {
            assert!(parse_net(bad).is_err(), "{bad}");
        }
        let tap = |publish: &[&str], ip: Option<&str>, gw: Option<Ipv4Addr>| NetConfig {
            mode: NetMode::Tap("ostap0".into()),
            ip: ip.map(|i| parse_ip(i).unwrap()),
            gw,
            ..user(publish)
        };
        assert!(tap(&[], None, None)
            .validate()
            .unwrap_err()
            .contains("--ip"));
        assert!(tap(&["80:80"], Some("10.9.0.2/24"), None)
            .validate()
            .unwrap_err()
            .contains("-p"));
        let c = tap(&[], Some("10.9.0.2/24"), Some(Ipv4Addr::new(10, 9, 0, 1)));
        c.validate().unwrap();
        assert_eq!(
            c.qemu_args(Machine::Microvm)[1],
            "tap,id=n0,ifname=ostap0,script=no,downscript=no"
        );
        assert_eq!(c.kernel_cmdline(), " net=virtio ip=10.9.0.2/24 gw=10.9.0.1");
        // No gateway: only the link is reachable.
        let c = tap(&[], Some("10.9.0.2/24"), None);
        assert_eq!(c.kernel_cmdline(), " net=virtio ip=10.9.0.2/24");
        // The host's resolvers, except those on its loopback.
        let r = c
            .resolv_conf("nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.com\n")
            .unwrap();
        assert!(r.contains("nameserver 192.0.2.53\n"), "{r}");
        assert!(r.contains("search example.com\n"), "{r}");
        assert!(!r.contains("127.0.0.53"), "{r}");
    }

    #[test]
    fn static_address_moves_slirp_network() {
        let c = NetConfig {
            ip: Some(parse_ip("192.168.7.10/24").unwrap()),
            gw: Some(Ipv4Addr::new(192, 168, 7, 1)),
            ..user(&["8000:8000"])
        };
        c.validate().unwrap();
        let a = c.qemu_args(Machine::Microvm);
        assert_eq!(
            a[1],
            "user,id=n0,net=192.168.7.0/24,host=192.168.7.1,dns=192.168.7.3,dhcpstart=192.168.7.10,\
             hostfwd=tcp:127.0.0.1:8000-192.168.7.10:8000"
        );
        assert_eq!(
            c.kernel_cmdline(),
            " net=virtio ip=192.168.7.10/24 gw=192.168.7.1"
        );
        assert!(c
            .resolv_conf("")
            .unwrap()
            .contains("nameserver 192.168.7.3\n"));
        // The guest at .3: the DNS proxy moves to .4.
        let c = NetConfig {
            ip: Some(parse_ip("10.0.2.3/24").unwrap()),
            gw: None,
            ..user(&[])
        };
        assert!(c.qemu_args(Machine::Microvm)[1].contains("host=10.0.2.2,dns=10.0.2.4"));
    }

    #[test]
    fn bad_combinations() {
        let none = NetConfig {
            mode: NetMode::None,
            ..user(&["80:80"])
        };
        assert!(none.validate().unwrap_err().contains("--net none"));
        assert!(none.qemu_args(Machine::Microvm).is_empty());
        let off = NetConfig {
            mode: NetMode::None,
            ..user(&[])
        };
        assert!(off.qemu_args(Machine::Microvm).is_empty());
        assert_eq!(off.resolv_conf(""), None);
        assert_eq!(off.kernel_cmdline(), "");
        let wrong_gw = NetConfig {
            ip: Some(parse_ip("10.0.2.15/24").unwrap()),
            gw: Some(Ipv4Addr::new(10, 0, 3, 2)),
            ..user(&[])
        };
        assert!(wrong_gw
            .validate()
            .unwrap_err()
            .contains("not in the network"));
        let gw_only = NetConfig {
            gw: Some(Ipv4Addr::new(10, 0, 2, 2)),
            ..user(&[])
        };
        assert!(gw_only.validate().is_err());
        assert!(user(&["80:80", "127.0.0.1:80:81"]).validate().is_err());
        user(&["80:80", "80:80/udp"]).validate().unwrap();
    }

    #[test]
    fn ports_in_use_are_refused() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let c = user(&[&format!("{port}:80")]);
        let e = c.check_host_ports().unwrap_err();
        assert!(e.contains("already in use"), "{e}");
        drop(l);
        c.check_host_ports().unwrap();
    }
}
