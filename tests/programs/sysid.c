/* Who and where the program is: uname, hostname, ids, limits, CPUs, cwd. Printed as
 * key=value lines; the harness checks the guest's values (pid 1, hostname osprey, ...). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "util.h"

int main(void)
{
    struct utsname u;
    if (uname(&u) != 0) {
        perror("uname");
        return 1;
    }
    printf("sysname=%s\nnodename=%s\nrelease=%s\nversion=%s\nmachine=%s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
    char host[256] = { 0 };
    gethostname(host, sizeof host);
    printf("hostname=%s\n", host);
    printf("pid=%ld\nppid=%ld\ntid=%ld\n", (long)getpid(), (long)getppid(), (long)syscall(SYS_gettid));
    printf("uid=%d\neuid=%d\ngid=%d\negid=%d\n", getuid(), geteuid(), getgid(), getegid());
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        printf("affinity_cpus=%d\n", CPU_COUNT(&set));
    else
        printf("affinity_cpus=error\n");
    printf("nprocs=%d\n", get_nprocs());
    printf("sysconf_nprocessors_onln=%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf("pagesize=%ld\n", sysconf(_SC_PAGESIZE));
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) == 0)
        printf("stack_rlimit_ok=%d\n", rl.rlim_cur > 0);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        printf("nofile_rlimit_ok=%d\n", rl.rlim_cur >= 64);
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        printf("sysinfo_ok=%d\n", si.totalram > 0 && si.mem_unit > 0 && si.procs >= 1);
    else
        printf("sysinfo_ok=error\n");
    mode_t old = umask(077);
    umask(old);
    printf("umask=%03o\n", (unsigned)old);
    char cwd[4096];
    printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "(error)");
    printf("sched_yield=%d\n", sched_yield());
    return 0;
}
