/* --subprocesses: one sampling loop for a whole process tree.
 *
 * The parent's loop also watches the tree (core/proc/children) and serves
 * every Python descendant: each child has its own reader, decoder (so a
 * child may run another CPython version than the parent), interner,
 * sampler state and plugin session, created through the same ABI as the
 * parent's and writing its own output, named as upstream names it. The
 * loop takes whichever sample is due next, across all targets, and sleeps
 * on the process events socket in between, so a new child is probed as
 * soon as the kernel reports it.
 *
 * A forked child is probed FORK_GRACE_NS after its fork: a fork that execs
 * at once (subprocess) is then seen as the new program, not as a copy of
 * its parent's stack. A child that execs later is re-probed; a session
 * that ran only briefly before the exec is dropped as such a copy. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/grow.h"
#include "../intern/intern.h"
#include "../mem/reader.h"
#include "../plugin/session.h"
#include "../proc/children.h"
#include "../proc/pause.h"
#include "../sampler/clock.h"
#include "../sampler/signals.h"
#include "profile_priv.h"

#define MAX_CHILDREN 100                      /* concurrent child profiles, as upstream */
#define FORK_GRACE_NS (3ull * 1000000ull)     /* see above */
#define PROBE_RETRY_NS (500ull * 1000ull)     /* interpreter not running Python code yet */
#define WATCH_POLL_NS (1ull * 1000000ull)     /* connector: at most this long between reads */
#define SCAN_POLL_NS (20ull * 1000000ull)     /* no connector: /proc scan period */
#define NOTPYTHON_RETRY_NS (200ull * 1000000ull) /* after an exec, libpython may be mapped this late */
#define MAX_RETRY_NS (20ull * 1000000ull)
#define OPEN_RETRY_NS (2000ull * 1000000ull)     /* a runtime that keeps failing to open is given up */
#define EXEC_COPY_NS (50ull * 1000000ull)     /* a session younger than this at exec was a fork's copy */
#define WAIT_BOUND_NS (30ull * 1000000000ull) /* children profiled after the parent ended, at most */

enum child_state { C_PENDING, C_ACTIVE, C_DONE };

struct child {
    pid_t pid;
    enum child_state state;
    uint64_t born_ns;            /* fork (or exec) as the kernel timed it */
    uint64_t fork_ns;
    uint64_t next_probe_ns;
    int waiting_exec;            /* not Python: only an exec can change that */
    uint64_t retry_ns;           /* back-off while it may still be loading libpython */
    int said_not_python;
    uint64_t open_ns;            /* time spent finding and opening its runtime */
    uint64_t seen_ns;            /* when the watcher told us about it */
    char exe[256];               /* its executable when last probed */
    struct profile p;
    struct profile parked;       /* the session of the program before an exec */
    int have_parked;
    struct sampler_config sc;
    struct sampler_state *st;
    struct sampler_result res;
    struct sample_sink sink;
    uint64_t started_ns;
    uint64_t exec_fp;            /* exec_fingerprint when its runtime was found */
};

struct tree {
    const struct cli_opts *o;
    const struct plugin_registry *reg;
    const struct plugin_entry *entry;
    const tachyon_format *fmt;
    pid_t root;
    struct child_watch *watch;
    struct child **c;
    size_t n, cap;
    size_t active;
    uint64_t next_watch_ns;
    enum mem_backend backend;    /* the parent's: children are the same kind of process */
    uint64_t rounds, watch_ns;
};

