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
fn dynamic_musl_hello_matches_the_host() {
    // musl-gcc without -static: PT_INTERP is musl's loader (which is also its libc); the
    // resolver follows musl's rules for it.
    require_tool("musl-gcc", "musl-tools");
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("hello-musl-dynamic");
    let ok = Command::new("musl-gcc")
        .args(["-O2", "-o"])
        .arg(&prog)
        .arg(programs_dir().join("hello.c"))
        .status()
        .unwrap()
        .success();
    assert!(ok, "musl-gcc");
    let (vm, _) = same_as_native(&Guest::new(&prog).args(["a", "b"]).env("FOO", "bar"));
    assert!(vm.out().contains("env: [FOO=bar]\n"), "{}", vm.show());
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
fn debian_python3_runs_with_its_standard_library_packed_automatically() {
    let py = "/usr/bin/python3";
    assert!(
        std::path::Path::new(py).exists(),
        "Debian's python3 is missing: apt-get install python3"
    );
    // No --include and no --mem: the runtime manifest brings /usr/lib/python3.X (with the
    // libraries its extension modules need) and the memory grows with the packed files.
    let vm = Guest::new(py)
        .args([
            "-c",
            "import json, hashlib, sqlite3, zlib, re, datetime, os\n\
             c = sqlite3.connect(':memory:'); c.execute('create table t(x)'); c.execute('insert into t values(41)')\n\
             print(json.dumps({'ok': 1}), hashlib.sha256(b'abc').hexdigest()[:8], zlib.crc32(b'x'), c.execute('select x+1 from t').fetchone()[0])",
        ])
        .run();
    vm.expect_status(0)
        .expect_stdout("{\"ok\": 1} ba7816bf 2363233923 42\n");
}

#[test]
fn perl_runs_with_its_modules() {
    let vm = Guest::new("/usr/bin/perl")
        .args([
            "-e",
            "use strict; use warnings; my %h = (a => 1); print join(',', keys %h), \"\\n\";",
        ])
        .run();
    vm.expect_status(0).expect_stdout("a\n");
}

#[test]
fn files_named_on_the_command_line_come_along() {
    // `sort -n numbers.txt` from a directory: the file is packed at its absolute path and the
    // program starts in the same directory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("numbers.txt"), "10\n9\n100\n").unwrap();
    let mut cmd = Guest::new("/usr/bin/sort")
        .args(["-n", "numbers.txt"])
        .command();
    cmd.current_dir(dir.path());
    let run = run_command(cmd, b"", std::time::Duration::from_secs(60));
    assert_eq!(run.status, 0, "{}", run.show());
    assert_eq!(run.out(), "9\n10\n100\n", "{}", run.show());
}

#[test]
fn a_volume_brings_a_host_directory_in_and_writes_stay_inside() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("in.txt"), "from the host\n").unwrap();
    let vm = Guest::new("/bin/busybox")
        .opt("-v")
        .opt(format!("{}:/data", data.display()))
        // Shell builtins only: busybox cannot fork applets yet (issue 4).
        .args(["sh", "-c", "read l < /data/in.txt; echo \"$l\"; echo made > /data/out.txt; read m < /data/out.txt; echo \"$m\""])
        .run();
    vm.expect_status(0).expect_stdout("from the host\nmade\n");
    assert!(
        !data.join("out.txt").exists(),
        "a write in the VM reached the host"
    );
}

#[test]
fn build_an_image_once_and_run_it_with_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("sort.img");
    let out = Command::new(env!("CARGO_BIN_EXE_osprey"))
        .args(["build", "-o"])
        .arg(&img)
        .arg("/usr/bin/sort")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("osprey: wrote"));
    // Everything after the options is the program's arguments.
    let vm = Guest::new("--image")
        .arg(&img)
        .args(["-r"])
        .stdin("a\nc\nb\n")
        .run();
    vm.expect_status(0).expect_stdout("c\nb\na\n");
    // Not an image: one line, 125, before boot.
    let bad = Guest::new("--image").arg("/etc/hostname").run();
    assert_eq!(bad.status, 125, "{}", bad.show());
    assert!(bad.err().contains("not an osprey image"), "{}", bad.show());
}

