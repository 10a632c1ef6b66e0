//! Sockets over the loopback interface inside the guest (no network card needed): TCP and
//! UDP between threads of one program on 127.0.0.1 and ::1, compared line by line with the
//! same binary on the host (tests/programs/tcp_loopback.c says what it covers).

#[macro_use]
mod common;

use std::path::Path;

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

/// Python's own socket module over 127.0.0.1: a threaded echo, http.server fetched with
/// urllib (3 requests and a 404), UDP, and a refused connect.
const PY_NET: &str = r#"
import socket, threading, http.server, urllib.request, hashlib, os, tempfile

# A threaded echo over 127.0.0.1.
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(5)
port = srv.getsockname()[1]

def echo():
    c, _ = srv.accept()
    with c:
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)

t = threading.Thread(target=echo)
t.start()
cli = socket.create_connection(("127.0.0.1", port))
payload = bytes(range(256)) * 2000
def send_all():
    cli.sendall(payload)
    cli.shutdown(socket.SHUT_WR)
w = threading.Thread(target=send_all)
w.start()
got = b""
while True:
    d = cli.recv(65536)
    if not d:
        break
    got += d
w.join()
t.join()
print("echo", len(got), got == payload)
cli.close()
srv.close()

# http.server and urllib on loopback.
site = tempfile.mkdtemp(prefix="osprey-site-")
body = b"osprey\n" * 10000
open(os.path.join(site, "file.txt"), "wb").write(body)
class Quiet(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=site, **k)
    def log_message(self, *a):
        pass
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
hp = httpd.server_address[1]
ht = threading.Thread(target=httpd.serve_forever)
ht.start()
for i in range(3):
    r = urllib.request.urlopen(f"http://127.0.0.1:{hp}/file.txt")
    data = r.read()
    print("http", r.status, len(data), hashlib.sha256(data).hexdigest() == hashlib.sha256(body).hexdigest())
try:
    urllib.request.urlopen(f"http://127.0.0.1:{hp}/missing")
except urllib.error.HTTPError as e:
    print("http missing", e.code)
httpd.shutdown()
ht.join()
httpd.server_close()

# UDP.
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.sendto(b"hello udp", a.getsockname())
d, frm = a.recvfrom(100)
print("udp", d, frm == ("127.0.0.1", b.getsockname()[1]))
# Refused.
s = socket.socket()
try:
    s.connect(("127.0.0.1", port))
except ConnectionRefusedError as e:
    print("refused", e.errno)
print("done")
"#;

#[test]
fn python3_sockets_http_server_and_urllib_over_loopback() {
    let py = "/usr/bin/python3";
    assert!(
        Path::new(py).is_file(),
        "{py} is missing: apt-get install python3 (or scripts/install-deps.sh)"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("net.py"), PY_NET).unwrap();
    let (vm, _) = same_as_native(&Guest::new(py).arg("net.py").dir(dir.path()));
    vm.expect_status(0);
    assert!(vm.out().contains("http 200 70000 True\n"), "{}", vm.show());
    assert!(vm.out().ends_with("done\n"), "{}", vm.show());
}

/// 150 loopback connection pairs opened, used and closed six times in a 64 MiB VM: socket
/// buffers shrink under the budget instead of failing, every round works, and the memory
/// after the last round is what it was after the first (closed connections are freed).
#[test]
fn many_connections_in_rounds_leak_nothing() {
    let vm = Guest::new(program("tcp_many", Variant::Static))
        .args(["150", "6"])
        .run();
    vm.expect_status(0);
    for r in 1..=6 {
        assert!(
            vm.out().contains(&format!("round {r}: ok=150\n")),
            "{}",
            vm.show()
        );
    }
    assert!(vm.out().contains(": ok\n"), "{}", vm.show());
}
