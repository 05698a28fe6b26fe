/* One profiling session, shared by `run` and `attach`: find the runtime,
 * open the reader and decoder, create the selected plugin, run the
 * sampling loop, print the summary and have the plugin write its output. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/err.h"
#include "../intern/intern.h"
#include "../mem/reader.h"
#include "../plugin/session.h"
#include "../proc/oldpython.h"
#include "../proc/pause.h"
#include "../proc/process.h"
#include "../python/python.h"
#include "../sampler/clock.h"
#include "../sampler/sampler.h"
#include "../sampler/signals.h"
#include "cli.h"
#include "profile_priv.h"

#define STARTUP_TIMEOUT_NS (30ull * 1000000000ull)
#define TERMINATE_GRACE_NS (2ull * 1000000000ull)


static int child_exited(pid_t pid, int *status)
{
    int st;
    pid_t r;

    /* Threads of it that --blocking still traces (one slow to report its
     * stop) must be collected by us, or its exit status never comes: take
     * every report, let go of any stopped tracee, keep the child's own. */
    while ((r = waitpid(-1, &st, WNOHANG | __WALL)) > 0) {
        if (r == pid && !WIFSTOPPED(st)) {
            *status = st;
            return 1;
        }
        if (WIFSTOPPED(st))
            ptrace(PTRACE_DETACH, r, NULL, NULL);
    }
    return 0;
}

/* Wait until pid runs CPython (a launcher such as a pyenv shim execs the
 * real interpreter under the same PID) and the runtime is found. */
static int find_runtime(struct profile *p, pid_t pid, int is_child, int *child_status, int *reaped)
{
    uint64_t deadline = clock_now_ns() + STARTUP_TIMEOUT_NS;
    int rc;

    for (;;) {
        rc = proc_find_python(pid, &p->img);
        if (rc == ERR_NOTPYTHON) {
            char exe_link[64], exe[4096], version[32];
            ssize_t n;
            snprintf(exe_link, sizeof exe_link, "/proc/%d/exe", (int)pid);
            n = readlink(exe_link, exe, sizeof exe - 1);
            if (n > 0) {
                exe[n] = '\0';
                if (oldpython_probe(exe, version, sizeof version))
                    return diag_set(ERR_VERSION, "unsupported Python version %s: %s (tachyon profiles "
                                                 "CPython 3.11 and later)", version, exe);
            }
        }
        if (rc == 0 || !is_child || (rc != ERR_NOTPYTHON && rc != ERR_NOPROC && rc != ERR_READ))
            return rc;
        if (child_exited(pid, child_status)) {
            *reaped = 1;
            return ERR_NOPROC;
        }
        if (signals_stop_requested())
            return ERR_INTERRUPTED;
        if (clock_now_ns() > deadline)
            return diag_set(ERR_NOTPYTHON, "process %d did not start a Python interpreter within 30 seconds",
                            (int)pid);
        clock_sleep_until(clock_now_ns() + 2000000ull);
    }
}

static void reap_exited_child(pid_t pid, int *status, int *reaped);
static int follow_exec(struct profile *p);

struct probe {
    const struct interner *interner;
    const char *script_base;     /* basename of the script, NULL for -m or attach */
    int module;                  /* run -m: runpy runs the module */
    int frames;
    int at_target;
};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Is the root of this stack the target's own code rather than interpreter
 * start-up (site, getpath, importlib)? */
static int root_is_target(const struct probe *pr, const struct py_thread_sample *s)
{
    const tachyon_frame *root = interner_frame(pr->interner, s->frames[s->depth - 1]);
    const char *func, *file;
    if (!root)
        return 0;
    func = interner_string(pr->interner, root->funcname, NULL);
    file = interner_string(pr->interner, root->filename, NULL);
    if (!func || !file)
        return 0;
    /* A stack cut at the depth limit is deep in the target's own code:
     * start-up never recurses that far. */
    if (strcmp(file, "~") == 0 && strcmp(func, "<truncated>") == 0)
        return 1;
    /* runpy runs -m modules, zipapps and directories with __main__.py
     * alike: its entry point at the root means the target's code runs. */
    if (strcmp(func, "_run_module_as_main") == 0)
        return 1;
    if (pr->module)
        return 0;
    return strcmp(func, "<module>") == 0 && pr->script_base && strcmp(base_name(file), pr->script_base) == 0;
}

