//! The basics: a static program boots, sees its arguments and environment exactly as on the
//! host, and its exit status becomes osprey's. Every test runs with the three toolchains.

#[macro_use]
mod common;

use common::*;

each_variant!(hello_args_and_env, |v| {
    let g = Guest::new(program("hello", v))
        .args(["a", "b c", "", "-x", "--", "ünï cödé", "$HOME"])
        .env("FOO", "bar")
        .env("WITH_SPACES", "one two  three")
        .env("WITH_EQUALS", "a=b=c")
        .env("EMPTY", "");
    let (vm, _) = same_as_native(&g);
    // argc - 1: seven arguments.
    vm.expect_status(7);
    let out = vm.out();
    assert!(
        out.starts_with("hello from osprey test\nargc=8\n"),
        "{}",
        vm.show()
    );
    assert!(out.contains("env: [HOSTNAME=osprey]\n"), "{}", vm.show());
    assert!(out.contains("env: [FOO=bar]\n"), "{}", vm.show());
});

each_variant!(no_args, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("hello", v)));
    vm.expect_status(0);
});

each_variant!(exit_statuses, |v| {
    let prog = program("exit_status", v);
    for (how, n, want) in [
        ("exit", "0", 0),
        ("exit", "42", 42),
        ("exit", "255", 255),
        ("exit", "256", 0),
        ("exit", "259", 3),
        ("return", "255", 255),
        ("return", "1", 1),
        ("_exit", "7", 7),
        ("exit_group", "99", 99),
    ] {
        let (vm, _) = same_as_native(&Guest::new(&prog).args([how, n]));
        vm.expect_status(want);
        assert_eq!(
            vm.out(),
            format!("leaving with {how} {n}\n"),
            "{}",
            vm.show()
        );
    }
});

#[test]
fn env_overrides_defaults_and_copies_from_host() {
    let prog = program("hello", Variant::Static);
    // -e HOME=... replaces the default; -e KEY takes the value from osprey's environment.
    let mut cmd = Guest::new(&prog)
        .opt("-e")
        .opt("HOME=/home/test")
        .opt("-e")
        .opt("OSPREY_TEST_FROM_HOST")
        .opt("-e")
        .opt("OSPREY_TEST_UNSET_ON_HOST")
        .command();
    cmd.env("OSPREY_TEST_FROM_HOST", "copied value")
        .env_remove("OSPREY_TEST_UNSET_ON_HOST");
    let vm = run_command(cmd, b"", TIMEOUT);
    vm.expect_status(0);
    // stderr lists the environment in the order the program got it.
    let env: Vec<String> = vm
        .err()
        .lines()
        .filter_map(|l| {
            l.strip_prefix("environ: [")
                .and_then(|l| l.strip_suffix(']'))
        })
        .map(str::to_string)
        .collect();
    assert_eq!(
        env,
        [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/home/test",
            "HOSTNAME=osprey",
            "OSPREY_TEST_FROM_HOST=copied value",
        ],
        "{}",
        vm.show()
    );
}

#[test]
fn program_found_in_path_gets_the_typed_name_as_argv0() {
    let prog = program("hello", Variant::Static);
    let dir = prog.parent().unwrap();
    let mut cmd = Guest::new("hello-static").arg("x").command();
    let mut path = std::ffi::OsString::from(dir);
    if let Some(host) = std::env::var_os("PATH") {
        path.push(":");
        path.push(host);
    }
    cmd.env("PATH", path);
    let vm = run_command(cmd, b"", TIMEOUT);
    vm.expect_status(1);
    assert!(
        vm.out().contains("argv[0]=[hello-static]\nargv[1]=[x]\n"),
        "{}",
        vm.show()
    );
}

#[test]
fn many_and_long_arguments() {
    let prog = program("hello", Variant::Static);
    let long = "x".repeat(20_000);
    let mut args: Vec<String> = (0..200).map(|i| format!("arg{i}")).collect();
    args.push(long);
    let g = Guest::new(prog).args(args.iter());
    let (vm, _) = same_as_native(&g);
    vm.expect_status(201);
}

#[test]
fn small_memory_runs_hello() {
    let prog = program("hello", Variant::Static);
    let vm = Guest::new(prog).opt("--mem").opt("16M").arg("small").run();
    vm.expect_status(1);
    assert!(
        vm.out().starts_with("hello from osprey test\n"),
        "{}",
        vm.show()
    );
}
