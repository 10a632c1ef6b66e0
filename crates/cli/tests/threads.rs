//! Threads: C pthreads (glibc static, static-pie, musl), raw futexes, pipes between threads
//! (blocking reads and writes, poll woken by a writer), a 64-thread contended mutex with an
//! exact total, and Rust's std (static and dynamic) — each compared with the
//! same program on the host.

#[macro_use]
mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

/// The same programs with two vCPUs: threads then really run in parallel.
mod two_cpus {
    use super::common::*;

    fn same(name: &str, v: Variant, expect: &str) {
        let (vm, _) = same_as_native(&Guest::new(program(name, v)).opt("--cpus").opt("2"));
        assert!(vm.out().contains(expect), "{}", vm.show());
    }

    each_variant!(pthreads, |v| { same("threads", v, "done\n") });
    each_variant!(raw_futex, |v| {
        same("futex", v, "ping-pong rounds=2000 bad=0")
    });
    each_variant!(pipes, |v| {
        same("thread_pipes", v, "ping-pong over pipes ok=1")
    });
    each_variant!(preemption, |v| { same("preempt", v, "both spinners ran") });
    each_variant!(vector_registers, |v| {
        same("fpu_threads", v, "clobbering thread: kept")
    });
    each_variant!(sixty_four_threads, |v| {
        same("thread_stress", v, "total=6400000 expected=6400000")
    });

    each_variant!(futex_waitv, |v| {
        same(
            "futex_waitv",
            v,
            "woken through entry 2 (ok)\na changed word: EAGAIN\n",
        )
    });

    /// PTHREAD_PRIO_INHERIT mutexes (glibc's FUTEX_LOCK_PI family): contention with hand-over,
    /// trylock, timedlock, EDEADLK, and a robust one whose owner died.
    #[test]
    fn priority_inheritance_mutexes() {
        let (vm, _) = same_as_native(
            &Guest::new(program("pi_mutex", Variant::Static))
                .opt("--cpus")
                .opt("2"),
        );
        for line in [
            "counter=20000 expected=20000",
            "trylock of a held PI mutex: EBUSY",
            "timedlock of a held PI mutex: ETIMEDOUT",
            "lock after the holder let go: 0",
            "error-checking PI mutex locked twice: EDEADLK",
            "robust PI mutex after its owner died: EOWNERDEAD",
            "locked again: 0",
            "done",
        ] {
            assert!(vm.out().contains(line), "{line:?} missing\n{}", vm.show());
        }
    }
}

/// App threads run on every CPU (the default with `--cpus N`), and sched_setaffinity pins.
#[test]
fn smp_scheduling_uses_every_cpu_and_affinity_pins() {
    for cpus in ["2", "4"] {
        let cmd = Guest::new(program("parallel", Variant::Static))
            .opt("--cpus")
            .opt(cpus)
            .env("SHOW", "1")
            .command();
        let vm = run_command(cmd, &[], std::time::Duration::from_secs(120));
        vm.expect_status(0);
        assert!(
            vm.out().contains(&format!("CPUs seen: {cpus}")),
            "{}",
            vm.show()
        );
        assert!(
            vm.out()
                .contains("pinned to the last CPU, elsewhere 0 times"),
            "{}",
            vm.show()
        );
    }
}

each_variant!(pthreads_mutex_condvar_rwlock_barrier_tls, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("threads", v)));
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
});

each_variant!(raw_futex_timeouts_and_ping_pong, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("futex", v)));
    assert!(
        vm.out().contains("ping-pong rounds=2000 bad=0"),
        "{}",
        vm.show()
    );
});

each_variant!(pipes_between_threads_block_and_wake, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("thread_pipes", v)));
    assert!(
        vm.out().contains("poll woke: n=1 revents_in=1"),
        "{}",
        vm.show()
    );
});

each_variant!(spinning_threads_are_preempted, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("preempt", v)));
    assert!(vm.out().contains("both spinners ran"), "{}", vm.show());
});

each_variant!(vector_registers_are_per_thread, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("fpu_threads", v)));
    assert!(vm.out().contains("switches: exact"), "{}", vm.show());
    assert!(
        vm.out().contains("clobbering thread: kept"),
        "{}",
        vm.show()
    );
});

each_variant!(sixty_four_threads_exact_total, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("thread_stress", v)));
    assert!(
        vm.out().contains("total=6400000 expected=6400000"),
        "{}",
        vm.show()
    );
});

/// Compiles tests/programs/rust_threads.rs with the host's rustc (static or dynamic glibc).
fn rust_program(static_crt: bool) -> PathBuf {
    let src = programs_dir().join("rust_threads.rs");
    let out = build_dir().join(if static_crt {
        "rust_threads-static"
    } else {
        "rust_threads-dynamic"
    });
    std::fs::create_dir_all(build_dir()).unwrap();
    let fresh = |p: &PathBuf| {
        let m = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        matches!((m(p), m(&src)), (Some(b), Some(s)) if b >= s)
    };
    if !fresh(&out) {
        let tmp = out.with_extension(format!("{}.tmp", std::process::id()));
        let mut cmd = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
        cmd.args(["-O", "--edition", "2021", "-o"])
            .arg(&tmp)
            .arg(&src);
        if static_crt {
            cmd.args(["-C", "target-feature=+crt-static"]);
        }
        let r = cmd.output().expect("running rustc");
        assert!(
            r.status.success(),
            "rustc failed: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

#[test]
fn rust_std_threads_static() {
    let (vm, _) = same_as_native(&Guest::new(rust_program(true)));
    assert!(vm.out().contains("mutex total=80000"), "{}", vm.show());
    assert!(
        vm.err().contains("expected panic in a thread"),
        "{}",
        vm.show()
    );
}

#[test]
fn rust_std_threads_dynamic() {
    let (vm, _) = same_as_native(&Guest::new(rust_program(false)));
    assert!(vm.out().contains("barrier leaders=1"), "{}", vm.show());
}

/// Debian's OpenJDK 17 (its `lib`, `conf` and /etc files packed by the runtime manifest): a class
/// with threads, an executor and a NullPointerException, which the JVM detects as a SIGSEGV
/// in its handler. Compiled with the host's javac, compared with the host's java.
#[test]
fn openjdk_17_runs_threads_and_catches_a_null_pointer() {
    let jdk = std::path::Path::new("/usr/lib/jvm/java-17-openjdk-amd64");
    assert!(
        jdk.join("bin/javac").is_file(),
        "OpenJDK 17 is missing: run scripts/install-deps.sh (apt-get install openjdk-17-jdk-headless)"
    );
    let classes = build_dir().join("java");
    std::fs::create_dir_all(&classes).unwrap();
    let out = Command::new(jdk.join("bin/javac"))
        .arg("-d")
        .arg(&classes)
        .arg(programs_dir().join("java/Hello.java"))
        .output()
        .expect("running javac");
    assert!(
        out.status.success(),
        "javac: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The JDK's own files come with its runtime manifest; only the class is named.
    let g = Guest::new(jdk.join("bin/java"))
        .opt("--include")
        .opt(&classes)
        .arg("-cp")
        .arg(&classes)
        .arg("Hello");
    let (vm, _) = same_as_native(&g);
    assert!(
        vm.out().contains("hello from java, sum=600000 future=42"),
        "{}",
        vm.show()
    );
    assert!(vm.out().contains("caught NPE"), "{}", vm.show());
}
