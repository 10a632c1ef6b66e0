//! Readiness and local sockets: eventfd, epoll (level and edge triggered, one-shot, nesting,
//! threads blocked in epoll_wait woken by writers, EINTR, timeouts) and AF_UNIX sockets
//! (pairs, a path-bound stream server with a client thread, datagrams, SCM_RIGHTS,
//! credentials, an epoll echo server with 300 clients, epoll over 1,000 sockets) — each program compared with the same program on the host.

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
        "echo clients: 300 of 300 answered right",
        "echo server: served 300, closed 300",
        "epoll over 1000 sockets: 143 messages, 0 misrouted",
    ] {
        assert!(vm.out().contains(line), "{line}:\n{}", vm.show());
    }
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
});

/// Debian's python3: socket.socketpair, the selectors module (an EpollSelector), a thread
/// writing while the main thread selects, and an asyncio loop (epoll, a socketpair for its
/// self-pipe) serving a unix-socket server and client.
#[test]
fn python3_socketpair_selectors_and_asyncio() {
    let script = r#"import asyncio, os, selectors, socket, threading
a, b = socket.socketpair()
a.sendall(b'ping'); print(b.recv(10))
sel = selectors.DefaultSelector(); print(type(sel).__name__)
sel.register(b, selectors.EVENT_READ, 'b')
print(sel.select(0))
a.send(b'x' * 3)
print([(k.data, ev) for k, ev in sel.select(1)], b.recv(10))
def writer():
    for i in range(50):
        a.send(b'%d;' % i)
    a.shutdown(socket.SHUT_WR)
t = threading.Thread(target=writer); t.start()
got = b''
while True:
    for k, ev in sel.select(5):
        d = b.recv(4096)
        if not d:
            break
        got += d
    else:
        continue
    break
t.join(); print(len(got.split(b';')) - 1, got[-6:])
async def main():
    r, w = await asyncio.open_connection(sock=socket.socketpair()[0])
    srv_path = '/tmp/py-%d.sock' % os.getpid()
    async def handle(r, w):
        line = await r.readline(); w.write(line.upper()); await w.drain(); w.close()
    server = await asyncio.start_unix_server(handle, srv_path)
    r2, w2 = await asyncio.open_unix_connection(srv_path)
    w2.write(b'hello over a unix socket\n'); await w2.drain()
    print(await r2.readline())
    w2.close(); server.close(); await server.wait_closed(); os.unlink(srv_path)
    w.close()
asyncio.run(main())
"#;
    require_tool("/usr/bin/python3", "python3");
    let (vm, _) = same_as_native(&Guest::new("/usr/bin/python3").args(["-c", script]));
    vm.expect_status(0).expect_stdout(
        "b'ping'\nEpollSelector\n[]\n[('b', 1)] b'xxx'\n50 b'48;49;'\n\
         b'HELLO OVER A UNIX SOCKET\\n'\n",
    );
}

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
