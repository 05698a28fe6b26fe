/* Where tachyon_feed's samples come from: a STACKFILE, or a deterministic
 * synthetic profile (--generate). Both produce batches of ABI samples whose
 * frames are interned in the session's interner, so the feeder can time the
 * plugin alone, a batch at a time, without the parsing cost. */
#ifndef TESTS_TOOLS_FEED_INPUT_H
#define TESTS_TOOLS_FEED_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <tachyon/plugin.h>

struct interner;

struct feed_batch {
    tachyon_sample *samples;
    size_t *offsets;             /* where each sample's frames start in frames */
    size_t n, cap;
    tachyon_frame_id *frames;    /* every sample's frames, back to back */
    size_t nframes, capframes;
};

struct feed_gen_params {
    uint64_t samples;
    uint32_t nodes;
    uint32_t depth;
    uint64_t seed;
    uint64_t interval_us;
};

struct feed_source;

/* keep_opcodes: without --opcodes the real sampler records no opcodes, so
 * opcode fields in the file are dropped unless it is set. */
int feed_open_file(const char *path, struct interner *in, int keep_opcodes,
                   struct feed_source **out);
int feed_open_generator(const struct feed_gen_params *p, struct interner *in,
                        struct feed_source **out);
/* Replace b's contents with up to max samples. Returns the number read,
 * 0 at the end, or a negative code with a message in diag. */
int feed_next(struct feed_source *src, struct feed_batch *b, size_t max);
void feed_close(struct feed_source *src);
void feed_batch_free(struct feed_batch *b);

/* Internal to the two sources: append one sample (frames innermost first);
 * sample pointers are fixed up by feed_batch_finish once the batch's
 * frame storage stops moving. */
int feed_batch_add(struct feed_batch *b, const tachyon_sample *tmpl,
                   const tachyon_frame_id *frames, uint32_t depth);
void feed_batch_finish(struct feed_batch *b);

struct feed_gen;
int feed_gen_create(const struct feed_gen_params *p, struct interner *in, struct feed_gen **out);
int feed_gen_next(struct feed_gen *g, struct feed_batch *b, size_t max);
void feed_gen_free(struct feed_gen *g);

#endif
