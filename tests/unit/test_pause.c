/* --blocking's thread stopper on real processes: a sleeping process is
 * stopped, traced only during the stop and running again after it; a thread
 * that cannot report its stop in time (held in vfork's killable wait) is
 * sampled without, does not make the next stop fail, and is released once
 * it reports, even after the pause that interrupted it was destroyed (the
 * case of a --subprocesses child whose session ended first). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/err.h"
#include "proc/pause.h"

#define VFORK_HOLD_MS 2500   /* longer than the pause's 1 s wait for a stop */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The kernel's state letter of pid ('S', 'D', 't', ...), or 0. */
static char state_of(pid_t pid)
{
    char path[64], buf[512];
    const char *close;
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    close = strrchr(buf, ')');
    return close && close[1] == ' ' ? close[2] : 0;
}

static long tracer_of(pid_t pid)
{
    char path[64], line[256];
    long tracer = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "TracerPid:", 10) == 0)
            tracer = strtol(line + 10, NULL, 10);
    fclose(f);
    return tracer;
}

static int wait_state(pid_t pid, char want, long timeout_ms)
{
    long waited;
    for (waited = 0; waited < timeout_ms; waited += 5) {
        if (state_of(pid) == want)
            return 1;
        sleep_ms(5);
    }
    return 0;
}

static pid_t start_sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

/* A process whose only thread waits in vfork for VFORK_HOLD_MS. */
static pid_t start_vforker(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (vfork() == 0) {
            struct timespec ts = { VFORK_HOLD_MS / 1000, (VFORK_HOLD_MS % 1000) * 1000000L };
            nanosleep(&ts, NULL);
            _exit(0);
        }
        for (;;)
            pause();
    }
    return pid;
}

static void finish(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, __WALL);
}

static void test_stop_and_resume(void)
{
    struct proc_pause *p = NULL;
    pid_t pid = start_sleeper();

    CHECK(pid > 0);
    CHECK(wait_state(pid, 'S', 5000));
    CHECK_INT(proc_pause_create(pid, &p), 0);
    CHECK_INT(proc_pause_stop(p), 0);
    CHECK_INT(proc_pause_count(p), 1);
    CHECK_INT(state_of(pid), 't');
    CHECK_INT(tracer_of(pid), getpid());
    proc_pause_resume(p);
    CHECK_INT(tracer_of(pid), 0);
    CHECK(wait_state(pid, 'S', 5000));
    proc_pause_destroy(p);
    finish(pid);
}

static void test_late_thread_outlives_its_pause(void)
{
    struct proc_pause *p = NULL, *other = NULL;
    pid_t pid = start_vforker(), sleeper = start_sleeper();
    double started;

    CHECK(pid > 0 && sleeper > 0);
    /* vfork's wait is killable, not interruptible: no ptrace stop is
     * reported until the vfork child exits. */
    CHECK(wait_state(pid, 'D', 2000));
    CHECK_INT(proc_pause_create(pid, &p), 0);
    started = now_s();
    CHECK_INT(proc_pause_stop(p), 0);
    CHECK(now_s() - started >= 0.9);
    CHECK_INT(proc_pause_count(p), 0);
    proc_pause_resume(p);
    CHECK_INT(proc_pause_late_count(), 1);
    /* The next stop skips the thread it already interrupted, instead of
     * failing to seize it a second time. */
    CHECK_INT(proc_pause_stop(p), 0);
    proc_pause_resume(p);
    proc_pause_destroy(p);
    CHECK_INT(proc_pause_late_count(), 1);

    /* Once the vfork ends the thread reports its stop; the next stop of
     * any other target detaches it. */
    CHECK(wait_state(pid, 't', VFORK_HOLD_MS + 3000));
    CHECK_INT(proc_pause_create(sleeper, &other), 0);
    CHECK_INT(proc_pause_stop(other), 0);
    proc_pause_resume(other);
    proc_pause_destroy(other);
    CHECK_INT(proc_pause_late_count(), 0);
    CHECK_INT(tracer_of(pid), 0);
    CHECK(wait_state(pid, 'S', 5000));
    finish(pid);
    finish(sleeper);
}

static void test_gone(void)
{
    struct proc_pause *p = NULL;
    pid_t pid = start_sleeper();

    finish(pid);
    CHECK_INT(proc_pause_create(pid, &p), 0);
    CHECK_INT(proc_pause_stop(p), ERR_NOPROC);
    proc_pause_destroy(p);
}

int main(void)
{
    RUN(test_stop_and_resume);
    RUN(test_late_thread_outlives_its_pause);
    RUN(test_gone);
    return check_summary();
}
