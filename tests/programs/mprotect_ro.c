/* mprotect(PROT_READ) is enforced: reading still works, a write kills with SIGSEGV (139). */
#include <stdio.h>
#include <sys/mman.h>
#include "util.h"

int main(void)
{
    volatile char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    p[4096] = 'A';
    check("mprotect the middle page PROT_READ", mprotect((void *)(p + 4096), 4096, PROT_READ) == 0);
    check("read-only page still readable", p[4096] == 'A');
    p[0] = 'B';
    p[2 * 4096] = 'C';
    check("neighbour pages still writable", p[0] == 'B' && p[2 * 4096] == 'C');
    printf("writing to the read-only page\n");
    fflush(stdout);
    p[4096 + 8] = 'X';
    printf("the write went through: protection not enforced\n");
    return 0;
}
