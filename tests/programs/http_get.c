/* A tiny HTTP/1.0 client: fetches one URL path from ADDR:PORT and describes the body.
 *
 *   http_get ADDR PORT [PATH]
 *
 * ADDR is a numeric IPv4 or IPv6 address (no resolver: the test is about the socket path).
 * Sends "GET PATH HTTP/1.0", reads until the server closes, and prints
 *   status=CODE
 *   body_length=N
 *   fnv1a64=HEX      (FNV-1a, 64 bits, over the body: the test computes the same on the host)
 * Exits 0 when the status is 200, 1 otherwise, 2 when the connection fails (with errno's name). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>



int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s ADDR PORT [PATH]\n", argv[0]);
        return 2;
    }
    const char *path = argc > 3 ? argv[3] : "/";
    int port = atoi(argv[2]);
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, argv[1], &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        len = sizeof *a4;
    } else if (inet_pton(AF_INET6, argv[1], &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        len = sizeof *a6;
    } else {
        fprintf(stderr, "http_get: %s is not a numeric address\n", argv[1]);
        return 2;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("socket: %s\n", strerror(errno));
        return 2;
    }
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        printf("connect: %s\n", strerror(errno));
        return 2;
    }
    char req[1024];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s:%d\r\nUser-Agent: osprey-http-get\r\n\r\n",
                     path, argv[1], port);
    for (int off = 0; off < n;) {
        ssize_t w = write(fd, req + off, n - off);
        if (w < 0) {
            printf("write: %s\n", strerror(errno));
            return 2;
        }
        off += w;
    }
    /* Read everything (HTTP/1.0: the server closes after the body). */
    size_t cap = 1 << 16, got = 0;
    char *resp = malloc(cap);
    for (;;) {
        if (got == cap) {
            cap *= 2;
            resp = realloc(resp, cap);
        }
        ssize_t r = read(fd, resp + got, cap - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            printf("read: %s\n", strerror(errno));
            return 2;
        }
        if (r == 0)
            break;
        got += r;
    }
    close(fd);
    int status = 0;
    if (got < 12 || sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1) {
        printf("no HTTP status line in %zu bytes\n", got);
        return 2;
    }
    char *body = NULL;
    for (size_t i = 0; i + 3 < got; i++)
        if (memcmp(resp + i, "\r\n\r\n", 4) == 0) {
            body = resp + i + 4;
            break;
        }
    size_t body_len = body ? got - (size_t)(body - resp) : 0;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < body_len; i++) {
        h ^= (unsigned char)body[i];
        h *= 0x100000001b3ULL;
    }
    printf("status=%d\nbody_length=%zu\nfnv1a64=%016llx\n", status, body_len, (unsigned long long)h);
    return status == 200 ? 0 : 1;
}
