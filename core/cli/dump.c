/* `tachyon dump PID`: one snapshot of a running process's stacks, printed
 * like a traceback in upstream's dump layout: a header per thread with its
 * status labels, frames root first with file, line and function, the
 * stripped source line (its executing range highlighted on a terminal),
 * synthetic <GC>/<native> frames, and opcodes with --opcodes. With
 * --async-aware a section is a leaf asyncio task's stack instead. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/grow.h"
#include "../intern/intern.h"
#include "../mem/reader.h"
#include "../proc/pause.h"
#include "../proc/process.h"
#include "../python/python.h"
#include "../sampler/clock.h"
#include "cli.h"
#include "dump_priv.h"

#define SNAPSHOT_TRIES 50   /* a torn read is retried; the process may be changing fast */

struct dump_opts {
    int all_threads, native, gc, opcodes, async_aware, async_mode_given, async_running, blocking;
    pid_t pid;
};

/* Each section's frames are a copy the snapshot owns. */
struct snapshot {
    struct dump_section *t;
    size_t n, cap;
    int failed;   /* out of memory while copying */
};

void cli_dump_usage(FILE *out)
{
    fprintf(out, "usage: tachyon dump [-h] [-a] [--native] [--no-gc] [--opcodes] [--async-aware]\n"
                 "                    [--async-mode {running,all}] [--blocking]\n"
                 "                    pid\n");
}

static void print_help(void)
{
    cli_dump_usage(stdout);
    printf("\nDump a running process's current Python stack\n\n"
           "Examples:\n"
           "  # Dump the main thread stack\n"
           "  `tachyon dump 1234`\n\n"
           "  # Dump all thread stacks\n"
           "  `tachyon dump -a 1234`\n\n"
           "positional arguments:\n"
           "  pid                   Process ID to dump\n\n"
           "options:\n"
           "  -h, --help            show this help message and exit\n\n"
           "Dump options:\n"
           "  -a, --all-threads     Dump all threads in the process instead of just the\n"
           "                        main thread (default: False)\n"
           "  --native              Include artificial `<native>` frames to denote calls\n"
           "                        to non-Python code (default: False)\n"
           "  --no-gc               Don't include artificial `<GC>` frames to denote\n"
           "                        active garbage collection (default: True)\n"
           "  --opcodes             Show bytecode opcode names when available. (default:\n"
           "                        False)\n"
           "  --async-aware         Enable async-aware stack reconstruction (default:\n"
           "                        False)\n"
           "  --async-mode {running,all}\n"
           "                        Async stack mode: \"running\" (only running task) or\n"
           "                        \"all\" (all tasks including waiting, default for dump).\n"
           "                        Requires `--async-aware`\n"
           "  --blocking            Stop all threads in target process before dumping the\n"
           "                        stack. (default: False)\n");
}

enum { D_NATIVE = 1000, D_NO_GC, D_OPCODES, D_ASYNC_AWARE, D_ASYNC_MODE, D_BLOCKING };

static const struct option dump_long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "all-threads", no_argument, NULL, 'a' },
    { "native", no_argument, NULL, D_NATIVE },
    { "no-gc", no_argument, NULL, D_NO_GC },
    { "opcodes", no_argument, NULL, D_OPCODES },
    { "async-aware", no_argument, NULL, D_ASYNC_AWARE },
    { "async-mode", required_argument, NULL, D_ASYNC_MODE },
    { "blocking", no_argument, NULL, D_BLOCKING },
    { NULL, 0, NULL, 0 },
};

