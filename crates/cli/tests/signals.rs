//! Signal delivery under QEMU, compared with the same binaries on the host: handlers for
//! faults (SIGSEGV that fixes the protection and resumes, a handler that moves rip through the
//! ucontext, SIGFPE/SIGILL/SIGTRAP), the altstack, the vector registers across a handler,
//! kill/raise with and without handlers, the sigaction flags, blocking, sigpending,
//! sigtimedwait, sigsuspend, ppoll's mask, queued real-time signals, signalfd, SIGPIPE,
//! ITIMER_REAL/alarm, and signals between threads (pthread_kill, interrupted pause/nanosleep,
//! pthread_cancel).

#[macro_use]
mod common;

use common::*;

each_variant!(fault_handlers_resume_the_app, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("sig_fault", v)));
    vm.expect_checks_pass();
});

each_variant!(kill_raise_and_waits, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("sig_kill", v)));
    vm.expect_checks_pass();
    assert!(
        vm.out().ends_with("handlers ran 15 times\n"),
        "{}",
        vm.show()
    );
});

each_variant!(sigterm_without_a_handler_is_status_143, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("sig_kill", v)).arg("term"));
    vm.expect_status(143)
        .expect_stdout("sending SIGTERM to myself\n");
});

each_variant!(a_write_to_a_pipe_without_readers_is_sigpipe, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("sig_kill", v)).arg("pipe"));
    vm.expect_status(141)
        .expect_stdout("writing to a pipe without readers\n");
});

each_variant!(an_itimer_without_a_handler_is_sigalrm_status_142, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("sig_kill", v)).arg("alarm"));
    vm.expect_status(142).expect_stdout("waiting for SIGALRM\n");
});

each_variant!(a_signal_interrupts_a_read_of_stdin, |v| {
    // stdin is a pipe that stays open and silent: only the signal can end the read.
    let cmd = Guest::new(program("sig_kill", v)).arg("stdin").command();
    let vm = run_command_with(cmd, Input::Stdio(std::process::Stdio::piped()), TIMEOUT);
    vm.expect_status(0).expect_stdout("read(0) = -1 EINTR\n");
});

each_variant!(signals_between_threads, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("sig_threads", v)));
    vm.expect_checks_pass();
});

/// Signals with two vCPUs: the target thread may be running app code on the other CPU (a
/// reschedule IPI makes it take the signal at once).
mod two_cpus {
    use super::common::*;

    each_variant!(kill_raise_and_waits, |v| {
        let (vm, _) = same_as_native(&Guest::new(program("sig_kill", v)).opt("--cpus").opt("2"));
        vm.expect_checks_pass();
    });
    each_variant!(signals_between_threads, |v| {
        let (vm, _) = same_as_native(&Guest::new(program("sig_threads", v)).opt("--cpus").opt("2"));
        vm.expect_checks_pass();
    });
}
