/* Raw futex calls: timeouts (relative FUTEX_WAIT, absolute FUTEX_WAIT_BITSET on both clocks),
 * EAGAIN on a changed word, and a strict ping-pong between two threads woken by FUTEX_WAKE. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* From <linux/futex.h>, which musl-gcc's include path lacks. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts, uint32_t *w2, uint32_t v3)
{
    return syscall(SYS_futex, w, op, val, ts, w2, v3);
}

static long ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static const char *res(long r)
{
    if (r == 0) return "0";
    return errno == ETIMEDOUT ? "ETIMEDOUT" : errno == EAGAIN ? "EAGAIN" : errno == EINTR ? "EINTR" : "other";
}

static uint32_t turn; /* 0: ping's turn, 1: pong's */
#define ROUNDS 2000
static int bad;

static void *pong(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 1)
            futex(&turn, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        __atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
        futex(&turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    return NULL;
}

int main(void)
{
    uint32_t word = 5;
    struct timespec t0, rel = {0, 30 * 1000 * 1000}, abs;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0);
    printf("relative wait: %s, waited >= 25 ms: %d\n", res(r), ms_since(&t0) >= 25);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    abs = t0;
    abs.tv_nsec += 30 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("absolute monotonic wait: %s, waited >= 25 ms: %d\n", res(r), ms_since(&t0) >= 25);

    clock_gettime(CLOCK_REALTIME, &abs);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    abs.tv_nsec += 30 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("absolute realtime wait: %s, waited >= 25 ms: %d\n", res(r), ms_since(&t0) >= 25);

    r = futex(&word, FUTEX_WAIT_PRIVATE, 6, &rel, NULL, 0);
    printf("changed word: %s\n", res(r));
    printf("wake with no waiters: %ld\n", futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));

    pthread_t t;
    pthread_create(&t, NULL, pong, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        __atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
        futex(&turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 0)
            futex(&turn, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
    }
    pthread_join(t, NULL);
    printf("ping-pong rounds=%d bad=%d\n", ROUNDS, bad);
    return 0;
}
