/* Layout tables for each supported CPython version.
 *
 * 3.11 and 3.12 publish no offsets, so their tables were measured with
 * offsetof()/sizeof() against the internal headers installed with those
 * interpreters (release builds: no Py_DEBUG, no Py_TRACE_REFS, which would
 * move every field) and checked against the live interpreters here.
 *
 * 3.13 starts _PyRuntime with _Py_DebugOffsets. Every offset the block
 * publishes is taken from the target; the few it does not publish are
 * derived from a published neighbour, because the fields sit next to each
 * other in the struct (the relation holds in 3.11 to 3.13):
 *   _PyRuntime.main_thread     = interpreters_head + 24 (head, main, next_id)
 *   tstate.datastack_top       = datastack_chunk + 8
 *   code._co_firsttraceable    = co_code_adaptive - 16 (int, pad, co_extra)
 *   code ob_size               = 16 (PyObject_VAR_HEAD)
 *   sizeof(PyCompactUnicodeObject) = asciiobject_size + 16 (utf8_length, utf8)
 *   tstate.current_exception   = current_frame + 40 (c_profilefunc, c_tracefunc,
 *                                c_profileobj, c_traceobj in between)
 *   tstate.exc_info            = current_frame + 48
 *   tstate.exc_state           = datastack_chunk + 24 (top, limit in between)
 * The GIL and GC fields are published; the offsets inside the GIL struct
 * and the gc flag's offset in the interpreter are differences and sums of
 * published values (see fix_313).
 * A 3.14 or 3.15 table is another struct dbg_NNN plus a map like dbg_313. */
#include "layout.h"

#include <string.h>

#include "../common/err.h"

#define MAJMIN(h) ((h) & 0xffff0000u)
#define V311 0x030b0000u
#define V312 0x030c0000u
#define V313 0x030d0000u

/* Owner value 3 (FRAME_OWNED_BY_CSTACK) marks the entry frames the
 * interpreter pushes on the C stack in 3.12 and 3.13; they carry no user
 * code and upstream tools skip them. 3.11 has no such owner. */
static const struct py_layout layout_311 = {
    .hexversion_major_minor = V311,
    .rt_interpreters_head = 40, .rt_main_thread = 80,
    .is_next = 0, .is_id = 48, .is_threads_head = 16, .is_threads_main = PY_OFF_NONE,
    .ts_next = 8, .ts_interp = 16, .ts_frame = 56, .ts_cframe_frame = 8,
    .ts_thread_id = 152, .ts_native_thread_id = 160,
    .ts_datastack_chunk = 296, .ts_datastack_top = 304,
    .chunk_previous = 0, .chunk_size = 8, .chunk_top = 16, .chunk_data = 24,
    .fr_executable = 32, .fr_previous = 48, .fr_instr = 56, .fr_owner = 69,
    .fr_owner_thread = 0, .fr_owner_generator = 1,
    .fr_owner_skip_mask = 0, .fr_executable_tag_mask = 0,
    .fr_owner_cstack = PY_OFF_NONE, .fr_is_entry = 68,
    .rt_gil = 360, .is_gil_ptr = PY_OFF_NONE, .gil_last_holder = 8, .gil_locked = 16,
    .is_gc_collecting = 848, .ts_curexc = 96, .ts_exc_info = 120, .ts_exc_state = 320,
    .err_exc_value = 0, .err_previous = 8,
    .co_size = 16, .co_filename = 112, .co_qualname = 128, .co_linetable = 136,
    .co_firstlineno = 72, .co_firsttraceable = 168, .co_code_adaptive = 184,
    .ob_type = 8, .tp_name = 24, .bytes_size = 16, .bytes_sval = 32,
    .uni_length = 16, .uni_state = 32, .uni_ascii_size = 48, .uni_compact_size = 72,
    .uni_kind_shift = 2, .uni_kind_mask = 7, .uni_compact_bit = 5, .uni_ascii_bit = 6,
    .main_mode = PY_MAIN_BY_RUNTIME_IDENT, .instr_mode = PY_INSTR_PREV,
};

