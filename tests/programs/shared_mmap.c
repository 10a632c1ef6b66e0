/* MAP_SHARED file mappings as sqlite's WAL index uses them: the mapping and read()/write()
 * see each other both ways, two mappings of one file share their bytes, truncation zeroes the
 * cut part and drops whole pages (touching them is SIGBUS), msync validates like Linux, and a
 * writable shared mapping needs a file opened for writing. The last step touches a page past
 * the end of the file: the program dies of SIGBUS (status 135), on Linux as in Osprey. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "util.h"

#define PAGE 4096L

static int all_zero(const volatile char *p, long n)
{
    for (long i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

int main(void)
{
    char path[] = "/tmp/osprey-shm-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    check("ftruncate to 3 pages", ftruncate(fd, 3 * PAGE) == 0);
    check("pwrite before mmap", pwrite(fd, "hello", 5, 0) == 5);

    volatile char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("mmap MAP_SHARED read/write", p != MAP_FAILED);
    if (p == MAP_FAILED)
        return failures;
    check("written before mmap: seen", memcmp((const char *)p, "hello", 5) == 0);
    check("holes read as zero", all_zero(p + 5, 3 * PAGE - 5));

    /* write() after the page is mapped shows through the mapping. */
    check("pwrite after mmap", pwrite(fd, "after", 5, 100) == 5);
    check("pwrite seen through the mapping", memcmp((const char *)p + 100, "after", 5) == 0);
    check("pwrite into an untouched page", pwrite(fd, "later", 5, 2 * PAGE + 50) == 5);
    check("seen when that page is first touched",
          memcmp((const char *)p + 2 * PAGE + 50, "later", 5) == 0);

    /* Stores through the mapping show in read(). */
    p[PAGE + 7] = 'M';
    memcpy((char *)p + 2 * PAGE, "stored", 6);
    char buf[16] = {0};
    check("pread sees a store", pread(fd, buf, 1, PAGE + 7) == 1 && buf[0] == 'M');
    check("pread sees a string store",
          pread(fd, buf, 6, 2 * PAGE) == 6 && memcmp(buf, "stored", 6) == 0);

    /* A second mapping of the same file (through another descriptor, read-only). */
    int ro = open(path, O_RDONLY);
    check("open read-only", ro >= 0);
    volatile char *q = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, ro, 0);
    check("second mapping, read-only", q != MAP_FAILED);
    check("it sees the first mapping's store", q[PAGE + 7] == 'M');
    p[PAGE + 8] = 'N';
    check("and stores made after it was touched", q[PAGE + 8] == 'N');
    errno = 0;
    check("mprotect PROT_WRITE on it: EACCES",
          mprotect((void *)q, PAGE, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
    errno = 0;
    check("mmap read/write shared of a read-only fd: EACCES",
          mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
              errno == EACCES);
    volatile char *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    check("private mapping of a read-only fd", priv != MAP_FAILED);
    priv[0] = 'P';
    check("a private store stays private", pread(fd, buf, 1, 0) == 1 && buf[0] == 'h');
    check("close the descriptors; the mappings stay", close(ro) == 0);

    /* msync: the data is already the file's; the arguments are checked like Linux. */
    check("msync MS_SYNC", msync((void *)p, 3 * PAGE, MS_SYNC) == 0);
    check("msync MS_ASYNC|MS_INVALIDATE, partial page", msync((void *)p, 10, MS_ASYNC | MS_INVALIDATE) == 0);
    errno = 0;
    check("msync MS_SYNC|MS_ASYNC: EINVAL",
          msync((void *)p, PAGE, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL);
    errno = 0;
    check("msync unaligned: EINVAL", msync((void *)(p + 1), PAGE, MS_SYNC) == -1 && errno == EINVAL);
    errno = 0;
    check("msync unknown flag: EINVAL", msync((void *)p, PAGE, 8) == -1 && errno == EINVAL);
    char *hole = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("a page followed by a hole", hole != MAP_FAILED && munmap(hole + PAGE, PAGE) == 0);
    errno = 0;
    check("msync over a hole: ENOMEM", msync(hole, 2 * PAGE, MS_SYNC) == -1 && errno == ENOMEM);

    /* MAP_SHARED|MAP_ANONYMOUS is memory like any other (no fork to share it with). */
    volatile char *a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    check("shared anonymous mapping", a != MAP_FAILED);
    a[PAGE] = 42;
    check("it keeps what is stored", a[PAGE] == 42 && a[0] == 0);

    /* So is a mapping of /dev/zero, the other way to ask for it. */
    int zero = open("/dev/zero", O_RDWR);
    volatile char *z = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
    check("shared mapping of /dev/zero", z != MAP_FAILED);
    z[10] = 7;
    check("it is zeroed memory that keeps stores", z[10] == 7 && z[0] == 0);
    check("close /dev/zero", close(zero) == 0);

    /* munmap: the file keeps the bytes; mapping again shows them. */
    check("munmap the read-only mapping", munmap((void *)q, 3 * PAGE) == 0);
    check("the file still has them", pread(fd, buf, 6, 2 * PAGE) == 6 && memcmp(buf, "stored", 6) == 0);

    /* Unlinked while mapped: the mapping keeps the file alive. */
    check("unlink while mapped", unlink(path) == 0);
    p[0] = 'H';
    check("still coherent after unlink", pread(fd, buf, 1, 0) == 1 && buf[0] == 'H');

    /* Shrink into the second page: its tail is zeroed in the mapping, the third page goes. */
    check("ftruncate to 1 page + 10 bytes", ftruncate(fd, PAGE + 10) == 0);
    check("bytes before the new end kept", p[PAGE + 7] == 'M' && p[PAGE + 8] == 'N');
    check("the cut tail of the page reads zero", all_zero(p + PAGE + 10, PAGE - 10));
    /* Grow again: the dropped page comes back as a hole, its old bytes gone. */
    check("ftruncate back to 3 pages", ftruncate(fd, 3 * PAGE) == 0);
    check("the dropped page reads zero", all_zero(p + 2 * PAGE, PAGE));
    p[2 * PAGE + 1] = 'R';
    check("and is the file's again", pread(fd, buf, 1, 2 * PAGE + 1) == 1 && buf[0] == 'R');

    /* Past the end of the file: SIGBUS, the page below still fine. */
    check("ftruncate to 1 page", ftruncate(fd, PAGE) == 0);
    check("the page below the end is still mapped", p[0] == 'H');
    printf("touching a page past the end of the file\n");
    fflush(stdout);
    volatile char c = p[PAGE + 7];
    printf("FAIL: no SIGBUS (read %d)\n", c);
    return 1;
}
