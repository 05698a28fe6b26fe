/* Thread stat tracker: the parser on crafted lines, and the tracker on this
 * very process: a spinning thread reads as on CPU, a blocked one does not,
 * CPU ticks grow while spinning, an exited thread is reported gone and its
 * file closed, files are re-read rather than reopened, and sweeps close the
 * files of threads no longer asked about. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/err.h"
#include "threads/cpustat.h"
#include "threads/statparse.h"

static void test_parse_plain(void)
{
    static const char line[] =
        "4242 (python3) S 1 4242 4242 34816 4242 4194304 1180 0 0 0 37 12 0 0 20 0 "
        "3 0 1234 20000000 2000 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 "
        "17 1 0 0 0 0 0\n";
    struct stat_fields f;

    CHECK_INT(stat_parse(line, sizeof(line) - 1, &f), 0);
    CHECK_INT(f.state, 'S');
    CHECK_INT(f.utime, 37);
    CHECK_INT(f.stime, 12);
    CHECK_INT(f.processor, 1);
}

static void test_parse_hostile_names(void)
{
    /* Thread names may hold spaces, parentheses and digits: only the last
     * ')' ends the name. */
    static const char line[] =
        "77 (a) R 1 2 3 (b) c) R 1 1 1 0 -1 4194560 5 0 0 0 900 100 0 0 20 0 1 0 5 1 1 1\n";
    static const char no_paren[] = "77 python R 1 1 1 0 -1 0 0 0 0 0 9 9";
    static const char short_line[] = "77 (x) R 1 1 1 0 -1 0 0 0 0 0 9";
    static const char bad_ticks[] = "77 (x) R 1 1 1 0 -1 0 0 0 0 0 9z 9";
    static const char bad_state[] = "77 (x) RR 1 1 1 0 -1 0 0 0 0 0 9 9";
    struct stat_fields f;

    CHECK_INT(stat_parse(line, sizeof(line) - 1, &f), 0);
    CHECK_INT(f.state, 'R');
    CHECK_INT(f.utime, 900);
    CHECK_INT(f.stime, 100);
    CHECK_INT(f.processor, -1);       /* the line stops before field 39 */
    CHECK_INT(stat_parse(no_paren, sizeof(no_paren) - 1, &f), ERR_CORRUPT);
    CHECK_INT(stat_parse(short_line, sizeof(short_line) - 1, &f), ERR_CORRUPT);
    CHECK_INT(stat_parse(bad_ticks, sizeof(bad_ticks) - 1, &f), ERR_CORRUPT);
    CHECK_INT(stat_parse(bad_state, sizeof(bad_state) - 1, &f), ERR_CORRUPT);
    CHECK_INT(stat_parse("", 0, &f), ERR_CORRUPT);
}

/* Worker threads publish their TID, then spin or block until told to stop. */
struct worker {
    pthread_t th;
    atomic_int tid;
    atomic_int stop;
    int pipe_fd[2];   /* the blocked worker reads from it */
    int spin;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    volatile uint64_t x = 0;

    atomic_store(&w->tid, (int)syscall(SYS_gettid));
    if (w->spin) {
        while (!atomic_load(&w->stop))
            x++;
    } else {
        char c;
        while (read(w->pipe_fd[0], &c, 1) < 0)
            ;
    }
    return NULL;
}

static int start_worker(struct worker *w, int spin)
{
    memset(w, 0, sizeof(*w));
    w->spin = spin;
    if (pipe(w->pipe_fd) != 0 || pthread_create(&w->th, NULL, worker_main, w) != 0)
        return -1;
    while (!atomic_load(&w->tid))
        usleep(1000);
    return 0;
}

static void stop_worker(struct worker *w)
{
    atomic_store(&w->stop, 1);
    if (write(w->pipe_fd[1], "x", 1) != 1)
        check_fail(__FILE__, __LINE__, "cannot wake worker");
    pthread_join(w->th, NULL);
    close(w->pipe_fd[0]);
    close(w->pipe_fd[1]);
}