static const struct py_layout layout_312 = {
    .hexversion_major_minor = V312,
    .rt_interpreters_head = 40, .rt_main_thread = 64,
    .is_next = 0, .is_id = 8, .is_threads_head = 72, .is_threads_main = PY_OFF_NONE,
    .ts_next = 8, .ts_interp = 16, .ts_frame = 56, .ts_cframe_frame = 0,
    .ts_thread_id = 136, .ts_native_thread_id = 144,
    .ts_datastack_chunk = 232, .ts_datastack_top = 240,
    .chunk_previous = 0, .chunk_size = 8, .chunk_top = 16, .chunk_data = 24,
    .fr_executable = 0, .fr_previous = 8, .fr_instr = 56, .fr_owner = 70,
    .fr_owner_thread = 0, .fr_owner_generator = 1,
    .fr_owner_skip_mask = 1u << 3, .fr_executable_tag_mask = 0,
    .fr_owner_cstack = 3, .fr_is_entry = PY_OFF_NONE,
    .rt_gil = PY_OFF_NONE, .is_gil_ptr = 384, .gil_last_holder = 8, .gil_locked = 16,
    .is_gc_collecting = 312, .ts_curexc = 96, .ts_exc_info = 104, .ts_exc_state = 256,
    .err_exc_value = 0, .err_previous = 8,
    .co_size = 16, .co_filename = 112, .co_qualname = 128, .co_linetable = 136,
    .co_firstlineno = 68, .co_firsttraceable = 176, .co_code_adaptive = 192,
    .ob_type = 8, .tp_name = 24, .bytes_size = 16, .bytes_sval = 32,
    .uni_length = 16, .uni_state = 32, .uni_ascii_size = 40, .uni_compact_size = 56,
    .uni_kind_shift = 2, .uni_kind_mask = 7, .uni_compact_bit = 5, .uni_ascii_bit = 6,
    .main_mode = PY_MAIN_BY_RUNTIME_IDENT, .instr_mode = PY_INSTR_PREV,
};

/* The facts 3.13 does not publish; the mapped fields below overwrite the
 * rest. */
static const struct py_layout base_313 = {
    .hexversion_major_minor = V313,
    .is_threads_main = PY_OFF_NONE, .ts_cframe_frame = PY_OFF_NONE,
    .chunk_previous = 0, .chunk_size = 8, .chunk_top = 16, .chunk_data = 24,
    .fr_owner_thread = 0, .fr_owner_generator = 1,
    .fr_owner_skip_mask = 1u << 3, .fr_executable_tag_mask = 0,
    .fr_owner_cstack = 3, .fr_is_entry = PY_OFF_NONE,
    .rt_gil = PY_OFF_NONE, .err_exc_value = 0, .err_previous = 8,
    .co_size = 16,
    .uni_kind_shift = 2, .uni_kind_mask = 7, .uni_compact_bit = 5, .uni_ascii_bit = 6,
    .main_mode = PY_MAIN_BY_RUNTIME_IDENT, .instr_mode = PY_INSTR_CURRENT,
};

/* The 3.13 _Py_DebugOffsets block, field for field (all uint64_t). */
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

/* One layout field taken from the block: value = block[src] + add, and it
 * must lie below block[bound] (the size of the struct it indexes). */
struct dbg_map {
    uint16_t dst;   /* offsetof(struct py_layout, ...) */
    uint16_t src;   /* offsetof(struct dbg_NNN, ...) */
    uint16_t bound; /* offsetof(struct dbg_NNN, ....size) */
    int16_t add;
};

#define M313(field, member, sizefield, add)                                    \
    { offsetof(struct py_layout, field), offsetof(struct dbg_313, member),     \
      offsetof(struct dbg_313, sizefield), add }

