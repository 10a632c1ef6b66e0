/* An epoll TCP echo server for many connections at once (the networking tests hold 1,000).
 *
 *   tcp_echo_epoll PORT [STATS_PORT]
 *
 * Listens on 0.0.0.0:PORT (non-blocking, accept4, SO_REUSEADDR) and echoes every byte back on
 * every connection. Client sockets are edge-triggered (EPOLLET): each wake-up drains the socket
 * until EAGAIN, and when the peer does not read fast enough the unsent rest waits for
 * EPOLLOUT before more is read (back-pressure, no unbounded buffers). A peer that half-closes
 * (shutdown(SHUT_WR)) gets everything it sent echoed, then end of file; a peer that resets is
 * counted and forgotten; neither disturbs the other connections.
 *
 * STATS_PORT (optional) is a second listener for the test harness: each connection to it gets
 * one line "accepted=A open=O max_open=M resets=R bytes=B memfree_kb=F" at once, and a line
 * "QUIT" sent on it makes the server print the same line on stdout and exit 0 (a clean end
 * that the harness can tell from a crash). memfree_kb is MemFree from /proc/meminfo (sysinfo's
 * freeram when there is no /proc), so that a harness can see whether connections leak memory.
 *
 * Prints "listening port=PORT stats=STATS_PORT nofile=N" once both listeners are up. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define BUF 4096

enum kind { LISTENER, STATS_LISTENER, ECHO, STATS };

struct conn {
    enum kind kind;
    int fd;
    size_t len, off; /* echo: bytes in buf not yet written back, from off */
    int peer_done;   /* echo: the peer half-closed (read returned 0) */
    char buf[BUF];
};

static unsigned long accepted, open_conns, max_open, resets, bytes;
static int ep;

static void die(const char *what)
{
    printf("tcp_echo_epoll: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    exit(2);
}

static long memfree_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long kb = -1;
    if (f) {
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
                break;
        fclose(f);
    }
    if (kb < 0) {
        struct sysinfo si;
        if (sysinfo(&si) == 0)
            kb = (long)((unsigned long long)si.freeram * si.mem_unit / 1024);
    }
    return kb;
}

static int stats_line(char *s, size_t n)
{
    return snprintf(s, n, "accepted=%lu open=%lu max_open=%lu resets=%lu bytes=%lu memfree_kb=%ld\n",
                    accepted, open_conns, max_open, resets, bytes, memfree_kb());
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        die("SO_REUSEADDR");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("bind");
    if (listen(fd, 4096) < 0)
        die("listen");
    return fd;
}

static struct conn *add(enum kind kind, int fd, uint32_t events)
{
    struct conn *c = calloc(1, kind == ECHO ? sizeof *c : offsetof(struct conn, buf));
    if (!c)
        die("calloc");
    c->kind = kind;
    c->fd = fd;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        die("epoll_ctl ADD");
    return c;
}

static void drop(struct conn *c)
{
    /* close() removes the fd from the epoll set too; EPOLL_CTL_DEL first keeps the set right
     * even if the fd were shared. */
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->kind == ECHO)
        open_conns--;
    free(c);
}

static void accept_all(struct conn *l)
{
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == ECONNABORTED || errno == EINTR)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Out of descriptors or memory: leave the rest in the backlog for later. */
                printf("tcp_echo_epoll: accept4: %s (open=%lu)\n", strerror(errno), open_conns);
                fflush(stdout);
                return;
            }
            die("accept4");
        }
        if (l->kind == STATS_LISTENER) {
            char s[256];
            int n = stats_line(s, sizeof s);
            if (write(fd, s, n) != n) {
                close(fd);
                continue;
            }
            add(STATS, fd, EPOLLIN | EPOLLRDHUP);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        add(ECHO, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
        accepted++;
        if (++open_conns > max_open)
            max_open = open_conns;
    }
}

/* Edge-triggered: make all the progress possible now, until EAGAIN or the end. */
static void serve(struct conn *c)
{
    for (;;) {
        while (c->len > 0) {
            ssize_t w = send(c->fd, c->buf + c->off, c->len, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return; /* EPOLLOUT will come */
                if (errno == EINTR)
                    continue;
                if (errno == ECONNRESET || errno == EPIPE)
                    resets++;
                drop(c);
                return;
            }
            c->off += w;
            c->len -= w;
            bytes += w;
        }
        if (c->peer_done) {
            /* Everything the half-closed peer sent is echoed: end of file for it too. */
            drop(c);
            return;
        }
        ssize_t r = recv(c->fd, c->buf, BUF, 0);
        if (r > 0) {
            c->len = r;
            c->off = 0;
        } else if (r == 0) {
            c->peer_done = 1;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno == ECONNRESET)
                resets++;
            drop(c);
            return;
        }
    }
}

static void stats_command(struct conn *c)
{
    char cmd[64];
    ssize_t r = recv(c->fd, cmd, sizeof cmd - 1, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r > 0) {
        cmd[r] = 0;
        if (strncmp(cmd, "QUIT", 4) == 0) {
            char s[256];
            stats_line(s, sizeof s);
            printf("%s", s);
            fflush(stdout);
            exit(0);
        }
        return;
    }
    drop(c); /* end of file or an error */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [STATS_PORT]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), stats_port = argc > 2 ? atoi(argv[2]) : 0;
    /* 1,000 connections need more than the usual 1,024 descriptors' worth of headroom. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    add(LISTENER, listen_on(port), EPOLLIN);
    if (stats_port)
        add(STATS_LISTENER, listen_on(stats_port), EPOLLIN);
    printf("listening port=%d stats=%d nofile=%llu\n", port, stats_port, (unsigned long long)rl.rlim_cur);
    fflush(stdout);

    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            switch (c->kind) {
            case LISTENER:
            case STATS_LISTENER: accept_all(c); break;
            case ECHO: serve(c); break;
            case STATS: stats_command(c); break;
            }
        }
    }
}
