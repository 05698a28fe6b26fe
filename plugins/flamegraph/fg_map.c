/* Open-addressing hash map with linear probing; see fg_map.h. */
#include "fg_map.h"

#include <stdlib.h>

#include <tachyon/plugin.h>

/* A 64-bit finaliser spreads keys built from small dense ids (parent index
 * and location id) over the whole table. */
static size_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return (size_t)k;
}

int fg_map_init(struct fg_map *m, size_t expected)
{
    size_t cap = 64;
    while (cap < expected * 2)
        cap *= 2;
    m->slots = calloc(cap, sizeof(*m->slots));
    if (!m->slots)
        return TACHYON_ERR_NOMEM;
    m->mask = cap - 1;
    m->count = 0;
    return 0;
}

void fg_map_free(struct fg_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
}

int fg_map_get(const struct fg_map *m, uint64_t key, uint32_t *value)
{
    size_t i = mix(key) & m->mask;
    for (;;) {
        const struct fg_map_slot *s = &m->slots[i];
        if (s->key == key) {
            *value = s->value;
            return 1;
        }
        if (s->key == 0)
            return 0;
        i = (i + 1) & m->mask;
    }
}

static void place(struct fg_map_slot *slots, size_t mask, uint64_t key, uint32_t value)
{
    size_t i = mix(key) & mask;
    while (slots[i].key != 0)
        i = (i + 1) & mask;
    slots[i].key = key;
    slots[i].value = value;
}

static int grow(struct fg_map *m)
{
    size_t cap = (m->mask + 1) * 2;
    struct fg_map_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return TACHYON_ERR_NOMEM;
    for (size_t i = 0; i <= m->mask; i++) {
        if (m->slots[i].key != 0)
            place(slots, cap - 1, m->slots[i].key, m->slots[i].value);
    }
    free(m->slots);
    m->slots = slots;
    m->mask = cap - 1;
    return 0;
}

int fg_map_put(struct fg_map *m, uint64_t key, uint32_t value)
{
    /* Keep the load factor under one half so probe runs stay short. */
    if ((m->count + 1) * 2 > m->mask + 1) {
        int rc = grow(m);
        if (rc < 0)
            return rc;
    }
    place(m->slots, m->mask, key, value);
    m->count++;
    return 0;
}
