/* Vector registers belong to each thread: floating point kept in SSE registers across
 * yields, futex sleeps and preemption, and an xmm register held live across a raw
 * `syscall` (Linux preserves every vector register), while other threads clobber theirs. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4

static double compute(int id, int yield_every)
{
    double acc = id + 0.5;
    for (int i = 1; i <= 200000; i++) {
        acc = acc * 1.0000001 + (double)id / i;
        if (yield_every && i % yield_every == 0)
            sched_yield();
    }
    return acc;
}

static double results[THREADS][2];

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    results[id][0] = compute(id, 1000); /* switches at every yield */
    results[id][1] = compute(id, 0);    /* only timer preemption */
    return NULL;
}

/* Puts a pattern in xmm8, makes a sched_yield system call with the instruction itself (the
 * compiler must not spill), and reads xmm8 back. */
static int xmm_survives_syscall(uint64_t pattern)
{
    uint64_t out[2], in[2] = {pattern, ~pattern};
    long nr = SYS_sched_yield;
    __asm__ volatile("movdqu (%[in]), %%xmm8\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm8, (%[out])"
                     : "+a"(nr)
                     : [in] "r"(in), [out] "r"(out)
                     : "rcx", "r11", "xmm8", "memory");
    return out[0] == in[0] && out[1] == in[1];
}

static volatile int stop;
static void *clobber(void *arg)
{
    (void)arg;
    while (!stop) {
        __asm__ volatile("pcmpeqd %%xmm8, %%xmm8" ::: "xmm8");
        sched_yield();
    }
    return NULL;
}

int main(void)
{
    double expect[THREADS];
    for (int i = 0; i < THREADS; i++)
        expect[i] = compute(i, 0);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    int ok = 1;
    for (int i = 0; i < THREADS; i++)
        ok &= results[i][0] == expect[i] && results[i][1] == expect[i];
    printf("floating point across switches: %s\n", ok ? "exact" : "CORRUPTED");

    pthread_t c;
    pthread_create(&c, NULL, clobber, NULL);
    int kept = 1;
    for (int i = 0; i < 2000; i++)
        kept &= xmm_survives_syscall(0x0123456789abcdefull + i);
    stop = 1;
    pthread_join(c, NULL);
    printf("xmm8 across syscalls with a clobbering thread: %s\n", kept ? "kept" : "LOST");
    return 0;
}
