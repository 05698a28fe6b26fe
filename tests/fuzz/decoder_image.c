/* Valid synthetic images for the decoder fuzzer.
 *
 * 3.13 comes from tests/harness/pyimage, whose offsets are published in a
 * debug block. 3.11 and 3.12 publish nothing, so their images are laid out
 * here from the decoder's own built-in table (py_layout_builtin): the point
 * is to reach the built-in paths with a structure that samples cleanly,
 * which the fuzzer then corrupts. */
#include "decoder_image.h"

#include <stdlib.h>
#include <string.h>

#include "python/layout.h"

/* Two entries of 8 units each: a long form with columns (line
 * firstline + 1), then one without columns (line firstline + 3). */
static const uint8_t table16[] = { 0x80 | (14 << 3) | 7, 2, 0, 5, 21, 0x80 | (13 << 3) | 7, 4 };

#define B_FRAME 128  /* frame stride: past every 3.11/3.12 frame field */
#define B_OBJ 512    /* generous size for runtime-side structs */

static void build_313(struct pyimg_proc *p)
{
    uint64_t fn, leaf, caller, root, chunk, f_root, f_caller, f_leaf, f_entry, none;

    none = pyimg_alloc(32);
    pyimg_put64(none + OB_TYPE, pyimg_type("NoneType"));
    fn = pyimg_ascii("/src/fuzz.py");
    leaf = pyimg_code(fn, pyimg_ascii("leaf"), 10, table16, sizeof table16);
    caller = pyimg_code(fn, pyimg_ascii("Caller.method"), 20, table16, sizeof table16);
    root = pyimg_code(fn, pyimg_ascii("<module>"), 1, table16, sizeof table16);
    chunk = pyimg_chunk(4096);
    f_root = chunk + CHUNK_HDR;
    f_caller = f_root + FR_SIZE;
    f_leaf = f_caller + FR_SIZE;
    f_entry = pyimg_alloc(FR_SIZE);
    pyimg_frame(f_leaf, leaf, 4, f_entry, 0);
    pyimg_entry_frame(f_entry, f_caller);
    pyimg_frame(f_caller, caller, 6, f_root, 0);
    pyimg_frame(f_root, root, 2, 0, 0);
    pyimg_process(p, f_leaf, chunk, caller);
    pyimg_put64(p->interp + IS_GIL_PTR, p->interp + IS_GIL);
    pyimg_put32(p->interp + IS_GIL + GIL_LOCKED, 1);
    pyimg_put64(p->interp + IS_GIL + GIL_HOLDER, p->t1);
    pyimg_put64(p->t1 + TS_EXC_INFO, p->t1 + TS_EXC_STATE);
    pyimg_put64(p->t1 + TS_EXC_STATE, none);
    pyimg_put64(p->t2 + TS_EXC_INFO, p->t2 + TS_EXC_STATE);
}

/* --- 3.11 and 3.12 from the built-in table -------------------------------- */

static uint64_t b_type(const struct py_layout *L, const char *name)
{
    size_t n = strlen(name) + 1;
    uint64_t t = pyimg_alloc(B_OBJ), s = pyimg_alloc(n);
    memcpy(pyimg_at(s), name, n);
    pyimg_put64(t + L->tp_name, s);
    return t;
}

static uint64_t b_ascii(const struct py_layout *L, uint64_t str_type, const char *text)
{
    size_t n = strlen(text);
    uint64_t s = pyimg_alloc(L->uni_ascii_size + n + 1);
    pyimg_put64(s + L->ob_type, str_type);
    pyimg_put64(s + L->uni_length, n);
    pyimg_put32(s + L->uni_state, (1u << L->uni_kind_shift) | (1u << L->uni_compact_bit) | (1u << L->uni_ascii_bit));
    memcpy(pyimg_at(s + L->uni_ascii_size), text, n);
    return s;
}

struct b_types {
    uint64_t code, str, bytes;
};

static uint64_t b_code(const struct py_layout *L, const struct b_types *ty, uint64_t filename,
                       const char *qualname, int firstline)
{
    uint64_t c = pyimg_alloc(L->co_code_adaptive + NUNITS * 2);
    uint64_t b = pyimg_alloc(L->bytes_sval + sizeof table16 + 1);

    pyimg_put64(b + L->ob_type, ty->bytes);
    pyimg_put64(b + L->bytes_size, sizeof table16);
    memcpy(pyimg_at(b + L->bytes_sval), table16, sizeof table16);
    pyimg_put64(c + L->ob_type, ty->code);
    pyimg_put64(c + L->co_size, NUNITS);
    pyimg_put64(c + L->co_filename, filename);
    pyimg_put64(c + L->co_qualname, b_ascii(L, ty->str, qualname));
    pyimg_put64(c + L->co_linetable, b);
    pyimg_put32(c + L->co_firstlineno, (uint32_t)firstline);
    pyimg_put32(c + L->co_firsttraceable, 0);
    return c;
}

