#include "idxtab.h"

#include <stdlib.h>

#include <tachyon/plugin.h>

uint64_t pl_hash_mix(uint64_t h, uint64_t v)
{
    /* splitmix64 finaliser over the running value: cheap and well spread. */
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

int pl_idxtab_find(const struct pl_idxtab *t, uint64_t hash, pl_idxtab_eq eq,
                    const void *ctx, uint32_t *index)
{
    if (t->cap == 0)
        return 0;
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        if (t->slots[i] == 0)
            return 0;
        if (t->hashes[i] == hash && eq(ctx, t->slots[i] - 1)) {
            *index = t->slots[i] - 1;
            return 1;
        }
    }
}

static void place(uint32_t *slots, uint64_t *hashes, size_t cap, uint64_t hash, uint32_t slot)
{
    size_t mask = cap - 1;
    size_t i = (size_t)hash & mask;
    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = slot;
    hashes[i] = hash;
}

static int grow(struct pl_idxtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    if (cap > SIZE_MAX / sizeof(uint64_t))
        return TACHYON_ERR_NOMEM;
    uint32_t *slots = calloc(cap, sizeof *slots);
    uint64_t *hashes = calloc(cap, sizeof *hashes);
    if (!slots || !hashes) {
        free(slots);
        free(hashes);
        return TACHYON_ERR_NOMEM;
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != 0)
            place(slots, hashes, cap, t->hashes[i], t->slots[i]);
    free(t->slots);
    free(t->hashes);
    t->slots = slots;
    t->hashes = hashes;
    t->cap = cap;
    return 0;
}

int pl_idxtab_insert(struct pl_idxtab *t, uint64_t hash, uint32_t index)
{
    /* Keep the load at or below one half so probes stay short. */
    if ((t->count + 1) * 2 > t->cap) {
        int rc = grow(t);
        if (rc)
            return rc;
    }
    place(t->slots, t->hashes, t->cap, hash, index + 1);
    t->count++;
    return 0;
}

void pl_idxtab_free(struct pl_idxtab *t)
{
    free(t->slots);
    free(t->hashes);
    t->slots = NULL;
    t->hashes = NULL;
    t->cap = t->count = 0;
}
