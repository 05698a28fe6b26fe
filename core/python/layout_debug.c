/* Layouts of CPython 3.13 and later, from the target's _Py_DebugOffsets.
 *
 * _PyRuntime starts with the block; every offset it publishes is taken from
 * the target. Each version is data: a struct mirroring its block (field for
 * field, from that version's Include/internal/pycore_debug_offsets.h), a
 * base layout with the facts the block does not publish, and a map from
 * block fields to layout fields. Supporting a version means adding those
 * three, not a code path.
 *
 * Offsets a block does not publish are derived from a published neighbour,
 * because the fields sit next to each other in the struct. Each relation
 * was checked with offsetof() against the release and debug (Py_DEBUG)
 * headers of 3.13.18, 3.14.10 and 3.15.2 (Debian unstable's -dev and -dbg
 * packages):
 *   _PyRuntime.main_thread     = interpreters_head + 24 (head, main, next_id)
 *   tstate.datastack_top       = datastack_chunk + 8
 *   code._co_firsttraceable    = co_code_adaptive - 16 (int, pad, co_extra)
 *   code ob_size               = 16 (PyObject_VAR_HEAD)
 *   sizeof(PyCompactUnicodeObject) = asciiobject_size + 16 (3.13, 3.14;
 *                                published by 3.15)
 *   tstate.current_exception   = current_frame + 40 (3.13, 3.14; published
 *                                by 3.15)
 *   tstate.exc_info            = current_exception + 8
 *   tstate.exc_state           = datastack_chunk + 24 (3.13, 3.14; published
 *                                by 3.15)
 * The offsets inside the GIL struct and the GC state's fields in the
 * interpreter are differences and sums of published values (fix_gil_gc).
 *
 * Frames: from 3.14 f_executable is a _PyStackRef whose low bits are tags
 * (Py_TAG_BITS: 1 in 3.14, 3 in 3.15; code objects are 8-byte aligned, so
 * clearing two bits is right for both). The C-stack entry frame is owned by
 * FRAME_OWNED_BY_CSTACK (3) in 3.13 and FRAME_OWNED_BY_INTERPRETER (3) from
 * 3.14, which also has FRAME_OWNED_BY_CSTACK (4) for frames that never
 * carry user code. Per-thread bytecode (co_tlbc, tlbc_index) only exists in
 * free-threaded builds, which are refused here (see py_layout_from_debug). */
#include "layout.h"

#include <string.h>

#include "../common/err.h"

#define MAJMIN(h) ((h) & 0xffff0000u)
#define V313 0x030d0000u
#define V314 0x030e0000u
#define V315 0x030f0000u

/* Shared by every version with a debug block; each base overrides what
 * differs. */
#define DEBUG_BASE_COMMON                                                                     \
    .is_threads_main = PY_OFF_NONE, .ts_cframe_frame = PY_OFF_NONE,                          \
    .chunk_previous = 0, .chunk_size = 8, .chunk_top = 16, .chunk_data = 24,                 \
    .fr_owner_thread = 0, .fr_owner_generator = 1, .fr_owner_cstack = 3,                     \
    .fr_is_entry = PY_OFF_NONE, .rt_gil = PY_OFF_NONE, .err_exc_value = 0, .err_previous = 8, \
    .co_size = 16, .is_gc_frame = PY_OFF_NONE,                                               \
    .ts_holds_gil = PY_OFF_NONE, .ts_gil_requested = PY_OFF_NONE,                            \
    .is_code_generation = PY_OFF_NONE,                                                       \
    .uni_kind_shift = 2, .uni_kind_mask = 7, .uni_compact_bit = 5, .uni_ascii_bit = 6,       \
    .instr_mode = PY_INSTR_CURRENT

static const struct py_layout base_313 = {
    DEBUG_BASE_COMMON,
    .hexversion_major_minor = V313,
    .fr_owner_skip_mask = 1u << 3, .fr_executable_tag_mask = 0,
    .main_mode = PY_MAIN_BY_RUNTIME_IDENT,
};

static const struct py_layout base_314 = {
    DEBUG_BASE_COMMON,
    .hexversion_major_minor = V314,
    .fr_owner_skip_mask = (1u << 3) | (1u << 4), .fr_executable_tag_mask = 3,
    .main_mode = PY_MAIN_BY_INTERP_POINTER,
};

static const struct py_layout base_315 = {
    DEBUG_BASE_COMMON,
    .hexversion_major_minor = V315,
    .fr_owner_skip_mask = 1u << 3, .fr_executable_tag_mask = 3,
    .main_mode = PY_MAIN_BY_INTERP_POINTER,
};