static const struct dbg_map map_313[] = {
    M313(rt_interpreters_head, runtime_state.interpreters_head, runtime_state.size, 0),
    M313(rt_main_thread, runtime_state.interpreters_head, runtime_state.size, 24),
    M313(is_next, interpreter_state.next, interpreter_state.size, 0),
    M313(is_id, interpreter_state.id, interpreter_state.size, 0),
    M313(is_threads_head, interpreter_state.threads_head, interpreter_state.size, 0),
    M313(ts_next, thread_state.next, thread_state.size, 0),
    M313(ts_interp, thread_state.interp, thread_state.size, 0),
    M313(ts_frame, thread_state.current_frame, thread_state.size, 0),
    M313(ts_thread_id, thread_state.thread_id, thread_state.size, 0),
    M313(ts_native_thread_id, thread_state.native_thread_id, thread_state.size, 0),
    M313(ts_datastack_chunk, thread_state.datastack_chunk, thread_state.size, 0),
    M313(ts_datastack_top, thread_state.datastack_chunk, thread_state.size, 8),
    M313(ts_curexc, thread_state.current_frame, thread_state.size, 40),
    M313(ts_exc_info, thread_state.current_frame, thread_state.size, 48),
    M313(ts_exc_state, thread_state.datastack_chunk, thread_state.size, 24),
    M313(is_gil_ptr, interpreter_state.ceval_gil, interpreter_state.size, 0),
    M313(fr_executable, interpreter_frame.executable, interpreter_frame.size, 0),
    M313(fr_previous, interpreter_frame.previous, interpreter_frame.size, 0),
    M313(fr_instr, interpreter_frame.instr_ptr, interpreter_frame.size, 0),
    M313(fr_owner, interpreter_frame.owner, interpreter_frame.size, 0),
    M313(co_filename, code_object.filename, code_object.size, 0),
    M313(co_qualname, code_object.qualname, code_object.size, 0),
    M313(co_linetable, code_object.linetable, code_object.size, 0),
    M313(co_firstlineno, code_object.firstlineno, code_object.size, 0),
    M313(co_firsttraceable, code_object.co_code_adaptive, code_object.size, -16),
    M313(co_code_adaptive, code_object.co_code_adaptive, code_object.size, 0),
    M313(ob_type, pyobject.ob_type, pyobject.size, 0),
    M313(tp_name, type_object.tp_name, type_object.size, 0),
    M313(bytes_size, bytes_object.ob_size, bytes_object.size, 0),
    M313(bytes_sval, bytes_object.ob_sval, bytes_object.size, 0),
    M313(uni_length, unicode_object.length, unicode_object.size, 0),
    M313(uni_state, unicode_object.state, unicode_object.size, 0),
    M313(uni_ascii_size, unicode_object.asciiobject_size, unicode_object.size, 0),
    M313(uni_compact_size, unicode_object.asciiobject_size, unicode_object.size, 16),
};

/* Fields that are a difference or a sum of published offsets. */
static int fix_313(const void *block, struct py_layout *out)
{
    const struct dbg_313 *d = block;
    struct dbg_313 b;
    uint64_t gc;

    memcpy(&b, d, sizeof b);
    if (b.interpreter_state.gil_holder < b.interpreter_state.gil_runtime_state ||
        b.interpreter_state.gil_locked < b.interpreter_state.gil_runtime_state ||
        b.interpreter_state.gil_holder - b.interpreter_state.gil_runtime_state + 8 > PY_LAYOUT_MAX_GIL ||
        b.interpreter_state.gil_locked - b.interpreter_state.gil_runtime_state + 4 > PY_LAYOUT_MAX_GIL)
        return diag_set(ERR_CORRUPT, "implausible GIL offsets in the debug-offsets block");
    out->gil_last_holder = (uint32_t)(b.interpreter_state.gil_holder - b.interpreter_state.gil_runtime_state);
    out->gil_locked = (uint32_t)(b.interpreter_state.gil_locked - b.interpreter_state.gil_runtime_state);
    gc = b.interpreter_state.gc + b.gc.collecting;
    if (b.interpreter_state.gc > (1u << 24) || b.gc.collecting >= b.gc.size || b.gc.size > (1u << 16) ||
        gc + 4 > b.interpreter_state.size)
        return diag_set(ERR_CORRUPT, "implausible GC offsets in the debug-offsets block");
    out->is_gc_collecting = (uint32_t)gc;
    return 0;
}

struct dbg_table {
    uint32_t major_minor;
    const struct py_layout *base;
    const struct dbg_map *map;
    size_t map_len;
    size_t block_size;
    size_t free_threaded_off;
    int (*fix)(const void *block, struct py_layout *out);
};

