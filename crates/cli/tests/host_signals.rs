//! Ctrl-C, SIGTERM or SIGHUP to `osprey` reach the app as a signal (as `docker stop` does):
//! a program with a handler shuts down its own way and osprey exits with its status; one
//! without dies of the signal's default action (128+N). A second signal kills the VM at once.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Starts `g`, waits until its stdout says `ready_line` (or, if None, a fixed delay), sends
/// `sigs` to osprey one after the other, and returns (status, stdout after the ready line,
/// how long osprey took after the first signal).
fn signal_run(g: Guest, ready_line: Option<&str>, sigs: &[&str]) -> (i32, String, Duration) {
    let mut cmd = g.command();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    match ready_line {
        Some(want) => {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            assert_eq!(line.trim_end(), want, "the program did not start");
        }
        None => std::thread::sleep(Duration::from_secs(3)),
    }
    let sent = Instant::now();
    for s in sigs {
        let ok = Command::new("kill")
            .arg(format!("-{s}"))
            .arg(child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{s}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), rest, sent.elapsed())
}

#[test]
fn sigterm_reaches_the_apps_handler() {
    let g = Guest::new(program("sigterm_wait", Variant::Static));
    let (status, out, took) = signal_run(g, Some("ready"), &["TERM"]);
    assert_eq!((status, out.as_str()), (3, "got 15\n"));
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn sigint_reaches_the_apps_handler() {
    let g = Guest::new(program("sigterm_wait", Variant::Musl));
    let (status, out, _) = signal_run(g, Some("ready"), &["INT"]);
    assert_eq!((status, out.as_str()), (3, "got 2\n"));
}

#[test]
fn default_action_ends_the_app_with_128_plus_n() {
    require_busybox();
    let g = Guest::new(BUSYBOX).args(["sleep", "30"]);
    let (status, _, took) = signal_run(g.clone(), None, &["TERM"]);
    assert_eq!(status, 143);
    assert!(took < Duration::from_secs(5), "{took:?}");
    let (status, _, _) = signal_run(g, None, &["HUP"]);
    assert_eq!(status, 129);
}

#[test]
fn second_signal_kills_at_once() {
    // A program that ignores SIGTERM (sh's `trap '' TERM`) and spins: the first TERM does
    // nothing, the second one kills the VM.
    require_busybox();
    let g = Guest::new(BUSYBOX).args(["sh", "-c", "trap '' TERM; echo ready; while :; do :; done"]);
    let (status, _, took) = signal_run(g, Some("ready"), &["TERM", "TERM"]);
    assert_eq!(status, 143);
    assert!(took < Duration::from_secs(5), "{took:?}");
}
