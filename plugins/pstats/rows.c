#include "rows.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const struct {
    const char *word;
    enum pst_sort key;
} sort_words[] = {
    {"nsamples", PST_SORT_NSAMPLES},     {"tottime", PST_SORT_TOTTIME},
    {"cumtime", PST_SORT_CUMTIME},       {"sample-pct", PST_SORT_SAMPLE_PCT},
    {"cumul-pct", PST_SORT_CUMUL_PCT},   {"nsamples-cumul", PST_SORT_NSAMPLES_CUMUL},
    {"name", PST_SORT_NAME},
};

int pst_sort_parse(const char *word, enum pst_sort *out)
{
    for (size_t i = 0; word && i < sizeof sort_words / sizeof sort_words[0]; i++) {
        if (strcmp(word, sort_words[i].word) == 0) {
            *out = sort_words[i].key;
            return 0;
        }
    }
    return TACHYON_ERR_INVALID;
}

const char *pst_string(const tachyon_host *host, tachyon_str_id id, const char *fallback,
                       size_t *len)
{
    const char *s = id ? host->string(host, id, len) : NULL;
    if (!s) {
        s = fallback;
        *len = strlen(fallback);
    }
    return s;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return (alen > blen) - (alen < blen);
}

/* Orders rows so that equal keys are adjacent, earliest first. */
static int cmp_key_then_order(const void *pa, const void *pb)
{
    const struct pst_row *a = pa, *b = pb;
    int c = cmp_bytes(a->file, a->file_len, b->file, b->file_len);
    if (!c)
        c = (a->line > b->line) - (a->line < b->line);
    if (!c)
        c = cmp_bytes(a->func, a->func_len, b->func, b->func_len);
    if (!c)
        c = (a->order > b->order) - (a->order < b->order);
    return c;
}

static int cmp_order(const void *pa, const void *pb)
{
    const struct pst_row *a = pa, *b = pb;
    return (a->order > b->order) - (a->order < b->order);
}

/* Appends one string as Python's repr() writes it. Non-ASCII characters
 * are kept as they are, which is what repr() does for printable ones. */
static int put_repr_str(struct pl_buf *b, const char *s, size_t len)
{
    int has_single = memchr(s, '\'', len) != NULL;
    int has_double = memchr(s, '"', len) != NULL;
    char quote = has_single && !has_double ? '"' : '\'';
    int rc = pl_buf_byte(b, (uint8_t)quote);
    for (size_t i = 0; !rc && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)quote)
            rc = pl_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            rc = pl_buf_put(b, "\\n", 2);
        else if (c == '\r')
            rc = pl_buf_put(b, "\\r", 2);
        else if (c == '\t')
            rc = pl_buf_put(b, "\\t", 2);
        else if (c < 0x20 || c == 0x7f)
            rc = pl_buf_printf(b, "\\x%02x", c);
        else
            rc = pl_buf_byte(b, c);
    }
    return rc ? rc : pl_buf_byte(b, (uint8_t)quote);
}

static int build_repr(struct pst_row *r)
{
    struct pl_buf b = {0};
    int rc = pl_buf_byte(&b, '(');
    if (!rc)
        rc = put_repr_str(&b, r->file, r->file_len);
    if (!rc)
        rc = pl_buf_printf(&b, ", %d, ", (int)r->line);
    if (!rc)
        rc = put_repr_str(&b, r->func, r->func_len);
    if (!rc)
        rc = pl_buf_byte(&b, ')');
    if (rc) {
        pl_buf_free(&b);
        return rc;
    }
    r->repr = b.data;
    r->repr_len = b.len;
    return 0;
}

