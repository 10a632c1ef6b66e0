//! Dynamic programs (the start of issue 3): the loader (PT_INTERP) and the libraries it maps
//! are packed, the kernel maps the loader beside the program, and Debian's own binaries run.

#[macro_use]
mod common;

use std::process::Command;

use common::*;

fn gcc_dynamic(dir: &std::path::Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    require_tool("gcc", "gcc");
    let out = dir.join(name);
    let ok = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(programs_dir().join("hello.c"))
        .args(extra)
        .status()
        .unwrap()
        .success();
    assert!(ok, "gcc {name}");
    out
}

#[test]
fn dynamic_hello_pie_and_no_pie_match_the_host() {
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [("hello-pie", &[][..]), ("hello-nopie", &["-no-pie"][..])] {
        let prog = gcc_dynamic(dir.path(), name, extra);
        let (vm, _) = same_as_native(&Guest::new(&prog).args(["x", "y z"]).env("FOO", "bar"));
        vm.expect_status(2);
        assert!(vm.out().contains("env: [FOO=bar]\n"), "{}", vm.show());
    }
}

#[test]
fn debian_coreutils_run_unmodified() {
    let sort = Guest::new("/usr/bin/sort")
        .arg("-n")
        .stdin("10\n9\n100\n")
        .run();
    sort.expect_status(0).expect_stdout("9\n10\n100\n");
    let sum = Guest::new("/usr/bin/sha256sum").stdin("abc\n").run();
    sum.expect_status(0)
        .expect_stdout("edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb  -\n");
    let ls = Guest::new("/bin/ls").args(["-l", "/etc"]).run();
    ls.expect_status(0);
    assert!(ls.out().contains(" passwd\n"), "{}", ls.show());
    assert!(ls.err().is_empty(), "ls -l complains{}", ls.show());
}

#[test]
fn strace_shows_the_loader_mapping_libc() {
    let run = Guest::new("/usr/bin/true").opt("--strace").run();
    run.expect_status(0);
    let err = run.err();
    assert!(
        err.contains(
            "openat(AT_FDCWD, \"/lib/x86_64-linux-gnu/libc.so.6\", O_RDONLY|O_CLOEXEC) = 3"
        ),
        "{}",
        run.show()
    );
    assert!(err.contains("mmap(NULL, "), "{}", run.show());
}

#[test]
fn debian_python3_runs_with_its_standard_library_included() {
    let py = "/usr/bin/python3";
    if !std::path::Path::new(py).exists() {
        panic!("Debian's python3 is missing: apt-get install python3");
    }
    // The version directory next to the interpreter (python3 -> python3.11).
    let real = std::fs::canonicalize(py).unwrap();
    let ver = real.file_name().unwrap().to_str().unwrap().to_string();
    let lib = format!("/usr/lib/{ver}");
    let vm = Guest::new(py)
        .opt("--mem")
        .opt("512M")
        .opt("--include")
        .opt(&lib)
        .args(["-c", "import json, hashlib; print(json.dumps({'ok': 1}), hashlib.sha256(b'abc').hexdigest()[:8])"])
        .run();
    vm.expect_status(0).expect_stdout("{\"ok\": 1} ba7816bf\n");
}
