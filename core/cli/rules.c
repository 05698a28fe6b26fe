/* Option restrictions, with upstream's wording, checked once the selected
 * format (and so its flags) is known. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tachyon/plugin.h>

#include "../common/err.h"
#include "cli.h"

/* Append name to the comma-separated list of n bytes in buf. */
static size_t list_add(char *buf, size_t len, size_t n, const char *name)
{
    int w;
    if (n >= len)
        return n;
    w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", name);
    return w > 0 ? n + (size_t)w : n;
}

/* "--sort, --limit" for the pstats-only options that were given. */
static size_t pstats_only_given(const struct cli_opts *o, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    if (o->sort)
        n = list_add(buf, len, n, "--sort");
    if (o->limit >= 0)
        n = list_add(buf, len, n, "--limit");
    if (o->no_summary)
        n = list_add(buf, len, n, "--no-summary");
    return n;
}

static const char *mode_name(int mode)
{
    switch (mode) {
    case TACHYON_MODE_CPU: return "cpu";
    case TACHYON_MODE_GIL: return "gil";
    case TACHYON_MODE_EXCEPTION: return "exception";
    default: return "wall";
    }
}

int cli_async_conflicts(enum cli_command cmd, int native, int gc, int binary, const char *mode, int all_threads)
{
    char buf[256], opt[64];
    size_t n = 0;

    buf[0] = '\0';
    if (native)
        n = list_add(buf, sizeof buf, n, "--native");
    if (!gc)
        n = list_add(buf, sizeof buf, n, "--no-gc");
    if (binary)
        n = list_add(buf, sizeof buf, n, "--binary");
    if (mode) {
        snprintf(opt, sizeof opt, "--mode=%s", mode);
        n = list_add(buf, sizeof buf, n, opt);
    }
    if (all_threads)
        n = list_add(buf, sizeof buf, n, "--all-threads");
    if (n)
        return cli_usage_error(cmd,
                               "Options %s are incompatible with --async-aware. Async-aware profiling "
                               "uses task-based stack reconstruction.", buf);
    return 0;
}

int cli_validate(const struct cli_opts *o, unsigned fmt_flags)
{
    enum cli_command cmd = o->command;
    const char *format = o->s.format ? o->s.format : "pstats";
    char buf[256];

    if (o->subprocesses && o->live)
        return cli_usage_error(cmd, "--subprocesses is incompatible with --live mode.");

    if (o->s.async_aware) {
        int rc = cli_async_conflicts(cmd, o->s.native, o->s.gc, strcmp(format, "binary") == 0,
                                     o->s.mode != TACHYON_MODE_WALL ? mode_name(o->s.mode) : NULL,
                                     o->s.all_threads);
        if (rc)
            return rc;
    }
    if (o->s.async_all && !o->s.async_aware)
        return cli_usage_error(cmd, "--async-mode requires --async-aware to be enabled.");

    if (o->live) {
        if (o->format_flag && strcmp(format, "pstats") != 0 && strcmp(format, "live") != 0 &&
            !(fmt_flags & TACHYON_FORMAT_INTERACTIVE))
            return cli_usage_error(cmd, "--live is incompatible with %s. Live mode uses a TUI interface.",
                                   strcmp(o->format_flag, "--format") == 0 ? "--format" : o->format_flag);
        if (pstats_only_given(o, buf, sizeof buf))
            return cli_usage_error(cmd,
                                   "Options %s are incompatible with --live. Live mode uses a TUI interface "
                                   "with its own controls.", buf);
        /* Upstream dies in curses with a traceback here; say it plainly. */
        if (!isatty(STDOUT_FILENO))
            return cli_usage_error(cmd, "--live needs standard output to be a terminal. Live mode uses a TUI "
                                        "interface.");
        return 0;
    }

    if ((fmt_flags & TACHYON_FORMAT_NO_MODE) && o->s.mode != TACHYON_MODE_WALL)
        return cli_usage_error(cmd,
                               "--mode option is incompatible with --%s. Gecko format automatically includes "
                               "both GIL-holding and CPU status analysis.", format);

    if (o->s.opcodes && !(fmt_flags & TACHYON_FORMAT_OPCODES))
        return cli_usage_error(cmd, "--opcodes is only compatible with --live, --gecko, --flamegraph, "
                                    "--diff_flamegraph, --heatmap, --binary.");

    if (o->compression && strcmp(format, "binary") != 0)
        return cli_usage_error(cmd, "--compression is only valid with --binary");

    /* Checked before profiling, so no run is lost to an unusable output. */
    if ((fmt_flags & TACHYON_FORMAT_DIRECTORY) && o->s.output && strcmp(o->s.output, "-") == 0)
        return cli_usage_error(cmd, "--%s writes a directory of files, not standard output: give -o DIR", format);

    if (strcmp(format, "pstats") != 0 && pstats_only_given(o, buf, sizeof buf))
        return cli_usage_error(cmd, "Options %s are only valid with --pstats, not --%s", buf, format);
    return 0;
}
