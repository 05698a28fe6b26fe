#include "report.h"

#include <stdio.h>
#include <string.h>

#include <tachyon/plugin.h>

void pst_colors_init(struct pst_colors *c, int enabled)
{
    if (enabled) {
        c->bold_blue = "\x1b[1;34m";
        c->green = "\x1b[32m";
        c->yellow = "\x1b[33m";
        c->cyan = "\x1b[36m";
        c->reset = "\x1b[0m";
    } else {
        c->bold_blue = c->green = c->yellow = c->cyan = c->reset = "";
    }
}

struct unit {
    const char *name;
    double scale;
};

/* Seconds from one second up, milliseconds from a millisecond, else
 * microseconds: the unit follows the largest value in the column. */
static struct unit best_unit(double max_seconds)
{
    if (max_seconds >= 1.0)
        return (struct unit){"s", 1.0};
    if (max_seconds >= 0.001)
        return (struct unit){"ms", 1000.0};
    return (struct unit){"\xce\xbcs", 1000000.0};
}

/* A time column is at least 12 characters wide, wider if its title is. */
static int put_time_title(struct pl_buf *out, const struct pst_colors *c, const char *what,
                          struct unit u)
{
    char title[32];
    int len = snprintf(title, sizeof title, "%s (%s)", what, u.name);
    if (len < 0 || (size_t)len >= sizeof title)
        return TACHYON_ERR_GENERIC;
    int rc = pl_buf_printf(out, "%s", c->bold_blue);
    if (!rc)
        rc = pl_buf_pad_left(out, title, (size_t)len, 12);
    return rc ? rc : pl_buf_printf(out, "%s", c->reset);
}

static int put_header(struct pl_buf *out, const struct pst_report_opts *o, struct unit tu,
                      struct unit cu)
{
    const struct pst_colors *c = &o->colors;
    /* Upstream 3.15 dropped the mode from this title; the table is the same. */
    int rc = pl_buf_printf(out, "%sProfile Stats:%s\n", c->bold_blue, c->reset);
    if (!rc)
        rc = pl_buf_printf(out, "%s%15s%s  %s%8s%s  ", c->bold_blue, "nsamples", c->reset,
                            c->bold_blue, "sample%", c->reset);
    if (!rc)
        rc = put_time_title(out, c, "tottime", tu);
    if (!rc)
        rc = pl_buf_printf(out, "  %s%8s%s  ", c->bold_blue, "cumul%", c->reset);
    if (!rc)
        rc = put_time_title(out, c, "cumtime", cu);
    if (!rc)
        rc = pl_buf_printf(out, "  %sfilename:lineno(function)%s\n", c->bold_blue, c->reset);
    return rc;
}

static int put_row(struct pl_buf *out, const struct pst_report_opts *o, const struct pst_row *r,
                   struct unit tu, struct unit cu)
{
    const struct pst_colors *c = &o->colors;
    char counts[48];
    snprintf(counts, sizeof counts, "%llu/%llu", (unsigned long long)r->direct,
             (unsigned long long)r->cumulative);
    double sample_pct = o->total ? (double)r->direct / (double)o->total * 100.0 : 0.0;
    double cum_pct = o->total ? (double)r->cumulative / (double)o->total * 100.0 : 0.0;
    return pl_buf_printf(out, "%15s  %8.1f  %12.3f  %8.1f  %12.3f  %s%.*s%s:%s%d%s(%s%.*s%s)\n",
                          counts, sample_pct, r->tottime * tu.scale, cum_pct,
                          r->cumtime * cu.scale, c->green, (int)r->file_len, r->file, c->reset,
                          c->yellow, (int)r->line, c->reset, c->cyan, (int)r->func_len, r->func,
                          c->reset);
}

static int put_legend(struct pl_buf *out, const struct pst_colors *c)
{
    static const char *const items[][2] = {
        {"nsamples", "Direct/Cumulative samples (direct executing / on call stack)"},
        {"sample%", "Percentage of total samples this function was directly executing"},
        {"tottime", "Estimated total time spent directly in this function"},
        {"cumul%", "Percentage of total samples when this function was on the call stack"},
        {"cumtime", "Estimated cumulative time (including time in called functions)"},
        {"filename:lineno(function)", "Function location and name"},
    };
    int rc = pl_buf_printf(out, "\n%sLegend:%s\n", c->bold_blue, c->reset);
    for (size_t i = 0; !rc && i < sizeof items / sizeof items[0]; i++)
        rc = pl_buf_printf(out, "  %s%s%s: %s\n", c->yellow, items[i][0], c->reset, items[i][1]);
    return rc;
}

int pst_report_render(struct pl_buf *out, struct pst_row *rows, size_t n,
                      const struct pst_report_opts *o)
{
    if (n == 0) {
        int rc = pl_buf_printf(out, "No samples were collected.\n");
        if (!rc && o->mode == TACHYON_MODE_CPU)
            rc = pl_buf_printf(out, "This can happen in CPU mode when all threads are idle.\n");
        return rc;
    }
    int rc = pst_rows_sort(rows, n, o->sort, o->total);
    if (rc)
        return rc;
    /* The limit slices like Python's rows[:limit]. */
    size_t shown = n;
    if (o->limit >= 0 && (unsigned long)o->limit < n) {
        shown = (size_t)o->limit;
    } else if (o->limit < 0) {
        /* Written so that LONG_MIN does not overflow. */
        unsigned long drop = (unsigned long)(-(o->limit + 1)) + 1;
        shown = drop >= n ? 0 : n - drop;
    }

    double max_tt = 0.0, max_ct = 0.0;
    for (size_t i = 0; i < shown; i++) {
        if (rows[i].tottime > max_tt)
            max_tt = rows[i].tottime;
        if (rows[i].cumtime > max_ct)
            max_ct = rows[i].cumtime;
    }
    struct unit tu = best_unit(max_tt), cu = best_unit(max_ct);
    rc = put_header(out, o, tu, cu);
    for (size_t i = 0; !rc && i < shown; i++)
        rc = put_row(out, o, &rows[i], tu, cu);
    /* --no-summary drops the legend too, as the specification says. */
    if (!rc && o->summary)
        rc = put_legend(out, &o->colors);
    if (!rc && o->summary && shown > 0)
        rc = pst_summary_render(out, rows, shown, o);
    return rc;
}
