//! SMP bring-up: `--cpus N` boots a VM whose N CPUs the kernel finds (ACPI MADT) and starts
//! (INIT-SIPI, trampoline, per-CPU setup, one LAPIC timer interrupt each), and the program is
//! told N by every route libcs take. (Threads on all CPUs: threads.rs.) `--cpus 1` skips all
//! of it.

#[macro_use]
mod common;

use common::*;

/// The hal's and kernel's boot milestones from `--bootchart` (stderr), by name.
fn milestones(run: &Run) -> Vec<String> {
    run.err()
        .lines()
        // "    1.234 ms   0.567 ms  hal: memory"
        .filter_map(|l| {
            l.split_once(" ms  ")
                .and_then(|(_, r)| r.split_once(" ms  "))
        })
        .map(|(_, name)| name.to_string())
        .collect()
}

fn cpus_run(v: Variant, n: u32) -> Run {
    let run = Guest::new(program("cpus", v))
        .opt("--cpus")
        .opt(n.to_string())
        .opt("--bootchart")
        .run();
    run.expect_status(0);
    run
}

fn expect_told(run: &Run, n: u32, v: Variant) {
    let list = if n == 1 {
        "0".to_string()
    } else {
        format!("0-{}", n - 1)
    };
    let mut keys = vec![
        ("get_nprocs", n.to_string()),
        ("sysconf_onln", n.to_string()),
        ("affinity", n.to_string()),
        ("sys_online", list.clone()),
        ("sys_possible", list),
        ("cpuinfo_processors", n.to_string()),
    ];
    // glibc also reads the configured count from /sys; musl answers it from the affinity mask
    // as well, so both must say n.
    keys.push(("get_nprocs_conf", n.to_string()));
    keys.push(("sysconf_conf", n.to_string()));
    for (key, want) in keys {
        assert_eq!(
            run.value(key).as_deref(),
            Some(want.as_str()),
            "{key} with --cpus {n} ({v:?}){}",
            run.show()
        );
    }
}

each_variant!(two_cpus, |v| {
    let run = cpus_run(v, 2);
    expect_told(&run, 2, v);
    let m = milestones(&run);
    // Found in the MADT, started, and every AP checked in (after taking a timer interrupt).
    for want in ["hal: ACPI MADT", "hal: APs started", "hal: all CPUs online"] {
        assert!(
            m.iter().any(|x| x == want),
            "no {want:?} in {m:?}{}",
            run.show()
        );
    }
});

#[test]
fn four_cpus() {
    for v in [Variant::Static, Variant::Musl] {
        let run = cpus_run(v, 4);
        expect_told(&run, 4, v);
        let m = milestones(&run);
        assert!(
            m.iter().any(|x| x == "hal: all CPUs online"),
            "the three APs did not all come up: {m:?}{}",
            run.show()
        );
    }
}

#[test]
fn one_cpu_does_no_smp_work() {
    // With one CPU the hal reads the CPU count from QEMU's fw_cfg and skips the ACPI tables
    // and the AP start entirely: the boot CPU's path is the one it was before SMP, milestone
    // for milestone (timings under a shared TCG host are too noisy to compare directly).
    let run = cpus_run(Variant::Static, 1);
    expect_told(&run, 1, Variant::Static);
    let hal: Vec<String> = milestones(&run)
        .into_iter()
        .filter(|m| m.starts_with("hal: "))
        .collect();
    assert_eq!(
        hal,
        [
            "hal: long mode",
            "hal: memory",
            "hal: cpu",
            "hal: traps, timer"
        ],
        "{}",
        run.show()
    );
}

#[test]
fn a_panic_on_another_cpu_stops_the_machine_with_one_report() {
    // `panic=ap`: the kernel registers an AP entry that panics. Every AP runs it as soon as it
    // is registered (the registration wakes the APs with an IPI); the first panic stops the
    // boot CPU and the other APs with NMIs, so exactly one report comes out, and osprey exits
    // 125 as for any kernel panic.
    for n in [2, 4] {
        let mut cmd = Guest::new(program("cpus", Variant::Static))
            .opt("--cpus")
            .opt(n.to_string())
            .command();
        cmd.env("OSPREY_KERNEL_CMDLINE", "panic=ap");
        let run = run_command(cmd, b"", std::time::Duration::from_secs(60));
        assert_eq!(run.status, 125, "--cpus {n}{}", run.show());
        let err = run.err();
        assert_eq!(
            err.matches("osprey: kernel panic:").count(),
            1,
            "{}",
            run.show()
        );
        assert!(
            err.contains("panic=ap on the kernel command line (CPU "),
            "{}",
            run.show()
        );
        assert!(err.contains("<osprey_hal_ap_start+0x"), "{}", run.show());
    }
}

#[test]
fn tlb_shootdowns_reach_the_other_cpus() {
    // `selftest=tlb`: at boot the APs cache a translation of an app page, the boot CPU maps
    // another frame there, and every AP must then read the new page (without the shootdown
    // IPI it would read the old one; checked by breaking the shootdown on purpose). The program
    // then runs as usual. This also proves every AP runs on the kernel's page table.
    for n in [2u32, 4] {
        let mut cmd = Guest::new(program("cpus", Variant::Static))
            .opt("--cpus")
            .opt(n.to_string())
            .command();
        cmd.env("OSPREY_KERNEL_CMDLINE", "selftest=tlb");
        let run = run_command(cmd, b"", std::time::Duration::from_secs(60));
        assert_eq!(run.status, 0, "--cpus {n}{}", run.show());
        assert!(
            run.err()
                .contains(&format!("osprey: selftest tlb: ok on {} APs", n - 1)),
            "{}",
            run.show()
        );
        expect_told(&run, n, Variant::Static);
    }
}

each_variant!(many_threads_map_and_unmap_at_once, |v| {
    // 8 threads on 2 CPUs contend for the kernel's memory-map lock (a sleeping hand-off mutex:
    // spinning waiters, parked ones, hand-offs between CPUs); every thread's pages must keep
    // what it wrote and every call must succeed.
    let cmd = Guest::new(program("mmap_threads", v))
        .opt("--cpus")
        .opt("2")
        .command();
    let run = run_command(cmd, b"", std::time::Duration::from_secs(120));
    assert_eq!(run.status, 0, "{}", run.show());
    assert!(
        run.out()
            .contains("threads=8 touched=8000 untouched=8000 expected=8000 bad=0"),
        "{}",
        run.show()
    );
});
