/* futex_waitv (Linux 5.16): a thread waits on three futex words at once and is woken through
 * the third; a changed word gives EAGAIN, a past deadline ETIMEDOUT, bad entries EINVAL.
 * Prints the same lines on the host and in the guest. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_32 2
#define FUTEX2_PRIVATE 128

struct waitv {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
};

static uint32_t words[3];
static struct waitv v[3];
static volatile int waiting;

static long waitv(struct waitv *w, unsigned n, const struct timespec *ts, int clock)
{
    return syscall(SYS_futex_waitv, w, n, 0, ts, clock);
}

static void fill(void)
{
    for (int i = 0; i < 3; i++) {
        v[i].val = words[i];
        v[i].uaddr = (uintptr_t)&words[i];
        v[i].flags = FUTEX_32 | FUTEX2_PRIVATE;
        v[i].reserved = 0;
    }
}

static void *waiter(void *arg)
{
    (void)arg;
    fill();
    waiting = 1;
    long r = waitv(v, 3, NULL, CLOCK_MONOTONIC);
    printf("woken through entry %ld (%s)\n", r, r < 0 ? errno_name(errno) : "ok");
    return NULL;
}

static void result(const char *what, long r)
{
    printf("%s: %s\n", what, r < 0 ? errno_name(errno) : "0");
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    while (!waiting)
        usleep(1000);
    /* Wake entry 2 until the waiter has gone (the first wakes may come before it sleeps). */
    usleep(20000);
    words[2] = 1;
    while (syscall(SYS_futex, &words[2], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0)
        usleep(1000);
    pthread_join(t, NULL);

    fill();
    v[1].val = 7; /* the word holds 0 */
    result("a changed word", waitv(v, 3, NULL, CLOCK_MONOTONIC));
    fill();
    struct timespec past = {0, 0};
    result("a deadline long past (CLOCK_MONOTONIC)", waitv(v, 3, &past, CLOCK_MONOTONIC));
    result("a deadline long past (CLOCK_REALTIME)", waitv(v, 3, &past, CLOCK_REALTIME));
    result("an unknown clock", waitv(v, 3, &past, CLOCK_BOOTTIME));
    result("no entries", waitv(v, 0, &past, CLOCK_MONOTONIC));
    result("129 entries", waitv(v, 129, &past, CLOCK_MONOTONIC));
    v[0].flags = 3; /* a 64-bit futex: not supported */
    result("a 64-bit entry", waitv(v, 3, &past, CLOCK_MONOTONIC));
    fill();
    v[2].uaddr += 1;
    result("a misaligned word", waitv(v, 3, &past, CLOCK_MONOTONIC));
    fill();
    result("entries at a bad address", waitv((struct waitv *)16, 3, &past, CLOCK_MONOTONIC));
    printf("done\n");
    return 0;
}
