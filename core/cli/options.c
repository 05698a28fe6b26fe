/* Parsing of `tachyon run` and `tachyon attach` options.
 *
 * The flags and their meaning follow CPython's profiling.sampling CLI; a few
 * tachyon additions (--format, --plugin, --plugin-opt, --config, --python)
 * are documented in --help. Options stop at the first non-option word, so
 * everything after the script or module belongs to the target. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tachyon/plugin.h>

#include "../common/err.h"
#include "../config/config.h"
#include "cli.h"

enum {
    OPT_REALTIME = 1000, OPT_NATIVE, OPT_NO_GC, OPT_OPCODES, OPT_ASYNC_AWARE, OPT_SUBPROCESSES,
    OPT_BLOCKING, OPT_MODE, OPT_ASYNC_MODE, OPT_PSTATS, OPT_COLLAPSED, OPT_FLAMEGRAPH, OPT_GECKO,
    OPT_HEATMAP, OPT_BINARY, OPT_FORMAT, OPT_BROWSER, OPT_SORT, OPT_NO_SUMMARY, OPT_LIVE,
    OPT_PLUGIN, OPT_PLUGIN_OPT, OPT_CONFIG, OPT_PYTHON, OPT_COMPRESSION, OPT_JSONL, OPT_DIFF_FLAMEGRAPH,
};

static const struct option long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "module", no_argument, NULL, 'm' },
    { "interval", required_argument, NULL, 'i' },
    { "sampling-rate", required_argument, NULL, 'r' },
    { "duration", required_argument, NULL, 'd' },
    { "all-threads", no_argument, NULL, 'a' },
    { "realtime-stats", no_argument, NULL, OPT_REALTIME },
    { "native", no_argument, NULL, OPT_NATIVE },
    { "no-gc", no_argument, NULL, OPT_NO_GC },
    { "opcodes", no_argument, NULL, OPT_OPCODES },
    { "async-aware", no_argument, NULL, OPT_ASYNC_AWARE },
    { "subprocesses", no_argument, NULL, OPT_SUBPROCESSES },
    { "blocking", no_argument, NULL, OPT_BLOCKING },
    { "mode", required_argument, NULL, OPT_MODE },
    { "async-mode", required_argument, NULL, OPT_ASYNC_MODE },
    { "pstats", no_argument, NULL, OPT_PSTATS },
    { "collapsed", no_argument, NULL, OPT_COLLAPSED },
    { "flamegraph", no_argument, NULL, OPT_FLAMEGRAPH },
    { "gecko", no_argument, NULL, OPT_GECKO },
    { "heatmap", no_argument, NULL, OPT_HEATMAP },
    { "binary", no_argument, NULL, OPT_BINARY },
    { "jsonl", no_argument, NULL, OPT_JSONL },
    { "diff-flamegraph", required_argument, NULL, OPT_DIFF_FLAMEGRAPH },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "output", required_argument, NULL, 'o' },
    { "browser", no_argument, NULL, OPT_BROWSER },
    { "sort", required_argument, NULL, OPT_SORT },
    { "limit", required_argument, NULL, 'l' },
    { "no-summary", no_argument, NULL, OPT_NO_SUMMARY },
    { "live", no_argument, NULL, OPT_LIVE },
    { "plugin", required_argument, NULL, OPT_PLUGIN },
    { "plugin-opt", required_argument, NULL, OPT_PLUGIN_OPT },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "python", required_argument, NULL, OPT_PYTHON },
    { "compression", required_argument, NULL, OPT_COMPRESSION },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
};

/* The same ranges tachyon.ini enforces (config_values.c): an interval of
 * more than an hour is a unit mistake, and a duration up to 1e9 seconds
 * keeps every nanosecond computation inside 64 bits. */
#define MAX_INTERVAL_US 3600000000ull
#define MAX_DURATION_S 1e9

static const char *const sort_keys[] = {
    "nsamples", "tottime", "cumtime", "sample-pct", "cumul-pct", "nsamples-cumul", "name", NULL,
};

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-' || *s == '+')
        return ERR_INVALID;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return ERR_INVALID;
    *out = v;
    return 0;
}

/* -r/--sampling-rate: a number with an optional hz, khz or k suffix, as
 * upstream accepts it ("10khz", "250", "1.5k"), converted to microseconds. */
