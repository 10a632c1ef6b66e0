//! What osprey cannot run is refused before boot: one clear line on stderr, status 125 (2 for
//! a usage error), and QEMU never starts. `--qemu` points at a fake QEMU that leaves a mark
//! when it is started, which proves the last point.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

struct Setup {
    dir: tempfile::TempDir,
    fake_qemu: PathBuf,
    mark: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("qemu-was-started");
    let fake_qemu = dir.path().join("fake-qemu");
    std::fs::write(
        &fake_qemu,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", mark.display()),
    )
    .unwrap();
    std::fs::set_permissions(&fake_qemu, std::fs::Permissions::from_mode(0o755)).unwrap();
    Setup {
        dir,
        fake_qemu,
        mark,
    }
}

fn executable(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Runs `osprey run --qemu FAKE ARGS...`; asserts status `status`, that QEMU was not started,
/// and returns stderr.
fn refused(s: &Setup, args: &[&str], status: i32) -> String {
    let mut cmd = Command::new(OSPREY);
    cmd.arg("run").arg("--qemu").arg(&s.fake_qemu).args(args);
    let r = run_command(cmd, b"", TIMEOUT);
    assert_eq!(r.status, status, "{}", r.show());
    assert!(r.stdout.is_empty(), "{}", r.show());
    assert!(!s.mark.exists(), "QEMU was started{}", r.show());
    r.err()
}

/// Asserts a 125 refusal whose stderr is exactly one line `osprey: {path}: {reason}`.
fn one_line(s: &Setup, path: &str, reason: &str) {
    let err = refused(s, &[path, "arg"], 125);
    assert_eq!(err, format!("osprey: {path}: {reason}\n"));
}

#[test]
fn text_file_and_shell_script() {
    let s = setup();
    let txt = executable(s.dir.path(), "notes.txt", b"just some text\n");
    one_line(
        &s,
        txt.to_str().unwrap(),
        "not an ELF executable (no ELF magic)",
    );
    let script = executable(s.dir.path(), "script.sh", b"#!/bin/sh\necho hi\n");
    let err = refused(&s, &[script.to_str().unwrap()], 125);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("osprey: {}: ", script.display())),
        "{err}"
    );
    let empty = executable(s.dir.path(), "empty", b"");
    let err = refused(&s, &[empty.to_str().unwrap()], 125);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn missing_file_directory_and_not_executable() {
    let s = setup();
    let missing = s.dir.path().join("missing");
    one_line(&s, missing.to_str().unwrap(), "no such file");
    let err = refused(&s, &["no-such-program-anywhere-42"], 125);
    assert_eq!(
        err,
        "osprey: no-such-program-anywhere-42: not found in PATH\n"
    );
    let d = s.dir.path().to_str().unwrap();
    let err = refused(&s, &[d], 125);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is a directory"), "{err}");
    let prog = program("hello", Variant::Static);
    let copy = s.dir.path().join("not-executable");
    std::fs::copy(&prog, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
    one_line(
        &s,
        copy.to_str().unwrap(),
        "not executable (no x permission bit; chmod +x it)",
    );
}

#[test]
fn other_architectures() {
    let s = setup();
    // An x86_64 static executable with e_machine patched to aarch64 (183).
    let mut elf = std::fs::read(program("hello", Variant::Static)).unwrap();
    elf[18] = 183;
    elf[19] = 0;
    let arm = executable(s.dir.path(), "arm64", &elf);
    one_line(
        &s,
        arm.to_str().unwrap(),
        "is an ELF for aarch64, not x86_64",
    );

    // A real 32-bit i386 ELF made by binutils (no multilib needed).
    require_tool("as", "binutils");
    let src = s.dir.path().join("x.s");
    std::fs::write(&src, ".globl _start\n_start: hlt\n").unwrap();
    let obj = s.dir.path().join("x.o");
    let exe = s.dir.path().join("i386");
    assert!(Command::new("as")
        .args(["--32", "-o"])
        .arg(&obj)
        .arg(&src)
        .status()
        .unwrap()
        .success());
    assert!(Command::new("ld")
        .args(["-m", "elf_i386", "-o"])
        .arg(&exe)
        .arg(&obj)
        .status()
        .unwrap()
        .success());
    one_line(
        &s,
        exe.to_str().unwrap(),
        "is a 32-bit ELF; osprey runs x86_64 (64-bit) programs only",
    );

    // A truncated ELF: the magic and nothing else.
    let stub = executable(s.dir.path(), "truncated", b"\x7fELF\x02\x01\x01");
    let err = refused(&s, &[stub.to_str().unwrap()], 125);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn shared_library_and_dynamic_executable() {
    let s = setup();
    // libc.so.6 has an entry point and an interpreter: it runs, as on Linux, and prints its
    // version.
    let libc = "/lib/x86_64-linux-gnu/libc.so.6";
    if Path::new(libc).exists() {
        let vm = Guest::new(libc).run();
        vm.expect_status(0);
        assert!(vm.out().starts_with("GNU C Library"), "{}", vm.show());
    }
    // A shared library without an entry point, built here.
    require_tool("gcc", "gcc");
    let c = s.dir.path().join("lib.c");
    std::fs::write(&c, "int f(int x) { return x + 1; }\n").unwrap();
    let so = s.dir.path().join("libf.so");
    assert!(Command::new("gcc")
        .args(["-shared", "-fPIC", "-nostdlib", "-o"])
        .arg(&so)
        .arg(&c)
        .status()
        .unwrap()
        .success());
    std::fs::set_permissions(&so, std::fs::Permissions::from_mode(0o755)).unwrap();
    one_line(
        &s,
        so.to_str().unwrap(),
        "is a shared library (no entry point), not an executable",
    );
    // A dynamically linked executable whose library is gone: refused before boot, naming it.
    let main_c = s.dir.path().join("usef.c");
    std::fs::write(&main_c, "int f(int); int main(void) { return f(41); }\n").unwrap();
    let so2 = s.dir.path().join("libgone.so");
    assert!(Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&so2)
        .arg(&c)
        .status()
        .unwrap()
        .success());
    let dynamic = s.dir.path().join("usef");
    assert!(Command::new("gcc")
        .arg("-o")
        .arg(&dynamic)
        .arg(&main_c)
        .arg(format!("-L{}", s.dir.path().display()))
        .arg(format!("-Wl,-rpath,{}", s.dir.path().display()))
        .arg("-lgone")
        .status()
        .unwrap()
        .success());
    std::fs::remove_file(&so2).unwrap();
    let err = refused(&s, &[dynamic.to_str().unwrap()], 125);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("needs libgone.so"), "{err}");
}