static int probe_cb(void *ctx, const struct py_thread_sample *s)
{
    struct probe *pr = ctx;
    if (s->depth == 0)
        return 0;
    pr->frames = 1;
    if ((s->status & TACHYON_THREAD_MAIN) && root_is_target(pr, s))
        pr->at_target = 1;
    return 0;
}

/* A freshly started interpreter runs its own start-up code (getpath, site,
 * importlib) before the target's; start the clock when the main thread's
 * root frame is the script's <module> (or runpy's, for -m), as upstream's
 * start-up synchronisation does (runpy's entry point also covers zipapps
 * and directories). A target recognised by neither is profiled once it
 * has run Python code for a while. */
static int wait_until_running(struct profile *p, const struct cli_opts *o, pid_t pid, int is_child,
                              int *child_status, int *reaped)
{
    uint64_t start = clock_now_ns(), deadline = start + STARTUP_TIMEOUT_NS, first_frames = 0;
    struct py_sample_opts so = { 0 };
    struct probe pr;
    char last_error[256];
    int rc, last_rc = 0, followed = 0;

    /* attach -d N gives up within its own duration. */
    if (!is_child && o->s.duration_s > 0 && o->s.duration_s * 1e9 < (double)STARTUP_TIMEOUT_NS)
        deadline = start + (uint64_t)(o->s.duration_s * 1e9);

    memset(&pr, 0, sizeof pr);
    pr.interner = p->interner;
    pr.module = o->module;
    pr.script_base = (is_child && !o->module) ? base_name(o->target_argv[0]) : NULL;
    for (;;) {
        pr.frames = pr.at_target = 0;
        rc = py_target_sample(p->target, &so, probe_cb, &pr);
        if (rc == 0 && p->program.len == 0)
            follow_fingerprint(pid, &p->program);
        /* The target may exec another interpreter before its own code
         * ever ran (a wrapper script): follow it here too. */
        if (rc != 0 && rc != ERR_NOTREADY && follow_exec_happened(pid, &p->program)) {
            rc = follow_exec(p);
            if (p->exec_stopped) {
                *reaped = p->reaped || *reaped;
                if (p->reaped)
                    *child_status = p->status;
                return ERR_NOPROC;
            }
            followed = 1;
            continue;
        }
        if (rc == 0 && pr.frames) {
            uint64_t now = clock_now_ns();
            /* After an exec the script is another one: its first Python
             * frames are as good a start as attach's. */
            if (!is_child || pr.at_target || followed)
                return 0;
            if (!first_frames)
                first_frames = now;
            else if (now - first_frames > 5000000000ull)
                return 0;
        }
        /* Either sign of the end (its memory gone, or the child reaped)
         * must end in a reaped child: its exit status is what `run`
         * returns. */
        if (is_child && !*reaped && child_exited(pid, child_status))
            *reaped = 1;
        if (rc == ERR_NOPROC || *reaped) {
            if (is_child && !*reaped)
                reap_exited_child(pid, child_status, reaped);
            return ERR_NOPROC;
        }
        if (signals_stop_requested())
            return ERR_INTERRUPTED;
        if (rc != 0 && rc != ERR_NOTREADY && rc != ERR_NOPROC) {
            last_rc = rc;
            snprintf(last_error, sizeof last_error, "%s", diag_message());
        }
        if (clock_now_ns() > deadline) {
            /* Blame what really failed: stacks that cannot be decoded are
             * not an interpreter that has not started. */
            if (last_rc)
                return diag_set(last_rc, "cannot decode the stacks of process %d: %s", (int)pid, last_error);
            return diag_set(ERR_NOTREADY, "the Python interpreter in process %d did not start running code within %.0f seconds",
                            (int)pid, (double)(deadline - start) / 1e9);
        }
        clock_sleep_until(clock_now_ns() + 100000ull);
    }
}

