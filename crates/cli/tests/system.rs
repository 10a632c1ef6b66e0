//! The system as the app sees it: identity (uname, pid 1, root), clocks, sleeping, randomness.

#[macro_use]
mod common;

use common::*;

each_variant!(identity, |v| {
    let vm = Guest::new(program("sysid", v)).run();
    vm.expect_status(0);
    let host = Guest::new(program("sysid", v)).run_native();
    for (key, want) in [
        ("sysname", "Linux"),
        ("nodename", "osprey"),
        ("hostname", "osprey"),
        ("machine", "x86_64"),
        ("pid", "1"),
        ("tid", "1"),
        ("ppid", "0"),
        ("uid", "0"),
        ("euid", "0"),
        ("gid", "0"),
        ("egid", "0"),
        ("affinity_cpus", "1"),
        ("nprocs", "1"),
        ("sysconf_nprocessors_onln", "1"),
        ("pagesize", "4096"),
        ("stack_rlimit_ok", "1"),
        ("nofile_rlimit_ok", "1"),
        ("sysinfo_ok", "1"),
        ("umask", "022"),
        ("cwd", "/"),
        ("sched_yield", "0"),
    ] {
        assert_eq!(vm.value(key).as_deref(), Some(want), "{key}{}", vm.show());
    }
    // A release string programs can parse (glibc checks it against its minimum kernel).
    let release = vm.value("release").unwrap();
    let major: u32 = release.split('.').next().unwrap().parse().unwrap_or(0);
    assert!(major >= 4, "release {release:?}{}", vm.show());
    // Same keys as the host prints.
    let keys = |r: &Run| -> Vec<String> {
        r.out()
            .lines()
            .filter_map(|l| l.split('=').next().map(str::to_string))
            .collect()
    };
    assert_eq!(keys(&vm), keys(&host));
});

each_variant!(clocks, |v| {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let (vm, _) = same_as_native(&Guest::new(program("clock", v)).arg(&now));
    vm.expect_checks_pass();
});

each_variant!(nanosleep_sleeps_about_right, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("sleep", v)).arg("200"));
    vm.expect_checks_pass();
    // Three sleeps of 200 ms.
    assert!(
        vm.elapsed >= std::time::Duration::from_millis(600),
        "the whole run took {:?}{}",
        vm.elapsed,
        vm.show()
    );
});

each_variant!(getrandom_and_dev_urandom, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("random", v)));
    vm.expect_checks_pass();
});

#[test]
fn two_runs_get_different_random_bytes_and_at_random() {
    // AT_RANDOM and getrandom are seeded per run: two VMs must not produce the same bytes.
    let prog = program("random", Variant::Static);
    let a = Guest::new(&prog).opt("--strace").run();
    let b = Guest::new(&prog).opt("--strace").run();
    a.expect_checks_pass();
    b.expect_checks_pass();
    let first_getrandom = |r: &Run| {
        r.err()
            .lines()
            .find(|l| l.starts_with("getrandom(\""))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(!first_getrandom(&a).is_empty(), "{}", a.show());
    assert_ne!(first_getrandom(&a), first_getrandom(&b));
}

each_variant!(
    clocks_go_through_the_vdso_without_entering_the_kernel,
    |v| {
        let vm = Guest::new(program("vdso_clock", v)).opt("--strace").run();
        vm.expect_status(0);
        assert_eq!(vm.value("vdso").as_deref(), Some("yes"), "{}", vm.show());
        assert_eq!(vm.value("maps_vdso").as_deref(), Some("1"), "{}", vm.show());
        assert_eq!(
            vm.value("monotonic_advances").as_deref(),
            Some("1"),
            "{}",
            vm.show()
        );
        assert_eq!(
            vm.value("realtime_agrees").as_deref(),
            Some("1"),
            "{}",
            vm.show()
        );
        assert_eq!(vm.value("res_ns").as_deref(), Some("1"), "{}", vm.show());
        // 10,000 clock_gettime calls and not one of them is a system call.
        let err = vm.err();
        let calls = err
            .lines()
            .filter(|l| l.starts_with("clock_gettime("))
            .count();
        assert_eq!(
            calls,
            0,
            "clock_gettime entered the kernel {calls} times{}",
            vm.show()
        );
    }
);
