/* The program break through the raw brk system call (musl's sbrk only answers sbrk(0)):
 * growing it page by page and beyond gives zeroed, usable memory; shrinking works and the
 * pages come back zeroed; brk below the start of the heap is refused (the break stays). */
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "util.h"

static char *cur_brk(void)
{
    return (char *)syscall(SYS_brk, 0);
}

/* sbrk on top of the raw call: returns the old break, or NULL when the break did not move. */
static char *grow(long inc)
{
    char *old = cur_brk();
    char *now = (char *)syscall(SYS_brk, old + inc);
    return now == old + inc ? old : NULL;
}

int main(void)
{
    /* stdio may allocate its buffer (possibly with brk) on first use: do that first. */
    printf("brk test\n");
    fflush(stdout);
    char *start = cur_brk();
    check("brk(0) returns the break", start != NULL && start != (char *)-1);
    check("brk(0) is stable", cur_brk() == start);
    const long step = 64 * 1024;
    const int steps = 64; /* 4 MiB */
    int zero = 1;
    for (int i = 0; i < steps; i++) {
        char *p = grow(step);
        if (!p) {
            printf("FAIL: brk step %d\n", i);
            return 1;
        }
        for (long j = 0; j < step; j += 4096) {
            if (p[j] != 0 || p[j + 4095] != 0)
                zero = 0;
            p[j] = (char)(i + j / 4096);
        }
    }
    check("grown memory reads as zero", zero);
    char *end = cur_brk();
    printf("grew by %ld bytes\n", (long)(end - start));
    uint64_t sum = 0;
    for (char *q = start; q < end; q += 4096)
        sum = sum * 31 + (unsigned char)*q;
    printf("checksum=%016llx\n", (unsigned long long)sum);
    /* Odd sizes: the break is byte-granular, the memory behind it page-granular. */
    char *a = grow(1);
    char *b = grow(4095);
    check("grow by 1 then by 4095 is contiguous", a && b == a + 1);
    if (b)
        b[4094] = 'x';
    /* Shrink back to the start. */
    check("shrink back to the start", (char *)syscall(SYS_brk, start) == start && cur_brk() == start);
    /* Grow again: the pages that were given back come back zeroed. */
    char *c = grow(2 * step);
    check("regrow", c == start);
    check("regrown memory is zeroed", c && c[0] == 0 && c[4096] == 0 && c[step] == 0);
    /* brk below the heap start fails and leaves the break where it was. */
    char *before = cur_brk();
    char *after = (char *)syscall(SYS_brk, 4096);
    check("brk(4096) leaves the break unchanged", before == after);
    /* A big jump: 32 MiB past the current break; only the touched pages cost memory. */
    char *big = grow(32L << 20);
    check("grow by 32 MiB", big != NULL);
    if (big) {
        big[(32L << 20) - 1] = 1;
        big[0] = 1;
        check("ends of a 32 MiB brk area usable", big[0] + big[(32L << 20) - 1] == 2);
    }
    return failures;
}
