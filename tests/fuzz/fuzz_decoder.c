/* Fuzz target: the CPython decoder on a hostile process image.
 *
 * Each input starts from a valid synthetic image and corrupts it:
 *   byte 0     version: 0 a 3.13 image from tests/harness/pyimage (offsets
 *              published in its _Py_DebugOffsets block, which the input may
 *              corrupt too), 1 a 3.11 and 2 a 3.12 image laid out with the
 *              built-in tables (decoder_image.c);
 *   bytes 1-3  sample options of the three samples taken (bit 0 all
 *              threads, 1 gc, 2 native, 3 opcodes, 4 thread status);
 *   then       records: 2-byte offset into the image (modulo its size),
 *              1 length byte (low 6 bits; bit 7 set means "poke after the
 *              first sample", a torn update between samples) and the bytes.
 * Any return code is fine; a crash, sanitizer report or stack deeper than
 * PY_MAX_DEPTH is a bug. */
#include <stdlib.h>
#include <string.h>

#include "decoder_image.h"
#include "fuzz.h"

#define NSAMPLES 3

struct cursor {
    const uint8_t *p;
    size_t n;
};

/* Apply the records whose "after" bit equals after: to the arena before
 * the reader exists, or to the reader (and arena) between samples. */
static void apply(struct cursor c, int after, struct pyimg_env *e)
{
    size_t used = pyimg_used();

    while (c.n >= 3) {
        size_t off = (size_t)(c.p[0] | c.p[1] << 8) % used;
        size_t len = c.p[2] & 63;
        int late = c.p[2] >> 7;
        c.p += 3;
        c.n -= 3;
        if (len > c.n)
            len = c.n;
        if (len > used - off)
            len = used - off;
        if (late == after) {
            memcpy(pyimg_at(PYIMG_BASE + off), c.p, len);
            if (e && len && mem_synth_poke(e->r, PYIMG_BASE + off, c.p, len) < 0)
                abort();
        }
        c.p += len;
        c.n -= len;
    }
}

static int count(void *ctx, const struct py_thread_sample *s)
{
    unsigned *n = ctx;
    uint32_t i;

    if (s->depth > PY_MAX_DEPTH)
        abort();
    /* Touch every frame id so ASan checks the array handed over. */
    for (i = 0; i < s->depth; i++)
        *n += s->frames[i] & 1;
    (*n)++;
    return 0;
}

static void opts_from(uint8_t b, struct py_sample_opts *o)
{
    memset(o, 0, sizeof *o);
    o->all_threads = b & 1;
    o->gc = (b >> 1) & 1;
    o->native = (b >> 2) & 1;
    o->opcodes = (b >> 3) & 1;
    o->thread_status = (b >> 4) & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pyimg_env e;
    struct pyimg_proc p;
    struct cursor c;
    unsigned seen = 0;
    int i;

    if (size < 4)
        return 0;
    decoder_image_build(data[0] % 3, &p);
    c.p = data + 4;
    c.n = size - 4;
    apply(c, 0, NULL);
    if (pyimg_open(&e, &p) == 0) {
        for (i = 0; i < NSAMPLES; i++) {
            opts_from(data[1 + i], &e.o);
            (void)py_target_sample(e.t, &e.o, count, &seen);
            if (i == 0)
                apply(c, 1, &e);
        }
    }
    pyimg_close(&e);
    return 0;
}
