/* pipe-herd: two threads (pinned to one CPU, see micro.h) hand a byte back and forth through two
 * pipes with blocking read/write, while argv[2] (default 64) other threads sit blocked on pipes
 * of their own that nobody writes (half in read(), half in poll()) -> ns per round trip.
 * What it measures: whether a wake-up reaches only the thread waiting on that pipe. A kernel
 * that wakes every blocked thread to look again (a thundering herd) slows down with each idle
 * thread; a thread-per-connection server or a JVM has hundreds of them. */
#include "micro.h"
#include <poll.h>
#include <pthread.h>
#include <unistd.h>
static int idle_pipe[1024][2], ab[2], ba[2];
static long n;
static void *idler(void *arg) {
  long i = (long)arg;
  char c;
  if (i % 2) {
    struct pollfd p = {idle_pipe[i][0], POLLIN, 0};
    poll(&p, 1, -1);
  }
  if (read(idle_pipe[i][0], &c, 1) != 1) abort();
  return NULL;
}
static void *partner(void *arg) {
  (void)arg;
  char c;
  for (long i = 0; i < n; i++) {
    if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1) abort();
  }
  return NULL;
}
int main(int argc, char **argv) {
  n = count_arg(argc, argv, 20000);
  long idle = argc > 2 ? atol(argv[2]) : 64;
  if (idle < 0 || idle > 1024) idle = 64;
  const char *pin = pin_arg(1, argv); /* always pinned; argv[2] is the idle count here */
  pthread_t t[1024], p;
  for (long i = 0; i < idle; i++) {
    if (pipe(idle_pipe[i])) abort();
    pthread_create(&t[i], NULL, idler, (void *)i);
  }
  if (pipe(ab) || pipe(ba)) abort();
  pthread_create(&p, NULL, partner, NULL);
  usleep(20000); /* let the idle threads block */
  char c = 'x';
  uint64_t t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) abort();
  }
  uint64_t dt = now_ns() - t0;
  pthread_join(p, NULL);
  for (long i = 0; i < idle; i++) {
    if (write(idle_pipe[i][1], "q", 1) != 1) abort();
    pthread_join(t[i], NULL);
  }
  char name[32];
  snprintf(name, sizeof name, "pipe-herd-%ld", idle);
  report_pin(name, (double)dt / n, "ns/roundtrip", n, dt, pin);
  return 0;
}
