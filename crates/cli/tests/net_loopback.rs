//! Sockets over the loopback interface inside the guest (no network card needed): TCP and
//! UDP between threads of one program on 127.0.0.1 and ::1, compared line by line with the
//! same binary on the host (tests/programs/tcp_loopback.c says what it covers).

#[macro_use]
mod common;

use common::*;

each_variant!(tcp_udp_loopback, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("tcp_loopback", v)));
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
});

/// The same with two vCPUs: server and client threads really run in parallel.
#[test]
fn tcp_udp_loopback_two_cpus() {
    let (vm, _) = same_as_native(
        &Guest::new(program("tcp_loopback", Variant::Static))
            .opt("--cpus")
            .opt("2"),
    );
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
}
