//! Builds the guest kernel (`osprey-kernel`, target `x86_64-unknown-none`) and puts the ELF in
//! `OUT_DIR/osprey-kernel.elf`, where `src/kernel_image.rs` `include_bytes!`s it: one `osprey`
//! file carries its kernel.
//!
//! It also compiles `shim/listen_backlog.c` with the host's C compiler (`$CC`, else `cc`, the
//! linker Rust itself uses on Linux) into `OUT_DIR/listen_backlog.so`, which `src/slirp.rs`
//! preloads into QEMU for published ports. A failed compile is a warning and an empty file:
//! osprey then runs QEMU as it is (its listen backlog of 1) and `--verbose` says so.
//!
//! Knobs (environment variables read here):
//! * `OSPREY_KERNEL=/path/to/elf`: embed that file instead of building (kernel developers,
//!   tests, packagers with a prebuilt kernel).
//! * `OSPREY_REQUIRE_KERNEL=1`: a kernel that cannot be built fails this build (release/CI).
//!
//! Why a failed kernel build does not fail the build by default: `cargo test` at the workspace
//! root builds this crate, and the host crates' unit tests (abi, vfs, linux, ...) must keep
//! running while the kernel is broken or a machine lacks the `x86_64-unknown-none` target. So
//! the failure becomes a loud `cargo:warning`, an empty kernel is embedded together with the
//! reason (`OSPREY_KERNEL_PROBLEM`), and `osprey run` refuses with that reason (exit 125).
//!
//! Why we do not run `rustup target add` ourselves: a build script that changes the user's
//! toolchain (and needs the network to do it) is a surprise. The message says what to type.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "x86_64-unknown-none";
const OUT_NAME: &str = "osprey-kernel.elf";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let out = out_dir.join(OUT_NAME);
    build_listen_shim(&manifest_dir, &out_dir);

    println!("cargo:rerun-if-env-changed=OSPREY_KERNEL");
    println!("cargo:rerun-if-env-changed=OSPREY_REQUIRE_KERNEL");
    println!("cargo:rerun-if-changed=build.rs");

    let result = match env::var_os("OSPREY_KERNEL") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            fs::copy(&path, &out)
                .map(|_| ())
                .map_err(|e| format!("OSPREY_KERNEL={}: {e}", path.display()))
        }
        None => {
            for dir in [
                "kernel", "hal", "linux", "vfs", "mm", "elf", "abi", "proto", "net", "sched",
                "sync",
            ] {
                println!(
                    "cargo:rerun-if-changed={}",
                    workspace.join("crates").join(dir).display()
                );
            }
            // The kernel also builds vendor/'s patched crates (the workspace's [patch.crates-io]),
            // which Cargo.lock does not see change when one of them is edited.
            for path in ["vendor", "Cargo.toml", ".cargo/config.toml", "Cargo.lock"] {
                println!("cargo:rerun-if-changed={}", workspace.join(path).display());
            }
            build_kernel(&workspace).and_then(|elf| {
                fs::copy(&elf, &out)
                    .map(|_| ())
                    .map_err(|e| format!("copying {}: {e}", elf.display()))
            })
        }
    };

    match result {
        Ok(()) => println!("cargo:rustc-env=OSPREY_KERNEL_PROBLEM="),
        Err(problem) => {
            if env::var_os("OSPREY_REQUIRE_KERNEL").is_some_and(|v| v != "0" && !v.is_empty()) {
                eprintln!("{problem}");
                panic!("the osprey kernel could not be built (OSPREY_REQUIRE_KERNEL is set)");
            }
            for line in problem.lines() {
                println!("cargo:warning={line}");
            }
            // Try again at the next build whatever changed: the cause is often outside what
            // this script watches (`rustup target add`, a linker installed).
            println!(
                "cargo:rerun-if-changed={}",
                out_dir.join("no-kernel-yet").display()
            );
            println!(
                "cargo:warning=osprey is built WITHOUT a kernel: `osprey run` will refuse to \
                 run until this is fixed (or set OSPREY_KERNEL=/path/to/kernel.elf)"
            );
            fs::write(&out, b"").unwrap();
            // One line: the runtime error message shows it.
            let first = problem
                .lines()
                .next()
                .unwrap_or("unknown problem")
                .to_string();
            println!("cargo:rustc-env=OSPREY_KERNEL_PROBLEM={first}");
        }
    }
}

