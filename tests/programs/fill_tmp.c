/* Writes /tmp full: the in-memory file system must refuse with ENOSPC (it may hold at most
 * half of the VM's RAM) rather than let the kernel run out of memory; then the space must come
 * back when the file is removed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long fill(const char *path) {
  static char buf[65536];
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) { perror("open"); return -1; }
  long total = 0;
  for (;;) {
    ssize_t n = write(fd, buf, sizeof buf);
    if (n < 0) { printf("error=%s\n", strerror(errno)); break; }
    if (n == 0) break;
    total += n;
  }
  close(fd);
  return total;
}

int main(void) {
  long first = fill("/tmp/big");
  if (unlink("/tmp/big") != 0) { perror("unlink"); return 1; }
  long second = fill("/tmp/big2");
  printf("first_mib=%ld\nsecond_mib=%ld\n", first >> 20, second >> 20);
  printf("same=%d\n", first == second);
  return 0;
}
