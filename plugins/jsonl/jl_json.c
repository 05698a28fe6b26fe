#include <stdint.h>

#include <tachyon/plugin.h>

#include "jl_json.h"

static int put_u(struct pl_buf *b, unsigned cp)
{
    return pl_buf_printf(b, "\\u%04x", cp);
}

/* Decode one UTF-8 sequence at s (n bytes left); 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t need, i;
    uint32_t v;
    if (s[0] < 0xc2 || s[0] > 0xf4)
        return 0;
    need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    if (n < need)
        return 0;
    v = s[0] & (0x7f >> need);
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if ((need == 3 && v < 0x800) || (need == 4 && (v < 0x10000 || v > 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return need;
}

int jl_put_string(struct pl_buf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    int rc = pl_buf_byte(b, '"');
    while (!rc && i < len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            size_t j = i;
            while (j < len && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\')
                j++;
            rc = pl_buf_put(b, s + i, j - i);
            i = j;
            continue;
        }
        switch (c) {
        case '"': rc = pl_buf_put(b, "\\\"", 2); break;
        case '\\': rc = pl_buf_put(b, "\\\\", 2); break;
        case '\n': rc = pl_buf_put(b, "\\n", 2); break;
        case '\r': rc = pl_buf_put(b, "\\r", 2); break;
        case '\t': rc = pl_buf_put(b, "\\t", 2); break;
        case '\b': rc = pl_buf_put(b, "\\b", 2); break;
        case '\f': rc = pl_buf_put(b, "\\f", 2); break;
        default:
            if (c < 0x80) {
                rc = put_u(b, c);
            } else {
                uint32_t cp;
                size_t n = utf8_decode(s + i, len - i, &cp);
                if (!n) {
                    rc = put_u(b, c);
                } else if (cp >= 0x10000) {
                    cp -= 0x10000;
                    rc = put_u(b, 0xd800 + (cp >> 10));
                    if (!rc)
                        rc = put_u(b, 0xdc00 + (cp & 0x3ff));
                    i += n - 1;
                } else {
                    rc = put_u(b, cp);
                    i += n - 1;
                }
            }
        }
        i++;
    }
    return rc ? rc : pl_buf_byte(b, '"');
}