/// Runs `cargo build -p osprey-kernel --target x86_64-unknown-none --profile kernel` in its own target
/// directory and returns the path of the ELF.
fn build_kernel(workspace: &Path) -> Result<PathBuf, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if !target_installed(&rustc) {
        return Err(format!(
            "the Rust target {TARGET} is not installed: run `rustup target add {TARGET}`"
        ));
    }
    // A separate target dir: the outer build holds the lock on its own, so sharing it would
    // deadlock; and the kernel's profile/flags differ anyway.
    let target_dir = workspace.join("target").join("kernel");
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(workspace) // so that .cargo/config.toml (kernel rustflags) applies
        .args([
            "build",
            "--profile",
            "kernel",
            "-p",
            "osprey-kernel",
            "--target",
            TARGET,
        ])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    // Variables of the outer build that would leak into the inner one: flags meant for the host
    // build (they would replace the kernel's rustflags from .cargo/config.toml, e.g. coverage
    // instrumentation), a forced target or target dir, wrappers meant for workspace crates.
    // The jobserver variables (CARGO_MAKEFLAGS) are kept on purpose: the inner cargo then shares
    // the outer build's job slots instead of starting as many jobs again (2-core machines).
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "OUT_DIR",
        "TARGET",
        "HOST",
        "PROFILE",
        "OPT_LEVEL",
        "DEBUG",
        "CARGO_LLVM_COV",
        "CARGO_LLVM_COV_TARGET_DIR",
        "LLVM_PROFILE_FILE",
    ] {
        cmd.env_remove(var);
    }
    let output = cmd
        .output()
        .map_err(|e| format!("running {}: {e}", Path::new(&cargo).display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The tail holds the errors; the head is "Compiling ..." noise.
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        return Err(format!(
            "the osprey kernel failed to build (cargo build -p osprey-kernel --target {TARGET} --profile kernel \
             --release): {}\n{tail}",
            output.status
        ));
    }
    let elf = target_dir.join(TARGET).join("kernel").join("osprey-kernel");
    if !elf.is_file() {
        return Err(format!(
            "the kernel build succeeded but {} is missing",
            elf.display()
        ));
    }
    Ok(elf)
}

/// `shim/listen_backlog.c` as a shared object in `OUT_DIR/listen_backlog.so` (empty when the
/// host has no working C compiler), and its problem in `OSPREY_LISTEN_SHIM_PROBLEM`.
fn build_listen_shim(manifest_dir: &Path, out_dir: &Path) {
    let src = manifest_dir.join("shim").join("listen_backlog.c");
    let so = out_dir.join("listen_backlog.so");
    println!("cargo:rerun-if-changed={}", src.display());
    println!("cargo:rerun-if-env-changed=CC");
    let cc = env::var_os("CC").unwrap_or_else(|| "cc".into());
    let result = Command::new(&cc)
        .args(["-O2", "-Wall", "-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(&src)
        .arg("-ldl")
        .output();
    let problem = match result {
        Ok(o) if o.status.success() => String::new(),
        Ok(o) => format!(
            "{} failed on {}: {}",
            Path::new(&cc).display(),
            src.display(),
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
        ),
        Err(e) => format!("running {}: {e}", Path::new(&cc).display()),
    };
    if !problem.is_empty() {
        println!("cargo:warning={problem}: QEMU's user network will keep its listen backlog of 1");
        fs::write(&so, b"").unwrap();
    }
    println!("cargo:rustc-env=OSPREY_LISTEN_SHIM_PROBLEM={problem}");
}

/// Whether the standard library for the kernel target is in the sysroot (it is what
/// `rustup target add` installs).
fn target_installed(rustc: &std::ffi::OsStr) -> bool {
    let Ok(out) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return true; // let cargo produce the real error
    };
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .is_dir()
}
