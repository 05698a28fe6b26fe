#include "pause.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/grow.h"

#define MAX_ROUNDS 16                  /* listings until the thread set is stable */
#define STOP_WAIT_NS (1000000000ull)   /* how long a thread may take to report its stop */

struct tid_rec {
    pid_t tid;
    int sig;        /* signal to hand back on detach */
    int stopped;
};

struct proc_pause {
    pid_t pid;
    struct tid_rec *t;
    size_t n, cap;
    int leader_done;
    int leader_status;
};

/* Threads that were interrupted but had not reported the stop in time
 * (stuck in an uninterruptible or killable wait, such as a vfork): they
 * are detached as soon as they do, never left stopped. The list belongs to
 * the process, not to one pause, because it must outlive the pause of a
 * --subprocesses child whose session ended: every later stop of any target
 * reaps it, and the kernel detaches whatever is left when tachyon exits.
 * Thread ids are unique across processes, so one list serves every target.
 * A tracee answers only to the thread that seized it, and tachyon samples
 * from one thread, so the list needs no lock. */
static pid_t *late;
static size_t n_late, cap_late;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int proc_pause_create(pid_t pid, struct proc_pause **out)
{
    struct proc_pause *p = calloc(1, sizeof *p);
    if (!p)
        return diag_set(ERR_NOMEM, "out of memory");
    p->pid = pid;
    *out = p;
    return 0;
}

static int known(const struct proc_pause *p, pid_t tid)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (p->t[i].tid == tid)
            return 1;
    return 0;
}

static int is_late(pid_t tid)
{
    size_t i;
    for (i = 0; i < n_late; i++)
        if (late[i] == tid)
            return 1;
    return 0;
}

/* A late thread that cannot be listed (no memory) stays traced until it
 * reports a stop nobody collects; the kernel releases it when tachyon exits. */
static void add_late(pid_t tid)
{
    if (grow_array((void **)&late, &cap_late, n_late + 1, sizeof *late) < 0)
        return;
    late[n_late++] = tid;
}

/* Detach the late stoppers that have reported by now. */
static void reap_late(void)
{
    size_t i = 0;
    while (i < n_late) {
        int st;
        pid_t r = waitpid(late[i], &st, __WALL | WNOHANG);
        if (r == late[i] && WIFSTOPPED(st))
            ptrace(PTRACE_DETACH, late[i], NULL, NULL);
        if (r == late[i] || (r < 0 && errno == ECHILD)) {
            late[i] = late[--n_late];
            continue;
        }
        i++;
    }
    if (n_late == 0) {
        free(late);
        late = NULL;
        cap_late = 0;
    }
}

size_t proc_pause_late_count(void)
{
    reap_late();
    return n_late;
}

static int tracer_error(struct proc_pause *p, int err)
{
    char path[64], line[256];
    long tracer = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)p->pid);
    f = fopen(path, "re");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "TracerPid:", 10) == 0) {
                tracer = strtol(line + 10, NULL, 10);
                break;
            }
        fclose(f);
    }
    if (tracer > 0)
        return diag_set(ERR_PERM, "--blocking cannot stop process %d: it is already being traced by process %ld "
                                  "(a debugger?); detach it or profile without --blocking", (int)p->pid, tracer);
    return diag_set(ERR_PERM, "--blocking cannot stop the threads of process %d: ptrace: %s", (int)p->pid,
                    strerror(err));
}

/* Seize and interrupt every listed thread not stopped yet; *added counts them. */
static int seize_new(struct proc_pause *p, size_t *added)
{
    char path[64];
    struct dirent *de;
    DIR *d;
    int rc = 0;

    *added = 0;
    snprintf(path, sizeof path, "/proc/%d/task", (int)p->pid);
    d = opendir(path);
    if (!d)
        return diag_set(ERR_NOPROC, "process %d exited", (int)p->pid);
    while ((de = readdir(d)) != NULL) {
        pid_t tid = (pid_t)strtol(de->d_name, NULL, 10);
        /* A late thread is still ours: seizing it again would fail. */
        if (tid <= 0 || known(p, tid) || is_late(tid))
            continue;
        if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
            if (errno == ESRCH)
                continue;   /* exited since the listing */
            rc = tracer_error(p, errno);
            break;
        }
        if (grow_array((void **)&p->t, &p->cap, p->n + 1, sizeof *p->t) < 0) {
            ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
            add_late(tid);
            rc = diag_set(ERR_NOMEM, "out of memory");
            break;
        }
        p->t[p->n].tid = tid;
        p->t[p->n].sig = 0;
        p->t[p->n].stopped = 0;
        p->n++;
        ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
        (*added)++;
    }
    closedir(d);
    return rc;
}

/* Collect the stop of every thread seized but not stopped yet. */
static void wait_stops(struct proc_pause *p)
{
    uint64_t deadline = now_ns() + STOP_WAIT_NS;
    size_t i, pending;

    for (;;) {
        pending = 0;
        for (i = 0; i < p->n; i++) {
            struct tid_rec *r = &p->t[i];
            int st;
            pid_t w;
            if (r->stopped || r->tid == 0)
                continue;
            w = waitpid(r->tid, &st, __WALL | WNOHANG);
            if (w == r->tid && WIFSTOPPED(st)) {
                r->stopped = 1;
                /* A signal-delivery stop carries a signal the thread must
                 * still get; an interrupt or group stop does not. */
                if ((st >> 16) != PTRACE_EVENT_STOP && WSTOPSIG(st) != SIGTRAP)
                    r->sig = WSTOPSIG(st);
            } else if (w == r->tid || (w < 0 && errno == ECHILD)) {
                if (w == r->tid && r->tid == p->pid && (WIFEXITED(st) || WIFSIGNALED(st))) {
                    p->leader_done = 1;
                    p->leader_status = st;
                }
                r->tid = 0;   /* exited: nothing to detach */
            } else {
                pending++;
            }
        }
        if (!pending)
            return;
        if (now_ns() > deadline)
            break;
        sched_yield();
    }
    /* Threads stuck in an uninterruptible sleep: sample without them and
     * detach them once they report. */
    for (i = 0; i < p->n; i++)
        if (!p->t[i].stopped && p->t[i].tid) {
            add_late(p->t[i].tid);
            p->t[i].tid = 0;
        }
}

int proc_pause_stop(struct proc_pause *p)
{
    size_t added;
    int round, rc = 0;

    p->n = 0;
    reap_late();
    for (round = 0; round < MAX_ROUNDS; round++) {
        rc = seize_new(p, &added);
        wait_stops(p);
        if (rc || !added)
            break;
    }
    if (rc) {
        proc_pause_resume(p);
        return rc;
    }
    return 0;
}

void proc_pause_resume(struct proc_pause *p)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        struct tid_rec *r = &p->t[i];
        if (r->tid && r->stopped)
            ptrace(PTRACE_DETACH, r->tid, NULL, (void *)(long)r->sig);
    }
    p->n = 0;
}

size_t proc_pause_count(const struct proc_pause *p)
{
    size_t i, n = 0;
    for (i = 0; i < p->n; i++)
        n += p->t[i].tid && p->t[i].stopped;
    return n;
}

int proc_pause_leader_status(const struct proc_pause *p, int *status)
{
    if (!p->leader_done)
        return 0;
    *status = p->leader_status;
    return 1;
}

void proc_pause_destroy(struct proc_pause *p)
{
    if (!p)
        return;
    proc_pause_resume(p);
    reap_late();
    free(p->t);
    free(p);
}