/* The blocks, field for field (all uint64_t). */
struct dbg_313 {
    char cookie[8];
    uint64_t version, free_threaded;
    struct { uint64_t size, finalizing, interpreters_head; } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, gc, imports_modules, sysdict,
            builtins, ceval_gil, gil_runtime_state, gil_enabled, gil_locked,
            gil_holder;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, thread_id,
            native_thread_id, datastack_chunk, status;
    } thread_state;
    struct { uint64_t size, previous, executable, instr_ptr, localsplus, owner; } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno,
            argcount, localsplusnames, localspluskinds, co_code_adaptive;
    } code_object;
    struct { uint64_t size, ob_type; } pyobject;
    struct { uint64_t size, tp_name, tp_repr, tp_flags; } type_object;
    struct { uint64_t size, ob_item, ob_size; } tuple_object, list_object;
    struct { uint64_t size, ma_keys, ma_values; } dict_object;
    struct { uint64_t size, ob_fval; } float_object;
    struct { uint64_t size, lv_tag, ob_digit; } long_object;
    struct { uint64_t size, ob_size, ob_sval; } bytes_object;
    struct { uint64_t size, state, length, asciiobject_size; } unicode_object;
    struct { uint64_t size, collecting; } gc;
};

struct dbg_314 {
    char cookie[8];
    uint64_t version, free_threaded;
    struct { uint64_t size, finalizing, interpreters_head; } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, threads_main, gc, imports_modules,
            sysdict, builtins, ceval_gil, gil_runtime_state, gil_enabled, gil_locked,
            gil_holder, code_object_generation, tlbc_generation;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, thread_id,
            native_thread_id, datastack_chunk, status;
    } thread_state;
    struct {
        uint64_t size, previous, executable, instr_ptr, localsplus, owner,
            stackpointer, tlbc_index;
    } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno,
            argcount, localsplusnames, localspluskinds, co_code_adaptive, co_tlbc;
    } code_object;
    struct { uint64_t size, ob_type; } pyobject;
    struct { uint64_t size, tp_name, tp_repr, tp_flags; } type_object;
    struct { uint64_t size, ob_item, ob_size; } tuple_object, list_object;
    struct { uint64_t size, used, table, mask; } set_object;
    struct { uint64_t size, ma_keys, ma_values; } dict_object;
    struct { uint64_t size, ob_fval; } float_object;
    struct { uint64_t size, lv_tag, ob_digit; } long_object;
    struct { uint64_t size, ob_size, ob_sval; } bytes_object;
    struct { uint64_t size, state, length, asciiobject_size; } unicode_object;
    struct { uint64_t size, collecting; } gc;
    struct { uint64_t size, gi_name, gi_iframe, gi_frame_state; } gen_object;
    struct { uint64_t next, prev; } llist_node;
    struct {
        uint64_t eval_breaker, remote_debugger_support, remote_debugging_enabled,
            debugger_pending_call, debugger_script_path, debugger_script_path_size;
    } debugger_support;
};

struct dbg_315 {
    char cookie[8];
    uint64_t version, free_threaded;
    struct { uint64_t size, finalizing, interpreters_head; } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, threads_main, gc, imports_modules,
            sysdict, builtins, ceval_gil, gil_runtime_state, gil_enabled, gil_locked,
            gil_holder, code_object_generation, tlbc_generation;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, base_frame,
            last_profiled_frame, last_profiled_frame_seq, thread_id,
            native_thread_id, datastack_chunk, status, holds_gil, gil_requested,
            current_exception, exc_state;
    } thread_state;
    struct { uint64_t exc_value; } err_stackitem;
    struct {
        uint64_t size, previous, executable, instr_ptr, localsplus, owner,
            stackpointer, tlbc_index;
    } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno,
            argcount, localsplusnames, localspluskinds, co_code_adaptive, co_tlbc;
    } code_object;
    struct { uint64_t size, ob_type; } pyobject;
    struct { uint64_t size, tp_name, tp_repr, tp_flags, tp_basicsize, tp_dictoffset; } type_object;
    struct { uint64_t size, ht_cached_keys; } heap_type_object;
    struct { uint64_t size, ob_item, ob_size; } tuple_object, list_object;
    struct { uint64_t size, used, table, mask; } set_object;
    struct { uint64_t size, ma_keys, ma_values; } dict_object;
    struct { uint64_t size, ob_fval; } float_object;
    struct { uint64_t size, lv_tag, ob_digit; } long_object;
    struct { uint64_t size, ob_size, ob_sval; } bytes_object;
    struct { uint64_t size, state, length, asciiobject_size, compactunicodeobject_size; } unicode_object;
    struct { uint64_t size, collecting, frame, generation_stats_size, generation_stats; } gc;
    struct { uint64_t size, gi_name, gi_iframe, gi_frame_state; } gen_object;
    struct { uint64_t next, prev; } llist_node;
    struct {
        uint64_t eval_breaker, remote_debugger_support, remote_debugging_enabled,
            debugger_pending_call, debugger_script_path, debugger_script_path_size;
    } debugger_support;
};