static void verbose(const struct tree *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void verbose(const struct tree *t, const char *fmt, ...)
{
    va_list ap;
    if (!t->o->verbose)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int tree_create(const struct cli_opts *o, const struct plugin_registry *reg, const struct plugin_entry *entry,
                const tachyon_format *fmt, pid_t root, struct tree **out)
{
    struct tree *t = calloc(1, sizeof *t);
    int rc;

    if (!t)
        return diag_set(ERR_NOMEM, "out of memory");
    t->o = o;
    t->reg = reg;
    t->entry = entry;
    t->fmt = fmt;
    t->root = root;
    rc = child_watch_open(root, &t->watch);
    if (rc) {
        free(t);
        return rc;
    }
    /* Sleeps end on time: the default 50 us timer slack would blur the
     * sampling schedule of every target. */
    prctl(PR_SET_TIMERSLACK, 1000UL);
    verbose(t, "Watching the descendants of process %d through the %s", (int)root,
            child_watch_mechanism(t->watch));
    *out = t;
    return 0;
}

static struct child *find_child(struct tree *t, pid_t pid)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        if (t->c[i]->pid == pid && t->c[i]->state != C_DONE)
            return t->c[i];
    return NULL;
}

static void read_exe(pid_t pid, char *buf, size_t len)
{
    char path[48];
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    n = readlink(path, buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
}

/* The child's output, named as upstream names it: -o BASE.EXT gives
 * BASE_PID.EXT (NAME_PID without an extension), no -o the format's default
 * name with the child's PID, and pstats always a file. */
static int child_output_path(const struct tree *t, pid_t pid, char **out)
{
    const char *o = t->o->s.output;
    char buf[4200];
    struct stat st;

    if (o && strcmp(o, "-") != 0) {
        const char *slash = strrchr(o, '/'), *dot = strrchr(o, '.');
        if (!(t->fmt->flags & TACHYON_FORMAT_DIRECTORY) && stat(o, &st) == 0 && S_ISDIR(st.st_mode)) {
            struct cli_opts copy = *t->o;
            return profile_output_path(&copy, t->fmt, pid, out);
        }
        if (dot && (!slash || dot > slash + 1))
            snprintf(buf, sizeof buf, "%.*s_%d%s", (int)(dot - o), o, (int)pid, dot);
        else
            snprintf(buf, sizeof buf, "%s_%d", o, (int)pid);
    } else if ((t->fmt->flags & TACHYON_FORMAT_STDOUT) || !t->fmt->default_output) {
        snprintf(buf, sizeof buf, "profile_%d.pstats", (int)pid);
    } else {
        struct cli_opts copy = *t->o;
        copy.s.output = NULL;
        return profile_output_path(&copy, t->fmt, pid, out);
    }
    *out = strdup(buf);
    return *out ? 0 : ERR_NOMEM;
}

static void child_release(struct child *c)
{
    if (c->st) {
        free(c->st);
        c->st = NULL;
    }
    profile_release(&c->p);
    memset(&c->p, 0, sizeof c->p);
}

/* Finish a child's session: its output is written even when it was cut short. */
static void child_finish(struct tree *t, struct child *c)
{
    tachyon_finish_info fin;

    if (c->state != C_ACTIVE)
        return;
    sampler_end(c->st);
    memset(&fin, 0, sizeof fin);
    fin.struct_size = sizeof fin;
    fin.interrupted = (uint32_t)c->res.interrupted;
    fin.target_exited = (uint32_t)c->res.target_exited;
    fin.stats = &c->p.stats;
    if (plugin_session_finish(c->p.plugin, &fin) == 0 && !plugin_session_failed(c->p.plugin))
        verbose(t, "Child process %d: %llu samples (%llu attempts, %llu failed), written to %s", (int)c->pid,
                (unsigned long long)c->p.stats.samples, (unsigned long long)c->p.stats.attempts,
                (unsigned long long)c->p.stats.failures, c->p.output_path ? c->p.output_path : "(none)");
    child_release(c);
    c->state = C_DONE;
    t->active--;
}

static int probe_cb(void *ctx, const struct py_thread_sample *s)
{
    if (s->depth)
        *(int *)ctx = 1;
    return 0;
}

static void unpark(struct tree *t, struct child *c, int write);

static void give_up(struct tree *t, struct child *c, const char *why)
{
    unpark(t, c, 1);
    verbose(t, "Skipping child process %d: %s", (int)c->pid, why);
    child_release(c);
    c->state = C_DONE;
}

/* Start the child's session once its interpreter runs Python code. */
static void start_child(struct tree *t, struct child *c, uint64_t now)
{
    struct plugin_session_config pc;
    struct py_sample_opts so;
    int rc, frames = 0;

    if (t->active >= MAX_CHILDREN) {
        fprintf(stderr, "Warning: Max child profilers (%d) reached, skipping PID %d\n", MAX_CHILDREN, (int)c->pid);
        child_release(c);
        c->state = C_DONE;
        return;
    }
    memset(&so, 0, sizeof so);
    rc = py_target_sample(c->p.target, &so, probe_cb, &frames);
    if (rc == ERR_NOPROC) {
        give_up(t, c, "it exited before it ran Python code");
        return;
    }
    if (rc || !frames) {
        c->next_probe_ns = now + PROBE_RETRY_NS;
        return;
    }
    if (t->o->blocking && (proc_pause_create(c->pid, &c->p.pause) || proc_pause_stop(c->p.pause))) {
        give_up(t, c, diag_message());
        return;
    }
    if (c->p.pause)
        proc_pause_resume(c->p.pause);
    if (child_output_path(t, c->pid, &c->p.output_path)) {
        give_up(t, c, "out of memory");
        return;
    }
    profile_read_command_line(c->pid, c->p.command_line, sizeof c->p.command_line);
    snprintf(c->p.source_root, sizeof c->p.source_root, "/proc/%d/root", (int)c->pid);
    profile_fill_session(t->o, &c->p.session, c->pid, py_target_hexversion(c->p.target),
                         py_target_version(c->p.target), c->p.output_path, c->p.command_line);
    c->p.stats.struct_size = sizeof c->p.stats;
    memset(&pc, 0, sizeof pc);
    pc.entry = t->entry;
    pc.format = t->fmt;
    pc.session = &c->p.session;
    pc.interner = c->p.interner;
    pc.settings = &t->o->s;
    pc.stats = &c->p.stats;
    pc.source_root = c->p.source_root;
    pc.interrupted = signals_stop_requested;
    pc.quiet = 1;
    if (plugin_session_create(&pc, &c->p.plugin)) {
        give_up(t, c, diag_message());
        return;
    }
    profile_sampler_config(t->o, t->fmt, c->pid, 0, &c->sc);
    c->sc.realtime_stats = 0;
    c->sink.deliver = profile_sink_deliver;
    c->sink.tick = profile_sink_tick;
    c->sink.ctx = c->p.plugin;
    c->st = malloc(sizeof *c->st);
    if (!c->st || sampler_begin(c->st, &c->sc, profile_source_sample, &c->p, &c->sink, &c->p.stats, &c->res, now)) {
        give_up(t, c, "out of memory");
        return;
    }
    c->p.session.start_time_unix_ns = clock_realtime_ns();
    unpark(t, c, 0);   /* the new program's profile takes the name */
    c->state = C_ACTIVE;
    c->started_ns = now;
    t->active++;
    fprintf(stderr, "Started profiler for child process %d\n", (int)c->pid);
    verbose(t, "Child process %d: Python %s, seen %.2f ms after its fork, profiled from %.1f ms after its %s "
            "(runtime opened in %.2f ms)", (int)c->pid, py_target_version(c->p.target),
            (double)(c->seen_ns - c->fork_ns) / 1e6, (double)(now - c->born_ns) / 1e6,
            c->born_ns == c->fork_ns ? "fork" : "exec", (double)c->open_ns / 1e6);
}

/* Scanning cannot see an exec, but every exec gets a new auxiliary
 * vector: AT_RANDOM points at 16 fresh random bytes on the new stack, so
 * its address changes with the program (and with ASLR, always). */
static uint64_t exec_fingerprint(pid_t pid)
{
    char path[48];
    uint64_t v[2 * 64], fp = 0;
    ssize_t n;
    size_t i;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, v, sizeof v);
    close(fd);
    for (i = 0; n > 0 && i + 1 < (size_t)n / sizeof v[0]; i += 2) {
        if (v[i] == AT_RANDOM || v[i] == AT_ENTRY || v[i] == AT_PHDR)
            fp = fp * 0x9e3779b97f4a7c15ull + v[i + 1];
    }
    return fp;
}

/* Is the pending child a Python process yet? Opens its decoder if so. */
static void probe(struct tree *t, struct child *c, uint64_t now)
{
    uint64_t t0 = clock_now_ns();
    int rc;

    if (c->waiting_exec) {
        char exe[sizeof c->exe];
        read_exe(c->pid, exe, sizeof exe);
        if (strcmp(exe, c->exe) == 0)
            return;   /* still the same program (an exec is also reported by the connector) */
        c->waiting_exec = 0;
        c->born_ns = now;
        c->retry_ns = 0;
        c->said_not_python = 0;
    }
    if (!c->p.reader) {
        read_exe(c->pid, c->exe, sizeof c->exe);
        rc = proc_find_python(c->pid, &c->p.img);
        if (rc == ERR_NOPROC) {
            give_up(t, c, "it exited");
            return;
        }
        if (rc == ERR_NOTPYTHON) {
            /* A program not even named like an interpreter is reported at
             * once; one that is may just not have mapped libpython yet. */
            if (!c->said_not_python && !strstr(c->exe, "python")) {
                verbose(t, "Child process %d (%s) is not a Python process", (int)c->pid, c->exe);
                c->said_not_python = 1;
            }
            /* Right after an exec the dynamic loader may not have mapped
             * libpython yet: look again, less and less often, then wait
             * for the next exec. */
            if (now - c->born_ns < NOTPYTHON_RETRY_NS) {
                c->retry_ns = c->retry_ns ? c->retry_ns * 2 : PROBE_RETRY_NS;
                c->next_probe_ns = now + c->retry_ns;
                return;
            }
            if (!c->said_not_python)
                verbose(t, "Child process %d (%s) is not a Python process", (int)c->pid, c->exe);
            c->said_not_python = 1;
            unpark(t, c, 1);
            c->waiting_exec = 1;
            return;
        }
        c->exec_fp = exec_fingerprint(c->pid);
        if (!rc)
            rc = mem_reader_open_process(c->pid, t->backend, &c->p.reader);
        if (!rc)
            rc = interner_create(&c->p.interner);
        if (rc == ERR_PERM || rc == ERR_NOMEM || (rc && now - c->born_ns > OPEN_RETRY_NS)) {
            give_up(t, c, diag_message());
            return;
        }
        if (rc) {
            /* Mid-exec, or its mappings are changing: try again shortly. */
            child_release(c);
            c->next_probe_ns = now + PROBE_RETRY_NS;
            return;
        }
    }
    if (!c->p.target) {
        rc = py_target_open(c->p.reader, &c->p.img, c->p.interner, &c->p.target);
        /* Right after an exec the runtime may not be loaded and relocated
         * yet, so even a version check can fail for a while. */
        if (rc == ERR_PERM || rc == ERR_NOMEM || rc == ERR_NOPROC ||
            (rc && now - c->born_ns > OPEN_RETRY_NS)) {
            give_up(t, c, diag_message());
            return;
        }
        if (rc) {
            /* Not initialised yet: try again, less often the longer it takes. */
            c->retry_ns = c->retry_ns ? c->retry_ns * 2 : PROBE_RETRY_NS;
            if (c->retry_ns > MAX_RETRY_NS)
                c->retry_ns = MAX_RETRY_NS;
            c->next_probe_ns = now + c->retry_ns;
            return;
        }
        c->retry_ns = 0;
    }
    c->open_ns += clock_now_ns() - t0;
    start_child(t, c, now);
}

/* Keep an exec'd child's session aside (or drop it at once when it was
 * only the fork's copy of its parent). */
static void child_park(struct child *c, int keep)
{
    if (keep) {
        c->parked = c->p;
        c->have_parked = 1;
        memset(&c->p, 0, sizeof c->p);
        /* The parked session only needs its plugin state and names: the
         * decoder of the old program is useless now. */
        if (c->parked.target) {
            py_target_close(c->parked.target);
            c->parked.target = NULL;
        }
    } else {
        child_release(c);
    }
    memset(&c->p, 0, sizeof c->p);
}

/* The new program decided what happens to the parked session. */
static void unpark(struct tree *t, struct child *c, int write)
{
    tachyon_finish_info fin;

    if (!c->have_parked)
        return;
    c->have_parked = 0;
    if (write) {
        memset(&fin, 0, sizeof fin);
        fin.struct_size = sizeof fin;
        fin.target_exited = 1;
        fin.stats = &c->parked.stats;
        if (plugin_session_finish(c->parked.plugin, &fin) == 0)
            verbose(t, "Child process %d: its profile before the exec is written to %s", (int)c->pid,
                    c->parked.output_path ? c->parked.output_path : "(none)");
    }
    profile_release(&c->parked);
    memset(&c->parked, 0, sizeof c->parked);
}

static void on_event(void *ctx, const struct child_event *ev)
{
    struct tree *t = ctx;
    struct child *c;
    uint64_t now = clock_now_ns();

    switch (ev->kind) {
    case CHILD_NEW:
        if (grow_array((void **)&t->c, &t->cap, t->n + 1, sizeof *t->c) < 0)
            return;
        c = calloc(1, sizeof *c);
        if (!c)
            return;
        c->pid = ev->pid;
        c->state = C_PENDING;
        c->born_ns = ev->when_ns && ev->when_ns <= now ? ev->when_ns : now;
        c->seen_ns = now;
        c->fork_ns = c->born_ns;
        c->next_probe_ns = c->born_ns + FORK_GRACE_NS;
        t->c[t->n++] = c;
        break;
    case CHILD_EXEC:
        c = find_child(t, ev->pid);
        if (!c)
            return;
        if (c->state == C_ACTIVE) {
            /* Its session is parked, not written yet: if the new program
             * is Python too, its profile replaces the old one under the
             * same name; if not, the old one is written then. */
            sampler_end(c->st);
            free(c->st);
            c->st = NULL;
            t->active--;
            child_park(c, now - c->started_ns >= EXEC_COPY_NS);
            c->state = C_PENDING;
            verbose(t, "Child process %d executed a new program", (int)c->pid);
        } else {
            child_release(c);
        }
        c->waiting_exec = 0;
        c->retry_ns = 0;
        c->said_not_python = 0;
        c->born_ns = ev->when_ns && ev->when_ns <= now ? ev->when_ns : now;
        c->next_probe_ns = now;
        break;
    case CHILD_EXIT:
        break;   /* the child's own loop sees it go and writes its output */
    }
}

static uint64_t serve_children(struct tree *t, uint64_t now, uint64_t wake)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        struct child *c = t->c[i];
        if (c->state == C_PENDING && !c->waiting_exec && now >= c->next_probe_ns)
            probe(t, c, now);
        if (c->state == C_PENDING && !c->waiting_exec && c->next_probe_ns < wake)
            wake = c->next_probe_ns;
        if (c->state != C_ACTIVE)
            continue;
        if (sampler_step(c->st, now)) {
            child_finish(t, c);
            continue;
        }
        if (sampler_next_due(c->st) < wake)
            wake = sampler_next_due(c->st);
    }
    return wake;
}

