/* POSIX timers (timer_create and friends): a one-shot signal with its si_value and SI_TIMER
 * code, a periodic timer whose signal stays blocked (the missed expirations are overruns, in
 * si_overrun and timer_getoverrun), timer_gettime while armed and after disarming, SIGEV_NONE
 * polled with timer_gettime, an absolute CLOCK_REALTIME deadline, SIGEV_THREAD_ID to one
 * thread, SIGEV_THREAD (the libc's helper thread runs the function), and the errors. Same
 * output as on Linux. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static long ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static struct itimerspec spec(long value_ms, long interval_ms)
{
    struct itimerspec s = {
        .it_interval = {interval_ms / 1000, (interval_ms % 1000) * 1000000L},
        .it_value = {value_ms / 1000, (value_ms % 1000) * 1000000L},
    };
    return s;
}

static long spec_ms(const struct timespec *t)
{
    return t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

static volatile int got_sig, got_code, got_value;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
}

static timer_t thread_timer;
static volatile pid_t waiter_tid;
static volatile int waiter_code, waiter_sig;

static void *waiter(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    waiter_tid = gettid();
    siginfo_t si;
    int sig = sigwaitinfo(&s, &si);
    waiter_sig = sig;
    waiter_code = si.si_code;
    return NULL;
}

static sem_t notified;
static volatile int notify_value;

static void on_notify(union sigval v)
{
    notify_value = v.sival_int;
    sem_post(&notified);
}

int main(void)
{
    struct timespec t0;
    struct itimerspec its, cur;
    timer_t t;

    /* One-shot, SIGUSR1 to the process with a value. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    check("timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL)", timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    its = spec(30, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    check("timer_settime 30 ms", timer_settime(t, 0, &its, NULL) == 0);
    while (!got_sig)
        pause();
    long took = ms_since(&t0);
    check("the signal came after 30 ms", took >= 29);
    check("si_code SI_TIMER, si_value 42", got_sig == SIGUSR1 && got_code == SI_TIMER && got_value == 42);
    check("a fired one-shot timer reads 0", timer_gettime(t, &cur) == 0 && cur.it_value.tv_sec == 0 &&
                                                  cur.it_value.tv_nsec == 0);

    /* timer_gettime while armed, the old value from timer_settime, and disarming. */
    its = spec(1000, 0);
    timer_settime(t, 0, &its, NULL);
    timer_gettime(t, &cur);
    check("armed for 1 s: gettime between 900 and 1000 ms",
          spec_ms(&cur.it_value) > 900 && spec_ms(&cur.it_value) <= 1000 && cur.it_interval.tv_sec == 0 &&
              cur.it_interval.tv_nsec == 0);
    struct itimerspec zero = spec(0, 0), old;
    check("disarm", timer_settime(t, 0, &zero, &old) == 0);
    check("the old value came back", spec_ms(&old.it_value) > 900 && spec_ms(&old.it_value) <= 1000);
    timer_gettime(t, &cur);
    check("disarmed reads 0", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    check("timer_delete", timer_delete(t) == 0);

    /* Periodic, its signal blocked: the expirations after the first are overruns. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    ev.sigev_value.sival_int = 7;
    timer_create(CLOCK_MONOTONIC, &ev, &t);
    its = spec(10, 10);
    timer_settime(t, 0, &its, NULL);
    nap_ms(75);
    siginfo_t si;
    int sig = sigwaitinfo(&usr1, &si);
    int overrun = si.si_overrun;
    check("sigwaitinfo took the periodic timer's signal", sig == SIGUSR1 && si.si_code == SI_TIMER &&
                                                              si.si_value.sival_int == 7);
    check("si_overrun counts the blocked expirations (>= 3)", overrun >= 3);
    int gor = timer_getoverrun(t);
    check("timer_getoverrun == si_overrun", gor == overrun);
    timer_gettime(t, &cur);
    check("periodic: interval 10 ms, next within 10 ms",
          spec_ms(&cur.it_interval) == 10 && spec_ms(&cur.it_value) <= 10);
    timer_delete(t);
    /* A deleted timer's queued signal is never delivered (Linux 6.13+ drops it when it would
     * be taken; older kernels delivered it). */
    timer_create(CLOCK_MONOTONIC, &ev, &t);
    its = spec(5, 0);
    timer_settime(t, 0, &its, NULL);
    nap_ms(20);
    sigset_t pend;
    sigpending(&pend);
    check("its signal is pending", sigismember(&pend, SIGUSR1));
    timer_delete(t);
    got_sig = 0;
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    check("after timer_delete its signal is not delivered", got_sig == 0);

    /* SIGEV_NONE: no signal, timer_gettime follows the periods. */
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_NONE;
    timer_create(CLOCK_MONOTONIC, &ev, &t);
    its = spec(10, 20);
    timer_settime(t, 0, &its, NULL);
    nap_ms(45);
    timer_gettime(t, &cur);
    check("SIGEV_NONE: interval 20 ms, next within 20 ms",
          spec_ms(&cur.it_interval) == 20 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
              spec_ms(&cur.it_value) <= 20);
    timer_delete(t);

    /* An absolute deadline on CLOCK_REALTIME. */
    got_sig = 0;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 5;
    check("timer_create(CLOCK_REALTIME)", timer_create(CLOCK_REALTIME, &ev, &t) == 0);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    rt.tv_nsec += 40 * 1000000L;
    if (rt.tv_nsec >= 1000000000L) {
        rt.tv_sec++;
        rt.tv_nsec -= 1000000000L;
    }
    its.it_interval.tv_sec = its.it_interval.tv_nsec = 0;
    its.it_value = rt;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    timer_settime(t, TIMER_ABSTIME, &its, NULL);
    while (!got_sig)
        pause();
    took = ms_since(&t0);
    check("TIMER_ABSTIME on CLOCK_REALTIME: fired at the time", took >= 35 && got_value == 5);
    /* An absolute time already past fires at once. */
    got_sig = 0;
    its.it_value.tv_sec -= 10;
    timer_settime(t, TIMER_ABSTIME, &its, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!got_sig && ms_since(&t0) < 1000)
        pause();
    check("a past absolute time fires at once", got_sig == SIGUSR1);
    timer_delete(t);

    /* SIGEV_THREAD_ID: the signal goes to that thread (everyone blocks SIGUSR2). */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    pthread_t th;
    pthread_create(&th, NULL, waiter, NULL);
    while (!waiter_tid)
        nap_ms(1);
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGUSR2;
    /* glibc names the field sigev_notify_thread_id; musl has it in the union too. */
    ((int *)&ev)[4] = waiter_tid;
    check("timer_create(SIGEV_THREAD_ID)", timer_create(CLOCK_MONOTONIC, &ev, &thread_timer) == 0);
    its = spec(20, 0);
    timer_settime(thread_timer, 0, &its, NULL);
    pthread_join(th, NULL);
    check("the thread's sigwaitinfo took it", waiter_sig == SIGUSR2 && waiter_code == SI_TIMER);
    sigpending(&pend);
    check("nothing left for the process", !sigismember(&pend, SIGUSR2));
    timer_delete(thread_timer);

    /* SIGEV_THREAD: the libc runs the function in a thread of its own. */
    sem_init(&notified, 0, 0);
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = on_notify;
    ev.sigev_value.sival_int = 99;
    check("timer_create(SIGEV_THREAD)", timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    its = spec(20, 0);
    timer_settime(t, 0, &its, NULL);
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 5;
    check("the notify function ran with the value", sem_timedwait(&notified, &limit) == 0 && notify_value == 99);
    timer_delete(t);

    /* Errors. */
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    errno = 0;
    check("an unknown clock: EINVAL", timer_create(99, &ev, &t) == -1 && errno == EINVAL);
    ev.sigev_notify = 77;
    errno = 0;
    check("an unknown sigev_notify: EINVAL", timer_create(CLOCK_MONOTONIC, &ev, &t) == -1 && errno == EINVAL);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 0;
    errno = 0;
    check("signal 0: EINVAL", timer_create(CLOCK_MONOTONIC, &ev, &t) == -1 && errno == EINVAL);
    /* Raw system calls for the bad ids and values (the libcs map timer_t their own ways). */
    int kid = -1;
    ev.sigev_signo = SIGUSR1;
    check("raw timer_create", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid) == 0 && kid >= 0);
    struct itimerspec bad = spec(10, 0);
    bad.it_value.tv_nsec = 1000000000L;
    errno = 0;
    check("tv_nsec 1e9: EINVAL", syscall(SYS_timer_settime, kid, 0, &bad, NULL) == -1 && errno == EINVAL);
    errno = 0;
    check("a bad itimerspec pointer: EFAULT",
          syscall(SYS_timer_settime, kid, 0, (void *)8, NULL) == -1 && errno == EFAULT);
    check("raw timer_delete", syscall(SYS_timer_delete, kid) == 0);
    errno = 0;
    check("deleted: timer_delete EINVAL", syscall(SYS_timer_delete, kid) == -1 && errno == EINVAL);
    errno = 0;
    check("deleted: timer_gettime EINVAL", syscall(SYS_timer_gettime, kid, &cur) == -1 && errno == EINVAL);
    errno = 0;
    check("deleted: timer_getoverrun EINVAL", syscall(SYS_timer_getoverrun, kid) == -1 && errno == EINVAL);
    errno = 0;
    check("a bad timer id pointer: EFAULT",
          syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, (void *)8) == -1 && errno == EFAULT);
    printf("done\n");
    return failures;
}
