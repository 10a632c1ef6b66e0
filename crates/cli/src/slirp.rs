//! QEMU's user network listens on published TCP ports with a backlog of 1; osprey preloads a
//! small shim into QEMU that raises it (`shim/listen_backlog.c`, built by build.rs and carried
//! in this binary).
//!
//! Why it matters: libslirp 4.7 calls `listen(fd, 1)` for each `hostfwd` and accepts only when
//! QEMU's main loop next runs. With a queue of two, a client that opens many connections at once
//! (a pool, wrk's 16) has SYNs dropped by the host kernel and waits 0.2 to 1 s or more for TCP
//! retransmissions, however fast the guest is (BENCHMARKS.md, "The 1 s p99"). With a normal
//! backlog the host kernel completes every handshake at once and slirp accepts them in turn.
//!
//! Why a preload and not a proxy in osprey: a proxy adds a copy and a host thread hop to every
//! byte, and QEMU has no way to take a listening socket from its parent. The shim changes one
//! argument of one call and nothing else. It is used only for the user network with at least
//! one TCP port published; `OSPREY_SLIRP_BACKLOG=0` turns it off.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::net::{NetConfig, NetMode, Proto};

/// The compiled shim (empty when build.rs found no working C compiler).
static SHIM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/listen_backlog.so"));
/// Why [`SHIM`] is empty.
const PROBLEM: &str = env!("OSPREY_LISTEN_SHIM_PROBLEM");

/// What this run does about slirp's backlog.
#[derive(Debug, PartialEq, Eq)]
pub enum Backlog {
    /// Not needed (no user network, or no published TCP port).
    NotNeeded,
    /// Preload this file into QEMU.
    Shim(PathBuf),
    /// Needed but not done, and why (shown by `--verbose`).
    Unavailable(String),
}

/// Decides, and writes the shim into `dir` (the run's scratch directory, which outlives QEMU:
/// the dynamic loader opens the file after exec).
pub fn prepare(net: &NetConfig, dir: &Path) -> Backlog {
    let wanted = net.mode == NetMode::User && net.publish.iter().any(|p| p.proto == Proto::Tcp);
    if !wanted {
        return Backlog::NotNeeded;
    }
    if std::env::var_os("OSPREY_SLIRP_BACKLOG").is_some_and(|v| v == "0") {
        return Backlog::Unavailable("OSPREY_SLIRP_BACKLOG=0".into());
    }
    if SHIM.is_empty() {
        return Backlog::Unavailable(format!("this osprey was built without it ({PROBLEM})"));
    }
    let path = dir.join("listen_backlog.so");
    // LD_PRELOAD separates entries by ':' and spaces, and has no quoting.
    if path
        .to_str()
        .is_none_or(|p| p.contains([':', ' ', '\t', '\n']))
    {
        return Backlog::Unavailable(format!("{}: a path LD_PRELOAD cannot name", path.display()));
    }
    match std::fs::write(&path, SHIM) {
        Ok(()) => Backlog::Shim(path),
        Err(e) => Backlog::Unavailable(format!("writing {}: {e}", path.display())),
    }
}

/// QEMU's `LD_PRELOAD`: the shim first, then whatever the user's environment preloads.
pub fn ld_preload(shim: &Path, inherited: Option<OsString>) -> OsString {
    let mut v = OsString::from(shim);
    if let Some(old) = inherited.filter(|o| !o.is_empty()) {
        v.push(":");
        v.push(old);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Publish;
    use std::net::Ipv4Addr;

    fn net(mode: NetMode, protos: &[Proto]) -> NetConfig {
        NetConfig {
            mode,
            publish: protos
                .iter()
                .map(|&proto| Publish {
                    proto,
                    host_ip: Ipv4Addr::LOCALHOST,
                    host_port: 8080,
                    guest_port: 80,
                })
                .collect(),
            ip: None,
            gw: None,
        }
    }

    #[test]
    fn only_for_published_tcp_ports_on_the_user_network() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            prepare(&net(NetMode::User, &[]), dir.path()),
            Backlog::NotNeeded
        );
        assert_eq!(
            prepare(&net(NetMode::User, &[Proto::Udp]), dir.path()),
            Backlog::NotNeeded
        );
        assert_eq!(
            prepare(&net(NetMode::Tap("t0".into()), &[Proto::Tcp]), dir.path()),
            Backlog::NotNeeded
        );
        assert_eq!(
            prepare(&net(NetMode::None, &[Proto::Tcp]), dir.path()),
            Backlog::NotNeeded
        );
        match prepare(&net(NetMode::User, &[Proto::Udp, Proto::Tcp]), dir.path()) {
            Backlog::Shim(p) => assert_eq!(std::fs::read(p).unwrap(), SHIM),
            other => panic!("{other:?}"),
        }
    }

    /// The embedded shim is a shared object for this host that defines `listen` (and so
    /// overrides libc's when preloaded).
    #[test]
    fn the_shim_defines_listen() {
        use object::{Object, ObjectSymbol};
        assert!(!SHIM.is_empty(), "built without the shim: {PROBLEM}");
        let obj = object::File::parse(SHIM).unwrap();
        assert_eq!(obj.kind(), object::ObjectKind::Dynamic);
        assert_eq!(obj.architecture(), object::Architecture::X86_64);
        assert!(obj
            .dynamic_symbols()
            .any(|s| s.name() == Ok("listen") && s.is_definition()));
    }

    #[test]
    fn ld_preload_keeps_the_users_preloads() {
        let s = Path::new("/tmp/osprey-x/listen_backlog.so");
        assert_eq!(ld_preload(s, None), "/tmp/osprey-x/listen_backlog.so");
        assert_eq!(
            ld_preload(s, Some("".into())),
            "/tmp/osprey-x/listen_backlog.so"
        );
        assert_eq!(
            ld_preload(s, Some("/usr/lib/libfoo.so".into())),
            "/tmp/osprey-x/listen_backlog.so:/usr/lib/libfoo.so"
        );
    }
}
