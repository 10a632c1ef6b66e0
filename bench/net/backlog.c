/* LD_PRELOAD shim for QEMU under bench/net/net.sh (NET=user): listen(2) gets a backlog of at
 * least 128. QEMU's user network (libslirp) listens on a forwarded port (hostfwd, osprey's -p)
 * with a backlog of 1, so the host kernel queues at most two connections that slirp has not
 * accepted yet: a client opening 16 connections at once (wrk) has most of its SYNs dropped
 * (connect retried after 1 s) and, worse, some handshakes completed on the client's side whose
 * last ACK the full queue dropped, so their first request waits for TCP retransmissions
 * (0.2, 0.4, 0.8 s) whatever the guest does. wrk's coordinated-omission correction then turns
 * each such request into about D / (run time / requests per connection) samples: a p99 of
 * ~1 s for Osprey and the Linux guest alike. With a real listener's backlog the measurement
 * is the guest's again. Built by `net.sh build`; used for both guests' QEMU. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

int listen(int fd, int backlog) {
    static int (*real)(int, int);
    if (!real)
        real = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    return real(fd, backlog < 128 ? 128 : backlog);
}
