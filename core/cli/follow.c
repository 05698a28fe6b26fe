/* Noticing that a profiled process replaced its program (execve): the PID
 * stays, the memory does not. The kernel gives no exec counter, but the
 * auxiliary vector the kernel builds for each new program (its entry
 * point, program headers, random bytes and file name, all at addresses
 * that change with the program and with ASLR) is a fingerprint of one
 * exec. Only read when samples start failing, so it costs nothing while
 * sampling works. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int follow_fingerprint(pid_t pid, struct exec_fingerprint *fp)
{
    char path[64];
    ssize_t n;
    int fd;

    fp->len = 0;
    snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, fp->auxv, sizeof fp->auxv);
    close(fd);
    if (n <= 0)
        return -1;
    fp->len = (size_t)n;
    return 0;
}

int follow_exec_happened(pid_t pid, const struct exec_fingerprint *before)
{
    struct exec_fingerprint now;

    if (before->len == 0 || follow_fingerprint(pid, &now) != 0)
        return 0;
    return now.len != before->len || memcmp(now.auxv, before->auxv, now.len) != 0;
}

void follow_program_name(pid_t pid, char *buf, size_t len)
{
    char path[64];
    ssize_t n;

    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    n = readlink(path, buf, len - 1);
    if (n < 0)
        n = 0;
    buf[n] = '\0';
    if (!n)
        snprintf(buf, len, "an unknown program");
}
