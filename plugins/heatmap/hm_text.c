/* Escaping; see hm_text.h. */
#include "hm_text.h"

#include <stdint.h>
#include <string.h>

#include <tachyon/plugin.h>

static const char REPLACEMENT[] = "\xef\xbf\xbd";

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* The replacement for byte c, or NULL to copy it; esc is room for one
 * built on the spot. Invalid UTF-8 is not seen here: it gets bad_utf8. */
typedef const char *(*escape_fn)(unsigned c, char esc[8]);

/* s with every byte the escaper replaces, and every invalid UTF-8 byte,
 * substituted; runs of plain bytes are copied whole. */
static int put_escaped(struct pl_buf *b, const char *s, size_t len, escape_fn escape, const char *bad_utf8)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        char esc[8];
        size_t step = 1;
        const char *rep = escape(p[i], esc);
        if (!rep && p[i] >= 0x80 && (step = utf8_len(p + i, len - i)) == 0) {
            rep = bad_utf8;
            step = 1;
        }
        if (rep) {
            rc = pl_buf_put(b, s + start, i - start);
            if (rc == 0)
                rc = pl_buf_put(b, rep, strlen(rep));
            start = i + step;
        }
        i += step;
    }
    return rc ? rc : pl_buf_put(b, s + start, len - start);
}

static const char *html_escape(unsigned c, char esc[8])
{
    (void)esc;
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return (c < 0x20 && c != '\t') || c == 0x7f ? REPLACEMENT : NULL;
    }
}

int hm_html(struct pl_buf *b, const char *s, size_t len)
{
    return put_escaped(b, s, len, html_escape, REPLACEMENT);
}

static const char *json_escape(unsigned c, char esc[8])
{
    static const char hex[] = "0123456789abcdef";
    if (c == '"')
        return "\\\"";
    if (c == '\\')
        return "\\\\";
    if (c == '<' || c == '>' || c == '&' || c < 0x20 || c == 0x7f) {
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        esc[6] = '\0';
        return esc;
    }
    return NULL;
}

int hm_json(struct pl_buf *b, const char *s, size_t len)
{
    int rc = pl_buf_byte(b, '"');
    if (rc == 0)
        rc = put_escaped(b, s, len, json_escape, "\\ufffd");
    return rc ? rc : pl_buf_byte(b, '"');
}

int hm_json_cstr(struct pl_buf *b, const char *s)
{
    return hm_json(b, s ? s : "", s ? strlen(s) : 0);
}
