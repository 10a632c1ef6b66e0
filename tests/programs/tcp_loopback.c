/* TCP and UDP over the loopback interface, inside one process: a server thread and clients
 * on 127.0.0.1 (and ::1). Blocking accept/connect/read across threads, a 1 MiB echo,
 * nonblocking connect (EINPROGRESS, poll, SO_ERROR), refused connections, MSG_PEEK, FIONREAD,
 * half close, reset on close with unread data (ECONNRESET then EPIPE), EADDRINUSE and
 * SO_REUSEADDR, UDP datagram boundaries and MSG_TRUNC. Prints only what is the same on every
 * Linux (no port numbers), so the harness can diff it with the host. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static const char *ename(int e)
{
    switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EINPROGRESS: return "EINPROGRESS";
    case EALREADY: return "EALREADY";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case EADDRINUSE: return "EADDRINUSE";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    default: return errno_name(e);
    }
}

/* "what = value" or "what = -1 ENAME". */
static long say(const char *what, long ret)
{
    if (ret < 0)
        printf("%s = -1 %s\n", what, ename(errno));
    else
        printf("%s = %ld\n", what, ret);
    fflush(stdout);
    return ret;
}

static struct sockaddr_in lo4(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static uint16_t port_of(int fd)
{
    struct sockaddr_in6 a;
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    return ntohs(a.sin6_port); /* same offset in sockaddr_in */
}

static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = lo4(0);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16))
        perror("listen");
    *port = port_of(fd);
    return fd;
}

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a))
        perror("connect");
    return fd;
}

#define TOTAL (1 << 20)

/* Echoes one connection until end of file. */
static void *echo_server(void *arg)
{
    int l = *(int *)arg;
    int c = accept(l, NULL, NULL);
    static char buf[65536];
    ssize_t n;
    long echoed = 0;
    while ((n = read(c, buf, sizeof buf)) > 0) {
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = write(c, buf + off, n - off);
            if (w <= 0)
                return (void *)-1;
            off += w;
        }
        echoed += n;
    }
    close(c);
    return (void *)echoed;
}

static void *bulk_writer(void *arg)
{
    int fd = *(int *)arg;
    static unsigned char buf[100000];
    long sent = 0;
    unsigned char v = 0;
    while (sent < TOTAL) {
        size_t n = sizeof buf;
        if (n > (size_t)(TOTAL - sent))
            n = TOTAL - sent;
        for (size_t i = 0; i < n; i++)
            buf[i] = v++;
        ssize_t w = write(fd, buf, n);
        if (w <= 0)
            return (void *)-1;
        sent += w;
        v -= n - w; /* resend what did not go */
    }
    shutdown(fd, SHUT_WR);
    return NULL;
}

static void echo_1mib(void)
{
    uint16_t port;
    int l = listener(&port);
    pthread_t srv, wr;
    pthread_create(&srv, NULL, echo_server, &l);
    int c = connect_to(port);
    pthread_create(&wr, NULL, bulk_writer, &c);
    static unsigned char buf[32768];
    long got = 0, bad = 0;
    unsigned char v = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != v++)
                bad++;
        got += n;
    }
    void *echoed;
    pthread_join(wr, NULL);
    pthread_join(srv, &echoed);
    printf("echo: got=%ld bad=%ld server echoed=%ld\n", got, bad, (long)echoed);
    close(c);
    close(l);
}

