#include "marshal.h"

#include <stdlib.h>
#include <string.h>

/* Type codes from Python/marshal.c. */
#define M_NULL '0'
#define M_INT 'i'
#define M_LONG 'l'
#define M_BINARY_FLOAT 'g'
#define M_UNICODE 'u'
#define M_SHORT_ASCII 'z'
#define M_ASCII 'a'
#define M_TUPLE '('
#define M_SMALL_TUPLE ')'
#define M_DICT '{'

static int put_u32(struct pl_buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return pl_buf_put(b, le, sizeof le);
}

int pst_m_int(struct pl_buf *b, uint64_t v)
{
    int rc;
    if (v <= INT32_MAX) {
        rc = pl_buf_byte(b, M_INT);
        return rc ? rc : put_u32(b, (uint32_t)v);
    }
    /* Larger values are longs: a digit count, then base 2**15 digits,
     * least significant first. */
    uint16_t digits[5];
    uint32_t n = 0;
    for (uint64_t x = v; x; x >>= 15)
        digits[n++] = (uint16_t)(x & 0x7fff);
    rc = pl_buf_byte(b, M_LONG);
    if (!rc)
        rc = put_u32(b, n);
    for (uint32_t i = 0; !rc && i < n; i++) {
        uint8_t le[2] = {(uint8_t)digits[i], (uint8_t)(digits[i] >> 8)};
        rc = pl_buf_put(b, le, 2);
    }
    return rc;
}

int pst_m_float(struct pl_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(bits >> (8 * i));
    int rc = pl_buf_byte(b, M_BINARY_FLOAT);
    return rc ? rc : pl_buf_put(b, le, sizeof le);
}

/* Length of the valid UTF-8 sequence at s (Python's decoder with
 * "surrogatepass", which marshal uses, also takes encoded surrogates), or
 * 0 when the byte there starts no valid sequence. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

int pst_m_str(struct pl_buf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    int ascii = 1;
    size_t out_len = 0;
    /* Names come from the target process: bytes that are not UTF-8 become
     * U+FFFD so the file always loads. */
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(u + i, len - i);
        if (n != 1)
            ascii = 0;
        out_len += n ? n : 3;
        i += n ? n : 1;
    }
    if (out_len > INT32_MAX)
        return TACHYON_ERR_INVALID;
    int rc;
    if (ascii && len < 256) {
        rc = pl_buf_byte(b, M_SHORT_ASCII);
        if (!rc)
            rc = pl_buf_byte(b, (uint8_t)len);
        return rc ? rc : pl_buf_put(b, s, len);
    }
    rc = pl_buf_byte(b, ascii ? M_ASCII : M_UNICODE);
    if (!rc)
        rc = put_u32(b, (uint32_t)out_len);
    for (size_t i = 0; !rc && i < len;) {
        size_t n = utf8_seq(u + i, len - i);
        rc = n ? pl_buf_put(b, u + i, n) : pl_buf_put(b, "\xef\xbf\xbd", 3);
        i += n ? n : 1;
    }
    return rc;
}

int pst_m_tuple(struct pl_buf *b, uint32_t n)
{
    int rc;
    if (n < 256) {
        rc = pl_buf_byte(b, M_SMALL_TUPLE);
        return rc ? rc : pl_buf_byte(b, (uint8_t)n);
    }
    rc = pl_buf_byte(b, M_TUPLE);
    return rc ? rc : put_u32(b, n);
}

static int put_key(struct pl_buf *b, const struct pst_agg *a, const struct pst_func *f)
{
    size_t flen, nlen;
    /* Keys keep the full path; pstats strips directories itself on demand. */
    const char *file = f->filename ? a->host->string(a->host, f->filename, &flen) : NULL;
    const char *name = f->funcname ? a->host->string(a->host, f->funcname, &nlen) : NULL;
    if (!file) {
        file = "~";
        flen = 1;
    }
    if (!name) {
        name = "<unknown>";
        nlen = strlen(name);
    }
    int rc = pst_m_tuple(b, 3);
    if (!rc)
        rc = pst_m_str(b, file, flen);
    if (!rc)
        rc = pst_m_int(b, (uint64_t)(uint32_t)f->line);
    return rc ? rc : pst_m_str(b, name, nlen);
}

/* Four numbers in the order a stats tuple starts with. */
static int put_counts(struct pl_buf *b, uint64_t first, uint64_t second, double t1, double t2)
{
    int rc = pst_m_int(b, first);
    if (!rc)
        rc = pst_m_int(b, second);
    if (!rc)
        rc = pst_m_float(b, t1);
    return rc ? rc : pst_m_float(b, t2);
}

int pst_marshal_profile(struct pl_buf *b, const struct pst_agg *a, double interval_s)
{
    /* Group edges by callee with a counting sort that keeps their
     * first-seen order, so each function's callers are written together. */
    size_t *start = calloc(a->nfuncs + 1, sizeof *start);
    uint32_t *by_callee = a->nedges ? malloc(a->nedges * sizeof *by_callee) : NULL;
    int rc = 0;
    if (!start || (a->nedges && !by_callee)) {
        rc = TACHYON_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < a->nedges; i++)
        start[a->edges[i].callee + 1]++;
    for (size_t i = 0; i < a->nfuncs; i++)
        start[i + 1] += start[i];
    for (size_t i = 0; i < a->nedges; i++)
        by_callee[start[a->edges[i].callee]++] = (uint32_t)i;
    /* start[f] now holds the end of f's run; shift back to the starts. */
    for (size_t i = a->nfuncs; i > 0; i--)
        start[i] = start[i - 1];
    start[0] = 0;

    rc = pl_buf_byte(b, M_DICT);
    for (size_t i = 0; !rc && i < a->nfuncs; i++) {
        const struct pst_func *f = &a->funcs[i];
        rc = put_key(b, a, f);
        /* (cc, nc, tt, ct, callers): direct samples as primitive calls and
         * cumulative samples as all calls, times as samples x interval. */
        if (!rc)
            rc = pst_m_tuple(b, 5);
        if (!rc)
            rc = put_counts(b, f->direct, f->cumulative, (double)f->direct * interval_s,
                            (double)f->cumulative * interval_s);
        if (!rc)
            rc = pl_buf_byte(b, M_DICT);
        for (size_t j = start[i]; !rc && j < start[i + 1]; j++) {
            const struct pst_edge *e = &a->edges[by_callee[j]];
            rc = put_key(b, a, &a->funcs[e->caller]);
            /* Caller entries are (nc, cc, tt, ct) for the callee as
             * reached from this caller. */
            if (!rc)
                rc = pst_m_tuple(b, 4);
            if (!rc)
                rc = put_counts(b, e->cumulative, e->direct, (double)e->direct * interval_s,
                                (double)e->cumulative * interval_s);
        }
        if (!rc)
            rc = pl_buf_byte(b, M_NULL);
    }
    if (!rc)
        rc = pl_buf_byte(b, M_NULL);
out:
    free(start);
    free(by_callee);
    return rc;
}
