//! The app's memory: demand-paged anonymous mmap, a multi-GiB PROT_NONE reservation that costs
//! nothing until touched (and really faults when touched), brk growth, and mprotect enforced.

#[macro_use]
mod common;

use common::*;

each_variant!(mmap_64mib_touched_page_by_page, |v| {
    // 64 MiB touched needs more than the 64M default.
    let g = Guest::new(program("mmap_touch", v))
        .opt("--mem")
        .opt("256M");
    let (vm, _) = same_as_native(&g);
    vm.expect_checks_pass();
    assert!(vm.out().contains("pages=16384 checksum="), "{}", vm.show());
});

each_variant!(reserve_16gib_prot_none, |v| {
    // The default 64M of guest memory: the reservation must not need memory or page tables.
    let (vm, _) = same_as_native(&Guest::new(program("reserve", v)));
    vm.expect_checks_pass();
});

each_variant!(touching_prot_none_is_sigsegv, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("reserve_touch", v)));
    vm.expect_status(139);
    assert_eq!(
        vm.out(),
        "first page usable, now touching the PROT_NONE part\n",
        "{}",
        vm.show()
    );
    // A PROT_NONE mapping exists there: Linux says SEGV_ACCERR.
    assert!(
        vm.err()
            .contains("osprey: the app was killed by SIGSEGV (Segmentation fault) at address 0x")
            && vm.err().contains("(SEGV_ACCERR)"),
        "{}",
        vm.show()
    );
});

each_variant!(brk_growth, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("brk", v)));
    vm.expect_checks_pass();
    assert!(
        vm.out().contains("grew by 4194304 bytes\n"),
        "{}",
        vm.show()
    );
});

each_variant!(mprotect_read_only_then_write_is_sigsegv, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("mprotect_ro", v)));
    vm.expect_status(139);
    assert!(
        vm.out().ends_with("writing to the read-only page\n"),
        "{}",
        vm.show()
    );
    assert!(
        vm.err().contains("killed by SIGSEGV") && vm.err().contains("(SEGV_ACCERR)"),
        "{}",
        vm.show()
    );
});

#[test]
fn mmap_larger_than_guest_memory_is_a_clean_failure_or_oom_not_a_hang() {
    // 64 MiB touched in a 32 MiB guest cannot fit. Linux would OOM-kill the process (SIGKILL,
    // 137); what must never happen is a kernel panic (125), a hang or a wrong success.
    let vm = Guest::new(program("mmap_touch", Variant::Static))
        .opt("--mem")
        .opt("32M")
        .run();
    assert!(
        vm.status != 0 && vm.status != 125,
        "expected the app to die (OOM) rather than succeed or panic the kernel{}",
        vm.show()
    );
    assert!(!vm.err().contains("kernel panic"), "{}", vm.show());
}
