/* Distinct stacks and their weights, collected while sampling. Real
 * profiles repeat a few thousand stacks millions of times, so on_sample only
 * hashes the frame ids and bumps a counter; the per-line work is done once
 * per distinct stack at the end (hm_model). */
#ifndef HEATMAP_HM_STACKS_H
#define HEATMAP_HM_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "idxtab.h"

struct hm_stack {
    uint64_t weight;
    uint32_t off;    /* first frame id in hm_stacks.ids, innermost first */
    uint32_t depth;
};

struct hm_stacks {
    tachyon_frame_id *ids;
    size_t n_ids, cap_ids;
    struct hm_stack *recs;
    size_t n, cap;
    struct pl_idxtab tab;
    uint64_t samples;  /* total weight seen */
};

/* 0, or TACHYON_ERR_NOMEM (the stacks stay usable). */
int hm_stacks_add(struct hm_stacks *s, const tachyon_sample *sample);
void hm_stacks_free(struct hm_stacks *s);

#endif
