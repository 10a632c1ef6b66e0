/* A PROT_NONE reservation really faults: reading it kills the program with SIGSEGV (139). */
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
    volatile unsigned char *p = mmap(NULL, 16UL << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    mprotect((void *)p, 4096, PROT_READ | PROT_WRITE);
    p[0] = 1;
    printf("first page usable, now touching the PROT_NONE part\n");
    fflush(stdout);
    unsigned char v = p[(4UL << 30) + 123];
    printf("read %u from PROT_NONE memory: protection not enforced\n", v);
    return 0;
}
