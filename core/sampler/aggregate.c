#include "aggregate.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

int aggregator_init(struct aggregator *a, uint32_t max_weight)
{
    memset(a, 0, sizeof *a);
    a->max_weight = max_weight ? max_weight : AGG_DEFAULT_MAX_WEIGHT;
    return 0;
}

void aggregator_free(struct aggregator *a)
{
    size_t i;
    for (i = 0; i < AGG_MAX_THREADS; i++)
        free(a->slots[i].buf);
    memset(a, 0, sizeof *a);
}

static int same_stack(const tachyon_sample *p, const tachyon_sample *s)
{
    return p->status == s->status && p->depth == s->depth &&
           p->native_thread_id == s->native_thread_id && p->interpreter_id == s->interpreter_id &&
           memcmp(p->frames, s->frames, (size_t)s->depth * sizeof *s->frames) == 0;
}

static int flush_slot(struct agg_slot *slot, agg_deliver_fn fn, void *ctx)
{
    int rc;
    if (!slot->used)
        return 0;
    slot->used = 0;
    rc = fn(ctx, &slot->s);
    return rc;
}

static int store(struct agg_slot *slot, const tachyon_sample *s)
{
    if (s->depth > slot->cap) {
        uint32_t *grown = realloc(slot->buf, (size_t)s->depth * sizeof *grown);
        if (!grown)
            return ERR_NOMEM;
        slot->buf = grown;
        slot->cap = s->depth;
    }
    if (s->depth)
        memcpy(slot->buf, s->frames, (size_t)s->depth * sizeof *s->frames);
    slot->s = *s;
    slot->s.frames = slot->buf;
    slot->s.weight = s->weight ? s->weight : 1;
    slot->used = 1;
    return 0;
}

int aggregator_add(struct aggregator *a, const tachyon_sample *s, agg_deliver_fn fn, void *ctx)
{
    struct agg_slot *slot = NULL, *free_slot = NULL;
    size_t i;
    int rc;

    for (i = 0; i < AGG_MAX_THREADS; i++) {
        struct agg_slot *cand = &a->slots[i];
        if (cand->used && cand->s.thread_id == s->thread_id) {
            slot = cand;
            break;
        }
        if (!cand->used && !free_slot)
            free_slot = cand;
    }
    if (slot) {
        if (same_stack(&slot->s, s) && slot->s.weight < a->max_weight) {
            slot->s.weight += s->weight ? s->weight : 1;
            return 0;
        }
        rc = flush_slot(slot, fn, ctx);
        if (rc)
            return rc;
        return store(slot, s);
    }
    /* More live threads than slots: deliver unmerged rather than lose data. */
    if (!free_slot)
        return fn(ctx, s);
    return store(free_slot, s);
}

int aggregator_flush(struct aggregator *a, agg_deliver_fn fn, void *ctx)
{
    size_t i;
    int rc;
    for (i = 0; i < AGG_MAX_THREADS; i++) {
        rc = flush_slot(&a->slots[i], fn, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

void aggregator_discard(struct aggregator *a)
{
    size_t i;
    for (i = 0; i < AGG_MAX_THREADS; i++)
        a->slots[i].used = 0;
}