#[test]
fn a_library_missing_deep_down_is_refused_before_boot_naming_it_and_its_needer() {
    // prog -> libmid.so -> libgone.so, and libgone.so is deleted: the host's loader fails
    // (127), and osprey refuses before booting (125, one line) naming both libraries.
    require_tool("gcc", "gcc");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gcc = |args: &[&str]| {
        let ok = Command::new("gcc")
            .args(args)
            .current_dir(d)
            .status()
            .unwrap()
            .success();
        assert!(ok, "gcc {args:?}");
    };
    std::fs::write(d.join("gone.c"), "int gone(void) { return 3; }\n").unwrap();
    std::fs::write(
        d.join("mid.c"),
        "int gone(void); int mid(void) { return gone(); }\n",
    )
    .unwrap();
    std::fs::write(
        d.join("main.c"),
        "int mid(void); int main(void) { return mid(); }\n",
    )
    .unwrap();
    gcc(&["-shared", "-fPIC", "-o", "libgone.so", "gone.c"]);
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        "libmid.so",
        "mid.c",
        "-L.",
        "-lgone",
    ]);
    let rpath = format!("-Wl,-rpath,{}", d.display());
    gcc(&[
        "-o",
        "prog",
        "main.c",
        "-L.",
        "-lmid",
        &rpath,
        "-Wl,--disable-new-dtags",
    ]);
    let prog = d.join("prog");
    // With everything there it runs, in the VM as on the host.
    let (vm, _) = same_as_native(&Guest::new(&prog));
    vm.expect_status(3);
    std::fs::remove_file(d.join("libgone.so")).unwrap();
    let host = Guest::new(&prog).run_native();
    assert_eq!(host.status, 127, "{}", host.show());
    assert!(host.err().contains("libgone.so"), "{}", host.show());
    let vm = Guest::new(&prog).run();
    assert_eq!(vm.status, 125, "{}", vm.show());
    let err = vm.err();
    assert_eq!(err.lines().count(), 1, "{}", vm.show());
    assert!(
        err.contains("needs libgone.so (a DT_NEEDED of ")
            && err.contains("/libmid.so)")
            && err.contains("not on this machine"),
        "{}",
        vm.show()
    );
}

#[test]
fn the_image_cache_is_reused_and_notices_changed_inputs() {
    require_busybox();
    let cache = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("f"), "first\n").unwrap();
    let run = || {
        let mut cmd = Guest::new(BUSYBOX)
            .opt("--include")
            .opt(format!("{}:/data", data.path().display()))
            .args(["cat", "/data/f", "/data/g"])
            .command();
        cmd.env("XDG_CACHE_HOME", cache.path());
        run_command(cmd, b"", TIMEOUT)
    };
    let images = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(cache.path().join("osprey/images"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "img"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let first = run();
    // /data/g does not exist yet: cat says so (status 1) after printing f.
    assert_eq!(
        (first.status, first.out().as_str()),
        (1, "first\n"),
        "{}",
        first.show()
    );
    let stored = images();
    assert_eq!(stored.len(), 1, "{stored:?}");
    // Unchanged inputs: the same entry serves the second run.
    let second = run();
    assert_eq!(second.out(), "first\n", "{}", second.show());
    assert_eq!(images(), stored);
    // A changed file (same size) and a new one: packed again, the guest sees both.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(data.path().join("f"), "again\n").unwrap();
    let third = run();
    assert_eq!(third.out(), "again\n", "{}", third.show());
    std::fs::write(data.path().join("g"), "more bytes than before\n").unwrap();
    let fourth = run();
    fourth.expect_status(0);
    assert_eq!(
        fourth.out(),
        "again\nmore bytes than before\n",
        "{}",
        fourth.show()
    );
    assert_eq!(images().len(), 1, "one entry per request");
}
