/* kmutex-contend: T threads (argv[2], default 2; not pinned: they use every CPU) each map and
 * unmap an anonymous page n/T times -> ns per mmap+munmap pair (wall time of the whole run / n).
 * Every pair takes the kernel's lock on the process's memory map twice (Osprey: its lock-free
 * sleeping mutex; Linux: mmap_lock, an rwsem taken for writing), so this is contention on a
 * kernel mutex, where mutex-contend is contention on the app's own pthread mutex. The page is
 * never touched: no page fault, and no TLB entry for munmap to shoot down. */
#include "micro.h"
#include <pthread.h>
#include <sys/mman.h>
static long per;
static volatile int failed;
static void *worker(void *arg) {
  (void)arg;
  for (long i = 0; i < per; i++) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || munmap(p, 4096)) { failed = 1; break; }
  }
  return NULL;
}
int main(int argc, char **argv) {
  long n = count_arg(argc, argv, 100000);
  int t = argc > 2 ? atoi(argv[2]) : 2;
  if (t < 1 || t > 64) t = 2;
  per = n / t;
  n = per * t;
  pthread_t th[64];
  uint64_t t0 = now_ns();
  for (int i = 0; i < t; i++) pthread_create(&th[i], NULL, worker, NULL);
  for (int i = 0; i < t; i++) pthread_join(th[i], NULL);
  uint64_t dt = now_ns() - t0;
  if (failed) { printf("kmutex-contend: mmap or munmap failed\n"); return 1; }
  char name[32];
  snprintf(name, sizeof name, "kmutex-contend-%d", t);
  report(name, (double)dt / n, "ns/pair", n, dt);
  return 0;
}
