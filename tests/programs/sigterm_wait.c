/* Waits for SIGTERM or SIGINT with a handler, as a server does for a clean shutdown: prints
 * "ready", then "got N" when the signal comes and exits with status 3. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
    got = sig;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("ready\n");
    fflush(stdout);
    while (!got)
        pause();
    printf("got %d\n", (int)got);
    return 3;
}
