/* Caches keyed by target addresses: decoded code objects, and the interned
 * frame id of each (code object, instruction) pair seen.
 *
 * A code object's address can be reused by a new object once the old one
 * is freed, so a cached entry is only trusted after its guard matched in
 * the current sample: the decoder re-reads the head of the object (about
 * 200 bytes, batched for all code objects of a sample into one readv) and
 * compares type, code size, first line, first traceable unit and the
 * filename, qualified name and line table pointers with the cached ones.
 * A new object at the same address would need the same three pointers,
 * which are themselves live objects, to slip through. */
#ifndef CORE_PYTHON_CODECACHE_H
#define CORE_PYTHON_CODECACHE_H

#include <stddef.h>
#include <stdint.h>

/* The fields a code object's guard compares. */
struct py_code_print {
    uint64_t type;
    uint64_t filename;
    uint64_t qualname;
    uint64_t linetable;
    int64_t ncode;          /* ob_size: code units */
    int32_t firstlineno;
    int32_t firsttraceable;
};

struct py_code {
    uint64_t addr;          /* 0: empty slot */
    uint32_t serial;        /* new for every (re)load, keys the frame map */
    uint32_t checked;       /* sample number of the last matching guard */
    uint64_t gen;           /* the interpreter's code-object generation when last
                               checked (3.14+), UINT64_MAX when unknown */
    struct py_code_print print;
    uint32_t filename_id;
    uint32_t qualname_id;
    uint8_t *linetable;
    size_t linetable_len;
    int no_lines;           /* line table too large to copy: lines unknown */
    uint8_t *bytecode;      /* copy of co_code_adaptive for --opcodes, or NULL */
    uint32_t bc_sample;     /* sample number the copy is current for */
};

struct py_code_cache {
    struct py_code *slots;
    size_t cap;             /* power of two */
    size_t count;
    uint32_t next_serial;
    struct py_frame_slot *fmap;
    size_t fcap;
    size_t fcount;
};

int py_code_cache_init(struct py_code_cache *c);
void py_code_cache_free(struct py_code_cache *c);

/* The entry for addr, or NULL. */
struct py_code *py_code_find(struct py_code_cache *c, uint64_t addr);
/* The entry for addr, created empty (linetable NULL, serial fresh) when
 * absent; an existing entry is reset for reloading. The cache empties itself
 * when it reaches its size limit, so a pointer from an earlier call may be
 * invalidated by this call. */
int py_code_claim(struct py_code_cache *c, uint64_t addr, struct py_code **out);

/* Frame ids by (serial, code unit, opcode): opcode is the executing
 * opcode, TACHYON_NO_OPCODE without --opcodes, or PY_FRAME_START to map
 * a code unit to the start of its instruction (stored in place of an id). */
#define PY_FRAME_START (-2)
int py_frame_find(const struct py_code_cache *c, uint32_t serial, int64_t unit, int opcode, uint32_t *id);
int py_frame_store(struct py_code_cache *c, uint32_t serial, int64_t unit, int opcode, uint32_t id);

#endif