static void b_frame(const struct py_layout *L, uint64_t f, uint64_t code, int unit, uint64_t prev,
                    uint8_t owner)
{
    pyimg_put64(f + L->fr_executable, code);
    pyimg_put64(f + L->fr_instr, code + L->co_code_adaptive + 2 * (uint64_t)unit);
    pyimg_put64(f + L->fr_previous, prev);
    pyimg_at(f)[L->fr_owner] = owner;
}

/* A thread state whose cframe (its own small block) points at top, the
 * last frame of chunk. */
static void b_thread(const struct py_layout *L, uint64_t ts, uint64_t interp, uint64_t top,
                     uint64_t chunk, uint64_t tid, uint64_t native)
{
    uint64_t cframe = pyimg_alloc(64);

    pyimg_put64(cframe + L->ts_cframe_frame, top);
    pyimg_put64(ts + L->ts_interp, interp);
    pyimg_put64(ts + L->ts_frame, cframe);
    pyimg_put64(ts + L->ts_thread_id, tid);
    pyimg_put64(ts + L->ts_native_thread_id, native);
    pyimg_put64(ts + L->ts_datastack_chunk, chunk);
    pyimg_put64(ts + L->ts_datastack_top, top + B_FRAME);
    pyimg_put64(ts + L->ts_exc_info, ts + L->ts_exc_state);
}

static uint64_t b_chunk(const struct py_layout *L, size_t size)
{
    uint64_t c = pyimg_alloc(size);
    pyimg_put64(c + L->chunk_size, size);
    return c;
}

static void build_builtin(uint32_t hex, struct pyimg_proc *p)
{
    struct py_layout Lb;
    const struct py_layout *L = &Lb;
    struct b_types ty;
    uint64_t fn, leaf, caller, root, chunk, f_root, f_caller, f_leaf, f_entry = 0, none, gil;

    if (py_layout_builtin(hex, &Lb) < 0)
        abort();
    ty.code = b_type(L, "code");
    ty.str = b_type(L, "str");
    ty.bytes = b_type(L, "bytes");
    none = pyimg_alloc(32);
    pyimg_put64(none + L->ob_type, b_type(L, "NoneType"));
    fn = b_ascii(L, ty.str, "/src/fuzz.py");
    leaf = b_code(L, &ty, fn, "leaf", 10);
    caller = b_code(L, &ty, fn, "Caller.method", 20);
    root = b_code(L, &ty, fn, "<module>", 1);

    p->runtime = pyimg_alloc(1024);
    p->version = pyimg_alloc(8);
    pyimg_put32(p->version, hex);
    p->interp = pyimg_alloc(4096);
    p->t1 = pyimg_alloc(B_OBJ);
    p->t2 = pyimg_alloc(B_OBJ);
    pyimg_put64(p->runtime + L->rt_interpreters_head, p->interp);
    pyimg_put64(p->runtime + L->rt_main_thread, 0x1111);
    pyimg_put64(p->interp + L->is_threads_head, p->t1);
    pyimg_put64(p->t1 + L->ts_next, p->t2);

    chunk = b_chunk(L, 4096);
    f_root = chunk + L->chunk_data;
    f_caller = f_root + B_FRAME;
    f_leaf = f_caller + B_FRAME;
    b_frame(L, f_root, root, 2, 0, 0);
    if (L->fr_owner_cstack != PY_OFF_NONE) {
        /* 3.12: C calls into Python through an entry frame on the C stack. */
        f_entry = pyimg_alloc(B_FRAME);
        pyimg_put64(f_entry + L->fr_previous, f_caller);
        pyimg_at(f_entry)[L->fr_owner] = (uint8_t)L->fr_owner_cstack;
        b_frame(L, f_leaf, leaf, 4, f_entry, 0);
    } else {
        /* 3.11: the first frame of a C-to-Python call carries a flag. */
        b_frame(L, f_leaf, leaf, 4, f_caller, 0);
        pyimg_at(f_leaf)[L->fr_is_entry] = 1;
    }
    b_frame(L, f_caller, caller, 6, f_root, 0);
    b_thread(L, p->t1, p->interp, f_leaf, chunk, 0x1111, 1001);
    pyimg_put64(p->t1 + L->ts_exc_state + L->err_exc_value, none);

    p->chunk2 = b_chunk(L, 4096);
    p->g0 = p->chunk2 + L->chunk_data;
    b_frame(L, p->g0, caller, 0, 0, 0);
    b_thread(L, p->t2, p->interp, p->g0, p->chunk2, 0x2222, 1002);

    gil = L->rt_gil != PY_OFF_NONE ? p->runtime + L->rt_gil : pyimg_alloc(256);
    if (L->is_gil_ptr != PY_OFF_NONE)
        pyimg_put64(p->interp + L->is_gil_ptr, gil);
    pyimg_put32(gil + L->gil_locked, 1);
    pyimg_put64(gil + L->gil_last_holder, p->t1);
}

void decoder_image_build(enum decoder_image_kind kind, struct pyimg_proc *p)
{
    memset(p, 0, sizeof *p);
    pyimg_reset();
    if (kind == DECODER_IMAGE_311)
        build_builtin(0x030b07f0u, p);
    else if (kind == DECODER_IMAGE_312)
        build_builtin(0x030c01f0u, p);
    else
        build_313(p);
}
