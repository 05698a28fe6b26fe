/* tachyon_feed: drive one collector plugin through the real registry,
 * session and host services with samples from a text file or a synthetic
 * generator, so plugins can be tested and benchmarked without a live
 * Python target. Usage and input format: tests/tools/README.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/err.h"
#include "config/settings.h"
#include "feed_input.h"
#include "intern/intern.h"
#include "plugin/registry.h"
#include "plugin/session.h"

#ifndef FEED_DEFAULT_PLUGIN_DIR
#define FEED_DEFAULT_PLUGIN_DIR "plugins"
#endif

#define BATCH 4096
#define EXIT_PLUGIN 1
#define EXIT_USAGE 2

struct feed_args {
    const char **plugin_dirs;
    size_t n_dirs;
    const char *format;
    const char *output;
    const char *stackfile;
    const char *generate;
    const char *python_version;
    uint64_t interval_us;
    int mode;
    int64_t pid;
    int opcodes;
    int time;
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: tachyon_feed [--plugin-dir DIR]... --format NAME [-o OUT]\n"
            "                    [--plugin-opt PLUGIN.KEY=VALUE]... [--interval US]\n"
            "                    [--mode wall|cpu|gil|exception|all] [--pid N] [--opcodes]\n"
            "                    [--python-version X.Y.Z] [--time]\n"
            "                    (STACKFILE | --generate SAMPLES,NODES,DEPTH,SEED)\n");
}

static int parse_mode(const char *s, int *mode)
{
    static const struct { const char *name; int mode; } modes[] = {
        {"wall", TACHYON_MODE_WALL}, {"cpu", TACHYON_MODE_CPU}, {"gil", TACHYON_MODE_GIL},
        {"exception", TACHYON_MODE_EXCEPTION}, {"all", TACHYON_MODE_ALL},
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(s, modes[i].name) == 0) {
            *mode = modes[i].mode;
            return 0;
        }
    }
    return diag_set(ERR_USAGE, "unknown mode \"%s\"", s);
}

static int parse_num(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return (*s && *s != '-' && !*end && !errno) ? 0 : ERR_USAGE;
}

static int parse_generate(const char *spec, uint64_t interval, struct feed_gen_params *p)
{
    uint64_t v[4];
    const char *at = spec;

    for (int i = 0; i < 4; i++) {
        char *end;
        errno = 0;
        v[i] = strtoull(at, &end, 10);
        if (end == at || errno || *at == '-' || *end != (i == 3 ? '\0' : ','))
            return diag_set(ERR_USAGE, "--generate wants SAMPLES,NODES,DEPTH,SEED, got \"%s\"",
                            spec);
        at = end + 1;
    }
    if (v[1] > UINT32_MAX || v[2] > 100000)
        return diag_set(ERR_USAGE, "--generate: too many nodes or too deep");
    p->samples = v[0];
    p->nodes = (uint32_t)v[1];
    p->depth = (uint32_t)v[2];
    p->seed = v[3];
    p->interval_us = interval;
    return 0;
}

/* --plugin-opt PLUGIN.KEY=VALUE, as the tachyon command line takes it. */
static int add_plugin_opt(struct settings *st, const char *arg)
{
    const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
    char *plugin, *key;
    int rc;

    if (!dot || !eq || dot > eq || dot == arg || eq == dot + 1)
        return diag_set(ERR_USAGE, "--plugin-opt wants PLUGIN.KEY=VALUE, got \"%s\"", arg);
    plugin = strndup(arg, (size_t)(dot - arg));
    key = strndup(dot + 1, (size_t)(eq - dot - 1));
    rc = (plugin && key) ? settings_set_plugin_opt(st, plugin, key, eq + 1, SRC_COMMAND_LINE,
                                                   "command line")
                         : diag_set(ERR_NOMEM, "out of memory");
    free(plugin);
    free(key);
    return rc;
}