void profile_read_command_line(pid_t pid, char *buf, size_t len)
{
    char path[64];
    ssize_t n;
    int fd;
    size_t i;

    buf[0] = '\0';
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (i = 0; i + 1 < (size_t)n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
}

int profile_sink_deliver(void *ctx, const tachyon_sample *s)
{
    return plugin_session_sample(ctx, s);
}

int profile_sink_tick(void *ctx, uint64_t now_ns)
{
    return plugin_session_tick(ctx, now_ns);
}

/* The target replaced its program: profile the new interpreter from here
 * on with the same interner (so every frame id the plugin holds stays
 * valid), or say that the new program cannot be profiled and stop. */
static int follow_exec(struct profile *p)
{
    char exe[4096];
    int rc;

    follow_program_name(p->pid, exe, sizeof exe);
    py_target_close(p->target);
    p->target = NULL;
    mem_reader_close(p->reader);
    p->reader = NULL;
    memset(&p->img, 0, sizeof p->img);
    rc = find_runtime(p, p->pid, p->is_child, &p->status, &p->reaped);
    if (rc == 0)
        rc = mem_reader_open_process(p->pid, MEM_BACKEND_AUTO, &p->reader);
    if (rc == 0)
        rc = py_target_open(p->reader, &p->img, p->interner, &p->target);
    if (rc) {
        if (p->reaped)
            fprintf(stderr, "tachyon: process %d executed %s, which never ran Python code; samples end at "
                            "the exec\n", (int)p->pid, exe);
        else
            fprintf(stderr, "tachyon: process %d executed %s, which cannot be profiled (%s); samples end at "
                            "the exec\n", (int)p->pid, exe, diag_message());
        p->exec_stopped = 1;
        return ERR_NOPROC;
    }
    fprintf(stderr, "tachyon: process %d executed %s (Python %s); following it\n", (int)p->pid, exe,
            py_target_version(p->target));
    /* Fingerprinted again at its first good sample: in the middle of an
     * exec the kernel may not have written the new vector yet. */
    p->program.len = 0;
    p->failures_in_row = 0;
    return ERR_NOTREADY;
}

static uint64_t sink_tick_ns(void *ctx)
{
    return plugin_session_tick_ns(ctx);
}

static int sink_input_fd(void *ctx)
{
    return plugin_session_input_fd(ctx);
}

static int sink_input(void *ctx, uint64_t now_ns)
{
    return plugin_session_input(ctx, now_ns);
}

static unsigned sink_control(void *ctx)
{
    unsigned bits = plugin_session_control(ctx), out = 0;
    if (bits & PLUGIN_CTRL_RESET)
        out |= SINK_CTRL_RESET;
    if (bits & PLUGIN_CTRL_STOP)
        out |= SINK_CTRL_STOP;
    return out;
}

int profile_source_sample(void *ctx, const struct py_sample_opts *o, py_thread_cb cb, void *cb_ctx)
{
    struct profile *p = ctx;
    int rc;

    if (p->exec_stopped)
        return ERR_NOPROC;
    if (p->pause) {
        /* --blocking: the snapshot is read while every thread is stopped. */
        rc = proc_pause_stop(p->pause);
        if (rc)
            return rc;
        rc = py_target_sample(p->target, o, cb, cb_ctx);
        proc_pause_resume(p->pause);
    } else {
        rc = py_target_sample(p->target, o, cb, cb_ctx);
    }
    /* --subprocesses children (no pid here) have their execs followed by
     * cli/tree.c, which gives the new program its own session. */
    if (!p->pid)
        return rc;
    if (rc == 0 && p->program.len == 0)
        follow_fingerprint(p->pid, &p->program);
    /* The old program's memory is gone either way; a process that is still
     * there with another program exec'd. */
    if (rc == ERR_NOPROC && follow_exec_happened(p->pid, &p->program))
        return follow_exec(p);
    if (rc == 0 || rc == ERR_NOPROC) {
        p->failures_in_row = 0;
        return rc;
    }
    /* Look for an exec at the first failure of a run of them, then now
     * and then while they last. */
    if (p->failures_in_row++ % 64 == 0 && follow_exec_happened(p->pid, &p->program))
        return follow_exec(p);
    return rc;
}

/* Wait up to TERMINATE_GRACE_NS for the child to exit and collect it. */
static void reap_exited_child(pid_t pid, int *status, int *reaped)
{
    uint64_t deadline = clock_now_ns() + TERMINATE_GRACE_NS;
    while (clock_now_ns() < deadline) {
        if (child_exited(pid, status)) {
            *reaped = 1;
            return;
        }
        clock_sleep_until(clock_now_ns() + 1000000ull);
    }
}

/* Stop a child we started that is still running when profiling ends. */
static void stop_child(pid_t pid, int *status, int *reaped)
{
    if (*reaped)
        return;
    kill(pid, SIGTERM);
    reap_exited_child(pid, status, reaped);
    if (*reaped)
        return;
    kill(pid, SIGKILL);
    reap_exited_child(pid, status, reaped);
}

void profile_release(struct profile *p)
{
    if (p->plugin)
        plugin_session_destroy(p->plugin);
    proc_pause_destroy(p->pause);
    if (p->target)
        py_target_close(p->target);
    if (p->reader)
        mem_reader_close(p->reader);
    if (p->interner)
        interner_destroy(p->interner);
    free(p->output_path);
}

static int exit_status_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return EXIT_FAIL;
}