/* One layout field taken from the block: value = block[src] + add, and it
 * must lie below block[bound] (the size of the struct it indexes), or
 * below `limit` when bound is DBG_LIMIT (a struct whose size the block
 * does not publish). */
struct dbg_map {
    uint16_t dst;   /* offsetof(struct py_layout, ...) */
    uint16_t src;   /* offsetof(struct dbg_NNN, ...) */
    uint16_t bound; /* offsetof(struct dbg_NNN, ....size), or DBG_LIMIT */
    int16_t add;
    uint32_t limit;
};

#define DBG_LIMIT UINT16_MAX

#define MAP(ver, field, member, sizefield, add)                                \
    { offsetof(struct py_layout, field), offsetof(struct dbg_##ver, member),   \
      offsetof(struct dbg_##ver, sizefield), add, 0 }
#define MAPL(ver, field, member, lim, add)                                     \
    { offsetof(struct py_layout, field), offsetof(struct dbg_##ver, member),   \
      DBG_LIMIT, add, lim }

/* The fields every version since 3.13 publishes at the same names. */
#define MAP_COMMON(v)                                                                        \
    MAP(v, rt_interpreters_head, runtime_state.interpreters_head, runtime_state.size, 0),    \
    MAP(v, rt_main_thread, runtime_state.interpreters_head, runtime_state.size, 24),         \
    MAP(v, is_next, interpreter_state.next, interpreter_state.size, 0),                      \
    MAP(v, is_id, interpreter_state.id, interpreter_state.size, 0),                          \
    MAP(v, is_threads_head, interpreter_state.threads_head, interpreter_state.size, 0),      \
    MAP(v, is_gil_ptr, interpreter_state.ceval_gil, interpreter_state.size, 0),              \
    MAP(v, ts_next, thread_state.next, thread_state.size, 0),                                \
    MAP(v, ts_interp, thread_state.interp, thread_state.size, 0),                            \
    MAP(v, ts_frame, thread_state.current_frame, thread_state.size, 0),                      \
    MAP(v, ts_thread_id, thread_state.thread_id, thread_state.size, 0),                      \
    MAP(v, ts_native_thread_id, thread_state.native_thread_id, thread_state.size, 0),        \
    MAP(v, ts_datastack_chunk, thread_state.datastack_chunk, thread_state.size, 0),          \
    MAP(v, ts_datastack_top, thread_state.datastack_chunk, thread_state.size, 8),            \
    MAP(v, fr_executable, interpreter_frame.executable, interpreter_frame.size, 0),          \
    MAP(v, fr_previous, interpreter_frame.previous, interpreter_frame.size, 0),              \
    MAP(v, fr_instr, interpreter_frame.instr_ptr, interpreter_frame.size, 0),                \
    MAP(v, fr_owner, interpreter_frame.owner, interpreter_frame.size, 0),                    \
    MAP(v, co_filename, code_object.filename, code_object.size, 0),                          \
    MAP(v, co_qualname, code_object.qualname, code_object.size, 0),                          \
    MAP(v, co_linetable, code_object.linetable, code_object.size, 0),                        \
    MAP(v, co_firstlineno, code_object.firstlineno, code_object.size, 0),                    \
    MAP(v, co_firsttraceable, code_object.co_code_adaptive, code_object.size, -16),          \
    MAP(v, co_code_adaptive, code_object.co_code_adaptive, code_object.size, 0),             \
    MAP(v, ob_type, pyobject.ob_type, pyobject.size, 0),                                     \
    MAP(v, tp_name, type_object.tp_name, type_object.size, 0),                               \
    MAP(v, bytes_size, bytes_object.ob_size, bytes_object.size, 0),                          \
    MAP(v, bytes_sval, bytes_object.ob_sval, bytes_object.size, 0),                          \
    MAP(v, uni_length, unicode_object.length, unicode_object.size, 0),                       \
    MAP(v, uni_state, unicode_object.state, unicode_object.size, 0),                         \
    MAP(v, uni_ascii_size, unicode_object.asciiobject_size, unicode_object.size, 0)

static const struct dbg_map map_313[] = {
    MAP_COMMON(313),
    MAP(313, ts_curexc, thread_state.current_frame, thread_state.size, 40),
    MAP(313, ts_exc_info, thread_state.current_frame, thread_state.size, 48),
    MAP(313, ts_exc_state, thread_state.datastack_chunk, thread_state.size, 24),
    MAP(313, uni_compact_size, unicode_object.asciiobject_size, unicode_object.size, 16),
};

static const struct dbg_map map_314[] = {
    MAP_COMMON(314),
    MAP(314, is_threads_main, interpreter_state.threads_main, interpreter_state.size, 0),
    MAP(314, is_code_generation, interpreter_state.code_object_generation, interpreter_state.size, 0),
    MAP(314, ts_curexc, thread_state.current_frame, thread_state.size, 40),
    MAP(314, ts_exc_info, thread_state.current_frame, thread_state.size, 48),
    MAP(314, ts_exc_state, thread_state.datastack_chunk, thread_state.size, 24),
    MAP(314, uni_compact_size, unicode_object.asciiobject_size, unicode_object.size, 16),
};

static const struct dbg_map map_315[] = {
    MAP_COMMON(315),
    MAP(315, is_threads_main, interpreter_state.threads_main, interpreter_state.size, 0),
    MAP(315, is_code_generation, interpreter_state.code_object_generation, interpreter_state.size, 0),
    MAP(315, ts_curexc, thread_state.current_exception, thread_state.size, 0),
    MAP(315, ts_exc_info, thread_state.current_exception, thread_state.size, 8),
    MAP(315, ts_exc_state, thread_state.exc_state, thread_state.size, 0),
    MAP(315, ts_holds_gil, thread_state.holds_gil, thread_state.size, 0),
    MAP(315, ts_gil_requested, thread_state.gil_requested, thread_state.size, 0),
    MAPL(315, err_exc_value, err_stackitem.exc_value, 8, 0),
    MAP(315, uni_compact_size, unicode_object.compactunicodeobject_size, unicode_object.size, 0),
};

/* Where a version's block keeps the GIL and GC fields fix_gil_gc combines
 * (offsets into the block; gc_frame 0 when the version has none). */
struct dbg_gilgc {
    uint16_t is_size, is_gc, gil_state, gil_holder, gil_locked;
    uint16_t gc_size, gc_collecting, gc_frame;
};

#define GILGC(ver, frame)                                                              \
    { offsetof(struct dbg_##ver, interpreter_state.size),                              \
      offsetof(struct dbg_##ver, interpreter_state.gc),                                \
      offsetof(struct dbg_##ver, interpreter_state.gil_runtime_state),                 \
      offsetof(struct dbg_##ver, interpreter_state.gil_holder),                        \
      offsetof(struct dbg_##ver, interpreter_state.gil_locked),                        \
      offsetof(struct dbg_##ver, gc.size), offsetof(struct dbg_##ver, gc.collecting),  \
      frame }

struct dbg_table {
    uint32_t major_minor;
    const struct py_layout *base;
    const struct dbg_map *map;
    size_t map_len;
    size_t block_size;
    struct dbg_gilgc gilgc;
};

#define TABLE(ver, hex, frame)                                                   \
    { hex, &base_##ver, map_##ver, sizeof map_##ver / sizeof map_##ver[0],       \
      sizeof(struct dbg_##ver), GILGC(ver, frame) }

static const struct dbg_table dbg_tables[] = {
    TABLE(313, V313, 0),
    TABLE(314, V314, 0),
    TABLE(315, V315, offsetof(struct dbg_315, gc.frame)),
};

static const struct dbg_table *find_dbg(uint32_t hexversion)
{
    size_t i;
    for (i = 0; i < sizeof dbg_tables / sizeof dbg_tables[0]; i++)
        if (dbg_tables[i].major_minor == MAJMIN(hexversion))
            return &dbg_tables[i];
    return NULL;
}

int py_layout_has_debug_offsets(uint32_t hexversion)
{
    return MAJMIN(hexversion) >= V313;
}

size_t py_layout_debug_size(uint32_t hexversion)
{
    const struct dbg_table *t = find_dbg(hexversion);
    return t ? t->block_size : 0;
}

static uint64_t load_u64(const void *block, size_t off)
{
    uint64_t v;
    memcpy(&v, (const char *)block + off, sizeof v);
    return v;
}

/* The GIL fields become offsets inside the GIL struct (the interpreter's
 * ceval.gil points at it, which need not be the interpreter's own _gil);
 * the GC fields become offsets inside the interpreter. */
static int fix_gil_gc(const void *block, const struct dbg_gilgc *g, struct py_layout *out)
{
    uint64_t is_size = load_u64(block, g->is_size), state = load_u64(block, g->gil_state);
    uint64_t holder = load_u64(block, g->gil_holder), locked = load_u64(block, g->gil_locked);
    uint64_t is_gc = load_u64(block, g->is_gc), gc_size = load_u64(block, g->gc_size);
    uint64_t collecting = load_u64(block, g->gc_collecting);
    uint64_t frame = g->gc_frame ? load_u64(block, g->gc_frame) : 0;

    if (holder < state || locked < state || holder - state + 8 > PY_LAYOUT_MAX_GIL ||
        locked - state + 4 > PY_LAYOUT_MAX_GIL)
        return diag_set(ERR_CORRUPT, "implausible GIL offsets in the debug-offsets block");
    out->gil_last_holder = (uint32_t)(holder - state);
    out->gil_locked = (uint32_t)(locked - state);
    if (is_gc > (1u << 24) || gc_size > (1u << 16) || collecting + 4 > gc_size ||
        is_gc + gc_size > is_size || (g->gc_frame && frame + 8 > gc_size))
        return diag_set(ERR_CORRUPT, "implausible GC offsets in the debug-offsets block");
    out->is_gc_collecting = (uint32_t)(is_gc + collecting);
    out->is_gc_frame = g->gc_frame ? (uint32_t)(is_gc + frame) : PY_OFF_NONE;
    return 0;
}

int py_layout_from_debug(uint32_t hexversion, const void *block, size_t len,
                         struct py_layout *out)
{
    const struct dbg_table *t = find_dbg(hexversion);
    unsigned major = hexversion >> 24, minor = (hexversion >> 16) & 0xff;
    uint64_t version;
    size_t i;

    if (len < 24 || memcmp(block, "xdebugpy", 8) != 0)
        return diag_set(ERR_VERSION, "_PyRuntime does not start with the debug-offsets cookie "
                        "(Py_Version says %u.%u)", major, minor);
    version = load_u64(block, 8);
    if (MAJMIN((uint32_t)version) != MAJMIN(hexversion) || (version >> 32) != 0)
        return diag_set(ERR_VERSION, "debug offsets describe version 0x%llx but Py_Version is 0x%08x",
                        (unsigned long long)version, hexversion);
    /* free_threaded sits right after the version in every block. */
    if (load_u64(block, 16) != 0)
        return diag_set(ERR_VERSION, "Python %u.%u is a free-threaded build (Py_GIL_DISABLED, its debug "
                        "offsets say so): tachyon profiles the GIL builds of 3.11 to 3.15 only",
                        major, minor);
    if (!t)
        return diag_set(ERR_VERSION, "no layout table for Python %u.%u in this build of tachyon",
                        major, minor);
    if (len < t->block_size)
        return diag_set(ERR_CORRUPT, "debug-offsets block truncated (%zu < %zu bytes)", len, t->block_size);

    *out = *t->base;
    for (i = 0; i < t->map_len; i++) {
        const struct dbg_map *m = &t->map[i];
        uint64_t bound = m->bound == DBG_LIMIT ? m->limit : load_u64(block, m->bound);
        uint64_t raw = load_u64(block, m->src);
        int64_t v = (int64_t)raw + m->add;
        uint32_t u;
        /* Struct sizes above 16 MB or an offset outside its struct mean the
         * block is not what this table thinks it is. */
        if (bound > (1u << 24) || raw > (1u << 24) || v < 0 || (uint64_t)v >= bound)
            return diag_set(ERR_CORRUPT, "implausible debug offset %llu (struct size %llu) at block byte %u",
                            (unsigned long long)raw, (unsigned long long)bound, (unsigned)m->src);
        u = (uint32_t)v;
        memcpy((char *)out + m->dst, &u, sizeof u);
    }
    return fix_gil_gc(block, &t->gilgc, out);
}

/* sizeof(_Py_DebugOffsets) in the 3.13.18, 3.14.10 and 3.15.2 headers. */
_Static_assert(sizeof(struct dbg_313) == 584, "3.13 debug-offsets block");
_Static_assert(sizeof(struct dbg_314) == 760, "3.14 debug-offsets block");
_Static_assert(sizeof(struct dbg_315) == 888, "3.15 debug-offsets block");