static void names_and_options(void)
{
    uint16_t port;
    int l = listener(&port);
    int c = connect_to(port);
    struct sockaddr_in peer, local, srv_local;
    socklen_t len = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &len);
    len = sizeof local;
    getsockname(c, (struct sockaddr *)&local, &len);
    len = sizeof srv_local;
    getpeername(c, (struct sockaddr *)&srv_local, &len);
    check("accept's peer is the client's name",
          peer.sin_port == local.sin_port && peer.sin_addr.s_addr == local.sin_addr.s_addr);
    check("the client's peer is the listener's port", ntohs(srv_local.sin_port) == port);
    int v = -1;
    len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
    say("SO_TYPE", v);
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
    say("listener SO_ACCEPTCONN", v);
    int one = 1;
    say("TCP_NODELAY set", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    say("TCP_NODELAY", v != 0);
    say("SO_KEEPALIVE set", setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    getsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, &len);
    say("SO_KEEPALIVE", v != 0);
    say("unknown TCP option", setsockopt(c, IPPROTO_TCP, 9999, &one, sizeof one));

    /* MSG_PEEK, FIONREAD, EAGAIN. */
    write(c, "hello", 5);
    char buf[16];
    struct pollfd p = {s, POLLIN, 0};
    poll(&p, 1, 5000);
    say("recv MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK));
    int avail = -1;
    ioctl(s, FIONREAD, &avail);
    say("FIONREAD", avail);
    say("read", read(s, buf, sizeof buf));
    say("recv MSG_DONTWAIT (empty)", recv(s, buf, sizeof buf, MSG_DONTWAIT));

    /* Half close: the server reads end of file, then still answers. */
    say("shutdown(SHUT_WR)", shutdown(c, SHUT_WR));
    say("server read after FIN", read(s, buf, sizeof buf));
    say("write after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
    say("server write", write(s, "reply", 5));
    close(s);
    say("client read", read(c, buf, sizeof buf));
    say("client read at end", read(c, buf, sizeof buf));
    close(c);

    /* Another socket on the listener's port: EADDRINUSE (even with SO_REUSEADDR, since it
     * listens). */
    int d = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(port);
    say("bind to a listening port", bind(d, (struct sockaddr *)&a, sizeof a));
    close(l);
    setsockopt(d, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    say("bind after the listener closed", bind(d, (struct sockaddr *)&a, sizeof a));
    close(d);
}

static void nonblocking_connect(void)
{
    uint16_t port;
    int l = listener(&port);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = lo4(port);
    say("nonblocking connect", connect(c, (struct sockaddr *)&a, sizeof a));
    struct pollfd p = {c, POLLOUT, 0};
    say("poll for POLLOUT", poll(&p, 1, 5000));
    say("revents has POLLOUT", !!(p.revents & POLLOUT));
    int err = -1;
    socklen_t len = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR = %s\n", ename(err));
    char buf[4];
    say("read with nothing sent", read(c, buf, sizeof buf));
    int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    say("accept4 gave a socket", s >= 0);
    fcntl(l, F_SETFL, O_NONBLOCK);
    say("accept4 again (empty backlog)", accept4(l, NULL, NULL, SOCK_NONBLOCK) >= 0 ? 1 : -1);
    close(s);
    close(c);

    /* Refused: nobody listens on the port any more. */
    close(l);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    if (r == 0 || errno != EINPROGRESS)
        say("refused nonblocking connect", r);
    p.fd = c;
    p.events = POLLOUT;
    poll(&p, 1, 5000);
    say("refused: POLLERR", !!(p.revents & POLLERR));
    len = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("refused: SO_ERROR = %s\n", ename(err));
    close(c);
    c = socket(AF_INET, SOCK_STREAM, 0);
    say("refused blocking connect", connect(c, (struct sockaddr *)&a, sizeof a));
    close(c);
}

static void reset_on_unread_close(void)
{
    uint16_t port;
    int l = listener(&port);
    int c = connect_to(port);
    int s = accept(l, NULL, NULL);
    write(c, "unread", 6);
    usleep(20000);
    close(s); /* unread data: RST instead of FIN */
    struct pollfd p = {c, POLLIN, 0};
    poll(&p, 1, 5000);
    say("poll after reset has POLLIN", !!(p.revents & POLLIN));
    char buf[8];
    say("read after reset", read(c, buf, sizeof buf));
    say("read again", read(c, buf, sizeof buf));
    say("send after reset", send(c, "x", 1, MSG_NOSIGNAL));
    close(c);
    close(l);
}

static void udp(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = lo4(0);
    bind(a, (struct sockaddr *)&sa, sizeof sa);
    struct sockaddr_in to = lo4(port_of(a));
    say("sendto 1", sendto(b, "one", 3, 0, (struct sockaddr *)&to, sizeof to));
    say("sendto 2", sendto(b, "two two", 7, 0, (struct sockaddr *)&to, sizeof to));
    say("sendto 3", sendto(b, "three three three", 17, 0, (struct sockaddr *)&to, sizeof to));
    say("send unconnected", send(b, "x", 1, 0));
    char buf[64];
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    struct pollfd p = {a, POLLIN, 0};
    poll(&p, 1, 5000);
    int avail = -1;
    ioctl(a, FIONREAD, &avail);
    say("FIONREAD (next datagram)", avail);
    say("recvfrom 1", recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &len));
    check("from is the sender", from.sin_port == htons(port_of(b)) &&
                                    from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    say("recv 2 into 3 bytes", recv(a, buf, 3, 0));
    say("recv 3 with MSG_TRUNC", recv(a, buf, 5, MSG_TRUNC));
    say("recv empty", recv(a, buf, sizeof buf, MSG_DONTWAIT));
    /* Connected UDP. */
    struct sockaddr_in bb = lo4(port_of(b));
    say("connect udp", connect(a, (struct sockaddr *)&bb, sizeof bb));
    say("send connected", send(a, "back", 4, 0));
    p.fd = b;
    poll(&p, 1, 5000);
    say("recv on b", recv(b, buf, sizeof buf, 0));
    /* SO_RCVTIMEO: a blocking receive gives up with EAGAIN. */
    struct timeval tv = {0, 100000};
    say("SO_RCVTIMEO", setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval back;
    len = sizeof back;
    getsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &back, &len);
    say("SO_RCVTIMEO reads back", back.tv_sec == 0 && back.tv_usec == 100000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    say("recv with SO_RCVTIMEO", recv(b, buf, sizeof buf, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    say("waited 100 ms or more", ms >= 95 && ms < 5000);
    close(a);
    close(b);
}

/* sendfile from a file to a blocking socket, more than the socket buffers hold: it waits for
 * the reader instead of stopping short. */
static void *sink(void *arg)
{
    int fd = *(int *)arg;
    static char buf[65536];
    long got = 0, sum = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            sum += (unsigned char)buf[i];
        got += n;
    }
    printf("sink got=%ld sum=%ld\n", got, sum);
    return NULL;
}

static void sendfile_to_socket(void)
{
    char path[] = "/tmp/sendfile-XXXXXX";
    int f = mkstemp(path);
    static unsigned char data[700000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 13);
    write(f, data, sizeof data);
    uint16_t port;
    int l = listener(&port);
    int c = connect_to(port);
    int s = accept(l, NULL, NULL);
    pthread_t t;
    pthread_create(&t, NULL, sink, &c);
    off_t off = 0;
    say("sendfile", sendfile(s, f, &off, sizeof data));
    say("offset after", off);
    close(s);
    pthread_join(t, NULL);
    close(c);
    close(l);
    close(f);
    unlink(path);
}

static void ipv6_loopback(void)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 4);
    uint16_t port = port_of(l);
    /* ::1 ... */
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    a.sin6_addr = in6addr_loopback;
    a.sin6_port = htons(port);
    say("connect ::1", connect(c, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in6 peer;
    socklen_t len = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &len);
    check("peer is ::1", IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr));
    write(c, "six", 3);
    char buf[8];
    say("read over ::1", read(s, buf, sizeof buf));
    close(s);
    close(c);
    /* An IPv4 wildcard on the port of a dual-stack listener clashes; an IPv6-only one on an
     * IPv4 listener's port does not (redis and nginx bind both). */
    int v4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any4 = lo4(port);
    any4.sin_addr.s_addr = htonl(INADDR_ANY);
    say("bind 0.0.0.0 on a dual listener's port", bind(v4, (struct sockaddr *)&any4, sizeof any4));
    close(v4);
    int l4 = socket(AF_INET, SOCK_STREAM, 0);
    any4.sin_port = 0;
    bind(l4, (struct sockaddr *)&any4, sizeof any4);
    listen(l4, 1);
    uint16_t p4 = port_of(l4);
    int v6 = socket(AF_INET6, SOCK_STREAM, 0), on = 1;
    setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    struct sockaddr_in6 any6;
    memset(&any6, 0, sizeof any6);
    any6.sin6_family = AF_INET6;
    any6.sin6_port = htons(p4);
    say("bind [::] v6only beside 0.0.0.0", bind(v6, (struct sockaddr *)&any6, sizeof any6));
    close(v6);
    close(l4);
    /* ... and IPv4 to a dual-stack listener: the peer is ::ffff:127.0.0.1. */
    c = connect_to(port);
    len = sizeof peer;
    s = accept(l, (struct sockaddr *)&peer, &len);
    check("v4 peer is mapped", IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr));
    close(s);
    close(c);
    close(l);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    echo_1mib();
    names_and_options();
    nonblocking_connect();
    reset_on_unread_close();
    udp();
    sendfile_to_socket();
    ipv6_loopback();
    printf("done\n");
    return failures;
}