/* Does path name the file our standard output already writes to? */
/* What the decoder had to give up on, thread by thread: a thread that
 * failed lost its own samples only, and a cut stack is marked. */
static void print_decode_losses(const struct py_target *t)
{
    const struct py_thread_failure *f;
    size_t i, n = py_target_thread_failures(t, &f);
    uint64_t cut = py_target_truncated_stacks(t);

    for (i = 0; i < n; i++)
        fprintf(stderr, "Warning: thread %llu: %llu sample%s of this thread could not be decoded (first: %s)\n",
                (unsigned long long)f[i].thread_id, (unsigned long long)f[i].count, f[i].count == 1 ? "" : "s",
                f[i].first_error);
    if (cut)
        fprintf(stderr, "Warning: %llu stack%s deeper than %d frames were cut at the root end (marked "
                        "<truncated>)\n", (unsigned long long)cut, cut == 1 ? "" : "s", PY_MAX_DEPTH);
}

static void print_no_samples(const struct cli_opts *o)
{
    fprintf(stderr, "No samples were collected.\n");
    if (o->s.mode == TACHYON_MODE_CPU)
        fprintf(stderr, "In CPU mode only threads running on a CPU are sampled: the target may have been "
                        "idle or waiting the whole time. Try --mode=wall.\n");
    else if (o->s.mode == TACHYON_MODE_GIL)
        fprintf(stderr, "In GIL mode only the thread holding the GIL is sampled. Try --mode=wall.\n");
    else if (o->s.mode == TACHYON_MODE_EXCEPTION)
        fprintf(stderr, "In exception mode only threads handling an exception are sampled. Try --mode=wall.\n");
}

