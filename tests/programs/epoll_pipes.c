#define _GNU_SOURCE
/* Readiness APIs: eventfd (counter, semaphore, overflow, short buffers), epoll on pipes and
 * eventfds (level-triggered, EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE checks, nesting, ELOOP,
 * registrations gone with the last close), and threads: a writer thread wakes an epoll_wait
 * blocked with no timeout, an edge-triggered reader drains everything, a signal interrupts
 * epoll_wait with EINTR, and a timeout returns 0. Output is the same on Linux. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* epoll_wait with timeout 0, printed as "label: n [events/data ...]". */
static int show_wait(const char *label, int ep, int timeout)
{
    struct epoll_event evs[16];
    int n = epoll_wait(ep, evs, 16, timeout);
    printf("%s: %d", label, n);
    if (n < 0)
        printf(" %s", errno_name(errno));
    for (int i = 0; i < n; i++)
        printf(" [%#x/%llu]", evs[i].events, (unsigned long long)evs[i].data.u64);
    printf("\n");
    fflush(stdout);
    return n;
}

static void eventfds(void)
{
    uint64_t v = 0;
    int fd = eventfd(3, EFD_NONBLOCK);
    show("eventfd read short", read(fd, &v, 4));
    show("eventfd read", read(fd, &v, 8));
    printf("value %llu\n", (unsigned long long)v);
    show("eventfd read empty", read(fd, &v, 8));
    v = UINT64_MAX;
    show("eventfd write max", write(fd, &v, 8));
    v = UINT64_MAX - 1;
    show("eventfd write top", write(fd, &v, 8));
    v = 1;
    show("eventfd write overflow", write(fd, &v, 8));
    show("eventfd read top", read(fd, &v, 8));
    printf("value %llu\n", (unsigned long long)v);
    close(fd);
    fd = eventfd(2, EFD_NONBLOCK | EFD_SEMAPHORE | EFD_CLOEXEC);
    for (int i = 0; i < 3; i++) {
        v = 0;
        long r = read(fd, &v, 8);
        printf("semaphore read %ld value %llu\n", r, (unsigned long long)v);
    }
    printf("cloexec %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    show("eventfd bad flags", eventfd(0, 0x1000000));
    close(fd);
}

static void triggers(void)
{
    int a[2], b[2], c[2];
    pipe2(a, O_NONBLOCK);
    pipe2(b, O_NONBLOCK);
    pipe2(c, O_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    show("add level", add(ep, a[0], EPOLLIN, 1));
    show("add edge", add(ep, b[0], EPOLLIN | EPOLLET, 2));
    show("add oneshot", add(ep, c[0], EPOLLIN | EPOLLONESHOT, 3));
    show("add again", add(ep, a[0], EPOLLIN, 1));
    show_wait("idle", ep, 0);
    write(a[1], "x", 1);
    write(b[1], "x", 1);
    write(c[1], "x", 1);
    show_wait("all ready", ep, 0);
    show_wait("level only", ep, 0);
    write(b[1], "y", 1);
    show_wait("edge again", ep, 0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 33};
    show("mod oneshot", epoll_ctl(ep, EPOLL_CTL_MOD, c[0], &ev));
    show_wait("rearmed", ep, 0);
    char buf[8];
    read(a[0], buf, sizeof buf);
    close(a[1]);
    show_wait("hangup", ep, 0);
    show("del", epoll_ctl(ep, EPOLL_CTL_DEL, a[0], NULL));
    show("del again", epoll_ctl(ep, EPOLL_CTL_DEL, a[0], NULL));
    show("mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, a[0], &ev));
    show("add epfd to itself", add(ep, ep, EPOLLIN, 0));
    show("add closed fd", add(ep, 999, EPOLLIN, 0));
    show("add to a non-epoll", add(a[0], b[0], EPOLLIN, 0));
    char regpath[64];
    snprintf(regpath, sizeof regpath, "/tmp/epoll_regular-%d", getpid());
    int reg = open(regpath, O_CREAT | O_RDWR, 0644);
    show("add regular file", add(ep, reg, EPOLLIN, 0));
    close(reg);
    unlink(regpath);
    show("exclusive+oneshot", add(ep, a[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0));
    show("exclusive", add(ep, a[0], EPOLLIN | EPOLLEXCLUSIVE, 4));
    ev.events = EPOLLIN;
    show("mod exclusive", epoll_ctl(ep, EPOLL_CTL_MOD, a[0], &ev));
    struct epoll_event out[1];
    show("wait maxevents 0", epoll_wait(ep, out, 0, 0));
    show("wait not epoll", epoll_wait(a[0], out, 1, 0));
    show("create 0", epoll_create(0));
    show("create1 bad", epoll_create1(1));

    /* Nesting: an epoll inside an epoll; loops refused. */
    int inner = epoll_create1(0), outer = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    show("inner add", add(inner, e, EPOLLIN, 10));
    show("outer add inner", add(outer, inner, EPOLLIN, 20));
    show("loop", add(inner, outer, EPOLLIN, 0));
    show_wait("outer idle", outer, 0);
    uint64_t one = 1;
    write(e, &one, 8);
    show_wait("outer", outer, 0);
    show_wait("inner", inner, 0);

    /* A registration goes with the last descriptor of its description. */
    int ep2 = epoll_create1(0);
    int e2 = eventfd(1, EFD_NONBLOCK);
    int d = dup(e2);
    add(ep2, e2, EPOLLIN, 7);
    close(e2);
    show_wait("dup still open", ep2, 0);
    close(d);
    show_wait("all closed", ep2, 0);
    close(ep2);
    close(e);
    close(inner);
    close(outer);
    close(ep);
    for (int i = 0; i < 2; i++) {
        close(b[i]);
        close(c[i]);
    }
    close(a[0]);
}

#define ROUNDS 2000
static int data_pipe[2], efd;

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        char c = (char)i;
        while (write(data_pipe[1], &c, 1) != 1)
            usleep(100);
        if (i % 100 == 99) {
            uint64_t one = 1;
            write(efd, &one, 8);
        }
        if (i % 250 == 0)
            usleep(1000);
    }
    close(data_pipe[1]);
    return NULL;
}

static void threads(void)
{
    pipe2(data_pipe, O_NONBLOCK);
    efd = eventfd(0, EFD_NONBLOCK);
    int ep = epoll_create1(0);
    add(ep, data_pipe[0], EPOLLIN | EPOLLET | EPOLLRDHUP, 1);
    add(ep, efd, EPOLLIN | EPOLLET, 2);
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    long bytes = 0, ticks = 0, bad = 0;
    unsigned char expect = 0;
    int hup = 0;
    while (!hup) {
        struct epoll_event evs[4];
        int n = epoll_wait(ep, evs, 4, -1);
        if (n < 0) {
            if (errno != EINTR)
                bad++;
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == 2) {
                uint64_t v;
                while (read(efd, &v, 8) == 8)
                    ticks += v;
                continue;
            }
            /* Edge-triggered: read until EAGAIN or the end. */
            for (;;) {
                unsigned char buf[64];
                ssize_t r = read(data_pipe[0], buf, sizeof buf);
                if (r > 0) {
                    for (ssize_t j = 0; j < r; j++)
                        bad += buf[j] != expect++;
                    bytes += r;
                } else {
                    if (r == 0)
                        hup = 1;
                    break;
                }
            }
        }
    }
    pthread_join(t, NULL);
    uint64_t v;
    while (read(efd, &v, 8) == 8)
        ticks += v;
    printf("edge-triggered reader: bytes=%ld ticks=%ld bad=%ld\n", bytes, ticks, bad);
    close(data_pipe[0]);
    close(efd);
    close(ep);
}

static void on_alarm(int sig)
{
    (void)sig;
}

static pthread_t main_thread;

static void *interrupter(void *arg)
{
    (void)arg;
    usleep(50000);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}

static void waits(void)
{
    int ep = epoll_create1(0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    show_wait("timeout 50ms", ep, 50);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    check("timeout waited at least 50ms", ms >= 49);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART; /* epoll_wait is never restarted */
    sigaction(SIGUSR1, &sa, NULL);
    main_thread = pthread_self();
    pthread_t t;
    pthread_create(&t, NULL, interrupter, NULL);
    show_wait("interrupted", ep, -1);
    pthread_join(t, NULL);
    /* epoll_pwait with SIGUSR1 blocked during the wait: the timeout ends it instead. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    pthread_create(&t, NULL, interrupter, NULL);
    struct epoll_event ev[1];
    show("pwait with mask", epoll_pwait(ep, ev, 1, 150, &block));
    pthread_join(t, NULL);
    close(ep);
}

int main(void)
{
    eventfds();
    triggers();
    threads();
    waits();
    printf("done\n");
    return failures;
}
