/* getrandom and /dev/urandom give bytes that are not all zero and differ from call to call. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "util.h"

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    unsigned char a[64], b[64], big[4096];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    check("getrandom 64 bytes", syscall(SYS_getrandom, a, sizeof a, 0) == 64);
    check("getrandom 64 bytes GRND_NONBLOCK", syscall(SYS_getrandom, b, sizeof b, GRND_NONBLOCK) == 64);
    check("not all zero", !all_zero(a, sizeof a) && !all_zero(b, sizeof b));
    check("two calls differ", memcmp(a, b, sizeof a) != 0);
    check("getrandom 4096 bytes", syscall(SYS_getrandom, big, sizeof big, 0) == 4096);
    int counts[256] = { 0 };
    for (size_t i = 0; i < sizeof big; i++)
        counts[big[i]]++;
    int distinct = 0;
    for (int i = 0; i < 256; i++)
        distinct += counts[i] > 0;
    check("4096 random bytes take more than 200 distinct values", distinct > 200);
    errno = 0;
    check("getrandom with unknown flags fails with EINVAL", syscall(SYS_getrandom, a, 8, 0x100) == -1 && errno == EINVAL);
    check("getrandom of 0 bytes returns 0", syscall(SYS_getrandom, a, 0, 0) == 0);
    int fd = open("/dev/urandom", O_RDONLY);
    check("open /dev/urandom", fd >= 0);
    memset(a, 0, sizeof a);
    check("read /dev/urandom", read(fd, a, sizeof a) == 64 && !all_zero(a, sizeof a));
    close(fd);
    fd = open("/dev/random", O_RDONLY);
    check("open /dev/random", fd >= 0);
    memset(b, 0, sizeof b);
    check("read /dev/random", read(fd, b, sizeof b) == 64 && !all_zero(b, sizeof b) && memcmp(a, b, sizeof a) != 0);
    close(fd);
    return failures;
}