static const struct dbg_table dbg_tables[] = {
    { V313, &base_313, map_313, sizeof map_313 / sizeof map_313[0],
      sizeof(struct dbg_313), offsetof(struct dbg_313, free_threaded), fix_313 },
};

static const struct dbg_table *find_dbg(uint32_t hexversion)
{
    size_t i;
    for (i = 0; i < sizeof dbg_tables / sizeof dbg_tables[0]; i++)
        if (dbg_tables[i].major_minor == MAJMIN(hexversion))
            return &dbg_tables[i];
    return NULL;
}

int py_layout_builtin(uint32_t hexversion, struct py_layout *out)
{
    if (MAJMIN(hexversion) == V311)
        *out = layout_311;
    else if (MAJMIN(hexversion) == V312)
        *out = layout_312;
    else
        return ERR_VERSION;
    return 0;
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

int py_layout_from_debug(uint32_t hexversion, const void *block, size_t len,
                         struct py_layout *out)
{
    const struct dbg_table *t = find_dbg(hexversion);
    uint64_t version;
    size_t i;

    if (len < 16 || memcmp(block, "xdebugpy", 8) != 0)
        return diag_set(ERR_VERSION, "_PyRuntime does not start with the debug-offsets cookie "
                        "(Py_Version says %u.%u)", hexversion >> 24, (hexversion >> 16) & 0xff);
    version = load_u64(block, 8);
    if (MAJMIN((uint32_t)version) != MAJMIN(hexversion) || (version >> 32) != 0)
        return diag_set(ERR_VERSION, "debug offsets describe version 0x%llx but Py_Version is 0x%08x",
                        (unsigned long long)version, hexversion);
    if (!t)
        return diag_set(ERR_VERSION, "no layout table for Python %u.%u in this build of tachyon",
                        hexversion >> 24, (hexversion >> 16) & 0xff);
    if (len < t->block_size)
        return diag_set(ERR_CORRUPT, "debug-offsets block truncated (%zu < %zu bytes)", len, t->block_size);
    if (load_u64(block, t->free_threaded_off) != 0)
        return diag_set(ERR_VERSION, "free-threaded Python %u.%u builds are not supported yet",
                        hexversion >> 24, (hexversion >> 16) & 0xff);

    *out = *t->base;
    for (i = 0; i < t->map_len; i++) {
        const struct dbg_map *m = &t->map[i];
        uint64_t bound = load_u64(block, m->bound);
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
    return t->fix ? t->fix(block, out) : 0;
}

void py_layout_span(const uint32_t *offs, size_t n, uint32_t *lo, uint32_t *hi)
{
    uint32_t l = UINT32_MAX, h = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        if (offs[i] == PY_OFF_NONE)
            continue;
        if (offs[i] < l)
            l = offs[i];
        if (offs[i] + 8 > h)
            h = offs[i] + 8;
    }
    if (l == UINT32_MAX)
        l = 0;
    *lo = l;
    *hi = h;
}

#define FITS(off, width, limit) ((off) != PY_OFF_NONE && (uint64_t)(off) + (width) <= (limit))

int py_layout_validate(const struct py_layout *L)
{
    const char *bad = NULL;

    if (!FITS(L->ts_next, 8, PY_LAYOUT_MAX_TSTATE) || !FITS(L->ts_interp, 8, PY_LAYOUT_MAX_TSTATE) ||
        !FITS(L->ts_frame, 8, PY_LAYOUT_MAX_TSTATE) || !FITS(L->ts_thread_id, 8, PY_LAYOUT_MAX_TSTATE) ||
        !FITS(L->ts_native_thread_id, 8, PY_LAYOUT_MAX_TSTATE) ||
        !FITS(L->ts_datastack_chunk, 8, PY_LAYOUT_MAX_TSTATE) ||
        !FITS(L->ts_datastack_top, 8, PY_LAYOUT_MAX_TSTATE))
        bad = "thread state";
    else if (L->ts_cframe_frame != PY_OFF_NONE && !FITS(L->ts_cframe_frame, 8, PY_LAYOUT_MAX_HEADER))
        bad = "cframe";
    else if (!FITS(L->fr_executable, 8, PY_LAYOUT_MAX_FRAME) || !FITS(L->fr_previous, 8, PY_LAYOUT_MAX_FRAME) ||
             !FITS(L->fr_instr, 8, PY_LAYOUT_MAX_FRAME) || !FITS(L->fr_owner, 1, PY_LAYOUT_MAX_FRAME))
        bad = "interpreter frame";
    else if (!FITS(L->co_size, 8, PY_LAYOUT_MAX_CODE) || !FITS(L->co_filename, 8, PY_LAYOUT_MAX_CODE) ||
             !FITS(L->co_qualname, 8, PY_LAYOUT_MAX_CODE) || !FITS(L->co_linetable, 8, PY_LAYOUT_MAX_CODE) ||
             !FITS(L->co_firstlineno, 4, PY_LAYOUT_MAX_CODE) ||
             !FITS(L->co_firsttraceable, 4, PY_LAYOUT_MAX_CODE) ||
             !FITS(L->co_code_adaptive, 0, PY_LAYOUT_MAX_CODE) || !FITS(L->ob_type, 8, PY_LAYOUT_MAX_CODE))
        bad = "code object";
    else if (!FITS(L->chunk_previous, 8, L->chunk_data) || !FITS(L->chunk_size, 8, L->chunk_data) ||
             !FITS(L->chunk_top, 8, L->chunk_data) || L->chunk_data > PY_LAYOUT_MAX_HEADER)
        bad = "data stack chunk";
    else if (L->uni_ascii_size > PY_LAYOUT_MAX_HEADER || !FITS(L->ob_type, 8, L->uni_ascii_size) ||
             !FITS(L->uni_state, 4, L->uni_ascii_size) || !FITS(L->uni_length, 8, L->uni_ascii_size) ||
             L->uni_compact_size < L->uni_ascii_size || L->uni_kind_shift > 29 ||
             L->uni_compact_bit > 31 || L->uni_ascii_bit > 31)
        bad = "str";
    else if (L->bytes_sval > PY_LAYOUT_MAX_HEADER || !FITS(L->ob_type, 8, L->bytes_sval) ||
             !FITS(L->bytes_size, 8, L->bytes_sval))
        bad = "bytes";
    else if (!FITS(L->tp_name, 8, PY_LAYOUT_MAX_HEADER))
        bad = "type";
    else if ((L->rt_gil == PY_OFF_NONE) == (L->is_gil_ptr == PY_OFF_NONE) ||
             (L->rt_gil != PY_OFF_NONE && !FITS(L->rt_gil, PY_LAYOUT_MAX_GIL, PY_LAYOUT_MAX_HEADER * 4)) ||
             (L->is_gil_ptr != PY_OFF_NONE && !FITS(L->is_gil_ptr, 8, PY_LAYOUT_MAX_INTERP)) ||
             !FITS(L->gil_last_holder, 8, PY_LAYOUT_MAX_GIL) || !FITS(L->gil_locked, 4, PY_LAYOUT_MAX_GIL) ||
             !FITS(L->is_gc_collecting, 4, PY_LAYOUT_MAX_INTERP))
        bad = "GIL or GC";
    else if (!FITS(L->ts_curexc, 8, PY_LAYOUT_MAX_TSTATE) || !FITS(L->ts_exc_info, 8, PY_LAYOUT_MAX_TSTATE) ||
             !FITS(L->ts_exc_state, 16, PY_LAYOUT_MAX_TSTATE) || !FITS(L->err_exc_value, 8, 16) ||
             !FITS(L->err_previous, 8, 16))
        bad = "exception state";
    else if (L->fr_is_entry != PY_OFF_NONE && !FITS(L->fr_is_entry, 1, PY_LAYOUT_MAX_FRAME))
        bad = "entry frame";
    if (bad)
        return diag_set(ERR_CORRUPT, "inconsistent %s layout for Python %u.%u", bad,
                        L->hexversion_major_minor >> 24, (L->hexversion_major_minor >> 16) & 0xff);
    return 0;
}
