/* Fuzz target: the binary profile reader (header, tables, trailer, footer,
 * zstd and raw sample streams, the four record encodings).
 *
 * Whatever the bytes, opening and replaying must return 0 or a negative
 * code with a message, and every sample handed out must only name frames
 * the table has, with a depth within the limit. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "fuzz.h"
#include "replay/binprofile.h"

struct check {
    const struct bin_profile *p;
    unsigned long long n;
};

static int on_sample(void *ctx, const struct bin_sample *s)
{
    struct check *c = ctx;
    uint32_t i;
    if (s->depth > BIN_MAX_DEPTH)
        abort();
    for (i = 0; i < s->depth; i++) {
        const struct bin_frame *f;
        if (s->frames[i] >= c->p->frame_count)
            abort();
        f = &c->p->frames[s->frames[i]];
        if (!bin_profile_string(c->p, f->filename, NULL) || !bin_profile_string(c->p, f->funcname, NULL))
            abort();
    }
    c->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bin_profile p;
    struct check c;
    uint8_t *copy;
    int rc;

    /* A private copy of exactly size bytes, so ASan sees any over-read. */
    copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    rc = bin_profile_open(copy, size, &p);
    if (rc == 0) {
        c.p = &p;
        c.n = 0;
        /* A small cap keeps zstd bombs cheap. */
        rc = bin_profile_replay(&p, 64u << 20, on_sample, &c);
        if (rc == 0 && c.n != p.sample_count)
            abort();
        bin_profile_close(&p);
    }
    if (rc != 0 && (rc > 0 || !diag_message()[0]))
        abort();
    free(copy);
    return 0;
}
