/* 8 threads map, fill, check and unmap pages at the same time, and map and unmap untouched
 * ones: every call takes the kernel's lock on the memory map, every fault too, so on several
 * CPUs that lock is contended with more threads than CPUs (its hand-off, its waiters' spins
 * and their parking). Each thread's pages must hold what it wrote; the counts must add up. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define THREADS 8
#define ROUNDS 1000

static long touched[THREADS], untouched[THREADS];
static int bad;

static void *work(void *arg)
{
    long me = (long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        unsigned char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { bad = 1; return NULL; }
        memset(p, (int)(me * 31 + i) & 0xff, 2 * 4096);
        for (int j = 0; j < 2 * 4096; j += 512)
            if (p[j] != ((me * 31 + i) & 0xff)) { bad = 1; return NULL; }
        if (munmap(p, 2 * 4096)) { bad = 1; return NULL; }
        touched[me]++;
        void *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q == MAP_FAILED || munmap(q, 4096)) { bad = 1; return NULL; }
        untouched[me]++;
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, work, (void *)i) != 0) {
            printf("pthread_create %ld failed\n", i);
            return 1;
        }
    long a = 0, b = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        a += touched[i];
        b += untouched[i];
    }
    printf("threads=%d touched=%ld untouched=%ld expected=%ld bad=%d\n", THREADS, a, b,
           (long)THREADS * ROUNDS, bad);
    return !bad && a == (long)THREADS * ROUNDS && b == (long)THREADS * ROUNDS ? 0 : 1;
}
