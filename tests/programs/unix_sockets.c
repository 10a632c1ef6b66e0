#define _GNU_SOURCE
/* AF_UNIX sockets: socketpair (stream, seqpacket, datagram), shutdown and end of stream,
 * EPIPE and SIGPIPE, a stream server on a path with a client thread, ECONNREFUSED and
 * EADDRINUSE, names (getsockname/getpeername, abstract), SO_PEERCRED, datagrams with the
 * sender's address, SCM_RIGHTS passing a pipe, and epoll over 1,000 sockets with a thread
 * writing to them. Output is the same on Linux. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

static socklen_t sun_of(struct sockaddr_un *a, const char *path, int abstract)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (abstract) {
        strcpy(a->sun_path + 1, path);
        return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
    }
    strcpy(a->sun_path, path);
    return sizeof *a;
}

/* Names carry the pid (host test runs go in parallel), so print how they compare with the
 * expected name rather than the name itself. */
static void print_name(const char *what, struct sockaddr_un *a, socklen_t len, const char *expect)
{
    size_t base = offsetof(struct sockaddr_un, sun_path);
    printf("%s: ", what);
    if (len <= base)
        printf("unnamed (len %u)\n", (unsigned)len);
    else if (a->sun_path[0] == 0)
        printf("abstract, matches %d\n",
               len - base - 1 == strlen(expect) && !memcmp(a->sun_path + 1, expect, len - base - 1));
    else
        printf("path, matches %d, len ok %d\n", strcmp(a->sun_path, expect) == 0,
               len == base + strlen(expect) + 1);
}

static char sock_path[64], dgram_path[64], dgram_name[64], nobody_name[64];

static int sigpipes;
static void on_sigpipe(int s)
{
    (void)s;
    sigpipes++;
}

static void pairs(void)
{
    int sv[2];
    char buf[64];
    show("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    write(sv[0], "hello ", 6);
    write(sv[0], "world", 5);
    long n = read(sv[1], buf, sizeof buf);
    printf("stream read %ld '%.*s'\n", n, (int)n, buf);
    show("shutdown wr", shutdown(sv[0], SHUT_WR));
    show("read after peer shutdown", read(sv[1], buf, sizeof buf));
    show("send after shutdown nosignal", send(sv[0], "x", 1, MSG_NOSIGNAL));
    signal(SIGPIPE, on_sigpipe);
    show("write after shutdown", write(sv[0], "x", 1));
    printf("sigpipes %d\n", sigpipes);
    write(sv[1], "bye", 3);
    close(sv[1]);
    n = read(sv[0], buf, sizeof buf);
    printf("queued after close %ld '%.*s'\n", n, (int)n, buf);
    show("end of stream", read(sv[0], buf, sizeof buf));
    close(sv[0]);

    for (int ty = 0; ty < 2; ty++) {
        int type = ty ? SOCK_DGRAM : SOCK_SEQPACKET;
        const char *name = ty ? "dgram" : "seqpacket";
        socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv);
        send(sv[0], "one", 3, 0);
        send(sv[0], "three", 5, 0);
        n = recv(sv[1], buf, sizeof buf, 0);
        printf("%s first %ld '%.*s'\n", name, n, (int)n, buf);
        n = recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC);
        printf("%s peek trunc %ld\n", name, n);
        struct iovec iov = {buf, 2};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        n = recvmsg(sv[1], &mh, 0);
        printf("%s short %ld '%.*s' truncated=%d\n", name, n, (int)n, buf,
               (mh.msg_flags & MSG_TRUNC) != 0);
        show("empty", recv(sv[1], buf, sizeof buf, 0));
        close(sv[0]);
        close(sv[1]);
    }
}

#define SOCK_PATH sock_path
static volatile int server_ready;

static void *client(void *arg)
{
    (void)arg;
    while (!server_ready)
        usleep(1000);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = sun_of(&a, SOCK_PATH, 0);
    if (connect(c, (struct sockaddr *)&a, len) != 0) {
        printf("client connect failed: %s\n", errno_name(errno));
        return NULL;
    }
    /* 256 KiB one way, then wait for the echo of its checksum. */
    static char big[256 * 1024];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    long w = write(c, big, sizeof big);
    shutdown(c, SHUT_WR);
    unsigned sum = 0;
    read(c, &sum, sizeof sum);
    unsigned expect = 0;
    for (size_t i = 0; i < sizeof big; i++)
        expect += (unsigned char)big[i];
    printf("client: wrote %ld, server sum matches %d\n", w, sum == expect);
    close(c);
    return NULL;
}

