/* Signals between threads: pthread_kill to a thread blocked in pause(), nanosleep or a
 * condition wait; a process-directed kill() taken by the one thread that does not block it;
 * sigwait in a dedicated thread; pthread_cancel (glibc's SIGCANCEL through tgkill) of threads
 * blocked in pause() and pthread_cond_wait; pthread_kill to a thread spinning in app code
 * without system calls (on another CPU when there are several). Same output as on Linux. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static volatile int handled;
static volatile pid_t handler_tid;

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
    handler_tid = gettid();
}

static void set(int sig, void (*h)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static volatile pid_t worker_tid;
static volatile int pause_ret, pause_errno;

static void *pauser(void *arg)
{
    (void)arg;
    worker_tid = gettid();
    pause_ret = pause();
    pause_errno = errno;
    return NULL;
}

static volatile int sleep_ret, sleep_errno;
static struct timespec left;

static void *sleeper(void *arg)
{
    (void)arg;
    worker_tid = gettid();
    struct timespec ts = {30, 0};
    sleep_ret = nanosleep(&ts, &left);
    sleep_errno = errno;
    return NULL;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int go;

static void *waiter(void *arg)
{
    (void)arg;
    worker_tid = gettid();
    pthread_mutex_lock(&mu);
    while (!go)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *unblocked_worker(void *arg)
{
    (void)arg;
    worker_tid = gettid();
    while (!handled)
        nap_ms(5);
    return NULL;
}

static volatile int spin_seen;

static void *spinner(void *arg)
{
    (void)arg;
    worker_tid = gettid();
    while (!handled)
        ; /* no system call: only an interrupt brings the signal in */
    spin_seen = handled;
    return NULL;
}

static void *sigwaiter(void *arg)
{
    sigset_t *set = arg;
    int sig = 0;
    sigwait(set, &sig);
    return (void *)(long)sig;
}

static void wait_for_worker(void)
{
    while (!worker_tid)
        nap_ms(1);
    nap_ms(50); /* let it reach its blocking call */
}

int main(void)
{
    pthread_t t;
    void *res;
    set(SIGUSR1, on_usr1, 0);

    worker_tid = 0;
    pthread_create(&t, NULL, pauser, NULL);
    wait_for_worker();
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    check("pause() in the target thread returns -1 EINTR", pause_ret == -1 && pause_errno == EINTR);
    check("the handler ran on the target thread", handled == 1 && handler_tid == worker_tid);

    worker_tid = 0;
    pthread_create(&t, NULL, sleeper, NULL);
    wait_for_worker();
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    check("nanosleep interrupted: -1 EINTR", sleep_ret == -1 && sleep_errno == EINTR);
    check("nanosleep wrote the time left", left.tv_sec > 20 && left.tv_sec < 30);
    check("handler on the sleeper", handled == 2 && handler_tid == worker_tid);

    /* A condition wait continues after the handler (SA_RESTART or not: glibc loops). */
    set(SIGUSR1, on_usr1, SA_RESTART);
    worker_tid = 0;
    pthread_create(&t, NULL, waiter, NULL);
    wait_for_worker();
    pthread_kill(t, SIGUSR1);
    nap_ms(50);
    check("the waiter ran the handler and waits on", handled == 3 && handler_tid == worker_tid);
    pthread_mutex_lock(&mu);
    go = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(t, NULL);
    check("then the condition wakes it", 1);

    /* kill() goes to a thread that does not block the signal. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    handled = 0;
    worker_tid = 0;
    pthread_create(&t, NULL, unblocked_worker, NULL); /* inherits the unblocked mask */
    while (!worker_tid)
        nap_ms(1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    check("kill() handled by the thread that does not block it", handled == 1 && handler_tid == worker_tid);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);

    /* sigwait in a dedicated thread (all threads block the signal). */
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, NULL);
    pthread_create(&t, NULL, sigwaiter, &term);
    nap_ms(50);
    kill(getpid(), SIGTERM);
    pthread_join(t, &res);
    check("sigwait in another thread took SIGTERM", (long)res == SIGTERM);

    /* pthread_cancel of a thread in pause() and of one in a condition wait. */
    go = 0;
    worker_tid = 0;
    pthread_create(&t, NULL, pauser, NULL);
    wait_for_worker();
    pthread_cancel(t);
    pthread_join(t, &res);
    check("cancel a thread in pause()", res == PTHREAD_CANCELED);
    worker_tid = 0;
    pthread_create(&t, NULL, waiter, NULL);
    wait_for_worker();
    pthread_cancel(t);
    pthread_join(t, &res);
    check("cancel a thread in pthread_cond_wait", res == PTHREAD_CANCELED);

    /* A thread spinning in app code takes a signal sent to it. */
    handled = 0;
    worker_tid = 0;
    pthread_create(&t, NULL, spinner, NULL);
    wait_for_worker();
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    check("a spinning thread ran the handler", spin_seen == 1 && handler_tid == worker_tid);
    return failures;
}
