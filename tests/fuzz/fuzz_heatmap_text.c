/* Fuzz target: the heatmap plugin's escaping of text taken from the
 * profiled program (source lines, file and function names) into HTML text
 * and into JSON strings inside a script element.
 *
 * Whatever the bytes, the HTML form must hold no markup character and the
 * JSON form must be one well-formed string that cannot close its script
 * element; both must be valid UTF-8. A violation aborts. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "hm_text.h"

/* Length of the valid UTF-8 sequence at p, or 0 (same rules as RFC 3629). */
static size_t seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!len || n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) || (c == 0xf0 && p[1] < 0x90) ||
        (c == 0xf4 && p[1] >= 0x90))
        return 0;
    return len;
}

static void check_utf8(const struct pl_buf *b)
{
    const unsigned char *p = (const unsigned char *)b->data;
    for (size_t i = 0; i < b->len;) {
        size_t n = seq(p + i, b->len - i);
        if (!n)
            abort();
        i += n;
    }
}

static void check_html(const struct pl_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if (c == '<' || c == '>' || c == '"' || c == '\'' || (c < 0x20 && c != '\t') || c == 0x7f)
            abort();
        /* Every '&' starts one of the entities the escaper writes. */
        if (c == '&' && strncmp(b->data + i, "&amp;", 5) && strncmp(b->data + i, "&lt;", 4) &&
            strncmp(b->data + i, "&gt;", 4) && strncmp(b->data + i, "&quot;", 6) && strncmp(b->data + i, "&#39;", 5))
            abort();
    }
}

static void check_json(const struct pl_buf *b)
{
    if (b->len < 2 || b->data[0] != '"' || b->data[b->len - 1] != '"')
        abort();
    for (size_t i = 1; i + 1 < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '"')
            abort();
        if (c == '\\') {
            char e = b->data[++i];
            if (i + 1 >= b->len)
                abort();
            if (e == 'u') {
                if (i + 5 >= b->len)
                    abort();
                i += 4;
            } else if (e != '"' && e != '\\') {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_buf html = {0}, json = {0};
    if (hm_html(&html, (const char *)data, size) == 0) {
        check_html(&html);
        check_utf8(&html);
    }
    if (hm_json(&json, (const char *)data, size) == 0) {
        check_json(&json);
        check_utf8(&json);
    }
    pl_buf_free(&html);
    pl_buf_free(&json);
    return 0;
}
