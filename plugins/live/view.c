/* The table the user is looking at: all threads or one, filtered by the
 * '/' pattern, sorted on the chosen column, with trend directions against
 * the previous refresh. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "live.h"

/* Trend changes smaller than this are "stable", as upstream. */
#define TREND_THRESHOLD 0.001

struct lv_table *lv_current_table(struct lv_state *st)
{
    if (st->ui.per_thread && st->ui.thread_index < st->stats.nthreads)
        return &st->stats.threads[st->ui.thread_index].table;
    return &st->stats.all;
}

/* Case-insensitive substring search. */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 1;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* The pattern matches the file, the function, or "file:function". */
static int matches(const struct lv_state *st, const struct lv_func *f)
{
    const char *file = st->host->string(st->host, f->filename, NULL);
    const char *func = st->host->string(st->host, f->funcname, NULL);
    const char *pat = st->ui.filter, *colon;
    size_t flen;

    file = file ? file : "";
    func = func ? func : "";
    if (contains_ci(file, pat) || contains_ci(func, pat))
        return 1;
    colon = strchr(pat, ':');
    if (!colon)
        return 0;
    /* Across the joint: the part before ':' ends the file name and the
     * part after it starts the function name. */
    flen = strlen(file);
    {
        size_t head = (size_t)(colon - pat);
        const char *tail = colon + 1;
        size_t k;
        if (head > flen)
            return 0;
        for (k = 0; k < head; k++)
            if (tolower((unsigned char)file[flen - head + k]) != tolower((unsigned char)pat[k]))
                return 0;
        for (k = 0; tail[k]; k++)
            if (tolower((unsigned char)func[k]) != tolower((unsigned char)tail[k]))
                return 0;
        return 1;
    }
}

static const struct lv_row *g_sort_rows;
static int g_sort_col;

static int row_cmp(const void *a, const void *b)
{
    const struct lv_row *x = a, *y = b;
    double vx = x->value[g_sort_col], vy = y->value[g_sort_col];
    (void)g_sort_rows;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    /* Equal values keep first-seen order, as a stable sort would. */
    return x->func < y->func ? -1 : x->func > y->func;
}

int lv_build_rows(struct lv_state *st, int update_trends)
{
    struct lv_table *t = lv_current_table(st);
    const tachyon_stats *hs = st->host->stats(st->host);
    double denom = hs && hs->successes ? (double)hs->successes : 0.0;
    int rc;

    st->nrows = 0;
    rc = pl_grow((void **)&st->rows, &st->cap_rows, t->nfuncs ? t->nfuncs : 1, sizeof *st->rows);
    if (rc)
        return rc;
    for (size_t i = 0; i < t->nfuncs; i++) {
        struct lv_func *f = &t->funcs[i];
        struct lv_row *r;
        if (st->ui.filter[0] && !matches(st, f))
            continue;
        r = &st->rows[st->nrows++];
        r->func = (uint32_t)i;
        r->value[0] = (double)f->direct;
        r->value[1] = denom > 0 ? (double)f->direct / denom * 100.0 : 0.0;
        r->value[2] = (double)f->direct * st->interval_s;
        r->value[3] = denom > 0 ? (double)f->cumulative / denom * 100.0 : 0.0;
        r->value[4] = (double)f->cumulative * st->interval_s;
        for (int m = 0; m < LV_METRICS; m++) {
            double prev = f->has_prev ? f->prev[m] : r->value[m];
            r->trend[m] = r->value[m] > prev + TREND_THRESHOLD ? 1
                          : r->value[m] < prev - TREND_THRESHOLD ? -1 : 0;
            if (update_trends)
                f->prev[m] = r->value[m];
        }
        if (update_trends)
            f->has_prev = 1;
    }
    g_sort_rows = st->rows;
    g_sort_col = st->ui.sort;
    qsort(st->rows, st->nrows, sizeof *st->rows, row_cmp);
    return 0;
}

/* Standard library and site-packages files are shown relative to their
 * directory ("threading.py:1270"), as upstream does; everything else in
 * full. The target's interpreter, not ours, decides where its stdlib is, so
 * any ".../lib/python3.X/" prefix counts. */
const char *lv_short_path(const struct lv_state *st, const char *path)
{
    const char *p = strstr(path, "/lib/python3");
    (void)st;
    if (!p)
        return path;
    p += strlen("/lib/python3");
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p == 't')
            p++;
    }
    if (*p != '/')
        return path;
    p++;
    if (strncmp(p, "site-packages/", 14) == 0 || strncmp(p, "dist-packages/", 14) == 0)
        p += 14;
    return *p ? p : path;
}
