/* Exits the way argv[1] says: "exit N" -> exit(N), "_exit N" -> _exit(N), "return N" ->
 * return N from main, "exit_group N" -> the raw exit_group system call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: exit_status exit|_exit|return|exit_group N\n");
        return 2;
    }
    int n = atoi(argv[2]);
    printf("leaving with %s %d\n", argv[1], n);
    if (!strcmp(argv[1], "exit"))
        exit(n);
    fflush(stdout);
    if (!strcmp(argv[1], "_exit"))
        _exit(n);
    if (!strcmp(argv[1], "exit_group"))
        syscall(SYS_exit_group, n);
    return n;
}
