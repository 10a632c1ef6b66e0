/* Preemption: threads that spin without any system call still share the CPU. The main thread
 * spins until a second thread, which also spins, has counted far enough; two spinners then
 * race to a total, and both must have made progress. */
#include <pthread.h>
#include <stdio.h>

static volatile int flag;
static volatile long a_count, b_count, stop;

static void *setter(void *arg)
{
    (void)arg;
    for (volatile long i = 0; i < 1000000; i++)
        ;
    flag = 1;
    return NULL;
}

static void *spin_a(void *arg)
{
    (void)arg;
    while (!stop)
        a_count++;
    return NULL;
}

static void *spin_b(void *arg)
{
    (void)arg;
    while (!stop)
        b_count++;
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, setter, NULL);
    while (!flag)
        ; /* no system call: only the timer can let the setter run */
    pthread_join(t, NULL);
    printf("the spinning main thread let the setter run\n");

    pthread_t a, b;
    pthread_create(&a, NULL, spin_a, NULL);
    pthread_create(&b, NULL, spin_b, NULL);
    while (a_count < 1000 || b_count < 1000)
        ;
    stop = 1;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("both spinners ran\n");
    return 0;
}
