/* Dies the way the first argument says; the harness expects the status a shell reports on
 * Linux: null -> SIGSEGV (139), div -> SIGFPE (136), abort -> SIGABRT (134),
 * ud2 -> SIGILL (132). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile int divisor = 0;
/* Through a volatile variable: the compiler cannot see the NULL and drop or rewrite the store. */
int *volatile null_pointer = 0;

__attribute__((noinline)) void crash_null_write(void)
{
    *null_pointer = 42;
}

__attribute__((noinline)) int crash_divide(int x)
{
    return x / divisor;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: crash null|div|abort|ud2\n");
        return 2;
    }
    printf("about to crash: %s\n", argv[1]);
    fflush(stdout);
    if (!strcmp(argv[1], "null"))
        crash_null_write();
    else if (!strcmp(argv[1], "div"))
        printf("%d\n", crash_divide(7));
    else if (!strcmp(argv[1], "abort"))
        abort();
    else if (!strcmp(argv[1], "ud2"))
        __builtin_trap();
    printf("still alive\n");
    return 0;
}
