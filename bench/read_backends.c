/* Per-call cost of the two process memory backends.
 *
 * Usage: bench_read_backends [PID]
 * Without a PID it starts `/usr/bin/python3.11 -c "import time; time.sleep(60)"`
 * and reads inside its _PyRuntime. Prints figures only. */
#include "common/err.h"
#include "mem/reader.h"
#include "mem/reader_process.h"
#include "proc/maps.h"
#include "proc/process.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEATS 5

static pid_t g_spawned = -1;

static void stop_spawned(void)
{
    if (g_spawned > 0) {
        kill(g_spawned, SIGKILL);
        waitpid(g_spawned, NULL, 0);
        g_spawned = -1;
    }
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static pid_t spawn_python(void)
{
    char *argv[] = {"/usr/bin/python3.11", "-c", "import time; time.sleep(60)", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execv(argv[0], argv);
        _exit(127);
    }
    g_spawned = pid;
    return pid;
}

/* A readable range of at least `want` bytes: inside _PyRuntime when the
 * target is Python, else the largest readable ordinary mapping. */
static int pick_range(pid_t pid, uint64_t *addr, uint64_t *len)
{
    struct py_image img;
    struct proc_maps maps;
    size_t i;
    int rc, tries;

    for (tries = 0; tries < 250; tries++) {
        rc = proc_find_python(pid, &img);
        if (rc != ERR_NOTPYTHON || g_spawned <= 0)
            break;
        usleep(20000);
    }
    if (rc == 0 && img.runtime_size >= 4096) {
        *addr = img.runtime_addr;
        *len = img.runtime_size;
        return 0;
    }
    if ((rc = proc_maps_read(pid, &maps)))
        return rc;
    *len = 0;
    for (i = 0; i < maps.n; i++) {
        const struct proc_map *m = &maps.v[i];
        if (m->perms[0] != 'r' || m->path[0] == '[')
            continue;
        if (m->end - m->start > *len) {
            *addr = m->start;
            *len = m->end - m->start;
        }
    }
    proc_maps_free(&maps);
    return *len >= 4096 ? 0 : ERR_READ;
}

/* Best of REPEATS rounds of n reads of len bytes, in microseconds per call. */
static double time_read(struct mem_reader *r, uint64_t addr, size_t len, int n)
{
    static unsigned char buf[4096];
    double best = 1e30;
    int rep, i;
    for (i = 0; i < 100; i++)
        mem_read(r, addr, buf, len);
    for (rep = 0; rep < REPEATS; rep++) {
        double t0 = now_us(), dt;
        for (i = 0; i < n; i++)
            if (mem_read(r, addr, buf, len) != 0)
                return -1;
        dt = (now_us() - t0) / n;
        if (dt < best)
            best = dt;
    }
    return best;
}

static double time_readv(struct mem_reader *r, const struct mem_span *s, size_t ns, int n,
                         double *syscalls)
{
    double best = 1e30;
    int rep, i;
    uint64_t before;
    for (i = 0; i < 100; i++)
        mem_readv(r, s, ns);
    before = mem_reader_syscalls(r);
    for (rep = 0; rep < REPEATS; rep++) {
        double t0 = now_us(), dt;
        for (i = 0; i < n; i++)
            if (mem_readv(r, s, ns) != 0)
                return -1;
        dt = (now_us() - t0) / n;
        if (dt < best)
            best = dt;
    }
    *syscalls = (double)(mem_reader_syscalls(r) - before) / (REPEATS * n);
    return best;
}

int main(int argc, char **argv)
{
    static const enum mem_backend backends[] = {MEM_BACKEND_PROC_MEM, MEM_BACKEND_VM_READV};
    static const size_t sizes[] = {8, 256, 4096};
    static unsigned char bufs[4][8];
    struct mem_reader *r[2] = {NULL, NULL}, *autor = NULL;
    uint64_t addr = 0, len = 0;
    pid_t pid;
    size_t b, k;
    int rc = 1;

    if (argc > 1) {
        pid = (pid_t)strtol(argv[1], NULL, 10);
    } else {
        atexit(stop_spawned);
        pid = spawn_python();
        if (pid <= 0) {
            fprintf(stderr, "cannot start /usr/bin/python3.11\n");
            return 1;
        }
    }
    if (pick_range(pid, &addr, &len) != 0) {
        fprintf(stderr, "no readable range in %d: %s\n", (int)pid, diag_message());
        return 1;
    }
    for (b = 0; b < 2; b++) {
        if (mem_reader_open_process(pid, backends[b], &r[b]) != 0) {
            fprintf(stderr, "%s: %s\n", mem_backend_name(backends[b]), diag_message());
            goto out;
        }
    }
    if (mem_reader_open_process(pid, MEM_BACKEND_AUTO, &autor) == 0) {
        printf("pid %d, reading at 0x%llx (%llu bytes readable)\n", (int)pid,
               (unsigned long long)addr, (unsigned long long)len);
        printf("auto probe: proc_mem %.2f us, process_vm_readv %.2f us -> %s\n",
               mem_reader_probe_ns(autor, MEM_BACKEND_PROC_MEM) / 1000.0,
               mem_reader_probe_ns(autor, MEM_BACKEND_VM_READV) / 1000.0,
               mem_backend_name(mem_reader_backend(autor)));
    }
    printf("\n%-26s %12s %18s\n", "per call (us)", "proc_mem", "process_vm_readv");
    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        double t[2];
        for (b = 0; b < 2; b++)
            t[b] = time_read(r[b], addr, sizes[k], sizes[k] >= 4096 ? 2000 : 4000);
        printf("read %-21zu %12.3f %18.3f\n", sizes[k], t[0], t[1]);
    }
    {
        /* Four 8-byte spans within 2 KiB (coalesced on proc_mem), and four
         * spread 16 KiB apart (one pread each). */
        struct mem_span near[4], far[4];
        int have_far = len >= 3 * 16384 + 8;
        for (k = 0; k < 4; k++) {
            static const uint64_t near_off[4] = {2048, 0, 512, 64};
            near[k] = (struct mem_span){addr + near_off[k], bufs[k], 8};
            far[k] = (struct mem_span){addr + (have_far ? k * 16384 : 0), bufs[k], 8};
        }
        for (k = 0; k < 3; k++) {
            const struct mem_span *s = k == 0 ? near : far;
            double t[2], sc[2] = {0, 0};
            if (k == 1 && !have_far)
                continue;
            for (b = 0; b < 2; b++) {
                if (k < 2) {
                    t[b] = time_readv(r[b], s, 4, 3000, &sc[b]);
                } else {
                    /* The same four near spans as separate reads. */
                    double t0 = now_us(), best = 1e30;
                    int rep, i;
                    size_t j;
                    for (rep = 0; rep < REPEATS; rep++) {
                        t0 = now_us();
                        for (i = 0; i < 1000; i++)
                            for (j = 0; j < 4; j++)
                                mem_read(r[b], near[j].addr, near[j].buf, 8);
                        if ((now_us() - t0) / 1000 < best)
                            best = (now_us() - t0) / 1000;
                    }
                    t[b] = best;
                    sc[b] = 4;
                }
            }
            printf("%-26s %8.3f (%.0f) %14.3f (%.0f)\n",
                   k == 0 ? "readv 4 near spans" : k == 1 ? "readv 4 far spans" : "4 separate 8-byte reads",
                   t[0], sc[0], t[1], sc[1]);
        }
        printf("(in parentheses: system calls per operation)\n");
    }
    rc = 0;
out:
    mem_reader_close(autor);
    mem_reader_close(r[0]);
    mem_reader_close(r[1]);
    return rc;
}