/* One round of the shared loop; parent is NULL once the parent is done.
 * Returns 1 when the parent's loop ended. */
static int round_once(struct tree *t, struct sampler_state *parent)
{
    uint64_t now = clock_now_ns(), wake = now + WATCH_POLL_NS;
    struct timespec ts;
    struct pollfd pfd;
    int fd = child_watch_fd(t->watch);
    size_t i;

    t->rounds++;
    if (now >= t->next_watch_ns) {
        uint64_t w0 = clock_now_ns();
        child_watch_poll(t->watch, on_event, t);
        t->watch_ns += clock_now_ns() - w0;
        t->next_watch_ns = now + (fd >= 0 ? WATCH_POLL_NS : SCAN_POLL_NS);
        /* Without exec events, a pending non-Python child is re-checked
         * (its executable) at every scan, and a profiled one for a new
         * program under the same PID. */
        for (i = 0; fd < 0 && i < t->n; i++) {
            struct child *c = t->c[i];
            if (c->state == C_PENDING && c->waiting_exec) {
                probe(t, c, now);
            } else if (c->p.reader && c->state != C_DONE) {
                /* 0: unreadable, i.e. exiting; its own loop sees that. */
                uint64_t fp = exec_fingerprint(c->pid);
                if (fp && fp != c->exec_fp) {
                    struct child_event ev = { CHILD_EXEC, c->pid, 0, 0 };
                    on_event(t, &ev);
                }
            }
        }
    }
    if (parent) {
        if (sampler_step(parent, now))
            return 1;
        if (sampler_next_due(parent) < wake)
            wake = sampler_next_due(parent);
    }
    wake = serve_children(t, now, wake);
    if (fd < 0 && t->next_watch_ns < wake)
        wake = t->next_watch_ns;
    now = clock_now_ns();
    if (wake <= now)
        return 0;
    if (fd < 0) {
        clock_sleep_until(wake);
        return 0;
    }
    /* Sleep on the connector: a fork wakes us at once. */
    pfd.fd = fd;
    pfd.events = POLLIN;
    ts.tv_sec = (time_t)((wake - now) / 1000000000ull);
    ts.tv_nsec = (long)((wake - now) % 1000000000ull);
    if (ppoll(&pfd, 1, &ts, NULL) > 0)
        t->next_watch_ns = 0;
    return 0;
}