static void test_busy_and_blocked(void)
{
    struct cpustat *cs = NULL;
    struct worker busy, blocked;
    struct cpustat_thread t0, t1;
    struct cpustat_counters c;
    int i, busy_running = 0, blocked_running = 0, rounds = 40;

    CHECK_INT(cpustat_open(getpid(), &cs), 0);
    if (!cs)
        return;
    CHECK_INT(start_worker(&busy, 1), 0);
    CHECK_INT(start_worker(&blocked, 0), 0);
    usleep(50 * 1000);   /* let the blocked worker reach read() */

    CHECK_INT(cpustat_read(cs, atomic_load(&busy.tid), &t0), 0);
    for (i = 0; i < rounds; i++) {
        busy_running += cpustat_on_cpu(cs, atomic_load(&busy.tid)) == 1;
        blocked_running += cpustat_on_cpu(cs, atomic_load(&blocked.tid)) == 1;
        usleep(5 * 1000);
    }
    /* A spinning thread is running or runnable ('R') at every read; a
     * thread blocked in read() is never. */
    CHECK_INT(busy_running, rounds);
    CHECK_INT(blocked_running, 0);
    CHECK_INT(cpustat_read(cs, atomic_load(&blocked.tid), &t1), 0);
    CHECK_INT(t1.state, 'S');

    /* ~200 ms of spinning: utime+stime must have moved (100 Hz ticks). */
    CHECK_INT(cpustat_read(cs, atomic_load(&busy.tid), &t1), 0);
    CHECK(t1.cpu_ticks > t0.cpu_ticks);
    CHECK(t1.processor >= 0);

    /* Two TIDs and 3 + 2 * rounds reads, yet only two opens. */
    cpustat_get_counters(cs, &c);
    CHECK_INT(c.opens, 2);
    CHECK_INT(c.reads, 2 * (uint64_t)rounds + 3);
    CHECK_INT(c.open_now, 2);

    stop_worker(&busy);
    stop_worker(&blocked);
    cpustat_close(cs);
}

static void test_vanished_thread(void)
{
    struct cpustat *cs = NULL;
    struct worker w;
    struct cpustat_thread t;
    struct cpustat_counters c;
    int tid;

    CHECK_INT(cpustat_open(getpid(), &cs), 0);
    if (!cs)
        return;
    CHECK_INT(start_worker(&w, 0), 0);
    tid = atomic_load(&w.tid);
    CHECK_INT(cpustat_read(cs, tid, &t), 0);
    stop_worker(&w);   /* joined: the TID no longer exists */

    CHECK_INT(cpustat_read(cs, tid, &t), ERR_NOPROC);
    cpustat_get_counters(cs, &c);
    CHECK_INT(c.open_now, 0);
    CHECK_INT(c.closes, 1);
    /* Asking again tries a fresh open, which fails the same way. */
    CHECK_INT(cpustat_on_cpu(cs, tid), ERR_NOPROC);
    cpustat_get_counters(cs, &c);
    CHECK_INT(c.open_now, 0);
    CHECK_INT(cpustat_on_cpu(cs, 0), ERR_INVALID);
    cpustat_close(cs);
}

static void test_sweep_and_many(void)
{
    enum { N = 40 };
    struct cpustat *cs = NULL;
    struct worker w[N];
    struct cpustat_thread t;
    struct cpustat_counters c;
    int i;

    CHECK_INT(cpustat_open(getpid(), &cs), 0);
    if (!cs)
        return;
    /* Enough threads to grow the table past its first size. */
    for (i = 0; i < N; i++)
        CHECK_INT(start_worker(&w[i], 0), 0);
    for (i = 0; i < N; i++)
        CHECK_INT(cpustat_read(cs, atomic_load(&w[i].tid), &t), 0);
    CHECK_INT(cpustat_read(cs, (pid_t)syscall(SYS_gettid), &t), 0);
    CHECK_INT(t.state, 'R');   /* the reader itself is running */
    cpustat_sweep(cs);
    cpustat_get_counters(cs, &c);
    CHECK_INT(c.open_now, N + 1);

    /* Next round only the first half is read: the sweep closes the rest. */
    for (i = 0; i < N / 2; i++)
        CHECK_INT(cpustat_read(cs, atomic_load(&w[i].tid), &t), 0);
    cpustat_sweep(cs);
    cpustat_get_counters(cs, &c);
    CHECK_INT(c.open_now, N / 2);
    CHECK_INT(c.opens, N + 1);
    /* A swept TID reopens on demand. */
    CHECK_INT(cpustat_read(cs, atomic_load(&w[N - 1].tid), &t), 0);
    cpustat_get_counters(cs, &c);
    CHECK_INT(c.opens, N + 2);

    for (i = 0; i < N; i++)
        stop_worker(&w[i]);
    cpustat_close(cs);
}

static void test_open_errors(void)
{
    struct cpustat *cs = NULL;

    /* PIDs above pid_max (at most 2^22) never exist. */
    CHECK_INT(cpustat_open(99999999, &cs), ERR_NOPROC);
    CHECK_INT(cpustat_open(0, &cs), ERR_INVALID);
    CHECK(cpustat_ticks_per_second() > 0);
}

int main(void)
{
    RUN(test_parse_plain);
    RUN(test_parse_hostile_names);
    RUN(test_busy_and_blocked);
    RUN(test_vanished_thread);
    RUN(test_sweep_and_many);
    RUN(test_open_errors);
    return check_summary();
}
