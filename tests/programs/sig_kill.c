/* Signals a single-threaded program sends itself: kill/raise with and without handlers, the
 * sigaction flags (SA_RESETHAND, SA_NODEFER, SA_SIGINFO), blocking and sigpending, ignoring,
 * sigtimedwait/sigwaitinfo, sigsuspend, queued real-time signals with values, signalfd.
 * `sig_kill term` ends by SIGTERM's default action (status 143), `sig_kill pipe` by SIGPIPE's
 * (141), `sig_kill alarm` by SIGALRM's (142); ITIMER_REAL and alarm() are checked too. Same output as on Linux. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static volatile int count, last_code, last_pid, last_uid, last_value, nodefer_unblocked;
static volatile int order[8], norder;

static void on_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    count++;
    last_code = si->si_code;
    last_pid = si->si_pid;
    last_uid = si->si_uid;
    if (sig >= SIGRTMIN && norder < 8)
        order[norder++] = si->si_value.sival_int;
}

static void on_nodefer(int sig)
{
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    nodefer_unblocked = !sigismember(&m, sig);
    count++;
}

static void set(int sig, void *h, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static int is_pending(int sig)
{
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, sig);
}

static void block(int how, int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "term") == 0) {
        printf("sending SIGTERM to myself\n");
        fflush(stdout);
        kill(getpid(), SIGTERM);
        printf("still alive\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "pipe") == 0) {
        int p[2];
        pipe(p);
        close(p[0]);
        printf("writing to a pipe without readers\n");
        fflush(stdout);
        write(p[1], "x", 1);
        printf("still alive\n");
        return 0;
    }

    if (argc > 1 && strcmp(argv[1], "alarm") == 0) {
        struct itimerval it = {{0, 0}, {0, 20000}};
        printf("waiting for SIGALRM\n");
        fflush(stdout);
        setitimer(ITIMER_REAL, &it, NULL);
        pause();
        printf("still alive\n");
        return 0;
    }

    if (argc > 1 && strcmp(argv[1], "stdin") == 0) {
        /* A read of a silent stdin, interrupted by SIGALRM's handler (no SA_RESTART). */
        set(SIGALRM, on_info, SA_SIGINFO);
        struct itimerval it = {{0, 0}, {0, 100000}};
        setitimer(ITIMER_REAL, &it, NULL);
        char c;
        show("read(0)", read(0, &c, 1));
        return 0;
    }

    int pp[2];
    signal(SIGPIPE, SIG_IGN);
    check("pipe", pipe(pp) == 0);
    close(pp[0]);
    check("SIGPIPE ignored: write fails with EPIPE", write(pp[1], "x", 1) == -1 && errno == EPIPE);
    close(pp[1]);
    signal(SIGPIPE, SIG_DFL);

    set(SIGTERM, on_info, SA_SIGINFO);
    check("kill(getpid(), SIGTERM) = 0", kill(getpid(), SIGTERM) == 0);
    check("the handler ran before kill returned", count == 1);
    check("si_code SI_USER", last_code == SI_USER);
    check("si_pid is ours", last_pid == getpid());
    check("si_uid is ours", last_uid == (int)getuid());
    raise(SIGTERM);
    check("raise: si_code SI_TKILL", count == 2 && last_code == SI_TKILL);

    set(SIGUSR1, on_info, SA_SIGINFO | SA_RESETHAND);
    raise(SIGUSR1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    check("SA_RESETHAND: back to SIG_DFL", count == 3 && now.sa_handler == SIG_DFL);

    set(SIGUSR1, on_nodefer, SA_NODEFER);
    raise(SIGUSR1);
    check("SA_NODEFER: not blocked in the handler", count == 4 && nodefer_unblocked);

    set(SIGUSR1, on_info, SA_SIGINFO);
    block(SIG_BLOCK, SIGUSR1);
    raise(SIGUSR1);
    raise(SIGUSR1);
    check("blocked: not delivered", count == 4);
    check("blocked: pending", is_pending(SIGUSR1));
    block(SIG_UNBLOCK, SIGUSR1);
    check("unblocked: delivered once (standard signals merge)", count == 5);
    check("no longer pending", !is_pending(SIGUSR1));

    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    check("ignored signal: nothing happens", count == 5 && !is_pending(SIGUSR2));
    block(SIG_BLOCK, SIGUSR2);
    raise(SIGUSR2);
    check("blocked ignored signal stays pending", is_pending(SIGUSR2));
    signal(SIGUSR2, SIG_DFL);
    signal(SIGUSR2, SIG_IGN);
    check("setting SIG_IGN discards it", !is_pending(SIGUSR2));
    signal(SIGUSR2, SIG_DFL);

    /* sigtimedwait / sigwaitinfo. */
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR2);
    struct timespec ts = {0, 50 * 1000 * 1000};
    siginfo_t si;
    int r = sigtimedwait(&w, &si, &ts);
    check("sigtimedwait with nothing pending: EAGAIN", r == -1 && errno == EAGAIN);
    raise(SIGUSR2);
    r = sigtimedwait(&w, &si, &ts);
    /* glibc's wrapper reports SI_TKILL as SI_USER; musl passes it through. */
    check("sigtimedwait takes the pending signal", r == SIGUSR2 && (si.si_code == SI_TKILL || si.si_code == SI_USER));
    kill(getpid(), SIGUSR2);
    r = sigwaitinfo(&w, &si);
    check("sigwaitinfo: SI_USER from kill", r == SIGUSR2 && si.si_code == SI_USER && si.si_pid == getpid());
    check("taken, so not pending", !is_pending(SIGUSR2));

    /* sigsuspend: the pending signal is delivered with the temporary mask. */
    raise(SIGUSR1 - 0); /* SIGUSR1 is unblocked: delivered now */
    int before = count;
    block(SIG_BLOCK, SIGUSR1);
    raise(SIGUSR1);
    sigset_t empty;
    sigemptyset(&empty);
    r = sigsuspend(&empty);
    check("sigsuspend returns -1 EINTR", r == -1 && errno == EINTR);
    check("the handler ran in sigsuspend", count == before + 1);
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    check("the mask is back after sigsuspend", sigismember(&m, SIGUSR1));
    block(SIG_UNBLOCK, SIGUSR1);

    /* ppoll with a mask: the pending signal gets through only while it waits. */
    before = count;
    block(SIG_BLOCK, SIGUSR1);
    raise(SIGUSR1);
    struct timespec second = {1, 0};
    r = ppoll(NULL, 0, &second, &empty);
    check("ppoll with an open mask: -1 EINTR after the handler", r == -1 && errno == EINTR && count == before + 1);
    sigprocmask(SIG_BLOCK, NULL, &m);
    check("the mask is back after ppoll", sigismember(&m, SIGUSR1));
    block(SIG_UNBLOCK, SIGUSR1);

    /* Real-time signals queue, each with its value, in order. */
    int rt = SIGRTMIN + 2;
    set(rt, on_info, SA_SIGINFO);
    block(SIG_BLOCK, rt);
    for (int i = 1; i <= 3; i++)
        sigqueue(getpid(), rt, (union sigval){.sival_int = i * 10});
    check("rt signal pending", is_pending(rt));
    norder = 0;
    block(SIG_UNBLOCK, rt);
    check("three queued rt signals, in order", norder == 3 && order[0] == 10 && order[1] == 20 && order[2] == 30);
    check("si_code SI_QUEUE", last_code == SI_QUEUE);

    /* signalfd: a blocked signal is read as a record. */
    block(SIG_BLOCK, SIGUSR2);
    int fd = signalfd(-1, &w, SFD_NONBLOCK | SFD_CLOEXEC);
    check("signalfd", fd >= 0);
    struct signalfd_siginfo rec;
    r = read(fd, &rec, sizeof rec);
    check("nothing pending: EAGAIN", r == -1 && errno == EAGAIN);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    check("poll: not readable", poll(&pfd, 1, 0) == 0);
    kill(getpid(), SIGUSR2);
    check("poll: readable", poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
    r = read(fd, &rec, sizeof rec);
    check("read one record", r == (int)sizeof rec);
    check("ssi_signo, ssi_code, ssi_pid", rec.ssi_signo == SIGUSR2 && rec.ssi_code == SI_USER && (int)rec.ssi_pid == getpid());
    check("taken by the read", !is_pending(SIGUSR2));
    close(fd);

    /* ITIMER_REAL: one shot, then periodic; alarm() reports what was left. */
    set(SIGALRM, on_info, SA_SIGINFO);
    before = count;
    struct itimerval it = {{0, 0}, {0, 30000}}, got;
    block(SIG_BLOCK, SIGALRM); /* so that it cannot come before the wait */
    check("setitimer one-shot", setitimer(ITIMER_REAL, &it, NULL) == 0);
    r = sigsuspend(&empty);
    check("SIGALRM ended the wait", r == -1 && errno == EINTR && count == before + 1);
    block(SIG_UNBLOCK, SIGALRM);
    check("si_code SI_KERNEL", last_code == SI_KERNEL);
    getitimer(ITIMER_REAL, &got);
    check("a one-shot timer is off after firing", got.it_value.tv_sec == 0 && got.it_value.tv_usec == 0);
    it.it_interval.tv_usec = 20000;
    setitimer(ITIMER_REAL, &it, NULL);
    while (count < before + 4)
        pause();
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, &got);
    check("a periodic timer fired three more times and was still armed",
          count == before + 4 && got.it_interval.tv_usec == 20000);
    alarm(5);
    check("alarm() returns the seconds left", alarm(0) == 5);
    getitimer(ITIMER_REAL, &got);
    check("alarm(0) disarms", got.it_value.tv_sec == 0 && got.it_value.tv_usec == 0);

    printf("handlers ran %d times\n", count);
    return failures;
}
