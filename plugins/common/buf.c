#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

static int reserve(struct pl_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    size_t want = b->cap ? b->cap : 256;
    while (want - b->len < extra) {
        if (want > SIZE_MAX / 2)
            return TACHYON_ERR_NOMEM;
        want *= 2;
    }
    char *p = realloc(b->data, want);
    if (!p)
        return TACHYON_ERR_NOMEM;
    b->data = p;
    b->cap = want;
    return 0;
}

int pl_buf_put(struct pl_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    int rc = reserve(b, len);
    if (rc)
        return rc;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int pl_buf_byte(struct pl_buf *b, uint8_t byte)
{
    return pl_buf_put(b, &byte, 1);
}

int pl_buf_printf(struct pl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TACHYON_ERR_GENERIC;
    /* One extra byte for the terminator vsnprintf always writes. */
    int rc = reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int pl_buf_pad_left(struct pl_buf *b, const char *text, size_t len, size_t width)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            chars++;
    for (; chars < width; chars++) {
        int rc = pl_buf_byte(b, ' ');
        if (rc)
            return rc;
    }
    return pl_buf_put(b, text, len);
}

void pl_buf_free(struct pl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *pl_last_char(const char *s, size_t len, char c)
{
    while (len > 0) {
        if (s[--len] == c)
            return s + len;
    }
    return NULL;
}