int tree_run_parent(struct tree *t, const struct sampler_config *sc, struct profile *p,
                    const struct sample_sink *sink, struct sampler_result *res)
{
    struct sampler_state *st = malloc(sizeof *st);
    int rc;

    if (!st)
        return diag_set(ERR_NOMEM, "out of memory");
    t->backend = mem_reader_backend(p->reader);
    rc = sampler_begin(st, sc, profile_source_sample, p, sink, &p->stats, res, clock_now_ns());
    if (rc) {
        free(st);
        return rc;
    }
    while (!round_once(t, st))
        ;
    sampler_end(st);
    free(st);
    return 0;
}

/* Children still being probed (started, not yet running Python code or
 * not yet known not to be Python): the wait covers them too. */
static size_t probing(const struct tree *t)
{
    size_t i, n = 0;
    for (i = 0; i < t->n; i++)
        n += t->c[i]->state == C_PENDING && !t->c[i]->waiting_exec;
    return n;
}

void tree_finish(struct tree *t)
{
    uint64_t deadline;
    size_t i;

    if (!t)
        return;
    if (t->active + probing(t))
        fprintf(stderr, "Waiting for %zu child profiler(s) to complete...\n", t->active + probing(t));
    deadline = clock_now_ns() + WAIT_BOUND_NS;
    while ((t->active || probing(t)) && !signals_stop_requested() && clock_now_ns() < deadline)
        round_once(t, NULL);
    /* Ctrl-C, or the bound: whatever each child collected is written. */
    for (i = 0; i < t->n; i++)
        if (t->c[i]->state == C_ACTIVE) {
            t->c[i]->res.interrupted = signals_stop_requested() != 0;
            child_finish(t, t->c[i]);
        }
}

void tree_destroy(struct tree *t)
{
    size_t i;

    if (!t)
        return;
    verbose(t, "Child watch: %llu loop rounds, %llu scans, %.1f ms reading events or scanning",
            (unsigned long long)t->rounds, (unsigned long long)child_watch_scans(t->watch), (double)t->watch_ns / 1e6);
    for (i = 0; i < t->n; i++) {
        if (t->c[i]->state == C_ACTIVE)
            child_finish(t, t->c[i]);
        unpark(t, t->c[i], 1);
        child_release(t->c[i]);
        free(t->c[i]);
    }
    free(t->c);
    child_watch_close(t->watch);
    free(t);
}
