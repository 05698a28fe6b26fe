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

int hm_html(struct pl_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        const char *rep = NULL;
        size_t step = 1;
        unsigned c = p[i];
        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>')
            rep = "&gt;";
        else if (c == '"')
            rep = "&quot;";
        else if (c == '\'')
            rep = "&#39;";
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            rep = REPLACEMENT;
        else if (c >= 0x80 && (step = utf8_len(p + i, len - i)) == 0) {
            rep = REPLACEMENT;
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

int hm_json(struct pl_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    int rc = pl_buf_byte(b, '"');
    while (i < len && rc == 0) {
        char esc[8];
        const char *rep = NULL;
        size_t step = 1;
        unsigned c = p[i];
        if (c == '"')
            rep = "\\\"";
        else if (c == '\\')
            rep = "\\\\";
        else if (c == '<' || c == '>' || c == '&' || c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            esc[6] = '\0';
            rep = esc;
        } else if (c >= 0x80 && (step = utf8_len(p + i, len - i)) == 0) {
            rep = "\\ufffd";
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
    if (rc == 0)
        rc = pl_buf_put(b, s + start, len - start);
    return rc ? rc : pl_buf_byte(b, '"');
}

int hm_json_cstr(struct pl_buf *b, const char *s)
{
    return hm_json(b, s ? s : "", s ? strlen(s) : 0);
}
