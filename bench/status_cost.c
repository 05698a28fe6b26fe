/* Cost of one thread-status read versus one memory read of the target.
 *
 * Usage: bench_status_cost [ITERATIONS]
 * Forks a child that sleeps, then times, per call and in microseconds:
 *   - cpustat_read() of the child's main thread (a pread of its kept
 *     /proc/PID/task/TID/stat file plus parsing),
 *   - the same done the naive way (open, read, close every time),
 *   - an 8-byte mem_read() of the child through each memory backend.
 * Prints figures only (median of 5 runs); asserts nothing. */
#include "common/err.h"
#include "mem/reader.h"
#include "threads/cpustat.h"
#include "threads/statparse.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 5

/* Same address in the forked child: the bench reads it from there. */
static volatile uint64_t probe_word = 0x5441434859304e55ull;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof(double), cmp_double);
    return v[RUNS / 2];
}

static int naive_read(pid_t pid)
{
    char path[64], buf[1024];
    struct stat_fields f;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ERR_IO;
    n = read(fd, buf, sizeof(buf));
    close(fd);
    return n > 0 ? stat_parse(buf, (size_t)n, &f) : ERR_IO;
}

static double time_status(struct cpustat *cs, pid_t pid, long iters)
{
    struct cpustat_thread t;
    double t0 = now_us();
    long i;

    for (i = 0; i < iters; i++)
        if (cpustat_read(cs, pid, &t) < 0)
            return -1;
    return (now_us() - t0) / (double)iters;
}

static double time_naive(pid_t pid, long iters)
{
    double t0 = now_us();
    long i;

    for (i = 0; i < iters; i++)
        if (naive_read(pid) < 0)
            return -1;
    return (now_us() - t0) / (double)iters;
}

static double time_mem(struct mem_reader *r, long iters)
{
    uint64_t v;
    double t0 = now_us();
    long i;

    for (i = 0; i < iters; i++)
        if (mem_read(r, (uint64_t)(uintptr_t)&probe_word, &v, sizeof(v)) < 0 ||
            v != probe_word)
            return -1;
    return (now_us() - t0) / (double)iters;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    double status[RUNS], naive[RUNS], vm[RUNS], pm[RUNS];
    struct cpustat *cs = NULL;
    struct mem_reader *rv = NULL, *rp = NULL;
    int run, rc = 1;
    pid_t child;

    if (iters <= 0)
        iters = 20000;
    child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
            pause();
    }
    if (child < 0)
        return 1;
    if (cpustat_open(child, &cs) < 0 ||
        mem_reader_open_process(child, MEM_BACKEND_VM_READV, &rv) < 0 ||
        mem_reader_open_process(child, MEM_BACKEND_PROC_MEM, &rp) < 0) {
        fprintf(stderr, "bench_status_cost: %s\n", diag_message());
        goto out;
    }
    for (run = 0; run < RUNS; run++) {
        status[run] = time_status(cs, child, iters);
        naive[run] = time_naive(child, iters / 4);
        vm[run] = time_mem(rv, iters);
        pm[run] = time_mem(rp, iters);
        if (status[run] < 0 || naive[run] < 0 || vm[run] < 0 || pm[run] < 0) {
            fprintf(stderr, "bench_status_cost: a read failed: %s\n", diag_message());
            goto out;
        }
    }
    printf("status read, kept file + pread   %8.3f us\n", median(status));
    printf("status read, open+read+close     %8.3f us\n", median(naive));
    printf("memory read 8 B, process_vm_readv %7.3f us\n", median(vm));
    printf("memory read 8 B, /proc/PID/mem    %7.3f us\n", median(pm));
    printf("(median of %d runs of %ld calls; child pid %d)\n", RUNS, iters, (int)child);
    rc = 0;
out:
    cpustat_close(cs);
    mem_reader_close(rv);
    mem_reader_close(rp);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return rc;
}
