/* The pstats output plugin: a sorted text table on standard output, or,
 * with an output path, a marshal file Python's pstats module loads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tachyon/plugin.h>

#include "agg.h"
#include "buf.h"
#include "marshal.h"
#include "report.h"
#include "rows.h"

struct pstats_state {
    const tachyon_host *host;
    struct pst_agg agg;
    enum pst_sort sort;
    long limit;
    int summary;
};

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; v && i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return TACHYON_ERR_INVALID;
}

static int parse_long(const char *v, long *out)
{
    if (!v || !*v)
        return TACHYON_ERR_INVALID;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end)
        return TACHYON_ERR_INVALID;
    *out = x;
    return 0;
}

static int read_options(const tachyon_host *host, struct pstats_state *st)
{
    const char *v = host->option(host, "sort");
    if (pst_sort_parse(v ? v : "nsamples", &st->sort)) {
        host->log(host, TACHYON_LOG_ERROR, "pstats: invalid sort key '%s'", v);
        return TACHYON_ERR_INVALID;
    }
    v = host->option(host, "limit");
    st->limit = 15;
    if (v && parse_long(v, &st->limit)) {
        host->log(host, TACHYON_LOG_ERROR, "pstats: invalid limit '%s'", v);
        return TACHYON_ERR_INVALID;
    }
    v = host->option(host, "summary");
    st->summary = 1;
    if (v && parse_bool(v, &st->summary)) {
        host->log(host, TACHYON_LOG_ERROR, "pstats: invalid summary value '%s'", v);
        return TACHYON_ERR_INVALID;
    }
    return 0;
}

static int pstats_create(const tachyon_host *host, const char *format, void **state)
{
    (void)format;   /* the plugin provides one format only */
    struct pstats_state *st = calloc(1, sizeof *st);
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    pst_agg_init(&st->agg, host);
    int rc = read_options(host, st);
    if (rc) {
        free(st);
        return rc;
    }
    *state = st;
    return 0;
}

static int pstats_on_sample(void *state, const tachyon_sample *sample)
{
    struct pstats_state *st = state;
    return pst_agg_add(&st->agg, sample);
}

static double interval_seconds(const tachyon_host *host)
{
    return (double)host->session->interval_us / 1000000.0;
}

/* Colour needs a terminal and no NO_COLOR (https://no-color.org); a dumb
 * terminal gets none either, as Python's own colouring decides. */
static int want_color(const tachyon_host *host, tachyon_output *out)
{
    if (getenv("NO_COLOR"))
        return 0;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return host->output_is_terminal(out) != 0;
}

static int write_table(struct pstats_state *st)
{
    const tachyon_host *host = st->host;
    struct pst_row *rows = NULL;
    size_t n = 0;
    struct pl_buf text = {0};
    tachyon_output *out = NULL;
    int rc = host->output_open(host, TACHYON_OUTPUT_STDOUT, &out);
    if (rc)
        goto done;
    struct pst_report_opts o = {st->sort, st->limit, st->summary, host->session->mode,
                                st->agg.total, {0}};
    pst_colors_init(&o.colors, want_color(host, out));
    rc = pst_rows_build(&st->agg, interval_seconds(host), &rows, &n);
    if (!rc)
        rc = pst_report_render(&text, rows, n, &o);
    if (!rc)
        rc = host->output_write(out, text.data, text.len);
done:
    if (out) {
        int crc = host->output_close(out, rc == 0);
        if (!rc)
            rc = crc;
    }
    pst_rows_free(rows, n);
    pl_buf_free(&text);
    return rc;
}

static int write_marshal(struct pstats_state *st)
{
    const tachyon_host *host = st->host;
    struct pl_buf image = {0};
    tachyon_output *out = NULL;
    if (st->agg.total == 0)
        host->log(host, TACHYON_LOG_WARNING, "No samples were collected.");
    int rc = pst_marshal_profile(&image, &st->agg, interval_seconds(host));
    if (!rc)
        rc = host->output_open(host, NULL, &out);
    if (!rc)
        rc = host->output_write(out, image.data, image.len);
    if (out) {
        int crc = host->output_close(out, rc == 0);
        if (!rc)
            rc = crc;
    }
    pl_buf_free(&image);
    return rc;
}

static int pstats_finish(void *state, const tachyon_finish_info *info)
{
    struct pstats_state *st = state;
    (void)info;     /* the report is the same however the session ended */
    /* "-o -" names standard output: the table is meant for it, a binary
     * marshal image is not. */
    const char *path = st->host->session->output_path;
    if (path == NULL || strcmp(path, TACHYON_OUTPUT_STDOUT) == 0)
        return write_table(st);
    return write_marshal(st);
}

static void pstats_destroy(void *state)
{
    struct pstats_state *st = state;
    if (!st)
        return;
    pst_agg_free(&st->agg);
    free(st);
}

static const tachyon_format formats[] = {
    {
        .struct_size = sizeof(tachyon_format),
        /* As upstream, a marshal file written with -o is not announced. */
        .flags = TACHYON_FORMAT_STDOUT | TACHYON_FORMAT_ANNOUNCES,
        .name = "pstats",
        .description = "Statistics table on stdout, or a pstats (marshal) file with -o",
        .default_output = "pstats_{pid}.pstats",
    },
};

static const tachyon_option options[] = {
    {
        .struct_size = sizeof(tachyon_option),
        .type = TACHYON_OPT_CHOICE,
        .name = "sort",
        .default_value = "nsamples",
        .help = "Sort order of the table",
        .choices = "nsamples|tottime|cumtime|sample-pct|cumul-pct|nsamples-cumul|name",
    },
    {
        .struct_size = sizeof(tachyon_option),
        .type = TACHYON_OPT_INT,
        .name = "limit",
        .default_value = "15",
        .help = "Maximum number of table rows",
    },
    {
        .struct_size = sizeof(tachyon_option),
        .type = TACHYON_OPT_BOOL,
        .name = "summary",
        .default_value = "true",
        .help = "Print the legend and the summary of interesting functions",
    },
};

static const tachyon_plugin descriptor = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "pstats",
    .version = "1.0.0",
    .summary = "pstats-style statistics: text table or marshal file",
    .formats = formats,
    .format_count = sizeof formats / sizeof formats[0],
    .option_count = sizeof options / sizeof options[0],
    .options = options,
    .create = pstats_create,
    .on_sample = pstats_on_sample,
    .finish = pstats_finish,
    .destroy = pstats_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &descriptor;
}
