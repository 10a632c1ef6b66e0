/* Prints a greeting, its arguments and its environment (sorted: the host's runner orders the
 * environment its own way), then exits with argc - 1. The harness runs it on the host with
 * the same arguments and environment and diffs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    printf("hello from osprey test\n");
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    int n = 0;
    while (environ[n])
        n++;
    char **env = malloc((n + 1) * sizeof *env);
    memcpy(env, environ, (n + 1) * sizeof *env);
    qsort(env, n, sizeof *env, cmp);
    for (int i = 0; i < n; i++)
        printf("env: [%s]\n", env[i]);
    /* The order the program really got, for the test of osprey's own ordering. */
    for (char **e = environ; *e; e++)
        fprintf(stderr, "environ: [%s]\n", *e);
    return argc - 1;
}
