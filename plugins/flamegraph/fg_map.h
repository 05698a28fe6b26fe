/* A hash map from non-zero 64-bit keys to 32-bit values, with open
 * addressing. The flame graph keeps every lookup on the per-sample path in
 * maps like this one, so they must be small, flat and cache friendly. */
#ifndef FLAMEGRAPH_FG_MAP_H
#define FLAMEGRAPH_FG_MAP_H

#include <stddef.h>
#include <stdint.h>

struct fg_map_slot {
    uint64_t key; /* 0 marks an empty slot */
    uint32_t value;
};

struct fg_map {
    struct fg_map_slot *slots;
    size_t mask;  /* capacity - 1; capacity is a power of two */
    size_t count;
};

int fg_map_init(struct fg_map *m, size_t expected);
void fg_map_free(struct fg_map *m);
/* Store *value for key when found and return 1; return 0 when absent. */
int fg_map_get(const struct fg_map *m, uint64_t key, uint32_t *value);
/* Insert key (which must be absent and non-zero). Returns 0 or
 * TACHYON_ERR_NOMEM. */
int fg_map_put(struct fg_map *m, uint64_t key, uint32_t value);

#endif
