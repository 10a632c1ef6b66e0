//! Readiness and local sockets: eventfd, epoll (level and edge triggered, one-shot, nesting,
//! threads blocked in epoll_wait woken by writers, EINTR, timeouts) and AF_UNIX sockets
//! (pairs, a path-bound stream server with a client thread, datagrams, SCM_RIGHTS, epoll over
//! 1,000 sockets) — each program compared with the same program on the host.

#[macro_use]
mod common;

use common::*;

each_variant!(eventfd_and_epoll_on_pipes, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("epoll_pipes", v)));
    assert!(
        vm.out()
            .contains("edge-triggered reader: bytes=2000 ticks=20 bad=0"),
        "{}",
        vm.show()
    );
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
});

each_variant!(unix_sockets, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("unix_sockets", v)));
    for line in [
        "client: wrote 262144, server sum matches 1",
        "read 23 'through the passed pipe'",
        "epoll over 1000 sockets: 143 messages, 0 misrouted",
    ] {
        assert!(vm.out().contains(line), "{line}:\n{}", vm.show());
    }
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
});

/// The same programs with two vCPUs: the threads really run in parallel.
mod two_cpus {
    use super::common::*;

    #[test]
    fn epoll_pipes() {
        let g = Guest::new(program("epoll_pipes", Variant::Static))
            .opt("--cpus")
            .opt("2");
        let (vm, _) = same_as_native(&g);
        assert!(vm.out().ends_with("done\n"), "{}", vm.show());
    }

    #[test]
    fn unix_sockets() {
        let g = Guest::new(program("unix_sockets", Variant::Static))
            .opt("--cpus")
            .opt("2");
        let (vm, _) = same_as_native(&g);
        assert!(vm.out().ends_with("done\n"), "{}", vm.show());
    }
}
