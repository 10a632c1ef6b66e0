/* Maps 64 MiB anonymous memory, checks it reads as zero, writes every page, and checksums it.
 * Demand paging must give zeroed pages and keep what was written. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include "util.h"

#define SIZE (64UL << 20)
#define PAGE 4096UL

int main(void)
{
    unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap 64 MiB");
        return 1;
    }
    check("mapping is page aligned", ((uintptr_t)p & (PAGE - 1)) == 0);
    int zero = 1;
    for (unsigned long off = 0; off < SIZE; off += PAGE)
        if (p[off] != 0 || p[off + PAGE - 1] != 0)
            zero = 0;
    check("fresh pages read as zero", zero);
    for (unsigned long off = 0; off < SIZE; off += PAGE) {
        unsigned long page = off / PAGE;
        p[off] = (unsigned char)(page * 31 + 7);
        p[off + PAGE - 1] = (unsigned char)(page >> 3);
        *(uint64_t *)(p + off + 64) = page * 0x9e3779b97f4a7c15ULL;
    }
    uint64_t sum = 0;
    for (unsigned long off = 0; off < SIZE; off += PAGE)
        sum = sum * 1099511628211ULL + p[off] + p[off + PAGE - 1] + *(uint64_t *)(p + off + 64);
    printf("pages=%lu checksum=%016llx\n", SIZE / PAGE, (unsigned long long)sum);
    check("munmap", munmap(p, SIZE) == 0);
    /* Map again: the pages come back zeroed. */
    p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("second mmap", p != MAP_FAILED);
    if (p != MAP_FAILED) {
        zero = 1;
        for (unsigned long off = 0; off < SIZE; off += 16 * PAGE)
            if (p[off] != 0 || *(uint64_t *)(p + off + 64) != 0)
                zero = 0;
        check("remapped pages read as zero", zero);
    }
    return failures;
}