/* 0, 1 for --help, or ERR_USAGE (printed). */
static int parse(struct dump_opts *o, int argc, char **argv)
{
    char *end;
    long pid;
    int c, rc;

    memset(o, 0, sizeof *o);
    o->gc = 1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+ha", dump_long_opts, NULL)) != -1) {
        switch (c) {
        case 'h': return 1;
        case 'a': o->all_threads = 1; break;
        case D_NATIVE: o->native = 1; break;
        case D_NO_GC: o->gc = 0; break;
        case D_OPCODES: o->opcodes = 1; break;
        case D_ASYNC_AWARE: o->async_aware = 1; break;
        case D_BLOCKING: o->blocking = 1; break;
        case D_ASYNC_MODE:
            if (strcmp(optarg, "running") && strcmp(optarg, "all"))
                return cli_usage_error(CMD_DUMP,
                                       "argument --async-mode: invalid choice: '%s' (choose from running, all)",
                                       optarg);
            o->async_mode_given = 1;
            o->async_running = strcmp(optarg, "running") == 0;
            break;
        case ':':
            return cli_usage_error(CMD_DUMP, "argument %s: expected one argument", argv[optind - 1]);
        default:
            return cli_usage_error(CMD_DUMP, "unrecognized arguments: %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error(CMD_DUMP, "the following arguments are required: pid");
    if (optind + 1 < argc)
        return cli_usage_error(CMD_DUMP, "unrecognized arguments: %s", argv[optind + 1]);
    errno = 0;
    pid = strtol(argv[optind], &end, 10);
    if (errno || end == argv[optind] || *end || pid < 0 || pid > 4194304)
        return cli_usage_error(CMD_DUMP, "argument pid: invalid int value: '%s'", argv[optind]);
    o->pid = (pid_t)pid;
    /* The same option rules as run and attach (dump has no format or mode). */
    if (o->async_aware && (rc = cli_async_conflicts(CMD_DUMP, o->native, o->gc, 0, NULL, o->all_threads)) != 0)
        return rc;
    if (o->async_mode_given && !o->async_aware)
        return cli_usage_error(CMD_DUMP, "--async-mode requires --async-aware to be enabled.");
    return 0;
}

static int keep_thread(void *ctx, const struct py_thread_sample *s)
{
    struct snapshot *sn = ctx;
    struct dump_section *t;

    if (grow_array((void **)&sn->t, &sn->cap, sn->n + 1, sizeof *sn->t) < 0) {
        sn->failed = 1;
        return ERR_NOMEM;
    }
    t = &sn->t[sn->n];
    memset(t, 0, sizeof *t);
    if (s->depth) {
        t->frames = malloc((size_t)s->depth * sizeof *t->frames);
        if (!t->frames) {
            sn->failed = 1;
            return ERR_NOMEM;
        }
        memcpy(t->frames, s->frames, (size_t)s->depth * sizeof *t->frames);
    }
    t->tid = s->native_thread_id ? s->native_thread_id : s->thread_id;
    t->task = s->task;
    t->interpreter_id = s->interpreter_id;
    t->status = s->status;
    t->depth = s->depth;
    sn->n++;
    return 0;
}

static void snapshot_clear(struct snapshot *sn)
{
    size_t i;
    for (i = 0; i < sn->n; i++)
        free(sn->t[i].frames);
    sn->n = 0;
}

/* One consistent snapshot: a torn read (the target changed its stack while
 * it was walked) is retried, as a sampler would take the next sample. */
static int take_snapshot(struct py_target *t, struct proc_pause *pause, const struct dump_opts *o,
                         struct snapshot *sn)
{
    struct py_sample_opts so;
    int rc = ERR_READ, tries;

    memset(&so, 0, sizeof so);
    so.all_threads = o->all_threads;
    so.gc = o->gc;
    so.native = o->native;
    so.opcodes = o->opcodes;
    so.thread_status = 1;
    /* Stopped threads are neither running nor idle, so under --blocking
     * the kernel's state is not asked (as upstream prints no label). Task
     * sections print no status at all. */
    so.cpu_status = !o->blocking && !o->async_aware;
    /* A dump shows every task unless asked for the running ones only. */
    if (o->async_aware)
        so.async_mode = o->async_running ? PY_ASYNC_RUNNING : PY_ASYNC_ALL;
    for (tries = 0; tries < SNAPSHOT_TRIES; tries++) {
        if (pause) {
            rc = proc_pause_stop(pause);
            if (rc)
                return rc;
        }
        rc = py_target_sample(t, &so, keep_thread, sn);
        if (pause)
            proc_pause_resume(pause);
        if (rc == 0 || rc == ERR_NOPROC || rc == ERR_NOMEM || sn->failed)
            break;
        snapshot_clear(sn);
        if (!proc_alive(o->pid))
            return ERR_NOPROC;
        clock_sleep_until(clock_now_ns() + 200000ull);
    }
    return sn->failed ? ERR_NOMEM : rc;
}

int cli_dump(int argc, char **argv)
{
    struct dump_opts o;
    struct py_image img;
    struct mem_reader *reader = NULL;
    struct interner *in = NULL;
    struct py_target *t = NULL;
    struct proc_pause *pause = NULL;
    struct snapshot sn;
    struct dump_printer pr;
    int rc, exit_code = EXIT_FAIL;
    size_t i;

    memset(&sn, 0, sizeof sn);
    rc = parse(&o, argc, argv);
    if (rc == 1) {
        print_help();
        return 0;
    }
    if (rc)
        return EXIT_USAGE;
    if (!proc_alive(o.pid)) {
        fprintf(stderr, "Error: Process with PID '%d' does not exist.\n", (int)o.pid);
        return EXIT_FAIL;
    }
    rc = proc_find_python(o.pid, &img);
    if (!rc)
        rc = mem_reader_open_process(o.pid, MEM_BACKEND_AUTO, &reader);
    if (!rc)
        rc = interner_create(&in);
    if (!rc)
        rc = py_target_open(reader, &img, in, &t);
    if (!rc && o.async_aware)
        rc = py_target_async_check(t);
    if (!rc && o.blocking)
        rc = proc_pause_create(o.pid, &pause);
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    rc = take_snapshot(t, pause, &o, &sn);
    if (rc == ERR_NOPROC) {
        fprintf(stderr, "No stack dump collected - process %d exited before its stack could be read.\n", (int)o.pid);
        goto out;
    }
    if (rc) {
        fprintf(stderr, "Error: could not read a consistent stack of process %d: %s\n", (int)o.pid, diag_message());
        goto out;
    }
    dump_printer_init(&pr, stdout, in, o.pid);
    /* Task sections name no interpreter, as upstream's. */
    for (i = 0; i < sn.n && !o.async_aware; i++)
        dump_printer_add(&pr, sn.t[i].interpreter_id);
    if (sn.n == 0)
        dump_print_empty(&pr);
    for (i = 0; i < sn.n; i++)
        dump_print_thread(&pr, i, &sn.t[i]);
    dump_printer_free(&pr);
    fflush(stdout);
    exit_code = 0;
out:
    snapshot_clear(&sn);
    free(sn.t);
    proc_pause_destroy(pause);
    if (t)
        py_target_close(t);
    if (reader)
        mem_reader_close(reader);
    if (in)
        interner_destroy(in);
    return exit_code;
}
