/* An open-addressing hash index over records the caller owns in a dense
 * array: the table stores only record indices and their hashes, and the
 * caller decides equality, so any key shape works without copying it. */
#ifndef PLUGINS_COMMON_IDXTAB_H
#define PLUGINS_COMMON_IDXTAB_H

#include <stddef.h>
#include <stdint.h>

struct pl_idxtab {
    uint32_t *slots;   /* record index + 1; 0 marks an empty slot */
    uint64_t *hashes;
    size_t cap;        /* a power of two, or 0 before the first insert */
    size_t count;
};

typedef int (*pl_idxtab_eq)(const void *ctx, uint32_t index);

/* 1 and *index when a record with this hash satisfies eq, else 0. */
int pl_idxtab_find(const struct pl_idxtab *t, uint64_t hash, pl_idxtab_eq eq,
                    const void *ctx, uint32_t *index);
/* Adds a record known to be absent. 0 or TACHYON_ERR_NOMEM. */
int pl_idxtab_insert(struct pl_idxtab *t, uint64_t hash, uint32_t index);
void pl_idxtab_free(struct pl_idxtab *t);

/* A 64-bit mix of a few integers, good enough for table placement. */
uint64_t pl_hash_mix(uint64_t h, uint64_t v);

#endif