static void server(void)
{
    unlink(SOCK_PATH);
    struct sockaddr_un a, got;
    socklen_t len = sun_of(&a, SOCK_PATH, 0), gl;
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect before bind", connect(c, (struct sockaddr *)&a, len));
    close(c);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    show("listen unbound", listen(s, 5));
    show("bind path", bind(s, (struct sockaddr *)&a, len));
    struct stat st;
    stat(SOCK_PATH, &st);
    printf("node is a socket: %d\n", S_ISSOCK(st.st_mode));
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind in use", bind(s2, (struct sockaddr *)&a, len));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect not listening", connect(c, (struct sockaddr *)&a, len));
    close(c);
    show("listen", listen(s, 5));
    gl = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &gl);
    print_name("server name", &got, gl, SOCK_PATH);
    fcntl(s, F_SETFL, O_NONBLOCK);
    show("accept nothing yet", accept(s, NULL, NULL));
    fcntl(s, F_SETFL, 0);

    pthread_t t;
    pthread_create(&t, NULL, client, NULL);
    server_ready = 1;
    gl = sizeof got;
    int conn = accept4(s, (struct sockaddr *)&got, &gl, SOCK_CLOEXEC);
    printf("accepted: %d\n", conn > 0);
    print_name("client address", &got, gl, "");
    gl = sizeof got;
    getpeername(conn, (struct sockaddr *)&got, &gl);
    print_name("peer of accepted", &got, gl, "");
    gl = sizeof got;
    getsockname(conn, (struct sockaddr *)&got, &gl);
    print_name("name of accepted", &got, gl, SOCK_PATH);
    struct ucred cr;
    socklen_t crl = sizeof cr;
    getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &crl);
    printf("peercred pid matches %d uid %u\n", cr.pid == getpid(), cr.uid);
    unsigned sum = 0;
    long total = 0;
    char buf[4096];
    long n;
    while ((n = read(conn, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            sum += (unsigned char)buf[i];
        total += n;
    }
    printf("server: read %ld\n", total);
    write(conn, &sum, sizeof sum);
    pthread_join(t, NULL);
    close(conn);
    close(s);
    close(s2);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect after close", connect(c, (struct sockaddr *)&a, len));
    close(c);
    show("unlink", unlink(SOCK_PATH));
}

static void datagrams(void)
{
    struct sockaddr_un sa, ca, from;
    socklen_t sl = sun_of(&sa, dgram_name, 1);
    socklen_t cl = sun_of(&ca, dgram_path, 0);
    unlink(dgram_path);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("bind abstract", bind(s, (struct sockaddr *)&sa, sl));
    show("bind client path", bind(c, (struct sockaddr *)&ca, cl));
    show("sendto", sendto(c, "ping", 4, 0, (struct sockaddr *)&sa, sl));
    char buf[16];
    socklen_t fl = sizeof from;
    long n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("recvfrom %ld '%.*s'\n", n, (int)n, buf);
    print_name("from", &from, fl, dgram_path);
    show("reply", sendto(s, "pong", 4, 0, (struct sockaddr *)&from, fl));
    n = recv(c, buf, sizeof buf, 0);
    printf("reply %ld '%.*s'\n", n, (int)n, buf);
    struct sockaddr_un none;
    socklen_t nl = sun_of(&none, nobody_name, 1);
    show("sendto nobody", sendto(c, "x", 1, 0, (struct sockaddr *)&none, nl));
    show("connect", connect(c, (struct sockaddr *)&sa, sl));
    show("send connected", send(c, "again", 5, 0));
    n = recv(s, buf, sizeof buf, 0);
    printf("got %ld '%.*s'\n", n, (int)n, buf);
    close(s);
    close(c);
    unlink(dgram_path);
}

static void rights(void)
{
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    char byte = 'F';
    struct iovec iov = {&byte, 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
    show("sendmsg rights", sendmsg(sv[0], &mh, 0));
    close(p[0]);
    memset(u.buf, 0, sizeof u.buf);
    byte = 0;
    struct msghdr rh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    show("recvmsg rights", recvmsg(sv[1], &rh, MSG_CMSG_CLOEXEC));
    cm = CMSG_FIRSTHDR(&rh);
    int fd = -1;
    if (cm && cm->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    printf("byte '%c', got a descriptor %d, cloexec %d\n", byte, fd >= 0,
           fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
    write(p[1], "through the passed pipe", 23);
    char buf[32];
    long n = read(fd, buf, sizeof buf);
    printf("read %ld '%.*s'\n", n, (int)n, buf);
    close(fd);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

static void credentials(void)
{
    int sv[2], on = 1;
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    show("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    /* The sender states its credentials (root may state any; these are its own). */
    struct ucred me = {getpid(), getuid(), getgid()};
    char byte = 'c';
    struct iovec iov = {&byte, 1};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_CREDENTIALS;
    cm->cmsg_len = CMSG_LEN(sizeof me);
    memcpy(CMSG_DATA(cm), &me, sizeof me);
    show("sendmsg credentials", sendmsg(sv[0], &mh, 0));
    /* Without stating them: the kernel fills in the sender's. */
    show("send plain", send(sv[0], "d", 1, 0));
    for (int i = 0; i < 2; i++) {
        memset(&u, 0, sizeof u);
        struct msghdr rh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                            .msg_controllen = sizeof u.buf};
        long n = recvmsg(sv[1], &rh, 0);
        cm = CMSG_FIRSTHDR(&rh);
        struct ucred got = {0, 1, 1};
        if (cm && cm->cmsg_type == SCM_CREDENTIALS)
            memcpy(&got, CMSG_DATA(cm), sizeof got);
        printf("recvmsg %ld: credentials pid matches %d uid %u gid %u\n", n,
               got.pid == getpid(), got.uid, got.gid);
    }
    close(sv[0]);
    close(sv[1]);
}

/* A server the usual way: a non-blocking listener and its connections in one epoll, clients
 * from another thread, each sending a number and reading it back doubled. */
#define CLIENTS 300
static struct sockaddr_un echo_addr;
static socklen_t echo_len;

static void *echo_clients(void *arg)
{
    (void)arg;
    static int fds[CLIENTS];
    int ok = 0;
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fds[i], (struct sockaddr *)&echo_addr, echo_len) != 0)
            printf("client %d: connect %s\n", i, errno_name(errno));
        write(fds[i], &i, sizeof i);
    }
    for (int i = 0; i < CLIENTS; i++) {
        int v = -1;
        if (read(fds[i], &v, sizeof v) == sizeof v && v == 2 * i)
            ok++;
        close(fds[i]);
    }
    printf("echo clients: %d of %d answered right\n", ok, CLIENTS);
    return NULL;
}

static void echo_server(void)
{
    char name[64];
    snprintf(name, sizeof name, "osprey-echo-%d", getpid());
    echo_len = sun_of(&echo_addr, name, 1);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    bind(l, (struct sockaddr *)&echo_addr, echo_len);
    listen(l, 64);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = l};
    show("listener EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
    pthread_t t;
    pthread_create(&t, NULL, echo_clients, NULL);
    int served = 0, closed = 0;
    while (closed < CLIENTS) {
        struct epoll_event evs[32];
        int n = epoll_wait(ep, evs, 32, 10000);
        if (n <= 0) {
            printf("server: epoll_wait %d\n", n);
            break;
        }
        for (int j = 0; j < n; j++) {
            int fd = evs[j].data.fd;
            if (fd == l) {
                int c;
                while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET,
                                              .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            int v;
            while (read(fd, &v, sizeof v) == sizeof v) {
                v *= 2;
                write(fd, &v, sizeof v);
                served++;
            }
            if (evs[j].events & (EPOLLRDHUP | EPOLLHUP)) {
                close(fd); /* no EPOLL_CTL_DEL: the close drops the registration */
                closed++;
            }
        }
    }
    pthread_join(t, NULL);
    printf("echo server: served %d, closed %d\n", served, closed);
    close(ep);
    close(l);
}

#define PAIRS 1000
static int ends[PAIRS][2];

static void *pinger(void *arg)
{
    (void)arg;
    /* Every 7th socket, in a scattered order, gets one message. */
    for (int k = 0; k < PAIRS; k += 7) {
        int i = (k * 389) % PAIRS;
        write(ends[i][1], &i, sizeof i);
        if (k % 70 == 0)
            usleep(2000);
    }
    return NULL;
}

static void many(void)
{
    struct rlimit rl = {4096, 4096};
    setrlimit(RLIMIT_NOFILE, &rl);
    int ep = epoll_create1(0);
    for (int i = 0; i < PAIRS; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends[i]) != 0) {
            printf("socketpair %d failed: %s\n", i, errno_name(errno));
            return;
        }
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = i};
        epoll_ctl(ep, EPOLL_CTL_ADD, ends[i][0], &ev);
    }
    pthread_t t;
    pthread_create(&t, NULL, pinger, NULL);
    int expected = (PAIRS + 6) / 7, got = 0, bad = 0;
    while (got < expected) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, 5000);
        if (n <= 0) {
            printf("epoll_wait %d after %d\n", n, got);
            break;
        }
        for (int j = 0; j < n; j++) {
            int i = evs[j].data.u32, v = -1;
            while (read(ends[i][0], &v, sizeof v) == sizeof v) {
                bad += v != i;
                got++;
            }
        }
    }
    pthread_join(t, NULL);
    printf("epoll over %d sockets: %d messages, %d misrouted\n", PAIRS, got, bad);
    for (int i = 0; i < PAIRS; i++) {
        close(ends[i][0]);
        close(ends[i][1]);
    }
    close(ep);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int pid = getpid();
    snprintf(sock_path, sizeof sock_path, "/tmp/osprey-test-%d.sock", pid);
    snprintf(dgram_path, sizeof dgram_path, "/tmp/osprey-dgram-%d", pid);
    snprintf(dgram_name, sizeof dgram_name, "osprey-dgram-srv-%d", pid);
    snprintf(nobody_name, sizeof nobody_name, "osprey-nobody-%d", pid);
    pairs();
    server();
    datagrams();
    rights();
    credentials();
    echo_server();
    many();
    printf("done\n");
    return failures;
}