int pst_rows_build(const struct pst_agg *a, double interval_s, struct pst_row **rows_out,
                   size_t *n_out)
{
    struct pst_row *rows = NULL;
    size_t n = 0;
    int rc = 0;
    if (a->nfuncs == 0)
        goto done;
    rows = calloc(a->nfuncs, sizeof *rows);
    if (!rows) {
        rc = TACHYON_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < a->nfuncs; i++) {
        const struct pst_func *f = &a->funcs[i];
        struct pst_row *r = &rows[i];
        size_t len;
        const char *file = pst_string(a->host, f->filename, "~", &len);
        /* os.path.basename: everything after the last '/'. */
        const char *slash = pl_last_char(file, len, '/');
        r->file = slash ? slash + 1 : file;
        r->file_len = len - (size_t)(r->file - file);
        r->func = pst_string(a->host, f->funcname, "<unknown>", &r->func_len);
        r->line = f->line;
        r->direct = f->direct;
        r->cumulative = f->cumulative;
        /* The same float operations as the reference: count times interval. */
        r->tottime = (double)f->direct * interval_s;
        r->cumtime = (double)f->cumulative * interval_s;
        r->order = i;
    }
    /* Merge rows sharing a stripped key into the first of them; summing in
     * first-seen order reproduces the reference's float totals. */
    qsort(rows, a->nfuncs, sizeof *rows, cmp_key_then_order);
    for (size_t i = 0; i < a->nfuncs; i++) {
        if (n > 0) {
            struct pst_row *last = &rows[n - 1];
            struct pst_row *r = &rows[i];
            if (cmp_bytes(last->file, last->file_len, r->file, r->file_len) == 0 &&
                last->line == r->line &&
                cmp_bytes(last->func, last->func_len, r->func, r->func_len) == 0) {
                last->direct += r->direct;
                last->cumulative += r->cumulative;
                last->tottime += r->tottime;
                last->cumtime += r->cumtime;
                continue;
            }
        }
        rows[n++] = rows[i];
    }
    qsort(rows, n, sizeof *rows, cmp_order);
    for (size_t i = 0; i < n; i++) {
        rc = build_repr(&rows[i]);
        if (rc)
            goto done;
    }
done:
    if (rc) {
        pst_rows_free(rows, n);
        rows = NULL;
        n = 0;
    }
    *rows_out = rows;
    *n_out = n;
    return rc;
}

static double key_of(const struct pst_row *r, enum pst_sort key, uint64_t total)
{
    switch (key) {
    case PST_SORT_NSAMPLES:
        return (double)r->direct;
    case PST_SORT_TOTTIME:
        return r->tottime;
    case PST_SORT_CUMTIME:
        return r->cumtime;
    case PST_SORT_SAMPLE_PCT:
        return total ? (double)r->direct / (double)total * 100.0 : 0.0;
    case PST_SORT_CUMUL_PCT:
        return total ? (double)r->cumulative / (double)total * 100.0 : 0.0;
    case PST_SORT_NSAMPLES_CUMUL:
        return (double)r->cumulative;
    case PST_SORT_NAME:
        break;
    }
    return 0.0;
}

static int cmp_key_desc(const void *pa, const void *pb)
{
    const struct pst_row *a = pa, *b = pb;
    if (a->sort_key != b->sort_key)
        return a->sort_key > b->sort_key ? -1 : 1;
    return cmp_order(pa, pb);
}

static int cmp_name(const void *pa, const void *pb)
{
    const struct pst_row *a = pa, *b = pb;
    int c = cmp_bytes(a->repr, a->repr_len, b->repr, b->repr_len);
    return c ? c : cmp_order(pa, pb);
}

int pst_rows_sort(struct pst_row *rows, size_t n, enum pst_sort key, uint64_t total)
{
    if (key > PST_SORT_NAME)
        return TACHYON_ERR_INVALID;
    /* Counts compared as doubles are exact below 2^53 samples. The order
     * field makes every comparison total, so qsort behaves like Python's
     * stable sort: ties keep first-seen order. */
    for (size_t i = 0; i < n; i++)
        rows[i].sort_key = key_of(&rows[i], key, total);
    if (n > 1)
        qsort(rows, n, sizeof *rows, key == PST_SORT_NAME ? cmp_name : cmp_key_desc);
    return 0;
}

void pst_rows_free(struct pst_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].repr);
    free(rows);
}
