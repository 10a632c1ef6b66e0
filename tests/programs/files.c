/* File system calls in a fresh directory: argv[1] (default /tmp/osprey-files). Prints only
 * names relative to that directory, so the host run and the guest run print the same. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "util.h"

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists a directory with raw getdents64, sorted, with the d_type letter. */
static void list(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf("list %s: open failed %s\n", path, errno_name(errno));
        return;
    }
    char buf[512]; /* small on purpose: several getdents64 calls */
    char *names[64];
    int count = 0, dot = 0, dotdot = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n < 0) {
            printf("getdents64 failed %s\n", errno_name(errno));
            break;
        }
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (!strcmp(d->d_name, "."))
                dot = d->d_type == DT_DIR;
            else if (!strcmp(d->d_name, ".."))
                dotdot = d->d_type == DT_DIR;
            else if (count < 64) {
                char *s = malloc(strlen(d->d_name) + 3);
                char t = d->d_type == DT_DIR ? 'd' : d->d_type == DT_REG ? 'f' : d->d_type == DT_LNK ? 'l' : '?';
                sprintf(s, "%c %s", t, d->d_name);
                names[count++] = s;
            }
            off += d->d_reclen;
        }
    }
    close(fd);
    qsort(names, count, sizeof names[0], cmp);
    printf("listing (%d entries, . %s, .. %s):", count, dot ? "ok" : "MISSING", dotdot ? "ok" : "MISSING");
    for (int i = 0; i < count; i++) {
        printf(" [%s]", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/osprey-files";
    if (mkdir(dir, 0755) != 0) {
        printf("mkdir %s failed: %s\n", dir, errno_name(errno));
        return 1;
    }
    if (chdir(dir) != 0) {
        printf("chdir failed: %s\n", errno_name(errno));
        return 1;
    }
    umask(022);
    show("mkdir again (EEXIST)", mkdir(".", 0755));
    int fd = show("open a.txt O_CREAT|O_EXCL", open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0644));
    show("open a.txt O_CREAT|O_EXCL again", open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0644));
    const char *text = "hello file\nsecond line\n";
    show("write", write(fd, text, strlen(text)));
    struct iovec iov[2] = { { "vec one ", 8 }, { "vec two\n", 8 } };
    show("writev", writev(fd, iov, 2));
    show("lseek(0, SEEK_CUR)", lseek(fd, 0, SEEK_CUR));
    show("lseek(0, SEEK_SET)", lseek(fd, 0, SEEK_SET));
    char buf[256] = { 0 };
    long n = show("read", read(fd, buf, sizeof buf - 1));
    printf("read back: [%.*s]\n", (int)(n > 0 ? n : 0), buf);
    show("read at EOF", read(fd, buf, sizeof buf));
    show("pwrite at 6", pwrite(fd, "FILE", 4, 6));
    memset(buf, 0, sizeof buf);
    show("pread 10 at 0", pread(fd, buf, 10, 0));
    printf("pread: [%s]\n", buf);
    show("lseek(-5, SEEK_END)", lseek(fd, -5, SEEK_END));
    show("lseek(-1, SEEK_SET) (EINVAL)", lseek(fd, -1, SEEK_SET));
    show("lseek past the end", lseek(fd, 100, SEEK_SET));
    show("write past the end (hole)", write(fd, "!", 1));
    struct stat st;
    show("fstat", fstat(fd, &st));
    printf("fstat: size=%lld regular=%d mode=%o nlink=%lu\n", (long long)st.st_size, S_ISREG(st.st_mode), st.st_mode & 07777, (unsigned long)st.st_nlink);
    memset(buf, 'x', 8);
    show("pread in the hole", pread(fd, buf, 4, 50));
    printf("hole reads as zero: %d\n", buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0);
    show("close", close(fd));
    show("close again (EBADF)", close(fd));
    show("stat a.txt", stat("a.txt", &st));
    printf("stat: size=%lld\n", (long long)st.st_size);
    show("O_APPEND open", fd = open("a.txt", O_WRONLY | O_APPEND));
    show("append write", write(fd, "tail\n", 5));
    show("fstat after append", fstat(fd, &st));
    printf("size after append=%lld\n", (long long)st.st_size);
    close(fd);
    show("O_TRUNC open", fd = open("a.txt", O_RDWR | O_TRUNC));
    show("fstat after O_TRUNC", fstat(fd, &st));
    printf("size after O_TRUNC=%lld\n", (long long)st.st_size);
    write(fd, "short\n", 6);
    close(fd);
    show("rename a.txt -> b.txt", rename("a.txt", "b.txt"));
    show("stat a.txt after rename (ENOENT)", stat("a.txt", &st));
    show("stat b.txt", stat("b.txt", &st));
    printf("b.txt size=%lld\n", (long long)st.st_size);
    show("mkdir sub", mkdir("sub", 0700));
    show("stat sub", stat("sub", &st));
    printf("sub: dir=%d mode=%o\n", S_ISDIR(st.st_mode), st.st_mode & 07777);
    show("create sub/c", fd = open("sub/c", O_CREAT | O_WRONLY, 0600));
    close(fd);
    show("create sub/d via openat", fd = openat(AT_FDCWD, "sub/d", O_CREAT | O_WRONLY, 0600));
    close(fd);
    show("symlink b.txt -> link", symlink("b.txt", "link"));
    n = show("readlink link", readlink("link", buf, sizeof buf));
    printf("readlink: [%.*s]\n", (int)(n > 0 ? n : 0), buf);
    show("lstat link", lstat("link", &st));
    printf("lstat: symlink=%d\n", S_ISLNK(st.st_mode));
    show("stat through link", stat("link", &st));
    printf("stat through link: regular=%d size=%lld\n", S_ISREG(st.st_mode), (long long)st.st_size);
    list(".");
    list("sub");
    show("rmdir sub (ENOTEMPTY)", rmdir("sub"));
    show("unlink sub (EISDIR)", unlink("sub"));
    show("open b.txt O_DIRECTORY (ENOTDIR)", open("b.txt", O_RDONLY | O_DIRECTORY));
    show("open missing (ENOENT)", open("missing", O_RDONLY));
    show("open b.txt/x (ENOTDIR)", open("b.txt/x", O_RDONLY));
    show("open sub O_WRONLY (EISDIR)", open("sub", O_WRONLY));
    show("access b.txt R_OK", access("b.txt", R_OK));
    show("access missing F_OK (ENOENT)", access("missing", F_OK));
    show("unlink sub/c", unlink("sub/c"));
    show("unlinkat sub/d", unlinkat(AT_FDCWD, "sub/d", 0));
    show("rmdir sub", rmdir("sub"));
    show("rmdir sub again (ENOENT)", rmdir("sub"));
    show("unlink link", unlink("link"));
    show("unlink b.txt", unlink("b.txt"));
    show("unlink b.txt again (ENOENT)", unlink("b.txt"));
    list(".");
    getcwd(buf, sizeof buf);
    printf("getcwd is the directory: %d\n", !strcmp(buf, dir));
    show("chdir ..", chdir(".."));
    show("rmdir the test directory", rmdir(dir));
    return 0;
}
