/* Pipes between threads: a blocking read waits for a writer thread, a blocking write larger
 * than the pipe waits for the reader, poll() wakes when another thread writes, and closing
 * the write end gives the reader end of file. */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TOTAL (1 << 20)
static int data_pipe[2], ping[2], pong[2];

static void *producer(void *arg)
{
    (void)arg;
    static unsigned char buf[3 * 65536 + 123]; /* one write bigger than the pipe */
    size_t sent = 0;
    unsigned char v = 0;
    while (sent < TOTAL) {
        size_t n = sizeof buf;
        if (n > TOTAL - sent)
            n = TOTAL - sent;
        for (size_t i = 0; i < n; i++)
            buf[i] = v++;
        ssize_t w = write(data_pipe[1], buf, n);
        if (w != (ssize_t)n) {
            printf("short blocking write: %zd of %zu\n", w, n);
            return NULL;
        }
        sent += n;
    }
    close(data_pipe[1]);
    return NULL;
}

static void *ponger(void *arg)
{
    (void)arg;
    char c;
    for (int i = 0; i < 500; i++) {
        if (read(ping[0], &c, 1) != 1)
            return (void *)1;
        c++;
        if (write(pong[1], &c, 1) != 1)
            return (void *)1;
    }
    return NULL;
}

static void *late_writer(void *arg)
{
    usleep(20000);
    write(*(int *)arg, "z", 1);
    return NULL;
}

int main(void)
{
    pipe(data_pipe);
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    uint64_t sum = 0, count = 0;
    unsigned char expect = 0, buf[4096];
    int in_order = 1;
    for (;;) {
        ssize_t r = read(data_pipe[0], buf, sizeof buf);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] != expect++)
                in_order = 0;
            sum += buf[i];
        }
        count += r;
    }
    pthread_join(p, NULL);
    printf("bytes=%llu sum=%llu in_order=%d\n", (unsigned long long)count, (unsigned long long)sum, in_order);

    pipe(ping);
    pipe(pong);
    pthread_t q;
    pthread_create(&q, NULL, ponger, NULL);
    char c = 0;
    int ok = 1;
    for (int i = 0; i < 500; i++) {
        char s = (char)i;
        write(ping[1], &s, 1);
        if (read(pong[0], &c, 1) != 1 || c != (char)(i + 1))
            ok = 0;
    }
    void *qr;
    pthread_join(q, &qr);
    printf("ping-pong over pipes ok=%d\n", ok && qr == NULL);

    int lp[2];
    pipe(lp);
    pthread_t l;
    pthread_create(&l, NULL, late_writer, &lp[1]);
    struct pollfd pf = {.fd = lp[0], .events = POLLIN};
    int n = poll(&pf, 1, 5000);
    printf("poll woke: n=%d revents_in=%d\n", n, (pf.revents & POLLIN) != 0);
    pthread_join(l, NULL);
    return 0;
}
