/* How many CPUs the program is told it has, by every route a libc or a runtime takes:
 * get_nprocs/get_nprocs_conf and sysconf (glibc reads /sys/devices/system/cpu/online and
 * /proc/stat or /sys; musl asks sched_getaffinity), sched_getaffinity itself, the sysfs
 * files, and the "processor" lines of /proc/cpuinfo. Printed as key=value lines. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static void print_file(const char *key, const char *path)
{
    char buf[256] = { 0 };
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
        printf("%s=(unreadable)\n", key);
    } else {
        buf[strcspn(buf, "\n")] = 0;
        printf("%s=%s\n", key, buf);
    }
    if (f)
        fclose(f);
}

int main(void)
{
    printf("get_nprocs=%d\n", get_nprocs());
    printf("get_nprocs_conf=%d\n", get_nprocs_conf());
    printf("sysconf_onln=%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf("sysconf_conf=%ld\n", sysconf(_SC_NPROCESSORS_CONF));
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        printf("affinity=%d\n", CPU_COUNT(&set));
    else
        perror("sched_getaffinity");
    print_file("sys_online", "/sys/devices/system/cpu/online");
    print_file("sys_possible", "/sys/devices/system/cpu/possible");
    int processors = 0;
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "processor", 9) == 0)
            processors++;
    if (f)
        fclose(f);
    printf("cpuinfo_processors=%d\n", processors);
    return 0;
}
