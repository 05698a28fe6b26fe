#include "gk_writer.h"

#include <stdlib.h>
#include <string.h>

int gk_flush(struct gk_writer *w)
{
    if (!w->rc && w->n) {
        w->rc = w->host->output_write(w->out, w->buf, w->n);
        w->total += w->n;
    }
    w->n = 0;
    return w->rc;
}

void gk_put(struct gk_writer *w, const char *s, size_t len)
{
    if (w->rc)
        return;
    if (len > sizeof w->buf - w->n) {
        if (gk_flush(w))
            return;
        if (len > sizeof w->buf) {
            w->rc = w->host->output_write(w->out, s, len);
            w->total += len;
            return;
        }
    }
    memcpy(w->buf + w->n, s, len);
    w->n += len;
}

void gk_put_u64(struct gk_writer *w, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    gk_put(w, tmp + i, sizeof tmp - i);
}

void gk_put_i64(struct gk_writer *w, int64_t v)
{
    if (v < 0) {
        GK_LIT(w, "-");
        gk_put_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        gk_put_u64(w, (uint64_t)v);
    }
}

void gk_put_ms(struct gk_writer *w, uint64_t us)
{
    char frac[4];
    uint32_t f = (uint32_t)(us % 1000);
    size_t n = 3;
    gk_put_u64(w, us / 1000);
    if (!f)
        return;
    frac[0] = '.';
    frac[1] = (char)('0' + f / 100);
    frac[2] = (char)('0' + f / 10 % 10);
    frac[3] = (char)('0' + f % 10);
    while (frac[n] == '0')
        n--;
    gk_put(w, frac, n + 1);
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    struct gk_writer *w = data;
    gk_put(w, buffer, size);
    return w->rc ? -1 : 0;
}

void gk_put_json(struct gk_writer *w, const json_t *v, size_t flags)
{
    if (w->rc)
        return;
    if (!v) {
        w->rc = TACHYON_ERR_NOMEM;
        return;
    }
    if (json_dump_callback(v, dump_cb, w, flags | JSON_ENCODE_ANY) != 0 && !w->rc)
        w->rc = TACHYON_ERR_GENERIC;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t n, i;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (left < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

json_t *gk_json_string(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n = 0, k;
    char *clean;
    json_t *j;

    while (i < len && (k = utf8_len(u + i, len - i)) != 0)
        i += k;
    if (i == len)
        return json_stringn(s, len);
    /* Names read from a target may hold any bytes (surrogate-escaped file
     * names): each invalid byte becomes U+FFFD (3 bytes). */
    clean = malloc(len * 3 + 1);
    if (!clean)
        return NULL;
    for (i = 0; i < len;) {
        k = utf8_len(u + i, len - i);
        if (k) {
            memcpy(clean + n, s + i, k);
            n += k;
            i += k;
        } else {
            memcpy(clean + n, "\xef\xbf\xbd", 3);
            n += 3;
            i++;
        }
    }
    j = json_stringn(clean, n);
    free(clean);
    return j;
}

void gk_put_string(struct gk_writer *w, const char *s, size_t len)
{
    json_t *j;
    if (w->rc)
        return;
    j = gk_json_string(s, len);
    gk_put_json(w, j, GK_JSON_FLAGS);
    json_decref(j);
}
