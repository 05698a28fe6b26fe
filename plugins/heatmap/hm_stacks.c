/* Distinct-stack table; see hm_stacks.h. */
#include "hm_stacks.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

struct probe {
    const struct hm_stacks *s;
    const tachyon_frame_id *frames;
    uint32_t depth;
};

static int same_stack(const void *ctx, uint32_t index)
{
    const struct probe *p = ctx;
    const struct hm_stack *r = &p->s->recs[index];
    return r->depth == p->depth &&
           memcmp(p->s->ids + r->off, p->frames, (size_t)p->depth * sizeof(*p->frames)) == 0;
}

int hm_stacks_add(struct hm_stacks *s, const tachyon_sample *sample)
{
    struct probe p = {s, sample->frames, sample->depth};
    uint64_t h = 0xcbf29ce484222325ULL;
    uint32_t index;
    int rc;

    if (sample->depth && !sample->frames)
        return TACHYON_ERR_INVALID;
    s->samples += sample->weight;
    /* A multiply per frame (FNV-1a over the ids) and one strong mix at
     * the end: this runs for every sample, so it has to be cheap. */
    for (uint32_t i = 0; i < sample->depth; i++)
        h = (h ^ sample->frames[i]) * 0x100000001b3ULL;
    h = pl_hash_mix(h, sample->depth);
    if (pl_idxtab_find(&s->tab, h, same_stack, &p, &index)) {
        s->recs[index].weight += sample->weight;
        return 0;
    }
    /* Offsets are 32-bit: past 4 G frame ids the table refuses new stacks
     * rather than wrap (the counts seen so far stay right). */
    if (s->n_ids + sample->depth > UINT32_MAX || s->n >= UINT32_MAX - 1)
        return TACHYON_ERR_NOMEM;
    if ((rc = pl_grow((void **)&s->ids, &s->cap_ids, s->n_ids + sample->depth, sizeof(*s->ids))) < 0 ||
        (rc = pl_grow((void **)&s->recs, &s->cap, s->n + 1, sizeof(*s->recs))) < 0)
        return rc;
    if ((rc = pl_idxtab_insert(&s->tab, h, (uint32_t)s->n)) < 0)
        return rc;
    if (sample->depth)
        memcpy(s->ids + s->n_ids, sample->frames, (size_t)sample->depth * sizeof(*s->ids));
    s->recs[s->n] = (struct hm_stack){sample->weight, (uint32_t)s->n_ids, sample->depth};
    s->n_ids += sample->depth;
    s->n++;
    return 0;
}

void hm_stacks_free(struct hm_stacks *s)
{
    free(s->ids);
    free(s->recs);
    pl_idxtab_free(&s->tab);
    memset(s, 0, sizeof(*s));
}
