/* Preloaded into QEMU by `osprey run` when the VM is on QEMU's user network with published TCP
 * ports (`-p`), and by bench/net/net.sh into both guests' QEMU: listen(2) gets a backlog of at
 * least 128.
 *
 * Why: QEMU's user network (libslirp 4.7, tcp_listen) listens on each forwarded host port with a
 * backlog of 1, and accepts only when its main loop next runs. The host kernel then queues at
 * most two connections slirp has not accepted yet; the SYNs of a client that opens many
 * connections at once (wrk's 16, a connection pool) are dropped while the queue is full, and
 * those connects wait for the client's SYN retransmission (1 s, then 2 s...), or, for handshakes
 * the client saw complete but whose last ACK the full queue dropped, the first request waits for
 * data retransmissions (0.2, 0.4, 0.8 s) whatever the guest does. A normal listener's backlog
 * lets the host kernel finish every handshake at once, and slirp accepts them in turn.
 *
 * Nothing else changes: every other listen() in QEMU (monitor, gdb) also gets at least 128.
 * `OSPREY_SLIRP_BACKLOG=0` makes osprey run QEMU without it. Built by crates/cli/build.rs with
 * the host's C compiler and carried inside the osprey binary. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

int listen(int fd, int backlog) {
    static int (*real)(int, int);
    if (!real)
        real = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    return real(fd, backlog < 128 ? 128 : backlog);
}
