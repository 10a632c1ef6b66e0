/* Calls every system call number with arguments drawn from a pool of awkward values (NULL,
 * -1, kernel addresses, unmapped and read-only addresses, huge sizes, a scratch buffer). The
 * kernel must answer each call (an error is fine) and never panic. Calls that would end the
 * program, change its memory map or TLS, or block forever are skipped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t rng = 88172645463325252ULL;
static void seed(const char *s) { if (s) rng ^= strtoull(s, 0, 0) * 0x9e3779b97f4a7c15ULL; }
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 3;
  seed(argc > 2 ? argv[2] : 0);
  static char scratch[1 << 16] __attribute__((aligned(4096)));
  char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *none = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int out = dup(2);
  if (dup2(out, 700) < 0) return 2;
  uint64_t pool[] = {
    0, 1, 2, 3, 7, 64, 4096, 65536, (uint64_t)-1, (uint64_t)-100, 0x7fffffff, 0x80000000,
    0xffffffffull, 0x7fffffffffffffffull, 0xffff800000000000ull, 0xffffffff80100000ull,
    0x1000, 0x10000, 0xdead0000ull, (uint64_t)(uintptr_t)scratch, (uint64_t)(uintptr_t)scratch + 4000,
    (uint64_t)(uintptr_t)ro, (uint64_t)(uintptr_t)none, (uint64_t)(uintptr_t)"/tmp", (uint64_t)(uintptr_t)"/",
    (uint64_t)(uintptr_t)"/proc/self/maps", 0x800, 0x80000, 0x101, 0x42,
  };
  const int np = sizeof pool / sizeof pool[0];
  long calls = 0;
  for (int r = 0; r < rounds; r++) {
    for (long nr = 0; nr < 470; nr++) {
      switch (nr) {
        case SYS_exit: case SYS_exit_group: case SYS_rt_sigreturn: case SYS_arch_prctl:
        case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_mremap: case SYS_madvise:
        case SYS_brk: case SYS_kill: case SYS_tkill: case SYS_tgkill: case SYS_nanosleep:
        case SYS_clock_nanosleep: case SYS_poll: case SYS_ppoll: case SYS_select:
        case SYS_pselect6: case SYS_pause: case SYS_read: case SYS_readv: case SYS_pread64:
        case SYS_preadv: case SYS_execve: case SYS_execveat: case SYS_fork: case SYS_vfork:
        case SYS_clone: case SYS_clone3: case SYS_set_tid_address: case SYS_rt_sigsuspend:
        case SYS_wait4: case SYS_waitid: case SYS_futex: case SYS_epoll_wait: case SYS_epoll_pwait:
        case SYS_msync: case SYS_mlockall: case SYS_shmat: case SYS_remap_file_pages:
        case SYS_sendfile: case SYS_rseq: case SYS_io_uring_enter: case SYS_epoll_pwait2:
        case SYS_accept: case SYS_accept4: case SYS_recvfrom: case SYS_recvmsg: case SYS_recvmmsg:
        case 449: /* futex_waitv: may wait for good */
          continue;
      }
      uint64_t a[6];
      for (int i = 0; i < 6; i++) a[i] = pool[next() % np];
      memset(scratch, 0x41, 256);
      syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      calls++;
    }
  }
  dprintf(700, "survived %ld calls\n", calls);
  return 0;
}
