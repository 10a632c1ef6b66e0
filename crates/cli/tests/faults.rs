//! Bad input never hurts the kernel: bad pointers give EFAULT, unknown system calls ENOSYS, and
//! a crashing app exits like it would on Linux (128 + signal) with a report on stderr.

#[macro_use]
mod common;

use common::*;

each_variant!(bad_pointers_give_efault, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("efault", v)));
    vm.expect_status(0);
    let out = vm.out();
    let calls = out.lines().filter(|l| l.contains(" = ")).count();
    let efault = out.lines().filter(|l| l.ends_with(" = -1 EFAULT")).count();
    assert_eq!(calls, 48, "{}", vm.show());
    assert_eq!(
        efault,
        calls,
        "every call must fail with EFAULT{}",
        vm.show()
    );
    assert!(out.ends_with("still alive\n"), "{}", vm.show());
});

each_variant!(unknown_syscall_is_enosys, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("enosys", v)));
    vm.expect_status(0).expect_stdout(
        "syscall(1000, 1, 2, 3) = -1 ENOSYS\n\
         syscall(999) = -1 ENOSYS\n\
         syscall(0x7fffffff) = -1 ENOSYS\n\
         syscall(-1) = -1 ENOSYS\n",
    );
});

each_variant!(null_write_is_sigsegv_with_a_report, |v| {
    let prog = program("crash", v);
    let (vm, _) = same_as_native(&Guest::new(&prog).arg("null"));
    vm.expect_status(139);
    assert_eq!(vm.out(), "about to crash: null\n");
    let err = vm.err();
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some("osprey: the app was killed by SIGSEGV (Segmentation fault) at address 0x0 (SEGV_MAPERR)"),
        "{}",
        vm.show()
    );
    let rip = lines.next().unwrap_or("");
    let path = prog.canonicalize().unwrap();
    assert!(
        rip.starts_with("  rip 0x")
            && rip.contains(" <crash_null_write+0x")
            && rip.contains(&format!(" in {}", path.display())),
        "the second line names the function: {rip:?}{}",
        vm.show()
    );
    assert!(err.contains("rsp 0x"), "registers are shown{}", vm.show());
});

each_variant!(divide_by_zero_is_sigfpe, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("crash", v)).arg("div"));
    vm.expect_status(136);
    assert!(
        vm.err()
            .starts_with("osprey: the app was killed by SIGFPE (Floating point exception)")
            && vm.err().contains("(FPE_INTDIV)")
            && vm.err().contains("<crash_divide+0x"),
        "{}",
        vm.show()
    );
});

each_variant!(abort_is_sigabrt, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("crash", v)).arg("abort"));
    vm.expect_status(134);
    assert!(
        vm.err()
            .starts_with("osprey: the app was killed by SIGABRT (Aborted)"),
        "{}",
        vm.show()
    );
});

each_variant!(ud2_is_sigill, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("crash", v)).arg("ud2"));
    vm.expect_status(132);
    assert!(
        vm.err()
            .starts_with("osprey: the app was killed by SIGILL (Illegal instruction)"),
        "{}",
        vm.show()
    );
});

#[test]
fn awkward_arguments_to_every_system_call_never_panic_the_kernel() {
    // Every syscall number with arguments from a pool of NULL, -1, kernel addresses,
    // unmapped/read-only/PROT_NONE pages, huge sizes...; calls that would end the program,
    // change its memory map or block are skipped by the program itself.
    for seed in ["1", "2"] {
        let vm = Guest::new(program("syscall_fuzz", Variant::Static))
            .arg("3")
            .arg(seed)
            .run();
        vm.expect_status(0);
        assert!(vm.err().contains("survived"), "seed {seed}{}", vm.show());
    }
}

#[test]
fn a_kernel_panic_is_status_125_with_a_symbolized_backtrace() {
    // `panic=boot` makes the kernel panic on purpose right after the hal is up.
    let mut cmd = Guest::new(program("hello", Variant::Static)).command();
    cmd.env("OSPREY_KERNEL_CMDLINE", "panic=boot");
    let run = run_command(cmd, b"", std::time::Duration::from_secs(60));
    assert_eq!(run.status, 125, "{}", run.show());
    let err = run.err();
    assert!(
        err.contains("osprey: kernel panic: panicked at"),
        "{}",
        run.show()
    );
    assert!(err.contains("backtrace:"), "{}", run.show());
    assert!(
        err.contains("<osprey_kernel::main+0x"),
        "kernel frames are symbolized{}",
        run.show()
    );
    assert!(run.out().is_empty(), "{}", run.show());
}
