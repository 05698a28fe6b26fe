/* HTML page writer; see fg_html.h. */
#include "fg_html.h"

#include <stdlib.h>
#include <string.h>

#include "fg_assets.h"

#define MARK "@TACHYON_"
#define BUF_SIZE 65536

struct sink {
    const tachyon_host *host;
    tachyon_output *out;
    int rc;
    size_t used;
    char buf[BUF_SIZE];
};

static int flush(struct sink *s)
{
    if (s->rc == 0 && s->used) {
        int rc = s->host->output_write(s->out, s->buf, s->used);
        if (rc < 0)
            s->rc = rc;
    }
    s->used = 0;
    return s->rc;
}

static void put(struct sink *s, const char *data, size_t len)
{
    if (s->used + len > BUF_SIZE)
        flush(s);
    if (len > BUF_SIZE) {
        if (s->rc == 0) {
            int rc = s->host->output_write(s->out, data, len);
            if (rc < 0)
                s->rc = rc;
        }
        return;
    }
    memcpy(s->buf + s->used, data, len);
    s->used += len;
}

/* Jansson hands over the JSON text piece by piece. Inside an HTML script
 * element the sequences "</script" and "<!--" must not appear; '<' can only
 * occur inside JSON strings, so writing it as \u003c keeps the text the same
 * JSON and the page intact. */
static int dump_cb(const char *buffer, size_t size, void *data)
{
    struct sink *s = data;
    size_t start = 0;
    for (size_t i = 0; i < size; i++) {
        if (buffer[i] == '<') {
            put(s, buffer + start, i - start);
            put(s, "\\u003c", 6);
            start = i + 1;
        }
    }
    put(s, buffer + start, size - start);
    return s->rc < 0 ? -1 : 0;
}

int fg_html_write(const tachyon_host *host, const json_t *doc)
{
    /* The arrays are unsigned so any byte value initialises them portably. */
    const char *t = (const char *)fg_template, *end = t + fg_template_len;
    struct sink *s = calloc(1, sizeof(*s)); /* 64 KiB: not on the stack */
    if (!s)
        return TACHYON_ERR_NOMEM;
    int rc = host->output_open(host, NULL, &s->out);
    if (rc < 0)
        goto out;
    s->host = host;
    while (t < end && s->rc == 0) {
        const char *m = strstr(t, MARK);
        if (!m) {
            put(s, t, (size_t)(end - t));
            break;
        }
        put(s, t, (size_t)(m - t));
        const char *name = m + strlen(MARK);
        const char *close = strchr(name, '@');
        if (!close) {
            s->rc = TACHYON_ERR_GENERIC;
            break;
        }
        size_t n = (size_t)(close - name);
        if (n == 3 && memcmp(name, "CSS", 3) == 0)
            put(s, (const char *)fg_css, fg_css_len);
        else if (n == 2 && memcmp(name, "JS", 2) == 0)
            put(s, (const char *)fg_js, fg_js_len);
        else if (n == 4 && memcmp(name, "DATA", 4) == 0) {
            if (json_dump_callback(doc, dump_cb, s, JSON_COMPACT) < 0 && s->rc == 0)
                s->rc = TACHYON_ERR_NOMEM;
        } else {
            s->rc = TACHYON_ERR_GENERIC;
        }
        t = close + 1;
    }
    flush(s);
    rc = s->rc;
    int crc = host->output_close(s->out, rc == 0);
    if (rc == 0)
        rc = crc;
out:
    free(s);
    return rc;
}