void profile_sampler_config(const struct cli_opts *o, const tachyon_format *fmt, pid_t pid, int is_child,
                            struct sampler_config *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->interval_ns = o->s.interval_us * 1000ull;
    sc->duration_ns = (uint64_t)(o->s.duration_s * 1e9);
    /* A duration below a nanosecond is still a duration, not "forever". */
    if (sc->duration_ns == 0 && o->s.duration_s > 0)
        sc->duration_ns = 1;
    sc->mode = o->s.mode;
    sc->opts.all_threads = o->s.all_threads;
    sc->opts.gc = o->s.gc;
    sc->opts.native = o->s.native;
    sc->opts.opcodes = o->s.opcodes;
    sc->opts.thread_status = 1;
    sc->opts.async_mode = !o->s.async_aware ? PY_ASYNC_OFF : o->s.async_all ? PY_ASYNC_ALL : PY_ASYNC_RUNNING;
    /* The kernel's on-CPU state costs a /proc read per thread and sample:
     * only cpu mode and formats that record every status use it. */
    sc->opts.cpu_status = o->s.mode == TACHYON_MODE_CPU || (fmt->flags & TACHYON_FORMAT_NO_MODE) != 0;
    /* Such formats also keep every sample at its own time (a timeline),
     * so identical consecutive samples are not merged into one. */
    if (fmt->flags & TACHYON_FORMAT_NO_MODE)
        sc->max_weight = 1;
    /* The live view shows the rate itself; a status line would tear it. */
    sc->realtime_stats = o->s.realtime_stats && !(fmt->flags & TACHYON_FORMAT_INTERACTIVE);
    sc->pid = pid;
    sc->is_child = is_child;
    sc->stats_out = stderr;
}

