/* A few system calls with known strace renderings, for the --strace test. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    write(1, "hello\n", 6);
    syscall(1000, 1, 2, 3);
    close(-1);
    write(2, "to stderr\n", 10);
    return 0;
}
