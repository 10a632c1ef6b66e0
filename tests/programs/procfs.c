/* /proc and /etc: the files programs read at startup are there and look like Linux's.
 * stdout is the same on the host and in the guest; values that legitimately differ
 * (MemTotal, the CPU count) go to stderr as "key=value" lines for the harness to check. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util.h"

static char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap + 1);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            s = realloc(s, cap + 1);
        }
        ssize_t n = read(fd, s + len, cap - len);
        if (n <= 0)
            break;
        len += n;
    }
    close(fd);
    s[len] = 0;
    return s;
}

int main(int argc, char **argv)
{
    (void)argc;
    char exe[PATH_MAX] = { 0 };
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    check("readlink /proc/self/exe", n > 0);
    char real[PATH_MAX];
    check("/proc/self/exe is the program (realpath of argv[0])",
          n > 0 && realpath(argv[0], real) && !strcmp(real, exe));
    fprintf(stderr, "exe=%s\n", exe);

    char *maps = slurp("/proc/self/maps");
    check("/proc/self/maps readable", maps != NULL);
    if (maps) {
        check("maps names the executable", strstr(maps, exe) != NULL);
        check("maps has [stack]", strstr(maps, "[stack]") != NULL);
        check("maps has an r-xp mapping", strstr(maps, " r-xp ") != NULL);
        /* Every line: start-end perms offset dev inode [path] */
        int lines = 0, good = 0;
        for (char *l = maps; *l;) {
            char *nl = strchr(l, '\n');
            unsigned long a, b, off, ino;
            char perms[8];
            unsigned maj, min;
            if (sscanf(l, "%lx-%lx %4s %lx %x:%x %lu", &a, &b, perms, &off, &maj, &min, &ino) == 7 && a < b)
                good++;
            lines++;
            if (!nl)
                break;
            l = nl + 1;
        }
        check("every maps line parses", lines > 0 && lines == good);
    }

    char *cpu = slurp("/proc/cpuinfo");
    check("/proc/cpuinfo readable", cpu != NULL);
    if (cpu) {
        check("cpuinfo has processor", strstr(cpu, "processor\t: 0") != NULL);
        check("cpuinfo has vendor_id", strstr(cpu, "vendor_id") != NULL);
        check("cpuinfo has flags", strstr(cpu, "\nflags\t\t: ") != NULL);
        int cpus = 0;
        for (char *p = cpu; (p = strstr(p, "processor\t:")); p++)
            cpus++;
        fprintf(stderr, "cpus=%d\n", cpus);
    }

    char *mem = slurp("/proc/meminfo");
    check("/proc/meminfo readable", mem != NULL);
    if (mem) {
        long total = -1, avail = -1, free_ = -1;
        char *p = strstr(mem, "MemTotal:");
        if (p)
            total = strtol(p + 9, NULL, 10);
        p = strstr(mem, "MemFree:");
        if (p)
            free_ = strtol(p + 8, NULL, 10);
        p = strstr(mem, "MemAvailable:");
        if (p)
            avail = strtol(p + 13, NULL, 10);
        check("meminfo starts with MemTotal", !strncmp(mem, "MemTotal:", 9));
        check("MemTotal > 0 kB", total > 0);
        check("0 < MemFree <= MemTotal", free_ > 0 && free_ <= total);
        check("MemAvailable <= MemTotal", avail > 0 && avail <= total);
        fprintf(stderr, "memtotal_kb=%ld\n", total);
    }

    char *passwd = slurp("/etc/passwd");
    check("/etc/passwd readable", passwd != NULL);
    check("/etc/passwd has root with uid 0", passwd && !strncmp(passwd, "root:x:0:0:", 11));
    char *group = slurp("/etc/group");
    check("/etc/group has root", group && !strncmp(group, "root:x:0:", 9));
    char *hosts = slurp("/etc/hosts");
    check("/etc/hosts has localhost", hosts && strstr(hosts, "127.0.0.1") && strstr(hosts, "localhost"));
    return failures;
}
