/* String and frame interning with open-addressing hash tables.
 *
 * Records live in fixed-size chunks that are never reallocated, so the
 * pointers handed to plugins (interner_string, interner_frame) stay valid
 * for the whole session while the tables keep growing. */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

#define CHUNK_SHIFT 12
#define CHUNK_SIZE (1u << CHUNK_SHIFT)   /* records per chunk */
#define ARENA_BLOCK (64u * 1024u)        /* bytes per string arena block */
#define MAX_STRING (1u << 20)            /* longest string we intern */

struct str_rec {
    const char *text;
    uint32_t len;
    uint32_t hash;
};

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char data[];
};

/* A growable array of chunks of fixed-size records. */
struct chunked {
    void **chunks;
    size_t n_chunks;
    size_t rec_size;
    uint32_t count;   /* records stored; ids are index + 1 */
};

struct interner {
    struct chunked strings;
    struct chunked frames;
    uint32_t *str_slots;     /* id or 0 */
    size_t str_cap;
    uint32_t *frame_slots;
    size_t frame_cap;
    struct arena_block *arena;
    size_t arena_bytes;
};

static uint32_t hash_bytes(const void *p, size_t n, uint32_t h)
{
    /* FNV-1a: short keys, good enough spread, no dependency. */
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

static void *chunked_at(const struct chunked *c, uint32_t index)
{
    return (char *)c->chunks[index >> CHUNK_SHIFT] + (size_t)(index & (CHUNK_SIZE - 1)) * c->rec_size;
}

/* Reserve the next record; returns NULL when memory runs out. */
static void *chunked_push(struct chunked *c)
{
    size_t chunk = c->count >> CHUNK_SHIFT;
    void *rec;
    if (c->count == UINT32_MAX - 1)
        return NULL;
    if (chunk == c->n_chunks) {
        void **grown = realloc(c->chunks, (c->n_chunks + 1) * sizeof *grown);
        if (!grown)
            return NULL;
        c->chunks = grown;
        c->chunks[c->n_chunks] = calloc(CHUNK_SIZE, c->rec_size);
        if (!c->chunks[c->n_chunks])
            return NULL;
        c->n_chunks++;
    }
    rec = chunked_at(c, c->count);
    c->count++;
    return rec;
}

static void chunked_free(struct chunked *c)
{
    size_t i;
    for (i = 0; i < c->n_chunks; i++)
        free(c->chunks[i]);
    free(c->chunks);
}

static char *arena_copy(struct interner *in, const char *s, size_t len)
{
    struct arena_block *b = in->arena;
    char *dst;
    if (!b || b->size - b->used < len + 1) {
        size_t size = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = in->arena;
        b->used = 0;
        b->size = size;
        in->arena = b;
        in->arena_bytes += sizeof *b + size;
    }
    dst = b->data + b->used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    b->used += len + 1;
    return dst;
}

int interner_create(struct interner **out)
{
    struct interner *in = calloc(1, sizeof *in);
    int rc = 0;
    if (!in)
        return ERR_NOMEM;
    in->strings.rec_size = sizeof(struct str_rec);
    in->frames.rec_size = sizeof(tachyon_frame);
    in->str_cap = 1024;
    in->frame_cap = 1024;
    in->str_slots = calloc(in->str_cap, sizeof *in->str_slots);
    in->frame_slots = calloc(in->frame_cap, sizeof *in->frame_slots);
    if (!in->str_slots || !in->frame_slots) {
        rc = ERR_NOMEM;
        goto out;
    }
    *out = in;
    in = NULL;
out:
    interner_destroy(in);
    return rc;
}

void interner_destroy(struct interner *in)
{
    struct arena_block *b, *next;
    if (!in)
        return;
    for (b = in->arena; b; b = next) {
        next = b->next;
        free(b);
    }
    chunked_free(&in->strings);
    chunked_free(&in->frames);
    free(in->str_slots);
    free(in->frame_slots);
    free(in);
}

static uint32_t str_hash_of(const struct interner *in, uint32_t id)
{
    return ((const struct str_rec *)chunked_at(&in->strings, id - 1))->hash;
}

static uint32_t frame_hash(const tachyon_frame *f)
{
    /* Hash every identity field; struct_size is not part of identity. */
    uint32_t h = 2166136261u;
    h = hash_bytes(&f->kind, sizeof(tachyon_frame) - offsetof(tachyon_frame, kind), h);
    return h;
}

static int frame_equal(const tachyon_frame *a, const tachyon_frame *b)
{
    return memcmp(&a->kind, &b->kind, sizeof(tachyon_frame) - offsetof(tachyon_frame, kind)) == 0;
}

/* Double a slot table and re-insert every id; hash_of recomputes a hash. */
static int rehash(const struct interner *in, uint32_t **slots, size_t *cap, uint32_t count,
                  uint32_t (*hash_of)(const struct interner *, uint32_t))
{
    size_t new_cap = *cap * 2, i;
    uint32_t *fresh = calloc(new_cap, sizeof *fresh);
    uint32_t id;
    if (!fresh)
        return ERR_NOMEM;
    for (id = 1; id <= count; id++) {
        i = hash_of(in, id) & (new_cap - 1);
        while (fresh[i])
            i = (i + 1) & (new_cap - 1);
        fresh[i] = id;
    }
    free(*slots);
    *slots = fresh;
    *cap = new_cap;
    return 0;
}

int intern_string(struct interner *in, const char *s, size_t len, uint32_t *id)
{
    uint32_t h, slot_id;
    size_t i;
    struct str_rec *rec;
    char *copy;
    int rc;

    if (len > MAX_STRING)
        return ERR_INVALID;
    h = hash_bytes(s, len, 2166136261u);
    for (i = h & (in->str_cap - 1); (slot_id = in->str_slots[i]) != 0; i = (i + 1) & (in->str_cap - 1)) {
        rec = chunked_at(&in->strings, slot_id - 1);
        if (rec->hash == h && rec->len == len && memcmp(rec->text, s, len) == 0) {
            *id = slot_id;
            return 0;
        }
    }
    /* Keep the load factor under one half so probes stay short. */
    if ((size_t)(in->strings.count + 1) * 2 > in->str_cap) {
        rc = rehash(in, &in->str_slots, &in->str_cap, in->strings.count, str_hash_of);
        if (rc)
            return rc;
        for (i = h & (in->str_cap - 1); in->str_slots[i]; i = (i + 1) & (in->str_cap - 1))
            ;
    }
    copy = arena_copy(in, s, len);
    if (!copy)
        return ERR_NOMEM;
    rec = chunked_push(&in->strings);
    if (!rec)
        return ERR_NOMEM;
    rec->text = copy;
    rec->len = (uint32_t)len;
    rec->hash = h;
    in->str_slots[i] = in->strings.count;
    *id = in->strings.count;
    return 0;
}

int intern_cstring(struct interner *in, const char *s, uint32_t *id)
{
    return intern_string(in, s, strlen(s), id);
}

const char *interner_string(const struct interner *in, uint32_t id, size_t *len)
{
    const struct str_rec *rec;
    if (id == 0 || id > in->strings.count)
        return NULL;
    rec = chunked_at(&in->strings, id - 1);
    if (len)
        *len = rec->len;
    return rec->text;
}

uint32_t interner_string_count(const struct interner *in)
{
    return in->strings.count;
}

static uint32_t frame_hash_of(const struct interner *in, uint32_t id)
{
    return frame_hash(chunked_at(&in->frames, id - 1));
}

int intern_frame(struct interner *in, const tachyon_frame *f, uint32_t *id)
{
    tachyon_frame key = *f, *rec;
    uint32_t h, slot_id;
    size_t i;
    int rc;

    key.struct_size = sizeof(tachyon_frame);
    h = frame_hash(&key);
    for (i = h & (in->frame_cap - 1); (slot_id = in->frame_slots[i]) != 0; i = (i + 1) & (in->frame_cap - 1)) {
        if (frame_equal(chunked_at(&in->frames, slot_id - 1), &key)) {
            *id = slot_id;
            return 0;
        }
    }
    if ((size_t)(in->frames.count + 1) * 2 > in->frame_cap) {
        rc = rehash(in, &in->frame_slots, &in->frame_cap, in->frames.count, frame_hash_of);
        if (rc)
            return rc;
        for (i = h & (in->frame_cap - 1); in->frame_slots[i]; i = (i + 1) & (in->frame_cap - 1))
            ;
    }
    rec = chunked_push(&in->frames);
    if (!rec)
        return ERR_NOMEM;
    *rec = key;
    in->frame_slots[i] = in->frames.count;
    *id = in->frames.count;
    return 0;
}

const tachyon_frame *interner_frame(const struct interner *in, uint32_t id)
{
    if (id == 0 || id > in->frames.count)
        return NULL;
    return chunked_at(&in->frames, id - 1);
}

uint32_t interner_frame_count(const struct interner *in)
{
    return in->frames.count;
}

size_t interner_memory(const struct interner *in)
{
    return in->arena_bytes + in->strings.n_chunks * CHUNK_SIZE * in->strings.rec_size +
           in->frames.n_chunks * CHUNK_SIZE * in->frames.rec_size +
           (in->str_cap + in->frame_cap) * sizeof(uint32_t);
}
