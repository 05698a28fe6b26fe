/* An open-addressing hash index over records the caller owns in a dense
 * array: the table stores only record indices and their hashes, and the
 * caller decides equality, so any key shape works without copying it. */
#ifndef COLLAPSED_IDXTAB_H
#define COLLAPSED_IDXTAB_H

#include <stddef.h>
#include <stdint.h>

struct col_idxtab {
    uint32_t *slots;   /* record index + 1; 0 marks an empty slot */
    uint64_t *hashes;
    size_t cap;        /* a power of two, or 0 before the first insert */
    size_t count;
};

typedef int (*col_idxtab_eq)(const void *ctx, uint32_t index);

/* 1 and *index when a record with this hash satisfies eq, else 0. */
int col_idxtab_find(const struct col_idxtab *t, uint64_t hash, col_idxtab_eq eq,
                    const void *ctx, uint32_t *index);
/* Adds a record known to be absent. 0 or TACHYON_ERR_NOMEM. */
int col_idxtab_insert(struct col_idxtab *t, uint64_t hash, uint32_t index);
void col_idxtab_free(struct col_idxtab *t);

/* A 64-bit mix of a few integers, good enough for table placement. */
uint64_t col_hash_mix(uint64_t h, uint64_t v);

#endif
