/* A UDP echo server: every datagram goes back to its sender, unchanged.
 *
 *   udp_echo PORT [COUNT]
 *
 * Binds 0.0.0.0:PORT and answers with sendto() to the address recvfrom() reported. A datagram
 * "QUIT" ends it (exit 0) after printing "received=N bytes=B"; so does the COUNT-th datagram
 * when COUNT > 0. Prints "listening udp port=PORT" once bound. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [COUNT]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    long count = argc > 2 ? atol(argv[2]) : 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("socket: %s\n", strerror(errno));
        return 1;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("bind: %s\n", strerror(errno));
        return 1;
    }
    printf("listening udp port=%d\n", port);
    fflush(stdout);
    static char buf[65536];
    unsigned long received = 0, total = 0;
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            printf("recvfrom: %s\n", strerror(errno));
            return 1;
        }
        received++;
        total += n;
        if (n == 4 && memcmp(buf, "QUIT", 4) == 0)
            break;
        if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl) != n) {
            printf("sendto %s:%d: %s\n", inet_ntoa(from.sin_addr), ntohs(from.sin_port), strerror(errno));
            return 1;
        }
        if (count > 0 && (long)received >= count)
            break;
    }
    printf("received=%lu bytes=%lu\n", received, total);
    return 0;
}
