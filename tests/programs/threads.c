/* pthreads as programs use them: create/join, mutex, condition variable, rwlock, barrier,
 * __thread TLS, thread-specific data with destructors, detach, timed waits, thread ids
 * (cancellation needs signals: see the signals tests). Output is deterministic so that it
 * can be compared with the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static __thread int tls_value = 7;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;

static void *add_many(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    tls_value += (int)n; /* each thread has its own copy */
    return (void *)(long)tls_value;
}

/* Producer/consumer through a one-slot buffer and a condition variable. */
static int slot, slot_full, consumed_sum;
static void *consumer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&mu);
        while (!slot_full)
            pthread_cond_wait(&cv, &mu);
        consumed_sum += slot;
        slot_full = 0;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int shared_table[16];
static void *reader(void *arg)
{
    long sum = 0;
    (void)arg;
    for (int r = 0; r < 200; r++) {
        pthread_rwlock_rdlock(&rw);
        int s = 0;
        for (int i = 0; i < 16; i++)
            s += shared_table[i];
        /* writers keep every entry equal: a torn read would break this */
        if (s != 16 * shared_table[0])
            sum = -1000000;
        pthread_rwlock_unlock(&rw);
        sum += 1;
    }
    return (void *)sum;
}
static void *writer(void *arg)
{
    (void)arg;
    for (int r = 0; r < 100; r++) {
        pthread_rwlock_wrlock(&rw);
        for (int i = 0; i < 16; i++)
            shared_table[i]++;
        pthread_rwlock_unlock(&rw);
        sched_yield();
    }
    return NULL;
}

static pthread_barrier_t barrier;
static int arrived;
static void *at_barrier(void *arg)
{
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    int r = pthread_barrier_wait(&barrier);
    /* after the barrier every thread must see all arrivals */
    if (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) != 4)
        return (void *)-1L;
    (void)arg;
    return (void *)(long)(r == PTHREAD_BARRIER_SERIAL_THREAD ? 1 : 0);
}

static pthread_key_t key;
static int destructor_runs;
static void destructor(void *p)
{
    __atomic_add_fetch(&destructor_runs, 1, __ATOMIC_SEQ_CST);
    free(p);
}
static void *with_specific(void *arg)
{
    int *p = malloc(sizeof *p);
    *p = (int)(long)arg;
    pthread_setspecific(key, p);
    return (void *)(long)*(int *)pthread_getspecific(key);
}

static sem_t detached_done;
static void *detached(void *arg)
{
    (void)arg;
    sem_post(&detached_done);
    return NULL;
}

static void *report_tid(void *arg)
{
    *(pid_t *)arg = (pid_t)syscall(SYS_gettid);
    return NULL;
}

int main(void)
{
    /* create + join, mutex, TLS */
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        CHECK(pthread_create(&t[i], NULL, add_many, (void *)(1000 * (i + 1))) == 0);
    long tls_sum = 0;
    for (int i = 0; i < 8; i++) {
        void *r;
        CHECK(pthread_join(t[i], &r) == 0);
        tls_sum += (long)r;
    }
    printf("mutex counter=%ld tls_sum=%ld main_tls=%d\n", counter, tls_sum, tls_value);

    /* condition variable */
    pthread_t c;
    CHECK(pthread_create(&c, NULL, consumer, NULL) == 0);
    int produced_sum = 0;
    for (int i = 1; i <= 1000; i++) {
        pthread_mutex_lock(&mu);
        while (slot_full)
            pthread_cond_wait(&cv, &mu);
        slot = i;
        produced_sum += i;
        slot_full = 1;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    CHECK(pthread_join(c, NULL) == 0);
    printf("condvar produced=%d consumed=%d\n", produced_sum, consumed_sum);

    /* rwlock */
    pthread_t rd[3], wr;
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&rd[i], NULL, reader, NULL) == 0);
    CHECK(pthread_create(&wr, NULL, writer, NULL) == 0);
    long reads = 0;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(rd[i], &r);
        reads += (long)r;
    }
    pthread_join(wr, NULL);
    printf("rwlock reads=%ld table0=%d\n", reads, shared_table[0]);

    /* barrier */
    pthread_barrier_init(&barrier, NULL, 4);
    pthread_t b[3];
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&b[i], NULL, at_barrier, NULL) == 0);
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    int serial = pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(b[i], &r);
        CHECK((long)r >= 0);
        serial += (int)(long)r;
    }
    printf("barrier serial_threads=%d\n", serial);

    /* thread-specific data and destructors */
    pthread_key_create(&key, destructor);
    pthread_t s[4];
    long spec = 0;
    for (long i = 0; i < 4; i++)
        pthread_create(&s[i], NULL, with_specific, (void *)(i + 10));
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(s[i], &r);
        spec += (long)r;
    }
    printf("specific sum=%ld destructors=%d\n", spec, destructor_runs);

    /* detach */
    sem_init(&detached_done, 0, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    CHECK(pthread_create(&d, &attr, detached, NULL) == 0);
    sem_wait(&detached_done);
    printf("detached thread ran\n");

    /* timed waits time out */
    struct timespec t0, t1, dl;
    /* t0 before the deadline is taken: a vCPU descheduled between the two reads (a loaded
     * host under TCG) must not make the wait look short. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 50 * 1000 * 1000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&mu);
    int tr = pthread_cond_timedwait(&cv, &mu, &dl);
    pthread_mutex_unlock(&mu);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long waited_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("cond_timedwait=%s waited_enough=%d\n", tr == ETIMEDOUT ? "ETIMEDOUT" : strerror(tr), waited_ms >= 45);
    sem_t never;
    sem_init(&never, 0, 0);
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 20 * 1000 * 1000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    int sr = sem_timedwait(&never, &dl);
    printf("sem_timedwait=%d errno=%s\n", sr, sr ? (errno == ETIMEDOUT ? "ETIMEDOUT" : strerror(errno)) : "0");

    /* thread ids: distinct from the pid, and gettid in main is the pid */
    pid_t child_tid = 0;
    pthread_t q;
    pthread_create(&q, NULL, report_tid, &child_tid);
    pthread_join(q, NULL);
    printf("main tid==pid: %d, child tid differs: %d\n", (pid_t)syscall(SYS_gettid) == getpid(),
           child_tid != getpid() && child_tid > 0);
    printf("done\n");
    return 0;
}
