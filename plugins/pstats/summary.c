/* The "Summary of Interesting Functions": the rows shown are regrouped by
 * "filename:function" (lines dropped) and three top-3 lists are printed. */
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

#include "report.h"

struct agg_row {
    char *qualified;      /* "file:func", owned */
    size_t qualified_len;
    size_t split;         /* position of the last ':' */
    uint64_t direct;
    uint64_t cumulative;
    size_t order;
    double key;
};

static int cmp_qualified(const void *pa, const void *pb)
{
    const struct agg_row *a = pa, *b = pb;
    size_t n = a->qualified_len < b->qualified_len ? a->qualified_len : b->qualified_len;
    int c = memcmp(a->qualified, b->qualified, n);
    if (!c)
        c = (a->qualified_len > b->qualified_len) - (a->qualified_len < b->qualified_len);
    if (!c)
        c = (a->order > b->order) - (a->order < b->order);
    return c;
}

static int cmp_order(const void *pa, const void *pb)
{
    const struct agg_row *a = pa, *b = pb;
    return (a->order > b->order) - (a->order < b->order);
}

/* Descending by key, ties in first-seen order (a stable reverse sort). */
static int cmp_key_desc(const void *pa, const void *pb)
{
    const struct agg_row *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key > b->key ? -1 : 1;
    return cmp_order(pa, pb);
}

/* Groups rows by their qualified name, keeping first-seen order. */
static int aggregate(const struct pst_row *rows, size_t n, struct agg_row **out, size_t *nout)
{
    struct agg_row *ag = calloc(n, sizeof *ag);
    if (!ag)
        return TACHYON_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t len = rows[i].file_len + 1 + rows[i].func_len;
        ag[i].qualified = malloc(len);
        if (!ag[i].qualified) {
            for (size_t j = 0; j < i; j++)
                free(ag[j].qualified);
            free(ag);
            return TACHYON_ERR_NOMEM;
        }
        memcpy(ag[i].qualified, rows[i].file, rows[i].file_len);
        ag[i].qualified[rows[i].file_len] = ':';
        memcpy(ag[i].qualified + rows[i].file_len + 1, rows[i].func, rows[i].func_len);
        ag[i].qualified_len = len;
        ag[i].direct = rows[i].direct;
        ag[i].cumulative = rows[i].cumulative;
        ag[i].order = i;
    }
    qsort(ag, n, sizeof *ag, cmp_qualified);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && ag[m - 1].qualified_len == ag[i].qualified_len &&
            memcmp(ag[m - 1].qualified, ag[i].qualified, ag[i].qualified_len) == 0) {
            ag[m - 1].direct += ag[i].direct;
            ag[m - 1].cumulative += ag[i].cumulative;
            free(ag[i].qualified);
            continue;
        }
        ag[m++] = ag[i];
    }
    qsort(ag, m, sizeof *ag, cmp_order);
    /* The name is split back at its last ':', so a function name holding
     * a colon moves its head into the file part, as in the reference. */
    for (size_t i = 0; i < m; i++) {
        const char *colon = pl_last_char(ag[i].qualified, ag[i].qualified_len, ':');
        ag[i].split = (size_t)(colon - ag[i].qualified);
    }
    *out = ag;
    *nout = m;
    return 0;
}

static int put_name(struct pl_buf *out, const struct pst_colors *c, const struct agg_row *r)
{
    /* The line part is empty: lines were aggregated away. */
    return pl_buf_printf(out, "%s%.*s%s:%s%s(%s%.*s%s)", c->green, (int)r->split, r->qualified,
                          c->reset, c->yellow, c->reset, c->cyan,
                          (int)(r->qualified_len - r->split - 1), r->qualified + r->split + 1,
                          c->reset);
}

enum section { HOT_SPOTS, INDIRECT, MAGNIFICATION };

static double section_key(enum section s, const struct agg_row *r)
{
    switch (s) {
    case HOT_SPOTS:
        return r->cumulative ? (double)r->direct / (double)r->cumulative : 0.0;
    case INDIRECT:
        return (double)r->cumulative - (double)r->direct;
    case MAGNIFICATION:
        return r->direct ? (double)r->cumulative / (double)r->direct : 0.0;
    }
    return 0.0;
}

/* Writes one entry's line, or nothing when the entry does not qualify. */
static int put_entry(struct pl_buf *out, enum section s, const struct agg_row *r,
                     const struct pst_report_opts *o)
{
    const struct pst_colors *c = &o->colors;
    double total = (double)o->total;
    int rc = 0;
    switch (s) {
    case HOT_SPOTS:
        if (r->direct == 0 || r->cumulative == 0)
            return 0;
        rc = pl_buf_printf(out, "  %.3f direct/cumulative ratio, %.1f%% direct samples: ",
                            (double)r->direct / (double)r->cumulative,
                            o->total ? (double)r->direct / total * 100.0 : 0.0);
        break;
    case INDIRECT:
        if (r->cumulative <= r->direct)
            return 0;
        rc = pl_buf_printf(out, "  %llu indirect calls, %.1f%% total stack presence: ",
                            (unsigned long long)(r->cumulative - r->direct),
                            o->total ? (double)r->cumulative / total * 100.0 : 0.0);
        break;
    case MAGNIFICATION:
        if (r->direct == 0 || r->cumulative <= r->direct)
            return 0;
        rc = pl_buf_printf(out, "  %.1fx call magnification, %llu indirect calls from %llu direct: ",
                            (double)r->cumulative / (double)r->direct,
                            (unsigned long long)(r->cumulative - r->direct),
                            (unsigned long long)r->direct);
        break;
    }
    if (!rc)
        rc = put_name(out, c, r);
    return rc ? rc : pl_buf_byte(out, '\n');
}

static int put_section(struct pl_buf *out, enum section s, const char *title,
                       struct agg_row *ag, size_t m, const struct pst_report_opts *o)
{
    int rc = pl_buf_printf(out, "\n%s%s:%s\n", o->colors.bold_blue, title, o->colors.reset);
    if (rc)
        return rc;
    for (size_t i = 0; i < m; i++)
        ag[i].key = section_key(s, &ag[i]);
    /* Each section sorts the first-seen list afresh, like sorted() does. */
    qsort(ag, m, sizeof *ag, cmp_order);
    qsort(ag, m, sizeof *ag, cmp_key_desc);
    for (size_t i = 0; !rc && i < m && i < 3; i++)
        rc = put_entry(out, s, &ag[i], o);
    return rc;
}

int pst_summary_render(struct pl_buf *out, const struct pst_row *rows, size_t n,
                       const struct pst_report_opts *o)
{
    struct agg_row *ag = NULL;
    size_t m = 0;
    int rc = pl_buf_printf(out, "\n%sSummary of Interesting Functions:%s\n",
                            o->colors.bold_blue, o->colors.reset);
    if (!rc)
        rc = aggregate(rows, n, &ag, &m);
    if (!rc)
        rc = put_section(out, HOT_SPOTS,
                         "Functions with Highest Direct/Cumulative Ratio (Hot Spots)", ag, m, o);
    if (!rc)
        rc = put_section(out, INDIRECT, "Functions with Highest Call Frequency (Indirect Calls)",
                         ag, m, o);
    if (!rc)
        rc = put_section(out, MAGNIFICATION,
                         "Functions with Highest Call Magnification (Cumulative/Direct)", ag, m, o);
    for (size_t i = 0; i < m; i++)
        free(ag[i].qualified);
    free(ag);
    return rc;
}
