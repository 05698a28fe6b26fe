#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

static int reserve(struct col_buf *b, size_t extra)
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

int col_buf_put(struct col_buf *b, const void *data, size_t len)
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

int col_buf_byte(struct col_buf *b, uint8_t byte)
{
    return col_buf_put(b, &byte, 1);
}

int col_buf_printf(struct col_buf *b, const char *fmt, ...)
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

void col_buf_free(struct col_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *col_last_char(const char *s, size_t len, char c)
{
    while (len > 0) {
        if (s[--len] == c)
            return s + len;
    }
    return NULL;
}
