/* 64 threads each doing 100000 locked increments of one counter: the total must be exact,
 * and every thread must have run (contended mutex, futex wait/wake, preemption). */
#include <pthread.h>
#include <stdio.h>

#define THREADS 64
#define ROUNDS 100000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *work(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, work, NULL) != 0) {
            printf("pthread_create %d failed\n", i);
            return 1;
        }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("threads=%d total=%ld expected=%ld\n", THREADS, counter, (long)THREADS * ROUNDS);
    return counter == (long)THREADS * ROUNDS ? 0 : 1;
}