#[test]
fn bad_options_are_usage_errors() {
    let s = setup();
    let prog = program("hello", Variant::Static);
    let p = prog.to_str().unwrap();
    for args in [
        vec!["--bogus", p],
        vec!["--mem", "lots", p],
        vec!["--mem", "1K", p],
        vec!["--cpus", "0", p],
        vec!["--cpus", "many", p],
        vec!["--accel", "warp", p],
        vec!["--timeout", "soon", p],
        vec![],
    ] {
        let err = refused(&s, &args, 2);
        let first = err.lines().next().unwrap_or("");
        assert!(first.starts_with("error: "), "{args:?}: {err}");
    }
    // An unknown subcommand.
    let r = run_command(
        {
            let mut c = Command::new(OSPREY);
            c.arg("fly");
            c
        },
        b"",
        TIMEOUT,
    );
    assert_eq!(r.status, 2, "{}", r.show());
}

#[test]
fn missing_qemu_is_one_line_and_125() {
    let prog = program("hello", Variant::Static);
    let mut cmd = Command::new(OSPREY);
    cmd.args([
        "run",
        "--accel",
        "tcg",
        "--qemu",
        "/nonexistent/qemu-system-x86_64",
    ])
    .arg(&prog);
    let r = run_command(cmd, b"", TIMEOUT);
    assert_eq!(r.status, 125, "{}", r.show());
    assert_eq!(r.err().lines().count(), 1, "{}", r.show());
    assert!(r.err().starts_with("osprey: "), "{}", r.show());
}

#[test]
fn help_documents_the_options() {
    let out = Command::new(OSPREY)
        .args(["run", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--mem",
        "--cpus",
        "--accel",
        "--env",
        "--verbose",
        "--strace",
        "--timeout",
    ] {
        assert!(
            text.contains(opt),
            "`osprey run --help` lacks {opt}:\n{text}"
        );
    }
}
