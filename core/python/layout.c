/* Layout tables for each supported CPython version.
 *
 * 3.11 and 3.12 publish no offsets, so their tables were measured with
 * offsetof()/sizeof() against the internal headers installed with those
 * interpreters (release builds: no Py_DEBUG, no Py_TRACE_REFS, which would
 * move every field) and checked against the live interpreters here.
 *
 * From 3.13 on the layout comes from the target's _Py_DebugOffsets block:
 * see layout_debug.c. */
#include "layout.h"

#include <string.h>

#include "../common/err.h"

#define MAJMIN(h) ((h) & 0xffff0000u)
#define V311 0x030b0000u
#define V312 0x030c0000u

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
    .is_gc_collecting = 848, .is_gc_frame = PY_OFF_NONE,
    .ts_holds_gil = PY_OFF_NONE, .ts_gil_requested = PY_OFF_NONE, .is_code_generation = PY_OFF_NONE, .ts_curexc = 96, .ts_exc_info = 120, .ts_exc_state = 320,
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
    .is_gc_collecting = 312, .is_gc_frame = PY_OFF_NONE,
    .ts_holds_gil = PY_OFF_NONE, .ts_gil_requested = PY_OFF_NONE, .is_code_generation = PY_OFF_NONE, .ts_curexc = 96, .ts_exc_info = 104, .ts_exc_state = 256,
    .err_exc_value = 0, .err_previous = 8,
    .co_size = 16, .co_filename = 112, .co_qualname = 128, .co_linetable = 136,
    .co_firstlineno = 68, .co_firsttraceable = 176, .co_code_adaptive = 192,
    .ob_type = 8, .tp_name = 24, .bytes_size = 16, .bytes_sval = 32,
    .uni_length = 16, .uni_state = 32, .uni_ascii_size = 40, .uni_compact_size = 56,
    .uni_kind_shift = 2, .uni_kind_mask = 7, .uni_compact_bit = 5, .uni_ascii_bit = 6,
    .main_mode = PY_MAIN_BY_RUNTIME_IDENT, .instr_mode = PY_INSTR_PREV,
};

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
    else if ((L->is_gc_frame != PY_OFF_NONE && !FITS(L->is_gc_frame, 8, PY_LAYOUT_MAX_INTERP)) ||
             (L->ts_holds_gil != PY_OFF_NONE && !FITS(L->ts_holds_gil, 4, PY_LAYOUT_MAX_TSTATE)) ||
             (L->ts_gil_requested != PY_OFF_NONE && !FITS(L->ts_gil_requested, 4, PY_LAYOUT_MAX_TSTATE)) ||
             (L->is_code_generation != PY_OFF_NONE && !FITS(L->is_code_generation, 8, PY_LAYOUT_MAX_INTERP)))
        bad = "GC frame or per-thread GIL";
    if (bad)
        return diag_set(ERR_CORRUPT, "inconsistent %s layout for Python %u.%u", bad,
                        L->hexversion_major_minor >> 24, (L->hexversion_major_minor >> 16) & 0xff);
    return 0;
}
