//! Timers and sleeping: timerfd (periodic, one-shot, absolute on CLOCK_REALTIME, blocking and
//! non-blocking reads, poll) and POSIX timers (timer_create: signals, overruns, SIGEV_NONE,
//! SIGEV_THREAD_ID, SIGEV_THREAD, errors), compared with the host.

#[macro_use]
mod common;

use common::*;

each_variant!(timerfd_periodic_one_shot_poll_and_errors, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("timerfd", v)));
    assert!(vm.out().contains("one-shot read: 8 n=1"), "{}", vm.show());
});

each_variant!(timerfd_with_two_cpus, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("timerfd", v)).opt("--cpus").opt("2"));
    assert!(vm.out().contains("one-shot read: 8 n=1"), "{}", vm.show());
});

each_variant!(posix_timers_signals_overruns_and_errors, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("posix_timer", v)));
    vm.expect_checks_pass();
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
});

each_variant!(posix_timers_with_two_cpus, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("posix_timer", v)).opt("--cpus").opt("2"));
    vm.expect_checks_pass();
});
