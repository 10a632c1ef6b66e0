/* Priority-inheritance mutexes (PTHREAD_PRIO_INHERIT): glibc runs them on the kernel's
 * FUTEX_LOCK_PI / FUTEX_UNLOCK_PI / FUTEX_TRYLOCK_PI. Four threads contend (each holds the
 * lock across a short sleep now and then, so waiters queue in the kernel and unlocks hand the
 * lock over); trylock and timedlock against a holder; an error-checking PI mutex locked twice;
 * a robust PI mutex whose owner exits holding it (the next locker gets EOWNERDEAD).
 * Prints the same lines on the host and in the guest. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static pthread_mutex_t m, held, robust;
static long counter;
static pthread_barrier_t holding, checked;

static void init_pi(pthread_mutex_t *mu, int type, int robust_attr)
{
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
    pthread_mutexattr_settype(&at, type);
    if (robust_attr)
        pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
    int r = pthread_mutex_init(mu, &at);
    printf("init (type %d, robust %d): %s\n", type, robust_attr, errno_name(r));
    if (r)
        exit(1);
}

static void *count(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        if (pthread_mutex_lock(&m))
            abort();
        counter++;
        if (i % 500 == 0)
            usleep(200); /* others pile up in FUTEX_LOCK_PI meanwhile */
        if (pthread_mutex_unlock(&m))
            abort();
    }
    return NULL;
}

static void *holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&held);
    pthread_barrier_wait(&holding);
    pthread_barrier_wait(&checked);
    pthread_mutex_unlock(&held);
    return NULL;
}

static void *dies_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL; /* exits with the lock: its robust list hands it on */
}

int main(void)
{
    init_pi(&m, PTHREAD_MUTEX_NORMAL, 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, count, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("counter=%ld expected=20000\n", counter);

    init_pi(&held, PTHREAD_MUTEX_NORMAL, 0);
    pthread_barrier_init(&holding, NULL, 2);
    pthread_barrier_init(&checked, NULL, 2);
    pthread_t h;
    pthread_create(&h, NULL, holder, NULL);
    pthread_barrier_wait(&holding);
    printf("trylock of a held PI mutex: %s\n", errno_name(pthread_mutex_trylock(&held)));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    printf("timedlock of a held PI mutex: %s\n", errno_name(pthread_mutex_timedlock(&held, &ts)));
    pthread_barrier_wait(&checked);
    pthread_join(h, NULL);
    printf("lock after the holder let go: %s\n", errno_name(pthread_mutex_lock(&held)));
    pthread_mutex_unlock(&held);

    pthread_mutex_t ec;
    init_pi(&ec, PTHREAD_MUTEX_ERRORCHECK, 0);
    pthread_mutex_lock(&ec);
    printf("error-checking PI mutex locked twice: %s\n", errno_name(pthread_mutex_lock(&ec)));
    pthread_mutex_unlock(&ec);

    init_pi(&robust, PTHREAD_MUTEX_NORMAL, 1);
    pthread_t d;
    pthread_create(&d, NULL, dies_holding, NULL);
    pthread_join(d, NULL);
    int r = pthread_mutex_lock(&robust);
    printf("robust PI mutex after its owner died: %s\n", errno_name(r));
    if (r == EOWNERDEAD)
        printf("consistent: %s\n", errno_name(pthread_mutex_consistent(&robust)));
    pthread_mutex_unlock(&robust);
    printf("locked again: %s\n", errno_name(pthread_mutex_lock(&robust)));
    pthread_mutex_unlock(&robust);
    printf("done\n");
    return 0;
}
