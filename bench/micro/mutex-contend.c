/* mutex-contend: T threads (argv[2], default 2; not pinned: they use every CPU) share one
 * pthread mutex, each doing n/T times lock, counter++, unlock -> ns per lock+unlock (wall
 * time of the whole run / n: lower is more throughput). Checks the total. */
#include "micro.h"
#include <pthread.h>
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter, per;
static void *worker(void *arg) {
  (void)arg;
  for (long i = 0; i < per; i++) {
    pthread_mutex_lock(&mu);
    counter++;
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}
int main(int argc, char **argv) {
  long n = count_arg(argc, argv, 400000);
  int t = argc > 2 ? atoi(argv[2]) : 2;
  if (t < 1 || t > 64) t = 2;
  per = n / t;
  n = per * t;
  pthread_t th[64];
  uint64_t t0 = now_ns();
  for (int i = 0; i < t; i++) pthread_create(&th[i], NULL, worker, NULL);
  for (int i = 0; i < t; i++) pthread_join(th[i], NULL);
  uint64_t dt = now_ns() - t0;
  if (counter != n) { printf("mutex-contend: counter %ld, expected %ld\n", counter, n); return 1; }
  char name[32];
  snprintf(name, sizeof name, "mutex-contend-%d", t);
  report(name, (double)dt / n, "ns/lock", n, dt);
  return 0;
}
