/* Decoder throughput: for each CPython present, run a CPU-bound workload
 * 30 calls deep (tests/fixtures/py/stack.py spin 30) and sample its main
 * thread back to back for a fixed time with each memory backend. Prints
 * samples per CPU-second of this process (getrusage), read calls per
 * sample and the failure rate. Figures only; nothing is asserted.
 *
 *   bench_decoder [seconds-per-run]      (default 1.5) */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "intern/intern.h"
#include "mem/reader.h"
#include "proc/process.h"
#include "python/python.h"

static const char *const interpreters[] = {
    "/root/.pyenv/versions/3.11.7/bin/python3.11",
    "/root/.pyenv/versions/3.12.1/bin/python3.12",
    "/root/.pyenv/versions/3.13.0/bin/python3.13",
    "/usr/bin/python3.11",
};

static char fixture[4096];

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           u.ru_stime.tv_usec / 1e6;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start the workload and wait for its "ready" line. The pipe stays open
 * (in *out_fd) until the workload is killed, so it never writes into a
 * closed pipe. */
static pid_t spawn(const char *python, int *out_fd)
{
    int fds[2];
    char buf[64];
    size_t got = 0;
    pid_t pid;
    struct pollfd p;

    if (pipe(fds) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(python, python, fixture, "spin", "30", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    p.fd = fds[0];
    p.events = POLLIN;
    while (pid > 0 && got < sizeof buf - 1 && !memchr(buf, '\n', got)) {
        ssize_t k;
        if (poll(&p, 1, 20000) <= 0 || (k = read(fds[0], buf + got, sizeof buf - 1 - got)) <= 0)
            break;
        got += (size_t)k;
    }
    if (pid < 0 || !memchr(buf, '\n', got)) {
        close(fds[0]);
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        return -1;
    }
    *out_fd = fds[0];
    usleep(100000);
    return pid;
}

static uint32_t last_depth;

static int on_thread(void *ctx, const struct py_thread_sample *s)
{
    (void)ctx;
    last_depth = s->depth;
    return 0;
}

static void run(const char *python, pid_t pid, enum mem_backend backend, double seconds)
{
    struct py_image img;
    struct mem_reader *r = NULL;
    struct interner *in = NULL;
    struct py_target *t = NULL;
    struct py_sample_opts o;
    uint64_t n = 0, failures = 0, calls0;
    double c0, w0, cpu, wall;

    memset(&o, 0, sizeof o);
    if (proc_find_python(pid, &img) < 0 || mem_reader_open_process(pid, backend, &r) < 0 ||
        interner_create(&in) < 0 || py_target_open(r, &img, in, &t) < 0) {
        printf("%-46s %-10s open failed: %s\n", python, mem_backend_name(backend), diag_message());
        goto out;
    }
    calls0 = r->calls;
    c0 = cpu_seconds();
    w0 = now();
    do {
        int i;
        for (i = 0; i < 1000; i++, n++)
            if (py_target_sample(t, &o, on_thread, NULL) != 0)
                failures++;
    } while (now() - w0 < seconds);
    cpu = cpu_seconds() - c0;
    wall = now() - w0;
    printf("%-8s %-10s %10.0f samples/CPU-s %10.0f samples/s  %5.2f reads/sample  "
           "failures %.3f%%  depth %u\n",
           py_target_version(t), mem_backend_name(mem_reader_backend(r)), (double)n / cpu,
           (double)n / wall, (double)(r->calls - calls0) / (double)n, 100.0 * (double)failures / (double)n,
           last_depth);
out:
    py_target_close(t);
    if (r)
        mem_reader_close(r);
    if (in)
        interner_destroy(in);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 1.5;
    const char *slash;
    size_t i;

    snprintf(fixture, sizeof fixture, "%s", __FILE__);
    slash = strrchr(fixture, '/');
    if (slash)
        snprintf(fixture + (slash - fixture), sizeof fixture - (size_t)(slash - fixture),
                 "/../tests/fixtures/py/stack.py");
    if (seconds <= 0)
        seconds = 1.5;
    for (i = 0; i < sizeof interpreters / sizeof interpreters[0]; i++) {
        pid_t pid;
        int fd = -1;
        if (access(interpreters[i], X_OK) != 0)
            continue;
        pid = spawn(interpreters[i], &fd);
        if (pid < 0) {
            printf("%s: workload did not start\n", interpreters[i]);
            continue;
        }
        printf("%s (pid %d)\n", interpreters[i], (int)pid);
        run(interpreters[i], pid, MEM_BACKEND_VM_READV, seconds);
        run(interpreters[i], pid, MEM_BACKEND_PROC_MEM, seconds);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(fd);
    }
    return 0;
}
