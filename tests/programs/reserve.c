/* Reserves 16 GiB PROT_NONE (as the JVM does for its heap): the reservation must cost nothing
 * until touched. Then makes a 1 MiB slice in the middle read-write and uses it, and 2 MiB at
 * the very end. reserve_touch.c checks that the rest really faults. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include "util.h"

#define RESERVE (16UL << 30)

int main(void)
{
    unsigned char *p = mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap 16 GiB PROT_NONE");
        return 1;
    }
    check("16 GiB PROT_NONE reservation", 1);
    unsigned char *slice = p + (8UL << 30);
    check("mprotect 1 MiB in the middle RW", mprotect(slice, 1UL << 20, PROT_READ | PROT_WRITE) == 0);
    uint64_t sum = 0;
    for (unsigned long i = 0; i < (1UL << 20); i += 512)
        slice[i] = (unsigned char)(i >> 9);
    for (unsigned long i = 0; i < (1UL << 20); i += 512)
        sum += slice[i];
    printf("slice sum=%llu\n", (unsigned long long)sum);
    unsigned char *end = p + RESERVE - (2UL << 20);
    check("mprotect the last 2 MiB RW", mprotect(end, 2UL << 20, PROT_READ | PROT_WRITE) == 0);
    end[0] = 1;
    end[(2UL << 20) - 1] = 2;
    check("last 2 MiB usable", end[0] + end[(2UL << 20) - 1] == 3);
    check("mprotect back to PROT_NONE", mprotect(slice, 1UL << 20, PROT_NONE) == 0);
    check("mprotect RW again gives the same data", mprotect(slice, 1UL << 20, PROT_READ | PROT_WRITE) == 0 && slice[512 * 3] == 3);
    check("munmap 16 GiB", munmap(p, RESERVE) == 0);
    /* Several reservations in a row: none may eat real memory. */
    int ok = 1;
    void *r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (r[i] == MAP_FAILED)
            ok = 0;
    }
    check("4 more 16 GiB reservations", ok);
    for (int i = 0; i < 4; i++)
        if (r[i] != MAP_FAILED)
            munmap(r[i], RESERVE);
    return failures;
}
