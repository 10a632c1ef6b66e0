/* timeit NAME REPS PROG ARGS...: runs PROG ARGS REPS times, one after the other, in the Linux
 * guest of bench/run.sh dyn, and prints "LG_MICRO name=NAME-<i> value=<ms>" for each run: the
 * time from just before fork() to waitpid() returning (process start to exit, as the benchmark
 * asks), on CLOCK_MONOTONIC. gcc -O2 -static. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: timeit NAME REPS PROG ARGS...\n");
    return 2;
  }
  int reps = atoi(argv[2]);
  for (int i = 0; i < reps; i++) {
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      execv(argv[3], argv + 3);
      perror("execv");
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) {
      perror("waitpid");
      return 1;
    }
    double t1 = now_ms();
    printf("LG_MICRO name=%s-%d value=%.3f status=%d\n", argv[1], i, t1 - t0,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    fflush(stdout);
  }
  return 0;
}
