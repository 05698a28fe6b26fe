/* How fast --subprocesses learns about a new child, and what watching
 * costs: the process events connector against the /proc scan fallback.
 *
 *   build/bench/bench_child_watch [FORKS]
 *
 * Each round forks a child that sleeps 50 ms and exits; the latency is
 * from just before fork() to the watcher reporting the child. The scan
 * cost is one full /proc scan (what the fallback does every 20 ms).
 * Prints figures, asserts nothing. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/children.h"
#include "sampler/clock.h"

struct seen {
    pid_t want;
    uint64_t at;
};

static void on_event(void *ctx, const struct child_event *ev)
{
    struct seen *s = ctx;
    if (ev->kind == CHILD_NEW && ev->pid == s->want && !s->at)
        s->at = clock_now_ns();
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, int n)
{
    if (n == 0) {
        printf("%-28s no sample\n", what);
        return;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_u64);
    printf("%-28s n=%d  median %8.3f ms  p90 %8.3f ms  max %8.3f ms\n", what, n, v[n / 2] / 1e6,
           v[(n * 9) / 10] / 1e6, v[n - 1] / 1e6);
}

static int measure(const char *mode, int forks, uint64_t *lat)
{
    struct child_watch *w;
    int i, n = 0;

    setenv("TACHYON_CHILD_WATCH", mode, 1);
    if (child_watch_open(getpid(), &w))
        return 0;
    {
        struct seen none = { -1, 0 };
        child_watch_poll(w, on_event, &none);   /* the initial scan */
    }
    printf("%s: %s\n", mode, child_watch_mechanism(w));
    for (i = 0; i < forks; i++) {
        struct seen s = { 0, 0 };
        uint64_t start = clock_now_ns(), deadline = start + 200000000ull;
        pid_t pid = fork();
        if (pid == 0) {
            usleep(50000);
            _exit(0);
        }
        s.want = pid;
        while (!s.at && clock_now_ns() < deadline) {
            if (child_watch_fd(w) >= 0) {
                struct pollfd p = { child_watch_fd(w), POLLIN, 0 };
                poll(&p, 1, 20);
            } else {
                /* The fallback's schedule: one scan every 20 ms. */
                clock_sleep_until(start + 20000000ull * (uint64_t)(1 + (clock_now_ns() - start) / 20000000ull));
            }
            child_watch_poll(w, on_event, &s);
        }
        if (s.at)
            lat[n++] = s.at - start;
        waitpid(pid, NULL, 0);
    }
    child_watch_close(w);
    return n;
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : 100, n, i;
    uint64_t *lat = calloc((size_t)forks + 64, sizeof *lat);
    struct child_watch *w;
    FILE *load = fopen("/proc/loadavg", "r");
    char buf[64] = "";

    if (!lat || forks <= 0)
        return 1;
    if (load) {
        if (!fgets(buf, sizeof buf, load))
            buf[0] = '\0';
        fclose(load);
    }
    printf("load average: %s", buf);
    n = measure("connector", forks, lat);
    report("fork -> reported (connector)", lat, n);
    n = measure("scan", forks, lat);
    report("fork -> reported (scan)", lat, n);

    setenv("TACHYON_CHILD_WATCH", "scan", 1);
    if (child_watch_open(getpid(), &w) == 0) {
        for (i = 0; i < 50; i++) {
            struct seen none = { -1, 0 };
            uint64_t t0 = clock_now_ns();
            child_watch_poll(w, on_event, &none);
            lat[i] = clock_now_ns() - t0;
        }
        report("one /proc scan", lat, 50);
        child_watch_close(w);
    }
    free(lat);
    return 0;
}
