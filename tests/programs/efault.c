/* Every pointer an app passes is checked: bad ones give -1/EFAULT, never a crash.
 * Three kinds of bad pointer: (void *)1 (below any mapping), a kernel-half address (where
 * Osprey's own direct map lives: the kernel must not read or write it for the app), and an
 * address that was mapped and then unmapped. Raw syscall() everywhere so that libc (and the
 * host's vDSO) never touches the pointer itself. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

int main(void)
{
    char *unmapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (unmapped == MAP_FAILED || munmap(unmapped, 4096) != 0) {
        perror("mmap/munmap");
        return 100;
    }
    struct { const char *name; void *p; } bad[] = {
        { "one", (void *)1 },
        { "kernel", (void *)0xffff800000000000UL },
        { "unmapped", unmapped },
    };
    int zero = open("/dev/zero", O_RDONLY);
    if (zero < 0) {
        perror("/dev/zero");
        return 101;
    }
    char line[96];
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *n = bad[i].name;
        void *p = bad[i].p;
        snprintf(line, sizeof line, "read(/dev/zero, %s, 16)", n);
        show(line, syscall(SYS_read, zero, p, 16));
        snprintf(line, sizeof line, "write(stdout, %s, 16)", n);
        show(line, syscall(SYS_write, 1, p, 16));
        snprintf(line, sizeof line, "write(stderr, %s, 16)", n);
        show(line, syscall(SYS_write, 2, p, 16));
        snprintf(line, sizeof line, "stat(%s, buf)", n);
        char statbuf[256];
        show(line, syscall(SYS_stat, p, statbuf));
        snprintf(line, sizeof line, "stat(\"/\", %s)", n);
        show(line, syscall(SYS_stat, "/", p));
        snprintf(line, sizeof line, "newfstatat(AT_FDCWD, \"/\", %s, 0)", n);
        show(line, syscall(SYS_newfstatat, AT_FDCWD, "/", p, 0));
        snprintf(line, sizeof line, "fstat(/dev/zero, %s)", n);
        show(line, syscall(SYS_fstat, zero, p));
        snprintf(line, sizeof line, "clock_gettime(CLOCK_MONOTONIC, %s)", n);
        show(line, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
        snprintf(line, sizeof line, "clock_gettime(CLOCK_REALTIME, %s)", n);
        show(line, syscall(SYS_clock_gettime, CLOCK_REALTIME, p));
        snprintf(line, sizeof line, "openat(AT_FDCWD, %s, O_RDONLY)", n);
        show(line, syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
        snprintf(line, sizeof line, "open(%s, O_RDONLY)", n);
        show(line, syscall(SYS_open, p, O_RDONLY));
        snprintf(line, sizeof line, "uname(%s)", n);
        show(line, syscall(SYS_uname, p));
        snprintf(line, sizeof line, "getrandom(%s, 16, 0)", n);
        show(line, syscall(SYS_getrandom, p, 16, 0));
        snprintf(line, sizeof line, "getcwd(%s, 64)", n);
        show(line, syscall(SYS_getcwd, p, 64));
        snprintf(line, sizeof line, "nanosleep(%s, NULL)", n);
        show(line, syscall(SYS_nanosleep, p, NULL));
        snprintf(line, sizeof line, "pipe2(%s, 0)", n);
        show(line, syscall(SYS_pipe2, p, 0));
    }
    printf("still alive\n");
    return 0;
}
