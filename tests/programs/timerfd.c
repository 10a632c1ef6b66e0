/* timerfd: one-shot and periodic timers on CLOCK_MONOTONIC and CLOCK_REALTIME (relative and
 * absolute), blocking and non-blocking reads, poll, gettime, disarm, and the errors. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static long ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

int main(void)
{
    struct timespec t0;
    uint64_t n;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    printf("create: %s\n", fd >= 0 ? "ok" : strerror(errno));

    struct itimerspec its = {.it_interval = {0, 10 * 1000 * 1000}, .it_value = {0, 10 * 1000 * 1000}};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    timerfd_settime(fd, 0, &its, NULL);
    uint64_t total = 0;
    for (int i = 0; i < 3; i++) {
        if (read(fd, &n, 8) != 8 || n < 1)
            printf("bad read\n");
        total += n;
    }
    printf("periodic: 3 reads, >= 3 expirations: %d, took >= 28 ms: %d\n", total >= 3, ms_since(&t0) >= 28);

    struct itimerspec cur;
    timerfd_gettime(fd, &cur);
    printf("gettime: interval 10 ms: %d, value <= 10 ms: %d\n",
           cur.it_interval.tv_nsec == 10 * 1000 * 1000 && cur.it_interval.tv_sec == 0,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10 * 1000 * 1000);

    struct itimerspec off = {0};
    timerfd_settime(fd, 0, &off, NULL);
    timerfd_gettime(fd, &cur);
    printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

    int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    struct timespec now;
    /* The wait is measured from before the expiry time is computed (30 ms after `now`): a
     * start taken after settime would miss however long the vCPU was descheduled since. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec abs = {.it_value = now};
    abs.it_value.tv_nsec += 30 * 1000 * 1000;
    if (abs.it_value.tv_nsec >= 1000000000) { abs.it_value.tv_sec++; abs.it_value.tv_nsec -= 1000000000; }
    timerfd_settime(nb, TFD_TIMER_ABSTIME, &abs, NULL);
    ssize_t r = read(nb, &n, 8);
    printf("non-blocking before expiry: %zd %s\n", r, r < 0 && errno == EAGAIN ? "EAGAIN" : "?");
    struct pollfd pf = {.fd = nb, .events = POLLIN};
    int pr = poll(&pf, 1, 2000);
    printf("poll: %d revents_in=%d waited >= 20 ms: %d\n", pr, (pf.revents & POLLIN) != 0, ms_since(&t0) >= 20);
    r = read(nb, &n, 8);
    printf("one-shot read: %zd n=%llu\n", r, (unsigned long long)n);
    r = read(nb, &n, 8);
    printf("then: %zd %s\n", r, r < 0 && errno == EAGAIN ? "EAGAIN" : "?");

    int rc = timerfd_create(12345, 0);
    printf("bad clock: %d %s\n", rc, errno == EINVAL ? "EINVAL" : "?");
    rc = timerfd_create(CLOCK_MONOTONIC, 0x40);
    printf("bad flags: %d %s\n", rc, errno == EINVAL ? "EINVAL" : "?");
    uint32_t small;
    r = read(fd, &small, 4);
    printf("short buffer: %zd %s\n", r, errno == EINVAL ? "EINVAL" : "?");
    int p[2];
    pipe(p);
    rc = timerfd_settime(p[0], 0, &its, NULL);
    printf("settime on a pipe: %d %s\n", rc, errno == EINVAL ? "EINVAL" : "?");
    struct itimerspec badns = {.it_value = {0, 1000000000}};
    rc = timerfd_settime(fd, 0, &badns, NULL);
    printf("bad nsec: %d %s\n", rc, errno == EINVAL ? "EINVAL" : "?");
    return 0;
}
