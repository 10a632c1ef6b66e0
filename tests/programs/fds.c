/* File descriptors: dup/dup2/dup3, pipe2, fcntl, lseek on a pipe, /dev/null and /dev/zero. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "util.h"

int main(void)
{
    int p[2];
    show("pipe2", pipe2(p, O_CLOEXEC));
    show("write to pipe", write(p[1], "through the pipe\n", 17));
    int avail = -1;
    show("ioctl(FIONREAD) on the pipe", ioctl(p[0], FIONREAD, &avail));
    printf("FIONREAD=%d\n", avail);
    char buf[64] = { 0 };
    show("read from pipe", read(p[0], buf, sizeof buf));
    printf("pipe said: %s", buf);
    show("lseek on a pipe (ESPIPE)", lseek(p[0], 0, SEEK_SET));
    show("fcntl(F_GETFD) is FD_CLOEXEC", fcntl(p[0], F_GETFD) == FD_CLOEXEC);
    show("fcntl(F_SETFD, 0)", fcntl(p[0], F_SETFD, 0));
    show("fcntl(F_GETFD) now", fcntl(p[0], F_GETFD));
    show("fcntl(F_GETFL) O_ACCMODE of the write end", fcntl(p[1], F_GETFL) & O_ACCMODE);
    show("fcntl(F_SETFL, O_NONBLOCK)", fcntl(p[0], F_SETFL, O_NONBLOCK));
    show("empty non-blocking read (EAGAIN)", read(p[0], buf, sizeof buf));
    int d = show("dup(1) is the lowest free fd", dup(1));
    show("write via dup", write(d, "via dup\n", 8));
    show("dup2(1, 9)", dup2(1, 9));
    show("write via fd 9", write(9, "via fd 9\n", 9));
    show("dup2(9, 9)", dup2(9, 9));
    show("dup3(9, 9, 0) (EINVAL)", dup3(9, 9, 0));
    show("dup3(1, 10, O_CLOEXEC)", dup3(1, 10, O_CLOEXEC));
    show("fcntl(10, F_GETFD)", fcntl(10, F_GETFD));
    show("fcntl(1, F_DUPFD, 20)", fcntl(1, F_DUPFD, 20));
    show("close(9)", close(9));
    show("write to closed fd (EBADF)", write(9, "x", 1));
    show("close(100) (EBADF)", close(100));
    show("read from fd -1 (EBADF)", read(-1, buf, 1));
    show("close write end", close(p[1]));
    show("read at EOF of the pipe", read(p[0], buf, sizeof buf));
    int z = show("open /dev/zero", open("/dev/zero", O_RDONLY));
    memset(buf, 1, sizeof buf);
    show("read /dev/zero", read(z, buf, sizeof buf));
    printf("zeros: %d\n", buf[0] == 0 && buf[63] == 0);
    int nul = show("open /dev/null", open("/dev/null", O_RDWR));
    show("write /dev/null", write(nul, buf, sizeof buf));
    show("read /dev/null", read(nul, buf, sizeof buf));
    show("ioctl(TCGETS) on /dev/null (ENOTTY)", ioctl(nul, TCGETS, buf));
    return 0;
}
