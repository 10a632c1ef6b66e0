/* nanosleep and clock_nanosleep sleep at least as long as asked, and not absurdly longer
 * (less than 10x). argv[1]: milliseconds (default 200). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "util.h"

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void judge(const char *what, long long asked, long long took)
{
    char line[160];
    snprintf(line, sizeof line, "%s slept at least the time asked", what);
    check(line, took >= asked);
    snprintf(line, sizeof line, "%s slept less than 10x the time asked", what);
    check(line, took < 10 * asked);
    fprintf(stderr, "%s: asked %lld ns, took %lld ns\n", what, asked, took);
}

int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 200;
    long long asked = ms * 1000000LL;
    struct timespec req = { ms / 1000, (ms % 1000) * 1000000L };

    long long t0 = now_ns();
    check("nanosleep returns 0", nanosleep(&req, NULL) == 0);
    judge("nanosleep", asked, now_ns() - t0);

    t0 = now_ns();
    check("clock_nanosleep relative returns 0", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0);
    judge("clock_nanosleep relative", asked, now_ns() - t0);

    t0 = now_ns();
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += req.tv_sec;
    until.tv_nsec += req.tv_nsec;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    check("clock_nanosleep TIMER_ABSTIME returns 0", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == 0);
    judge("clock_nanosleep absolute", asked, now_ns() - t0);

    struct timespec zero = { 0, 0 };
    check("nanosleep(0) returns at once", nanosleep(&zero, NULL) == 0);
    struct timespec bad = { 0, 1000000000L };
    check("nanosleep with tv_nsec = 1e9 fails with EINVAL", nanosleep(&bad, NULL) == -1 && errno == EINVAL);
    return failures;
}
