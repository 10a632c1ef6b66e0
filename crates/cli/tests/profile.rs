//! `osprey run --profile`: the kernel samples every CPU and the host names the functions.
//! tests/programs/profile_me.c spins in `spin_here` for 400 ms, then sleeps 300 ms.

#[macro_use]
mod common;

use common::*;

/// The share (percent) and the line of the profile row naming `function` in `object`.
fn row<'a>(err: &'a str, object: &str, function: &str) -> Option<(f64, &'a str)> {
    err.lines()
        .filter(|l| l.ends_with(&format!(" {function}")))
        .find(|l| l.split_whitespace().nth(3) == Some(object))
        .map(|l| {
            let pct = l.split_whitespace().next().unwrap();
            (pct.trim_end_matches('%').parse().unwrap(), l)
        })
}

each_variant!(profile_names_the_busy_function, |v| {
    let vm = Guest::new(program("profile_me", v))
        .opt("--profile=2000")
        .run();
    vm.expect_status(0);
    assert!(vm.out().contains("done 1"), "{}", vm.show());
    let err = vm.err();
    let summary = err
        .lines()
        .find(|l| l.starts_with("osprey: profile: "))
        .unwrap_or_else(|| panic!("no profile{}", vm.show()));
    assert!(summary.contains("at 2000 Hz per CPU"), "{summary}");
    let exe = format!("profile_me-{}", v.suffix());
    let (spin, line) = row(&err, &exe, "spin_here")
        .unwrap_or_else(|| panic!("spin_here not in the profile{}", vm.show()));
    assert!(line.contains(" app "), "{line}");
    // The busiest function that is not the idle loop. (Its share of all samples depends on
    // the host: under TCG the timer that samples runs in QEMU's main thread, late when the
    // host's CPUs are busy, and late samples are not counted.)
    let first_busy = err
        .lines()
        .skip_while(|l| !l.starts_with("osprey: profile: "))
        .skip(2)
        .find(|l| !l.contains(" idle "))
        .unwrap();
    assert!(
        first_busy.ends_with(" spin_here"),
        "busiest: {first_busy}{}",
        vm.show()
    );
    assert!(spin > 5.0, "spin_here only {spin}%{}", vm.show());
    // The sleep shows as idle.
    let idle: f64 = summary
        .split("idle ")
        .nth(1)
        .and_then(|s| s.split('%').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(idle > 1.0, "idle only {idle}%: {summary}");
});

#[test]
fn profile_out_writes_every_function_and_bad_rates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("profile.txt");
    let vm = Guest::new(program("profile_me", Variant::Static))
        .opt("--profile")
        .opt("--profile-out")
        .opt(&out)
        .run();
    vm.expect_status(0);
    let all = std::fs::read_to_string(&out).unwrap();
    assert!(all.starts_with("osprey: profile: "), "{all}");
    assert!(all.contains("at 1000 Hz"), "{all}");
    assert!(all.lines().any(|l| l.ends_with(" spin_here")), "{all}");
    // The file lists every function: at least as many rows as stderr's table (which stops at
    // 40 and then says how many more there are).
    let rows = |t: &str| t.lines().filter(|l| l.contains('%')).count();
    assert!(rows(&all) >= rows(&vm.err()), "{all}");

    for bad in ["--profile=0", "--profile=abc", "--profile=1000000"] {
        let vm = Guest::new(program("profile_me", Variant::Static))
            .opt(bad)
            .run();
        assert_eq!(vm.status, 2, "{bad} accepted{}", vm.show());
        assert!(vm.err().contains("--profile"), "{bad}{}", vm.show());
    }
    let vm = Guest::new(program("profile_me", Variant::Static))
        .opt("--profile-out")
        .opt(&out)
        .run();
    assert_eq!(vm.status, 2, "--profile-out without --profile{}", vm.show());
}
