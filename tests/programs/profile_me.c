/* For `osprey run --profile`: spends about 400 ms of CPU in one named function, then sleeps
 * 300 ms (the CPU idles), so the profile must rank `spin_here` first among the app's
 * functions and show idle time. */
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile unsigned long sink;

__attribute__((noinline)) void spin_here(double seconds)
{
    double end = now() + seconds;
    while (now() < end)
        for (int i = 0; i < 100000; i++)
            sink += (unsigned long)i * i;
}

int main(void)
{
    spin_here(0.4);
    struct timespec t = {0, 300 * 1000 * 1000};
    nanosleep(&t, NULL);
    printf("done %lu\n", sink != 0);
    return 0;
}
