/* clock N: N calls of clock_gettime(CLOCK_MONOTONIC) (through the vDSO, in Osprey as in Linux),
 * prints "LG_MICRO name=clock_gettime value=<ns per call>". gcc -O2 -static (glibc's static
 * startup finds the vDSO through AT_SYSINFO_EHDR too). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  struct timespec a, b, t;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) clock_gettime(CLOCK_MONOTONIC, &t);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
  printf("LG_MICRO name=clock_gettime value=%.1f\n", ns);
  return 0;
}
