/* Nice values and scheduling policies (getpriority/setpriority, sched_*scheduler/param).
 *   priority         the API: values, clamping, inheritance, errors (same output as the host)
 *   priority rt      a real-time policy request (EPERM in Osprey: no real-time class), and
 *                    the process group and user targets (only the app's threads in Osprey)
 *   priority share   CPU shares: spinners pinned to CPU 0 at nice 0 vs nice 10, then normal
 *                    vs SCHED_IDLE; prints each pair's iteration ratio */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* The call first, then errno (printf's arguments are evaluated in no set order). */
#define SHOW(label, expr)                                                   \
    do {                                                                    \
        errno = 0;                                                          \
        long r_ = (long)(expr);                                             \
        printf("%s: %ld %s\n", label, r_, errno_name(errno));               \
    } while (0)

static void *child_nice(void *arg)
{
    (void)arg;
    errno = 0;
    int n = getpriority(PRIO_PROCESS, 0);
    printf("thread inherits nice: %d (errno %s)\n", n, errno_name(errno));
    printf("thread inherits policy: %d\n", sched_getscheduler(0));
    return NULL;
}

static void api(void)
{
    errno = 0;
    SHOW("nice at start", getpriority(PRIO_PROCESS, 0));
    printf("setpriority 5: %d\n", setpriority(PRIO_PROCESS, 0, 5));
    printf("nice now: %d\n", getpriority(PRIO_PROCESS, 0));
    printf("nice of own tid: %d\n", getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)));
    pthread_t t;
    pthread_create(&t, NULL, child_nice, NULL);
    pthread_join(t, NULL);
    printf("setpriority 100 (clamped): %d\n", setpriority(PRIO_PROCESS, 0, 100));
    printf("nice now: %d\n", getpriority(PRIO_PROCESS, 0));
    printf("setpriority -3 as root: %d\n", setpriority(PRIO_PROCESS, 0, -3));
    printf("nice now: %d\n", getpriority(PRIO_PROCESS, 0));
    SHOW("bad which", getpriority(7, 0));
    SHOW("no such thread", setpriority(PRIO_PROCESS, 999999, 0));
    printf("reset: %d\n", setpriority(PRIO_PROCESS, 0, 0));

    struct sched_param p = {0};
    printf("policy at start: %d\n", sched_getscheduler(0));
    printf("SCHED_BATCH: %d\n", sched_setscheduler(0, SCHED_BATCH, &p));
    printf("policy now: %d\n", sched_getscheduler(0));
    pthread_create(&t, NULL, child_nice, NULL);
    pthread_join(t, NULL);
    p.sched_priority = 3;
    SHOW("SCHED_OTHER priority 3", sched_setscheduler(0, SCHED_OTHER, &p));
    SHOW("policy 42", sched_setscheduler(0, 42, &p));
    SHOW("SCHED_FIFO priority 0", sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){0}));
    p.sched_priority = 0;
    printf("SCHED_OTHER with reset-on-fork: %d\n",
           sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &p));
    printf("policy now: %#x\n", sched_getscheduler(0));
    printf("setpriority -2: %d\n", setpriority(PRIO_PROCESS, 0, -2));
    pthread_create(&t, NULL, child_nice, NULL);
    pthread_join(t, NULL);
    printf("back to SCHED_OTHER: %d\n", sched_setscheduler(0, SCHED_OTHER, &p));
    printf("reset: %d\n", setpriority(PRIO_PROCESS, 0, 0));
    p.sched_priority = 9;
    SHOW("getparam", sched_getparam(0, &p));
    printf("getparam priority: %d\n", p.sched_priority);
    SHOW("getparam NULL", sched_getparam(0, NULL));
    SHOW("getscheduler -1", sched_getscheduler(-1));
    printf("ranges: fifo %d-%d rr %d-%d other %d-%d batch %d-%d idle %d-%d\n",
           sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO),
           sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_RR),
           sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER),
           sched_get_priority_min(SCHED_BATCH), sched_get_priority_max(SCHED_BATCH),
           sched_get_priority_min(SCHED_IDLE), sched_get_priority_max(SCHED_IDLE));
    SHOW("range of 42", sched_get_priority_max(42));
}

static atomic_int go, stop;

struct spinner {
    int nice;
    int idle;
    uint64_t count;
};

static void *spin(void *arg)
{
    struct spinner *s = arg;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
    setpriority(PRIO_PROCESS, 0, s->nice);
    if (s->idle) {
        struct sched_param p = {0};
        sched_setscheduler(0, SCHED_IDLE, &p);
    }
    while (!atomic_load(&go))
        ;
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        n++;
    s->count = n;
    return NULL;
}

/* Two spinners on CPU 0 for `secs`: the iteration ratio of the first to the second. */
static double race(struct spinner *a, struct spinner *b, int secs)
{
    pthread_t ta, tb;
    atomic_store(&go, 0);
    atomic_store(&stop, 0);
    pthread_create(&ta, NULL, spin, a);
    pthread_create(&tb, NULL, spin, b);
    struct timespec settle = {0, 50 * 1000 * 1000};
    nanosleep(&settle, NULL);
    atomic_store(&go, 1);
    sleep(secs);
    atomic_store(&stop, 1);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    return (double)a->count / (double)(b->count ? b->count : 1);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "rt") == 0) {
        struct sched_param p = {.sched_priority = 10};
        errno = 0;
        int r = sched_setscheduler(0, SCHED_FIFO, &p);
        printf("SCHED_FIFO 10: %d %s\n", r, errno_name(errno));
        errno = 0;
        r = sched_setscheduler(0, SCHED_RR, &p);
        printf("SCHED_RR 10: %d %s\n", r, errno_name(errno));
        printf("policy: %d\n", sched_getscheduler(0));
        /* Osprey's process group and user are the app's threads (the host has others). */
        setpriority(PRIO_PROCESS, 0, 4);
        printf("PGRP nice: %d\n", getpriority(PRIO_PGRP, 0));
        printf("USER nice: %d\n", getpriority(PRIO_USER, 0));
        SHOW("PGRP 77", getpriority(PRIO_PGRP, 77));
        printf("setpriority PGRP 6: %d\n", setpriority(PRIO_PGRP, 0, 6));
        printf("nice now: %d\n", getpriority(PRIO_PROCESS, 0));
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "share") == 0) {
        struct spinner n0 = {0, 0, 0}, n10 = {10, 0, 0};
        printf("nice0/nice10 %.1f\n", race(&n0, &n10, 2));
        struct spinner normal = {0, 0, 0}, idle = {0, 1, 0};
        printf("normal/idle %.1f\n", race(&normal, &idle, 2));
        return 0;
    }
    api();
    return 0;
}
