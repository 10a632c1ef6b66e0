/* Threads run on every CPU: as many spinning threads as CPUs each note the CPU they find
 * themselves on (sched_getcpu), until together they have seen them all (or 20 s pass). Also
 * sched_setaffinity pins a thread to one CPU and getcpu then always says that CPU. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <stdlib.h>

static volatile unsigned long seen;
static int ncpu;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *spin(void *arg)
{
    double end = *(double *)arg;
    unsigned long all = (1ul << ncpu) - 1;
    while ((seen & all) != all && now() < end) {
        int c = sched_getcpu();
        if (c >= 0 && c < 64)
            __atomic_or_fetch(&seen, 1ul << c, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *pinned(void *arg)
{
    int want = *(int *)arg, wrong = 0;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(want, &s);
    if (sched_setaffinity(0, sizeof s, &s) != 0)
        return (void *)1L;
    for (int i = 0; i < 20000; i++) {
        if (sched_getcpu() != want)
            wrong++;
        if (i % 1000 == 0)
            sched_yield();
    }
    return (void *)(long)wrong;
}

int main(void)
{
    ncpu = get_nprocs();
    if (ncpu > 8)
        ncpu = 8;
    double end = now() + 20;
    pthread_t t[8];
    for (int i = 0; i < ncpu; i++)
        pthread_create(&t[i], NULL, spin, &end);
    for (int i = 0; i < ncpu; i++)
        pthread_join(t[i], NULL);
    printf("threads ran on all %d CPUs: %d\n", ncpu, seen == (1ul << ncpu) - 1);
    if (getenv("SHOW"))
        printf("CPUs seen: %d\n", __builtin_popcountl(seen));

    int last = ncpu - 1;
    pthread_t p;
    void *wrong;
    pthread_create(&p, NULL, pinned, &last);
    pthread_join(p, &wrong);
    printf("pinned to the last CPU, elsewhere %ld times\n", (long)wrong);
    return 0;
}
