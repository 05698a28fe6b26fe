#include "array.h"
#include "stacks.h"

#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

struct probe {
    const struct col_stacks *s;
    uint64_t tid;
    const uint32_t *labels;
    uint32_t depth;
};

static int stack_eq(const void *ctx, uint32_t index)
{
    const struct probe *p = ctx;
    const struct col_stack *it = &p->s->items[index];
    return it->tid == p->tid && it->depth == p->depth &&
           memcmp(p->s->ids + it->off, p->labels, (size_t)p->depth * sizeof *p->labels) == 0;
}

int col_stacks_add(struct col_stacks *s, uint64_t tid, const uint32_t *labels, uint32_t depth,
                   uint64_t weight)
{
    uint64_t h = pl_hash_mix(0, tid);
    for (uint32_t i = 0; i < depth; i++)
        h = pl_hash_mix(h, labels[i]);
    struct probe p = {s, tid, labels, depth};
    uint32_t idx;
    if (pl_idxtab_find(&s->index, h, stack_eq, &p, &idx)) {
        s->items[idx].count += weight;
        return 0;
    }
    if (s->n >= UINT32_MAX - 1 || depth > SIZE_MAX - s->nids)
        return TACHYON_ERR_NOMEM;
    int rc = pl_grow((void **)&s->items, &s->cap, s->n + 1, sizeof *s->items);
    if (!rc)
        rc = pl_grow((void **)&s->ids, &s->cap_ids, s->nids + depth, sizeof *s->ids);
    if (!rc)
        rc = pl_idxtab_insert(&s->index, h, (uint32_t)s->n);
    if (rc)
        return rc;
    if (depth)
        memcpy(s->ids + s->nids, labels, (size_t)depth * sizeof *labels);
    s->items[s->n++] = (struct col_stack){tid, weight, s->nids, depth};
    s->nids += depth;
    return 0;
}

void col_stacks_free(struct col_stacks *s)
{
    free(s->ids);
    free(s->items);
    pl_idxtab_free(&s->index);
    memset(s, 0, sizeof *s);
}
