/* The flame graph collector plugin: descriptor, options and callbacks.
 * Samples are folded into call trees as they arrive (fg_agg); finish()
 * turns them into a JSON document (fg_report) and writes it inside one
 * self-contained HTML page (fg_html). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

#include "fg_agg.h"
#include "fg_diff.h"
#include "fg_html.h"
#include "fg_report.h"

struct state {
    const tachyon_host *host;
    struct fg_agg agg;
    struct fg_report_opts opts;
    struct fg_diff diff;
    int differential;
};

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), TACHYON_FORMAT_OPCODES, "flamegraph",
     "interactive flame graph in one self-contained HTML file", "flamegraph_{pid}.html"},
    {sizeof(tachyon_format), TACHYON_FORMAT_OPCODES, "diff_flamegraph",
     "flame graph coloured by change against a baseline binary profile (--diff-flamegraph BASELINE.bin)",
     "diff_flamegraph_{pid}.html"},
};

static const tachyon_option options[] = {
    {sizeof(tachyon_option), TACHYON_OPT_FLOAT, "min_percent", "0.1",
     "hide call-tree nodes below this percentage of their tree's samples (0 keeps every node)", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_INT, "context_lines", "2",
     "source lines shown around a location in the tooltip (0 shows only the line itself)", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_INT, "hotspots", "30",
     "number of functions listed under top hotspots", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_STRING, "baseline", NULL,
     "diff_flamegraph: the baseline binary profile to compare with (--diff-flamegraph sets it)", NULL},
};

static int parse_double(const tachyon_host *host, const char *key, double lo, double hi, double *out)
{
    const char *v = host->option(host, key);
    char *end;
    if (!v)
        return TACHYON_ERR_INVALID;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end != '\0' || !isfinite(d) || d < lo || d > hi) {
        host->log(host, TACHYON_LOG_ERROR, "flamegraph: %s must be a number from %g to %g, not '%s'", key,
                  lo, hi, v);
        return TACHYON_ERR_INVALID;
    }
    *out = d;
    return 0;
}

static int parse_int(const tachyon_host *host, const char *key, long lo, long hi, int *out)
{
    const char *v = host->option(host, key);
    char *end;
    if (!v)
        return TACHYON_ERR_INVALID;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || l < lo || l > hi) {
        host->log(host, TACHYON_LOG_ERROR, "flamegraph: %s must be an integer from %ld to %ld, not '%s'", key,
                  lo, hi, v);
        return TACHYON_ERR_INVALID;
    }
    *out = (int)l;
    return 0;
}

static int fg_create(const tachyon_host *host, const char *format, void **out)
{
    int rc;
    struct state *st = calloc(1, sizeof(*st));
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    if ((rc = parse_double(host, "min_percent", 0.0, 100.0, &st->opts.min_percent)) < 0 ||
        (rc = parse_int(host, "context_lines", 0, 50, &st->opts.context)) < 0 ||
        (rc = parse_int(host, "hotspots", 0, 1000, &st->opts.hot_count)) < 0)
        goto fail;
    int opcodes = (host->session->flags & TACHYON_SESSION_OPCODES) != 0;
    if ((rc = fg_agg_init(&st->agg, host, opcodes)) < 0)
        goto fail;
    if (format && strcmp(format, "diff_flamegraph") == 0) {
        const char *baseline = host->option(host, "baseline");
        if (!baseline || !*baseline) {
            host->log(host, TACHYON_LOG_ERROR, "the differential flame graph needs a baseline: "
                                               "--diff-flamegraph BASELINE.bin");
            rc = TACHYON_ERR_INVALID;
        } else {
            /* Read now, before sampling starts, so a bad baseline costs
             * nothing; its frames join the session's tables. */
            rc = fg_diff_load(&st->diff, host, baseline);
        }
        if (rc < 0) {
            fg_diff_free(&st->diff);
            fg_agg_free(&st->agg);
            goto fail;
        }
        st->differential = 1;
        st->opts.diff = &st->diff;
    }
    *out = st;
    return 0;
fail:
    free(st);
    return rc;
}

static int fg_on_sample(void *state, const tachyon_sample *sample)
{
    struct state *st = state;
    return fg_agg_add(&st->agg, sample);
}

static int fg_finish(void *state, const tachyon_finish_info *info)
{
    struct state *st = state;
    json_t *doc = NULL;
    int rc = st->differential ? fg_diff_check(&st->diff, st->host->session) : 0;
    if (rc < 0)
        return rc;
    rc = fg_report_build(&st->agg, &st->opts, info, &doc);
    if (rc == 0)
        rc = fg_html_write(st->host, doc);
    json_decref(doc);
    if (rc < 0)
        st->host->log(st->host, TACHYON_LOG_ERROR, "flamegraph: could not write the report (error %d)", rc);
    return rc;
}

static void fg_destroy(void *state)
{
    struct state *st = state;
    if (!st)
        return;
    fg_agg_free(&st->agg);
    if (st->differential)
        fg_diff_free(&st->diff);
    free(st);
}

static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "flamegraph",
    .version = "1.0.0",
    .summary = "Self-contained interactive HTML flame graph",
    .formats = formats,
    .format_count = sizeof(formats) / sizeof(formats[0]),
    .option_count = sizeof(options) / sizeof(options[0]),
    .options = options,
    .create = fg_create,
    .on_sample = fg_on_sample,
    .tick = NULL,
    .finish = fg_finish,
    .destroy = fg_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &plugin;
}