static int parse_args(int argc, char **argv, struct feed_args *a, struct settings *st)
{
    enum { O_DIR = 256, O_FORMAT, O_OPT, O_INTERVAL, O_MODE, O_PID, O_OPCODES, O_GEN, O_TIME,
           O_PYVER, O_HELP };
    static const struct option longs[] = {
        {"plugin-dir", required_argument, 0, O_DIR}, {"format", required_argument, 0, O_FORMAT},
        {"output", required_argument, 0, 'o'}, {"plugin-opt", required_argument, 0, O_OPT},
        {"interval", required_argument, 0, O_INTERVAL}, {"mode", required_argument, 0, O_MODE},
        {"pid", required_argument, 0, O_PID}, {"opcodes", no_argument, 0, O_OPCODES},
        {"generate", required_argument, 0, O_GEN}, {"time", no_argument, 0, O_TIME},
        {"python-version", required_argument, 0, O_PYVER}, {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    uint64_t num;
    int c, rc;

    while ((c = getopt_long(argc, argv, "o:", longs, NULL)) != -1) {
        switch (c) {
        case O_DIR: {
            const char **grown = realloc(a->plugin_dirs, (a->n_dirs + 1) * sizeof *grown);
            if (!grown)
                return diag_set(ERR_NOMEM, "out of memory");
            a->plugin_dirs = grown;
            a->plugin_dirs[a->n_dirs++] = optarg;
            break;
        }
        case O_FORMAT: a->format = optarg; break;
        case 'o': a->output = optarg; break;
        case O_OPT:
            if ((rc = add_plugin_opt(st, optarg)) < 0)
                return rc;
            break;
        case O_INTERVAL:
            if (parse_num(optarg, &a->interval_us) < 0 || a->interval_us == 0)
                return diag_set(ERR_USAGE, "--interval wants a positive number of microseconds");
            break;
        case O_MODE:
            if ((rc = parse_mode(optarg, &a->mode)) < 0)
                return rc;
            break;
        case O_PID:
            if (parse_num(optarg, &num) < 0 || num > INT64_MAX)
                return diag_set(ERR_USAGE, "--pid wants a process id");
            a->pid = (int64_t)num;
            break;
        case O_OPCODES: a->opcodes = 1; break;
        case O_GEN: a->generate = optarg; break;
        case O_TIME: a->time = 1; break;
        case O_PYVER: a->python_version = optarg; break;
        case O_HELP: usage(stdout); exit(0);
        default: return diag_set(ERR_USAGE, "bad command line");
        }
    }
    if (optind < argc)
        a->stackfile = argv[optind++];
    if (optind < argc)
        return diag_set(ERR_USAGE, "unexpected argument \"%s\"", argv[optind]);
    if (!a->format)
        return diag_set(ERR_USAGE, "--format is required");
    if (!a->stackfile == !a->generate)
        return diag_set(ERR_USAGE, "give exactly one of STACKFILE and --generate");
    return 0;
}

/* The mode filter the sampler applies before samples reach a plugin. */
static int mode_keeps(int mode, uint32_t status)
{
    switch (mode) {
    case TACHYON_MODE_CPU: return (status & TACHYON_THREAD_ON_CPU) != 0;
    case TACHYON_MODE_GIL: return (status & TACHYON_THREAD_HAS_GIL) != 0;
    case TACHYON_MODE_EXCEPTION: return (status & TACHYON_THREAD_HAS_EXCEPTION) != 0;
    default: return 1;
    }
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t hexversion_of(const char *v)
{
    unsigned major = 0, minor = 0, micro = 0;
    if (sscanf(v, "%u.%u.%u", &major, &minor, &micro) < 2)
        return 0;
    return (major & 0xff) << 24 | (minor & 0xff) << 16 | (micro & 0xff) << 8 | 0xf0;
}

/* The session output path the CLI would choose: -o, else the format's
 * default name with {pid} expanded, else standard output. */
static char *output_path(const struct feed_args *a, const tachyon_format *f)
{
    const char *tmpl = f->default_output, *mark;
    char *path;
    size_t len;

    if (a->output)
        return strdup(a->output);
    if (!tmpl || (f->flags & TACHYON_FORMAT_STDOUT))
        return NULL;
    mark = strstr(tmpl, "{pid}");
    if (!mark)
        return strdup(tmpl);
    len = strlen(tmpl) + 24;
    path = malloc(len);
    if (path)
        snprintf(path, len, "%.*s%lld%s", (int)(mark - tmpl), tmpl, (long long)a->pid, mark + 5);
    return path;
}

int main(int argc, char **argv)
{
    struct feed_args a;
    struct settings st;
    struct plugin_registry reg;
    struct discovery_opts dopts;
    struct interner *in = NULL;
    struct feed_source *src = NULL;
    struct plugin_session *ps = NULL;
    struct feed_batch batch;
    tachyon_session sess;
    tachyon_stats stats;
    tachyon_finish_info fi;
    const struct plugin_entry *entry;
    const tachyon_format *fmt = NULL;
    const char *default_dir = FEED_DEFAULT_PLUGIN_DIR;
    char *out_path = NULL;
    double cpu = 0, t0;
    uint64_t last_ts = 0;
    int rc, status = EXIT_USAGE, sample_failed = 0;

    memset(&a, 0, sizeof a);
    memset(&reg, 0, sizeof reg);
    memset(&batch, 0, sizeof batch);
    a.interval_us = 100;
    a.python_version = "3.13.0";
    settings_init_defaults(&st);

    rc = parse_args(argc, argv, &a, &st);
    if (rc < 0) {
        fprintf(stderr, "tachyon_feed: %s\n", diag_message());
        usage(stderr);
        goto out;
    }

    memset(&dopts, 0, sizeof dopts);
    dopts.explicit_paths = a.n_dirs ? a.plugin_dirs : &default_dir;
    dopts.n_explicit = a.n_dirs ? a.n_dirs : 1;
    dopts.skip_builtin_dirs = 1;
    rc = registry_discover(&dopts, &reg);
    if (rc < 0) {
        fprintf(stderr, "tachyon_feed: %s\n", diag_message());
        goto out;
    }
    entry = registry_find_format(&reg, a.format, &fmt);
    if (!entry) {
        fprintf(stderr, "tachyon_feed: no plugin provides format \"%s\"; what was found:\n",
                a.format);
        registry_print(&reg, stderr);
        goto out;
    }

    if ((rc = interner_create(&in)) < 0) {
        fprintf(stderr, "tachyon_feed: %s\n", diag_message());
        goto out;
    }
    if (a.generate) {
        struct feed_gen_params gp;
        rc = parse_generate(a.generate, a.interval_us, &gp);
        if (rc == 0)
            rc = feed_open_generator(&gp, in, &src);
    } else {
        rc = feed_open_file(a.stackfile, in, a.opcodes, &src);
    }
    if (rc < 0) {
        fprintf(stderr, "tachyon_feed: %s\n", diag_message());
        goto out;
    }

    out_path = output_path(&a, fmt);
    memset(&sess, 0, sizeof sess);
    sess.struct_size = sizeof sess;
    sess.mode = (uint32_t)a.mode;
    sess.pid = a.pid;
    sess.python_version = a.python_version;
    sess.python_hexversion = hexversion_of(a.python_version);
    sess.flags = a.opcodes ? TACHYON_SESSION_OPCODES : 0;
    sess.interval_us = a.interval_us;
    sess.start_time_unix_ns = (uint64_t)time(NULL) * 1000000000ull;
    sess.format = fmt->name;
    sess.output_path = out_path;
    sess.command_line = a.stackfile ? a.stackfile : "tachyon_feed --generate";
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;

    {
        struct plugin_session_config cfg = {
            .entry = entry, .format = fmt, .session = &sess, .interner = in,
            .settings = &st, .stats = &stats, .source_root = NULL,
        };
        rc = plugin_session_create(&cfg, &ps);
    }
    if (rc < 0) {
        /* A failed create() has been reported by the session already. */
        if (rc != ERR_PLUGIN)
            fprintf(stderr, "tachyon_feed: %s\n", diag_message());
        status = rc == ERR_USAGE ? EXIT_USAGE : EXIT_PLUGIN;
        goto out;
    }

    status = EXIT_PLUGIN;
    while ((rc = feed_next(src, &batch, BATCH)) > 0) {
        t0 = cpu_now();
        for (size_t i = 0; i < batch.n; i++) {
            const tachyon_sample *smp = &batch.samples[i];
            last_ts = smp->timestamp_ns;
            stats.duration_ns = last_ts;
            stats.attempts += smp->weight;
            stats.successes += smp->weight;
            stats.expected += smp->weight;
            if (!mode_keeps(a.mode, smp->status)) {
                stats.filtered += smp->weight;
                continue;
            }
            stats.samples += smp->weight;
            /* A failure is reported once by the session; keep counting so
             * the statistics stay true, as the sampler would. */
            if (!sample_failed && plugin_session_sample(ps, smp) < 0)
                sample_failed = 1;
            if (!sample_failed && plugin_session_tick(ps, smp->timestamp_ns) < 0)
                sample_failed = 1;
        }
        cpu += cpu_now() - t0;
    }
    if (rc < 0) {
        fprintf(stderr, "tachyon_feed: %s\n", diag_message());
        status = EXIT_USAGE;
        goto out;
    }

    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    fi.stats = &stats;
    t0 = cpu_now();
    rc = plugin_session_finish(ps, &fi);
    cpu += cpu_now() - t0;
    status = (rc < 0 || plugin_session_failed(ps)) ? EXIT_PLUGIN : 0;

    if (a.time) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        fprintf(stderr,
                "tachyon_feed: %llu samples, %u frames, on_sample+finish CPU %.3f s, "
                "peak RSS %ld MiB\n",
                (unsigned long long)stats.samples, interner_frame_count(in), cpu,
                ru.ru_maxrss / 1024);
    }
out:
    plugin_session_destroy(ps);
    feed_batch_free(&batch);
    feed_close(src);
    interner_destroy(in);
    registry_free(&reg);
    settings_free(&st);
    free(out_path);
    free(a.plugin_dirs);
    return status;
}
