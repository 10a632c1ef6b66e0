/* Unknown system call numbers give -1/ENOSYS (and show up under --strace). */
#include <sys/syscall.h>
#include <unistd.h>
#include "util.h"

int main(void)
{
    show("syscall(1000, 1, 2, 3)", syscall(1000, 1, 2, 3));
    show("syscall(999)", syscall(999));
    show("syscall(0x7fffffff)", syscall(0x7fffffffL));
    show("syscall(-1)", syscall(-1L));
    return 0;
}
