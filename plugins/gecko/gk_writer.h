/* A buffered writer onto a host output: the profile is streamed in pieces
 * (small Jansson documents and long number columns) rather than built as
 * one JSON tree. The first error sticks; later calls do nothing. */
#ifndef PLUGINS_GECKO_GK_WRITER_H
#define PLUGINS_GECKO_GK_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <tachyon/plugin.h>

struct gk_writer {
    const tachyon_host *host;
    tachyon_output *out;
    char buf[1 << 16];
    size_t n;
    int rc;
    uint64_t total;              /* bytes handed to the output so far */
};

/* Compact, ASCII-only, as upstream writes it. */
#define GK_JSON_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))

void gk_put(struct gk_writer *w, const char *s, size_t len);
#define GK_LIT(w, lit) gk_put((w), (lit), sizeof(lit) - 1)
void gk_put_u64(struct gk_writer *w, uint64_t v);
void gk_put_i64(struct gk_writer *w, int64_t v);
/* Microseconds as decimal milliseconds ("12.345", "7", "0.5"), exact. */
void gk_put_ms(struct gk_writer *w, uint64_t us);
/* A JSON value through Jansson (flags as for json_dumpb). */
void gk_put_json(struct gk_writer *w, const json_t *v, size_t flags);
/* A JSON string through Jansson; bytes that are not UTF-8 become U+FFFD. */
void gk_put_string(struct gk_writer *w, const char *s, size_t len);
int gk_flush(struct gk_writer *w);

/* A Jansson string of text that may not be UTF-8 (NULL only on OOM). */
json_t *gk_json_string(const char *s, size_t len);

#endif
