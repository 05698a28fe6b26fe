/* Merging of consecutive identical samples per thread.
 *
 * A thread that sits in the same place for many samples (sleeping, waiting
 * on I/O) produces the same stack again and again; delivering it once with
 * a weight saves the plugins most of their work, as upstream does. A merged
 * sample is delivered when the thread's stack or status changes, when its
 * weight reaches the cap, or on an explicit flush. */
#ifndef CORE_SAMPLER_AGGREGATE_H
#define CORE_SAMPLER_AGGREGATE_H

#include <stdint.h>

#include <tachyon/plugin.h>

#define AGG_MAX_THREADS 256
#define AGG_DEFAULT_MAX_WEIGHT 8192

struct agg_slot {
    tachyon_sample s;            /* pending sample; frames points at buf */
    uint32_t *buf;
    uint32_t cap;
    int used;
};

struct aggregator {
    struct agg_slot slots[AGG_MAX_THREADS];
    uint32_t max_weight;
};

typedef int (*agg_deliver_fn)(void *ctx, const tachyon_sample *s);

int aggregator_init(struct aggregator *a, uint32_t max_weight);
int aggregator_add(struct aggregator *a, const tachyon_sample *s, agg_deliver_fn fn, void *ctx);
int aggregator_flush(struct aggregator *a, agg_deliver_fn fn, void *ctx);
/* Drop every pending sample undelivered (a statistics reset). */
void aggregator_discard(struct aggregator *a);
void aggregator_free(struct aggregator *a);

#endif