int cli_profile(struct cli_opts *o, const struct plugin_registry *reg, pid_t pid, int is_child)
{
    struct profile p;
    struct plugin_session_config pc;
    struct sampler_config sc;
    struct sampler_result res;
    tachyon_finish_info fin;
    const struct plugin_entry *entry;
    const tachyon_format *fmt = NULL;
    int rc, status = 0, reaped = 0, exit_code = EXIT_FAIL;
    FILE *summary_out = stdout;
    struct tree *tree = NULL;

    memset(&p, 0, sizeof p);
    memset(&res, 0, sizeof res);
    signals_install();
    entry = registry_find_format(reg, o->s.format, &fmt);
    if (!entry) {
        fprintf(stderr, "Error: no installed plugin provides the format '%s'\n", o->s.format);
        goto out;
    }

    /* Watch for children from the start: a parent that ends before it
     * could be profiled may still leave children to profile. */
    if (o->subprocesses && tree_create(o, reg, entry, fmt, pid, &tree)) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    rc = find_runtime(&p, pid, is_child, &status, &reaped);
    if (rc == ERR_NOPROC && reaped) {
        /* The target ended before it ever ran Python code (a usage error
         * of the script itself, usually): its own output says why. */
        exit_code = exit_status_of(status);
        print_no_samples(o);
        tree_finish(tree);
        goto out;
    }
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    rc = mem_reader_open_process(pid, MEM_BACKEND_AUTO, &p.reader);
    if (!rc)
        rc = interner_create(&p.interner);
    if (!rc)
        rc = py_target_open(p.reader, &p.img, p.interner, &p.target);
    /* Task reconstruction reads _asyncio's debug offsets, which only 3.14
     * and later publish: refuse older targets before sampling starts. */
    if (!rc && o->s.async_aware)
        rc = py_target_async_check(p.target);
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    p.pid = pid;
    p.is_child = is_child;
    /* Taken now, so an exec before the first good sample (a wrapper
     * script) is noticed too. */
    follow_fingerprint(pid, &p.program);
    rc = wait_until_running(&p, o, pid, is_child, &status, &reaped);
    if (rc == ERR_NOPROC && is_child) {
        /* Its memory is gone: it is exiting, so its status is coming. */
        if (!reaped)
            reap_exited_child(pid, &status, &reaped);
        exit_code = reaped ? exit_status_of(status) : EXIT_FAIL;
        print_no_samples(o);
        tree_finish(tree);
        goto out;
    }
    if (rc && rc != ERR_INTERRUPTED) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }

    if (o->blocking) {
        /* Find out now, not sample by sample, if the threads cannot be
         * stopped (another debugger traces the target). */
        rc = proc_pause_create(pid, &p.pause);
        if (!rc)
            rc = proc_pause_stop(p.pause);
        if (rc) {
            fprintf(stderr, "Error: %s\n", diag_message());
            goto out;
        }
        proc_pause_resume(p.pause);
    }
    if (p.target)
        py_target_reset_losses(p.target);
    rc = profile_output_path(o, fmt, pid, &p.output_path);
    if (rc)
        goto out;
    profile_read_command_line(pid, p.command_line, sizeof p.command_line);
    snprintf(p.source_root, sizeof p.source_root, "/proc/%d/root", (int)pid);
    profile_fill_session(o, &p.session, pid, py_target_hexversion(p.target), py_target_version(p.target),
                         p.output_path, p.command_line);
    p.stats.struct_size = sizeof p.stats;

    memset(&pc, 0, sizeof pc);
    pc.entry = entry;
    pc.format = fmt;
    pc.session = &p.session;
    pc.interner = p.interner;
    pc.settings = &o->s;
    pc.stats = &p.stats;
    pc.source_root = p.source_root;
    pc.interrupted = signals_stop_requested;
    rc = plugin_session_create(&pc, &p.plugin);
    if (rc) {
        /* A plugin that failed in create() was already reported by the
         * session, in its own words. */
        if (rc != ERR_PLUGIN)
            fprintf(stderr, "Error: %s\n", diag_message());
        exit_code = rc == ERR_USAGE ? EXIT_USAGE : EXIT_FAIL;
        goto out;
    }

    profile_sampler_config(o, fmt, pid, is_child, &sc);
    summary_out = profile_report_stream(fmt, p.output_path);
    sc.stats_out = summary_out;
    {
        struct sample_sink sink = { profile_sink_deliver, profile_sink_tick, p.plugin, sink_tick_ns, sink_input_fd,
                                    sink_input, sink_control };
        p.session.start_time_unix_ns = clock_realtime_ns();
        if (tree) {
            rc = tree_run_parent(tree, &sc, &p, &sink, &res);
        } else {
            rc = sampler_run(&sc, profile_source_sample, &p, &sink, &p.stats, &res);
        }
    }
    if (p.reaped && !reaped) {
        reaped = 1;
        status = p.status;
    }
    /* A child that exec'd a program we cannot profile is still the user's
     * program: wait for it (Ctrl-C stops waiting), for its exit status. */
    while (p.exec_stopped && is_child && !reaped && !res.child_reaped && !signals_stop_requested()) {
        if (child_exited(pid, &status))
            reaped = 1;
        else
            clock_sleep_until(clock_now_ns() + 20000000ull);
    }
    if (p.pause && !res.child_reaped && proc_pause_leader_status(p.pause, &res.child_status))
        res.child_reaped = 1;   /* the stop's wait collected our child's exit */
    if (res.child_reaped) {
        reaped = 1;
        status = res.child_status;
    } else if (is_child && res.target_exited) {
        /* Its memory is gone, so it is a zombie or about to be one: collect
         * its exit status, which `run` returns. */
        reap_exited_child(pid, &status, &reaped);
    }
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    if (!(fmt->flags & TACHYON_FORMAT_INTERACTIVE))
        sampler_print_summary(summary_out, &p.stats, sc.interval_ns, res.interrupted);
    fflush(summary_out);
    if (p.target)
        print_decode_losses(p.target);
    /* A report on standard output (the pstats table) says so itself. */
    if (p.stats.samples == 0 && p.output_path)
        print_no_samples(o);

    memset(&fin, 0, sizeof fin);
    fin.struct_size = sizeof fin;
    fin.interrupted = (uint32_t)res.interrupted;
    fin.target_exited = (uint32_t)res.target_exited;
    fin.stopped = (uint32_t)res.stopped;
    fin.stats = &p.stats;
    rc = plugin_session_finish(p.plugin, &fin);
    if (rc == 0 && !plugin_session_failed(p.plugin))
        profile_report_output(o, fmt, p.output_path);

    if (tree)
        tree_finish(tree);

    if (plugin_session_failed(p.plugin) || rc) {
        exit_code = EXIT_FAIL;
    } else if (is_child && reaped && !res.interrupted) {
        exit_code = exit_status_of(status);
    } else {
        exit_code = 0;
    }
out:
    if (is_child)
        stop_child(pid, &status, &reaped);
    tree_destroy(tree);
    profile_release(&p);
    return exit_code;
}
