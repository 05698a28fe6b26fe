/* Open-addressing hash tables for code objects and frame ids. Neither
 * table ever deletes a single entry: a code entry whose guard fails is
 * reloaded in place with a new serial (so its old frame ids become
 * unreachable), and both tables are emptied wholesale when they reach their
 * limit, which bounds memory against a target that keeps creating code. */
#include "codecache.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

#define CODE_MIN_CAP 256
#define CODE_MAX_CAP (1u << 16)
#define FRAME_MIN_CAP 1024
#define FRAME_MAX_CAP (1u << 20)

struct py_frame_slot {
    uint64_t key;           /* serial << 32 | (unit + 1); 0: empty */
    uint32_t id;
    int32_t opcode;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

int py_code_cache_init(struct py_code_cache *c)
{
    memset(c, 0, sizeof *c);
    c->slots = calloc(CODE_MIN_CAP, sizeof *c->slots);
    c->fmap = calloc(FRAME_MIN_CAP, sizeof *c->fmap);
    if (!c->slots || !c->fmap) {
        free(c->slots);
        free(c->fmap);
        return ERR_NOMEM;
    }
    c->cap = CODE_MIN_CAP;
    c->fcap = FRAME_MIN_CAP;
    c->next_serial = 1;
    return 0;
}

static void free_entries(struct py_code_cache *c)
{
    size_t i;
    for (i = 0; i < c->cap; i++) {
        free(c->slots[i].linetable);
        free(c->slots[i].bytecode);
    }
}

void py_code_cache_free(struct py_code_cache *c)
{
    if (c->slots)
        free_entries(c);
    free(c->slots);
    free(c->fmap);
    memset(c, 0, sizeof *c);
}

struct py_code *py_code_find(struct py_code_cache *c, uint64_t addr)
{
    size_t mask = c->cap - 1, i = mix(addr) & mask;
    while (c->slots[i].addr) {
        if (c->slots[i].addr == addr)
            return &c->slots[i];
        i = (i + 1) & mask;
    }
    return NULL;
}

static void put_slot(struct py_code *slots, size_t cap, const struct py_code *e)
{
    size_t mask = cap - 1, i = mix(e->addr) & mask;
    while (slots[i].addr)
        i = (i + 1) & mask;
    slots[i] = *e;
}

static int grow_codes(struct py_code_cache *c)
{
    size_t i, ncap = c->cap * 2;
    struct py_code *n;

    if (ncap > CODE_MAX_CAP) {
        /* Forget everything: the frame ids already interned stay valid in
         * the interner, they are only looked up again. */
        free_entries(c);
        memset(c->slots, 0, c->cap * sizeof *c->slots);
        memset(c->fmap, 0, c->fcap * sizeof *c->fmap);
        c->count = c->fcount = 0;
        return 0;
    }
    n = calloc(ncap, sizeof *n);
    if (!n)
        return ERR_NOMEM;
    for (i = 0; i < c->cap; i++)
        if (c->slots[i].addr)
            put_slot(n, ncap, &c->slots[i]);
    free(c->slots);
    c->slots = n;
    c->cap = ncap;
    return 0;
}

int py_code_claim(struct py_code_cache *c, uint64_t addr, struct py_code **out)
{
    struct py_code *e = py_code_find(c, addr), fresh;
    int rc;

    if (!e) {
        if ((c->count + 1) * 4 > c->cap * 3) {
            rc = grow_codes(c);
            if (rc < 0)
                return rc;
        }
        memset(&fresh, 0, sizeof fresh);
        fresh.addr = addr;
        put_slot(c->slots, c->cap, &fresh);
        c->count++;
        e = py_code_find(c, addr);
    }
    free(e->linetable);
    free(e->bytecode);
    memset(e, 0, sizeof *e);
    e->addr = addr;
    e->serial = c->next_serial++;
    if (c->next_serial == 0)
        c->next_serial = 1;
    *out = e;
    return 0;
}

static uint64_t frame_key(uint32_t serial, int64_t unit)
{
    return ((uint64_t)serial << 32) | (uint32_t)(unit + 1);
}

int py_frame_find(const struct py_code_cache *c, uint32_t serial, int64_t unit, int opcode, uint32_t *id)
{
    uint64_t key = frame_key(serial, unit);
    size_t mask = c->fcap - 1, i = mix(key ^ ((uint64_t)(uint32_t)opcode << 40)) & mask;
    while (c->fmap[i].key) {
        if (c->fmap[i].key == key && c->fmap[i].opcode == opcode) {
            *id = c->fmap[i].id;
            return 1;
        }
        i = (i + 1) & mask;
    }
    return 0;
}

static void put_frame(struct py_frame_slot *m, size_t cap, uint64_t key, int32_t opcode, uint32_t id)
{
    size_t mask = cap - 1, i = mix(key ^ ((uint64_t)(uint32_t)opcode << 40)) & mask;
    while (m[i].key && (m[i].key != key || m[i].opcode != opcode))
        i = (i + 1) & mask;
    m[i].key = key;
    m[i].opcode = opcode;
    m[i].id = id;
}

int py_frame_store(struct py_code_cache *c, uint32_t serial, int64_t unit, int opcode, uint32_t id)
{
    if ((c->fcount + 1) * 4 > c->fcap * 3) {
        size_t i, ncap = c->fcap * 2;
        struct py_frame_slot *n;
        if (ncap > FRAME_MAX_CAP) {
            memset(c->fmap, 0, c->fcap * sizeof *c->fmap);
            c->fcount = 0;
        } else {
            n = calloc(ncap, sizeof *n);
            if (!n)
                return ERR_NOMEM;
            for (i = 0; i < c->fcap; i++)
                if (c->fmap[i].key)
                    put_frame(n, ncap, c->fmap[i].key, c->fmap[i].opcode, c->fmap[i].id);
            free(c->fmap);
            c->fmap = n;
            c->fcap = ncap;
        }
    }
    put_frame(c->fmap, c->fcap, frame_key(serial, unit), opcode, id);
    c->fcount++;
    return 0;
}
