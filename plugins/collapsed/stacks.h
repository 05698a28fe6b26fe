/* Unique (thread, root-first label sequence) stacks with their weighted
 * sample counts. */
#ifndef COLLAPSED_STACKS_H
#define COLLAPSED_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "idxtab.h"

struct col_stack {
    uint64_t tid;
    uint64_t count;
    size_t off;       /* into ids */
    uint32_t depth;
};

struct col_stacks {
    uint32_t *ids;    /* every stack's labels, root first, back to back */
    size_t nids, cap_ids;
    struct col_stack *items;
    size_t n, cap;
    struct pl_idxtab index;
};

/* labels are root first. */
int col_stacks_add(struct col_stacks *s, uint64_t tid, const uint32_t *labels, uint32_t depth,
                   uint64_t weight);
void col_stacks_free(struct col_stacks *s);

#endif
