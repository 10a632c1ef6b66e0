/* flock: locks belong to open file descriptions (two opens of one file conflict, a dup
 * shares), LOCK_NB, conversion, unlock, close releases, a blocked LOCK_EX woken by another
 * thread's unlock, and the errors. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const char *r(int v)
{
    return v == 0 ? "0" : errno == EWOULDBLOCK ? "EWOULDBLOCK" : errno == EINVAL ? "EINVAL" : errno == EBADF ? "EBADF" : "other";
}

static int holder;
static void *unlock_later(void *arg)
{
    (void)arg;
    usleep(20000);
    flock(holder, LOCK_UN);
    return NULL;
}

int main(void)
{
    const char *path = "/tmp/flock-test";
    int a = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    int b = open(path, O_RDWR);
    printf("a LOCK_EX: %s\n", r(flock(a, LOCK_EX)));
    printf("b LOCK_EX|NB: %s\n", r(flock(b, LOCK_EX | LOCK_NB)));
    printf("b LOCK_SH|NB: %s\n", r(flock(b, LOCK_SH | LOCK_NB)));
    int c = dup(a);
    printf("dup of a LOCK_EX|NB (same description): %s\n", r(flock(c, LOCK_EX | LOCK_NB)));
    printf("a to LOCK_SH: %s\n", r(flock(a, LOCK_SH)));
    printf("b LOCK_SH|NB next to a shared one: %s\n", r(flock(b, LOCK_SH | LOCK_NB)));
    printf("b LOCK_EX|NB while a shares: %s\n", r(flock(b, LOCK_EX | LOCK_NB)));
    printf("b LOCK_UN: %s\n", r(flock(b, LOCK_UN)));
    close(a);
    printf("b LOCK_EX|NB with a still open through its dup: %s\n", r(flock(b, LOCK_EX | LOCK_NB)));
    close(c);
    printf("b LOCK_EX|NB once a's description is closed: %s\n", r(flock(b, LOCK_EX | LOCK_NB)));

    holder = b;
    int d = open(path, O_RDWR);
    pthread_t t;
    pthread_create(&t, NULL, unlock_later, NULL);
    printf("d LOCK_EX waits for the unlock: %s\n", r(flock(d, LOCK_EX)));
    pthread_join(t, NULL);

    printf("bad operation: %s\n", r(flock(d, 0)));
    printf("bad fd: %s\n", r(flock(99, LOCK_SH)));
    unlink(path);
    return 0;
}
