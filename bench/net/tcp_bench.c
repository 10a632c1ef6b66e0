/* TCP request-response latency and stream throughput, one binary for both ends.
 *
 *   tcp_bench server PORT                 serve (a thread per connection) until killed
 *   tcp_bench pingpong HOST PORT SECS     1-byte ping-pong for SECS seconds
 *   tcp_bench stream HOST PORT SECS       send to the server for SECS seconds (client -> server)
 *   tcp_bench stream-rx HOST PORT SECS    receive from the server for SECS seconds (server -> client)
 *
 * The first byte of a connection tells the server what to do: 'P' echo one byte at a time,
 * 'S' read and discard until end of file then answer the 8-byte count, 'R' send 64 KiB blocks
 * until the client goes away. TCP_NODELAY on both ends. The clients print one line:
 *   NET name=tcp-pingpong value=<mean us per round trip> unit=us n=<round trips> p50_us=.. p99_us=..
 *   NET name=tcp-stream value=<MB/s> unit=MB/s n=<bytes> secs=..   (MB = 10^6 bytes)
 * Bounded: clients stop after SECS; the server runs until it is killed (it is the VM's app). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 65536
#define MAXUS 100000 /* latency histogram: 1 us buckets up to 100 ms */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *m)
{
    perror(m);
    exit(1);
}

static int full_write(int fd, const void *b, size_t n)
{
    const char *p = b;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= w;
    }
    return 0;
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg, one = 1;
    static __thread char buf[BLOCK];
    char mode;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (read(fd, &mode, 1) != 1)
        goto out;
    if (mode == 'P') {
        char c;
        while (read(fd, &c, 1) == 1)
            if (write(fd, &c, 1) != 1)
                break;
    } else if (mode == 'S') {
        uint64_t total = 0;
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0)
            total += r;
        full_write(fd, &total, sizeof total);
    } else if (mode == 'R') {
        memset(buf, 'r', sizeof buf);
        while (full_write(fd, buf, sizeof buf) == 0)
            ;
    }
out:
    close(fd);
    return NULL;
}

static void __attribute__((noreturn)) server(int port)
{
    signal(SIGPIPE, SIG_IGN);
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0)
        die("bind");
    if (listen(l, 128) < 0)
        die("listen");
    printf("tcp_bench: listening port=%d\n", port);
    fflush(stdout);
    for (;;) {
        int fd = accept(l, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0)
            die("pthread_create");
        pthread_detach(t);
    }
}

static int dial(const char *host, const char *port, char mode)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "tcp_bench: %s is not an IPv4 address\n", host);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (write(fd, &mode, 1) != 1)
        die("write mode");
    return fd;
}

static uint32_t hist[MAXUS + 1];

static unsigned pct(uint64_t n, double p)
{
    uint64_t want = (uint64_t)(n * p), seen = 0;
    for (unsigned us = 0; us <= MAXUS; us++)
        if ((seen += hist[us]) > want)
            return us;
    return MAXUS;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "server") == 0)
        server(atoi(argv[2]));
    if (argc != 5) {
        fprintf(stderr, "usage: %s server PORT | pingpong|stream|stream-rx HOST PORT SECS\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    double secs = atof(argv[4]);
    uint64_t end, t0 = now_ns();
    end = t0 + (uint64_t)(secs * 1e9);
    if (strcmp(argv[1], "pingpong") == 0) {
        int fd = dial(argv[2], argv[3], 'P');
        uint64_t n = 0, sum = 0, t = now_ns();
        char c = 'x';
        while (t < end) {
            if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
                die("ping-pong");
            uint64_t t2 = now_ns(), us = (t2 - t) / 1000;
            hist[us > MAXUS ? MAXUS : us]++;
            sum += t2 - t;
            t = t2;
            n++;
        }
        close(fd);
        printf("NET name=tcp-pingpong value=%.1f unit=us n=%llu p50_us=%u p99_us=%u\n", sum / 1e3 / n,
               (unsigned long long)n, pct(n, 0.5), pct(n, 0.99));
    } else if (strcmp(argv[1], "stream") == 0) {
        int fd = dial(argv[2], argv[3], 'S');
        static char buf[BLOCK];
        memset(buf, 's', sizeof buf);
        uint64_t sent = 0;
        while (now_ns() < end) {
            if (full_write(fd, buf, sizeof buf) < 0)
                die("stream write");
            sent += sizeof buf;
        }
        shutdown(fd, SHUT_WR);
        uint64_t got = 0;
        if (read(fd, &got, sizeof got) != sizeof got || got != sent)
            fprintf(stderr, "tcp_bench: the server counted %llu of %llu bytes\n", (unsigned long long)got,
                    (unsigned long long)sent);
        double s = (now_ns() - t0) / 1e9; /* until the server has read it all */
        printf("NET name=tcp-stream value=%.1f unit=MB/s n=%llu secs=%.2f\n", got / s / 1e6, (unsigned long long)got, s);
    } else if (strcmp(argv[1], "stream-rx") == 0) {
        int fd = dial(argv[2], argv[3], 'R');
        static char buf[BLOCK];
        uint64_t got = 0;
        ssize_t r;
        while (now_ns() < end && (r = read(fd, buf, sizeof buf)) > 0)
            got += r;
        double s = (now_ns() - t0) / 1e9;
        close(fd);
        printf("NET name=tcp-stream-rx value=%.1f unit=MB/s n=%llu secs=%.2f\n", got / s / 1e6, (unsigned long long)got, s);
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return 0;
}
