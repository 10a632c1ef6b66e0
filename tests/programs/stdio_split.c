/* Writes distinct text to stdout and stderr, interleaved, unbuffered and through stdio. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    for (int i = 0; i < 5; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "out %d\n", i);
        write(1, line, n);
        n = snprintf(line, sizeof line, "err %d\n", i);
        write(2, line, n);
    }
    printf("stdio to stdout\n");
    fprintf(stderr, "stdio to stderr\n");
    fflush(stdout);
    /* A large write in one call. */
    static char big[100000];
    for (unsigned i = 0; i < sizeof big; i++)
        big[i] = "0123456789abcdef\n"[i % 17];
    size_t off = 0;
    while (off < sizeof big) {
        ssize_t w = write(1, big + off, sizeof big - off);
        if (w <= 0)
            return 1;
        off += w;
    }
    write(2, "done\n", 5);
    return 0;
}