static int parse_rate(enum cli_command cmd, const char *arg, uint64_t *interval_us)
{
    char buf[64], *end;
    size_t n = strlen(arg), i = 0;
    double hz, mult = 1;
    const char *suffix;

    while (n && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
        n--;
    while (i < n && (arg[i] == ' ' || arg[i] == '\t'))
        i++;
    if (n - i >= sizeof buf)
        goto bad;
    memcpy(buf, arg + i, n - i);
    buf[n - i] = '\0';
    for (i = 0; buf[i]; i++)
        buf[i] = (char)((buf[i] >= 'A' && buf[i] <= 'Z') ? buf[i] + 32 : buf[i]);
    if (!(buf[0] >= '0' && buf[0] <= '9'))
        goto bad;
    errno = 0;
    hz = strtod(buf, &end);
    if (errno || end == buf)
        goto bad;
    /* Only digits with at most one decimal point, then the suffix. */
    for (i = 0; buf + i < end; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.'))
            goto bad;
    if (end[-1] == '.')
        goto bad;
    suffix = end;
    if (strcmp(suffix, "") == 0 || strcmp(suffix, "hz") == 0)
        mult = 1;
    else if (strcmp(suffix, "khz") == 0 || strcmp(suffix, "k") == 0)
        mult = 1000;
    else
        goto bad;
    hz *= mult;
    if (!(hz > 0))
        return cli_usage_error(cmd, "argument -r/--sampling-rate: Sampling rate must be positive: %s", buf);
    if (1e6 / hz < 1)
        return cli_usage_error(cmd, "argument -r/--sampling-rate: Sampling rate too high: %s", buf);
    if (1e6 / hz > (double)MAX_INTERVAL_US)
        return cli_usage_error(cmd, "argument -r/--sampling-rate: Sampling rate too low: %s (at least one "
                                    "sample per hour)", buf);
    *interval_us = (uint64_t)(1e6 / hz);
    return 0;
bad:
    return cli_usage_error(cmd,
                           "argument -r/--sampling-rate: Invalid sampling rate format: %s. Expected: number "
                           "followed by optional suffix (hz, khz, k) with no spaces (e.g., 10khz)",
                           arg);
}

static int set_string(char **slot, const char *v)
{
    char *copy = strdup(v);
    if (!copy)
        return ERR_NOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

static void mark(struct cli_opts *o, enum setting_key k)
{
    o->s.source[k] = SRC_COMMAND_LINE;
}

/* --pstats, --collapsed...: mutually exclusive, like upstream's argparse group. */
static int set_format_flag(struct cli_opts *o, enum cli_command cmd, const char *flag, const char *format)
{
    if (o->format_flag && strcmp(o->format_flag, flag) != 0)
        return cli_usage_error(cmd, "argument %s: not allowed with argument %s", flag, o->format_flag);
    o->format_flag = flag;
    mark(o, KEY_FORMAT);
    return set_string(&o->s.format, format);
}

static int parse_mode(enum cli_command cmd, const char *v, int *mode)
{
    if (strcmp(v, "wall") == 0)
        *mode = TACHYON_MODE_WALL;
    else if (strcmp(v, "cpu") == 0)
        *mode = TACHYON_MODE_CPU;
    else if (strcmp(v, "gil") == 0)
        *mode = TACHYON_MODE_GIL;
    else if (strcmp(v, "exception") == 0)
        *mode = TACHYON_MODE_EXCEPTION;
    else
        return cli_usage_error(cmd, "argument --mode: invalid choice: '%s' (choose from wall, cpu, gil, exception)", v);
    return 0;
}

static int add_plugin_path(struct cli_opts *o, const char *path)
{
    const char **grown = realloc(o->plugin_paths, (o->n_plugin_paths + 1) * sizeof *grown);
    if (!grown)
        return ERR_NOMEM;
    o->plugin_paths = grown;
    o->plugin_paths[o->n_plugin_paths++] = path;
    return 0;
}

/* replay takes the output options only: how the file was sampled is
 * recorded in it. */
static int replay_refuses(int c)
{
    return (c < 128 && strchr("mirda", c) != NULL) || (c >= OPT_REALTIME && c <= OPT_ASYNC_MODE) || c == OPT_BINARY ||
           c == OPT_LIVE || c == OPT_PYTHON || c == OPT_COMPRESSION;
}

static int handle_option(struct cli_opts *o, enum cli_command cmd, int c, const char *arg)
{
    uint64_t u;
    int i;

    if (cmd == CMD_REPLAY && c > 0 && replay_refuses(c))
        return ERR_USAGE;

    switch (c) {
    case 'm':
        if (cmd != CMD_RUN)
            return cli_usage_error(cmd, "unrecognized arguments: -m");
        o->module = 1;
        return 0;
    case 'i':
        if (o->rate_flag == 'r')
            return cli_usage_error(cmd, "argument -i/--interval: not allowed with argument -r/--sampling-rate");
        if (parse_u64(arg, &u) || u == 0)
            return cli_usage_error(cmd, "argument -i/--interval: invalid positive int value: '%s'", arg);
        if (u > MAX_INTERVAL_US)
            return cli_usage_error(cmd, "argument -i/--interval: %s microseconds is out of range (1 to %llu, "
                                        "one hour)", arg, MAX_INTERVAL_US);
        o->s.interval_us = u;
        o->rate_flag = 'i';
        mark(o, KEY_INTERVAL);
        return 0;
    case 'r':
        if (o->rate_flag == 'i')
            return cli_usage_error(cmd, "argument -r/--sampling-rate: not allowed with argument -i/--interval");
        if (parse_rate(cmd, arg, &o->s.interval_us))
            return ERR_USAGE;
        o->rate_flag = 'r';
        mark(o, KEY_INTERVAL);
        return 0;
    case 'd': {
        char *end;
        double d;
        errno = 0;
        d = strtod(arg, &end);
        if (errno || end == arg || *end || !(d > 0) || !isfinite(d))
            return cli_usage_error(cmd, "argument -d/--duration: invalid positive number of seconds: '%s'", arg);
        if (d > MAX_DURATION_S)
            return cli_usage_error(cmd, "argument -d/--duration: %s seconds is out of range (at most 1e9)", arg);
        o->s.duration_s = d;
        mark(o, KEY_DURATION);
        return 0;
    }
    case 'a': o->s.all_threads = 1; mark(o, KEY_ALL_THREADS); return 0;
    case OPT_REALTIME: o->s.realtime_stats = 1; mark(o, KEY_REALTIME_STATS); return 0;
    case OPT_NATIVE: o->s.native = 1; mark(o, KEY_NATIVE); return 0;
    case OPT_NO_GC: o->s.gc = 0; mark(o, KEY_GC); return 0;
    case OPT_OPCODES: o->s.opcodes = 1; mark(o, KEY_OPCODES); return 0;
    case OPT_ASYNC_AWARE: o->s.async_aware = 1; mark(o, KEY_ASYNC_AWARE); return 0;
    case OPT_SUBPROCESSES: o->subprocesses = 1; return 0;
    case OPT_BLOCKING: o->blocking = 1; return 0;
    case OPT_BROWSER: o->browser = 1; return 0;
    case 'v': o->verbose = 1; return 0;
    case OPT_MODE:
        if (parse_mode(cmd, arg, &o->s.mode))
            return ERR_USAGE;
        o->mode_given = 1;
        mark(o, KEY_MODE);
        return 0;
    case OPT_ASYNC_MODE:
        if (strcmp(arg, "running") && strcmp(arg, "all"))
            return cli_usage_error(cmd, "argument --async-mode: invalid choice: '%s' (choose from running, all)", arg);
        o->s.async_all = strcmp(arg, "all") == 0;
        mark(o, KEY_ASYNC_MODE);
        return 0;
    case OPT_PSTATS: return set_format_flag(o, cmd, "--pstats", "pstats");
    case OPT_COLLAPSED: return set_format_flag(o, cmd, "--collapsed", "collapsed");
    case OPT_FLAMEGRAPH: return set_format_flag(o, cmd, "--flamegraph", "flamegraph");
    case OPT_GECKO: return set_format_flag(o, cmd, "--gecko", "gecko");
    case OPT_HEATMAP: return set_format_flag(o, cmd, "--heatmap", "heatmap");
    case OPT_BINARY: return set_format_flag(o, cmd, "--binary", "binary");
    case OPT_JSONL: return set_format_flag(o, cmd, "--jsonl", "jsonl");
    case OPT_DIFF_FLAMEGRAPH:
        if (!*arg)
            return cli_usage_error(cmd, "argument --diff-flamegraph: expected a baseline file");
        o->diff_baseline = arg;
        return set_format_flag(o, cmd, "--diff-flamegraph", "diff_flamegraph");
    case OPT_FORMAT:
        if (!*arg)
            return cli_usage_error(cmd, "argument --format: expected a format name");
        if (o->format_flag)
            return cli_usage_error(cmd, "argument --format: not allowed with argument %s", o->format_flag);
        o->format_flag = "--format";
        mark(o, KEY_FORMAT);
        return set_string(&o->s.format, arg);
    case 'o':
        if (!*arg)
            return cli_usage_error(cmd, "argument -o/--output: expected a path");
        mark(o, KEY_OUTPUT);
        return set_string(&o->s.output, arg);
    case OPT_SORT:
        for (i = 0; sort_keys[i]; i++)
            if (strcmp(sort_keys[i], arg) == 0)
                break;
        if (!sort_keys[i])
            return cli_usage_error(cmd,
                                   "argument --sort: invalid choice: '%s' (choose from nsamples, tottime, "
                                   "cumtime, sample-pct, cumul-pct, nsamples-cumul, name)", arg);
        o->sort = arg;
        return 0;
    case 'l':
        if (parse_u64(arg, &u) || u > 1000000000ull)
            return cli_usage_error(cmd, "argument -l/--limit: invalid int value: '%s'", arg);
        o->limit = (long)u;
        return 0;
    case OPT_NO_SUMMARY: o->no_summary = 1; return 0;
    case OPT_LIVE: o->live = 1; return 0;
    case OPT_PLUGIN: return add_plugin_path(o, arg);
    case OPT_PLUGIN_OPT:
        if (config_parse_plugin_opt(&o->s, arg)) {
            /* The message names the option itself; say it once. */
            const char *msg = diag_message();
            if (strncmp(msg, "--plugin-opt ", 13) == 0)
                msg += 13;
            return cli_usage_error(cmd, "argument --plugin-opt: %s", msg);
        }
        return 0;
    case OPT_CONFIG: o->config_file = arg; return 0;
    case OPT_COMPRESSION:
        if (strcmp(arg, "auto") && strcmp(arg, "zstd") && strcmp(arg, "none"))
            return cli_usage_error(cmd, "argument --compression: invalid choice: '%s' (choose from auto, zstd, none)",
                                   arg);
        o->compression = arg;
        return 0;
    case OPT_PYTHON:
        if (cmd != CMD_RUN)
            return cli_usage_error(cmd, "unrecognized arguments: --python");
        mark(o, KEY_PYTHON);
        return set_string(&o->s.python, arg);
    default:
        return ERR_USAGE;
    }
}

int cli_parse(struct cli_opts *o, enum cli_command cmd, int argc, char **argv)
{
    int c, rc = 0;

    o->command = cmd;
    o->limit = -1;
    /* getopt_long prints its own "unrecognized option" line; we add the usage. */
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hmi:r:d:ao:l:v", long_opts, NULL)) != -1) {
        if (c == 'h') {
            rc = 1;   /* caller prints help */
            goto out;
        }
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (optopt && c == ':')
                rc = cli_usage_error(cmd, "argument -%c: expected one argument", optopt);
            else if (optopt && strchr("idrol", optopt))
                rc = cli_usage_error(cmd, "argument -%c: expected one argument", optopt);
            else
                rc = cli_usage_error(cmd, "unrecognized arguments: %s", bad);
            goto out;
        }
        rc = handle_option(o, cmd, c, optarg);
        if (rc == ERR_USAGE && cmd == CMD_REPLAY && replay_refuses(c)) {
            const char *word = (optarg && optind >= 2 && optarg == argv[optind - 1]) ? argv[optind - 2] : argv[optind - 1];
            rc = cli_usage_error(cmd, "unrecognized arguments: %s", word);
            goto out;
        }
        if (rc)
            goto out;
    }
    o->target_argc = argc - optind;
    o->target_argv = argv + optind;
    if (o->target_argc < 1) {
        rc = cli_usage_error(cmd, "the following arguments are required: %s",
                             cmd == CMD_RUN ? "target" : cmd == CMD_REPLAY ? "input_file" : "pid");
        goto out;
    }
    if (cmd == CMD_REPLAY && o->target_argc > 1) {
        rc = cli_usage_error(cmd, "unrecognized arguments: %s", o->target_argv[1]);
        goto out;
    }
    if (cmd == CMD_ATTACH) {
        uint64_t pid;
        if (o->target_argc > 1) {
            rc = cli_usage_error(cmd, "unrecognized arguments: %s", o->target_argv[1]);
            goto out;
        }
        if (parse_u64(o->target_argv[0], &pid) || pid == 0 || pid > 4194304) {
            rc = cli_usage_error(cmd, "argument pid: invalid int value: '%s'", o->target_argv[0]);
            goto out;
        }
        o->pid = (pid_t)pid;
    }
out:
    return rc;
}

void cli_opts_free(struct cli_opts *o)
{
    settings_free(&o->s);
    free(o->plugin_paths);
    o->plugin_paths = NULL;
}
