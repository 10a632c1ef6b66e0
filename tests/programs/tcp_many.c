/* Many loopback connections, opened and closed in rounds: every round must work as the first
 * did, and memory must not grow from round to round (the stack frees closed connections).
 * Usage: tcp_many [pairs] [rounds]. Prints "leak check: ..." from /proc/meminfo. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long mem_free_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    int pairs = argc > 1 ? atoi(argv[1]) : 150;
    int rounds = argc > 2 ? atoi(argv[2]) : 4;
    int *cli = calloc(pairs, sizeof(int)), *srv = calloc(pairs, sizeof(int));
    long after_first = 0;
    for (int r = 1; r <= rounds; r++) {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        bind(l, (struct sockaddr *)&a, sizeof a);
        listen(l, pairs);
        socklen_t len = sizeof a;
        getsockname(l, (struct sockaddr *)&a, &len);
        int ok = 0;
        for (int i = 0; i < pairs; i++) {
            cli[i] = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(cli[i], (struct sockaddr *)&a, sizeof a)) {
                printf("round %d pair %d: ", r, i); fflush(stdout); perror("connect");
                return 1;
            }
            srv[i] = accept(l, NULL, NULL);
        }
        for (int i = 0; i < pairs; i++) {
            char msg[100], back[100];
            memset(msg, 'a' + i % 26, sizeof msg);
            write(cli[i], msg, sizeof msg);
            ssize_t n = read(srv[i], back, sizeof back);
            write(srv[i], back, n);
            n = read(cli[i], back, sizeof back);
            ok += n == (ssize_t)sizeof msg && !memcmp(msg, back, n);
        }
        for (int i = 0; i < pairs; i++) {
            close(cli[i]);
            close(srv[i]);
        }
        close(l);
        printf("round %d: ok=%d\n", r, ok);
        fflush(stdout);
        if (r == 1)
            after_first = mem_free_kb();
    }
    long last = mem_free_kb();
    printf("leak check: MemFree after round 1 %ld kB, after round %d %ld kB: %s\n", after_first,
           rounds, last, last >= after_first - 2048 ? "ok" : "GREW");
    return 0;
}
