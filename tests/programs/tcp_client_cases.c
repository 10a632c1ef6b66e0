/* TCP client edge cases against a scenario server run by the test harness on the host:
 *
 *   tcp_client_cases ADDR PORT CLOSED_PORT
 *
 * The server at ADDR:PORT reads one line per connection and then:
 *   "ECHO\n"  writes the line back and closes;
 *   "RESET\n" closes with SO_LINGER 0, which sends a reset;
 *   "HALF\n"  writes "bye\n", shuts its sending side down (a half-closed connection), reads
 *             what the client still sends until end of file (the harness checks it got
 *             "still-here\n"), then closes.
 * CLOSED_PORT is a port of ADDR where nothing listens.
 * Prints "ok: ..." / "FAIL: ..." lines (util.h); the status is the number of failures. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static struct sockaddr_in addr(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", ip);
        exit(100);
    }
    return a;
}

static int dial(struct sockaddr_in a)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("connect: %s\n", strerror(errno));
        exit(100);
    }
    return fd;
}

/* Reads until end of file (or an error: returns -errno), at most cap bytes. */
static long read_all(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0 || got + r == cap)
            return got + r;
        got += r;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s ADDR PORT CLOSED_PORT\n", argv[0]);
        return 100;
    }
    struct sockaddr_in srv = addr(argv[1], atoi(argv[2]));
    char buf[256];

    /* First thing: the machine has its address (in a VM with DHCP, the lease came before the
     * program started). A connected UDP socket's local address is the one its datagrams
     * would leave from. */
    {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in me;
        socklen_t ml = sizeof me;
        check("an address to reach the server from, from the first instruction",
              fd >= 0 && connect(fd, (struct sockaddr *)&srv, sizeof srv) == 0 &&
                  getsockname(fd, (struct sockaddr *)&me, &ml) == 0 &&
                  me.sin_addr.s_addr != htonl(INADDR_ANY));
        close(fd);
    }

    /* A non-blocking connect: EINPROGRESS, then POLLOUT and SO_ERROR 0. */
    {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int r = connect(fd, (struct sockaddr *)&srv, sizeof srv);
        if (r != 0 && errno != EINPROGRESS)
            printf("non-blocking connect: %s\n", strerror(errno));
        check("non-blocking connect: 0 or EINPROGRESS", r == 0 || errno == EINPROGRESS);
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        check("poll: writable once connected", poll(&p, 1, 10000) == 1 && (p.revents & POLLOUT));
        int err = -1;
        socklen_t el = sizeof err;
        check("SO_ERROR is 0", getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0);
        struct sockaddr_in peer;
        socklen_t pl = sizeof peer;
        check("getpeername is the server", getpeername(fd, (struct sockaddr *)&peer, &pl) == 0 &&
                                               peer.sin_port == srv.sin_port &&
                                               peer.sin_addr.s_addr == srv.sin_addr.s_addr);
        fcntl(fd, F_SETFL, 0);
        check("ECHO line sent", write(fd, "ECHO\n", 5) == 5);
        long n = read_all(fd, buf, sizeof buf);
        check("ECHO line comes back, then end of file", n == 5 && memcmp(buf, "ECHO\n", 5) == 0);
        close(fd);
    }

    /* A peer that resets: the pending read fails with ECONNRESET, a later send fails too. */
    {
        int fd = dial(srv);
        check("RESET line sent", write(fd, "RESET\n", 6) == 6);
        long n = read_all(fd, buf, sizeof buf);
        if (n != -ECONNRESET)
            printf("read after reset: %ld (%s)\n", n, n < 0 ? strerror(-n) : "bytes");
        check("read after the peer's reset: ECONNRESET", n == -ECONNRESET);
        ssize_t w = send(fd, "x", 1, MSG_NOSIGNAL);
        check("send after the reset fails with EPIPE or ECONNRESET",
              w < 0 && (errno == EPIPE || errno == ECONNRESET));
        close(fd);
    }

    /* A half-closed connection: end of file for reading, sending still works. */
    {
        int fd = dial(srv);
        check("HALF line sent", write(fd, "HALF\n", 5) == 5);
        long n = read_all(fd, buf, sizeof buf);
        check("the server's bye, then end of file", n == 4 && memcmp(buf, "bye\n", 4) == 0);
        check("read at end of file again: 0", read(fd, buf, sizeof buf) == 0);
        check("sending after the peer's shutdown still works", write(fd, "still-here\n", 11) == 11);
        check("shutdown(SHUT_WR)", shutdown(fd, SHUT_WR) == 0);
        check("the server closes after our end of file", read_all(fd, buf, sizeof buf) == 0);
        close(fd);
    }

    /* Nothing listens: ECONNREFUSED. */
    {
        struct sockaddr_in closed = addr(argv[1], atoi(argv[3]));
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int r = connect(fd, (struct sockaddr *)&closed, sizeof closed);
        if (r == 0 || errno != ECONNREFUSED)
            printf("connect to the closed port: %d %s\n", r, r < 0 ? strerror(errno) : "");
        check("connect to a closed port: ECONNREFUSED", r < 0 && errno == ECONNREFUSED);
        close(fd);
    }
    return failures;
}
