/* The decoder on synthetic CPython 3.11 and 3.12 images.
 *
 * These versions publish no debug offsets: the decoder uses the built-in
 * tables in core/python/layout.c. The images here are laid out with the
 * offsets of the real structs (written out below from offsetof() against the
 * 3.11.7 and 3.12.1 internal headers, independently of layout.c), so a wrong
 * table entry reads the wrong field and fails a check. Covered: the frame
 * reached through tstate->cframe->current_frame, prev_instr designating the
 * last executed code unit (possibly an inline cache unit: the opcode must be
 * that of the instruction owning it), the GIL embedded in _PyRuntime (3.11)
 * or reached through the interpreter (3.12), both exception fields, the
 * 3.11 is_entry flag and the 3.12 C-stack owner behind <native> frames, and
 * hostile cframe, GIL and prev_instr values. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "opcodes/opcodes.h"
#include "pyimage.h"

#define NONE_OFF 0xffffffffu
#define MAXUNITS 24
#define FRAME_BYTES 96   /* room for the specials of either version */
#define CHUNK_DATA 24    /* _PyStackChunk: previous, size, top, then data */

/* One version's struct offsets, and a piece of bytecode using it. */
struct ver {
    const char *name;
    uint32_t hex;
    /* _PyRuntimeState */
    uint32_t rt_head, rt_main, rt_gil;
    /* PyInterpreterState */
    uint32_t is_next, is_id, is_threads, is_gil_ptr, is_gc;
    /* PyThreadState and _PyCFrame */
    uint32_t ts_next, ts_interp, ts_cframe, cf_frame, ts_tid, ts_native, ts_chunk, ts_top;
    uint32_t ts_curexc, ts_exc_info, ts_exc_state;
    /* _PyInterpreterFrame */
    uint32_t fr_code, fr_prev, fr_instr, fr_owner, fr_entry;
    /* PyCodeObject */
    uint32_t co_filename, co_qualname, co_linetable, co_firstline, co_firsttrace, co_code;
    /* str */
    uint32_t uni_ascii, uni_compact;
    /* Bytecode: units (opcode | oparg << 8), and the line of each unit as
     * an offset from co_firstlineno. */
    unsigned nunits;
    uint16_t code[MAXUNITS];
    uint8_t line[MAXUNITS];
    /* Instructions of that bytecode the opcode tests aim at. */
    unsigned attr_at, attr_cache_last, call_at, call_cache_last;
    int attr_spec, attr_base, call_spec, call_base;
};

/* Opcodes of 3.11.7 and 3.12.1 (dis._all_opmap); caches as in
 * opcode._inline_cache_entries. Cache units hold LOAD_FAST bytes, so a
 * decoder that took the byte prev_instr points at would report LOAD_FAST. */
#define C(op) ((uint16_t)(op))
#define CACHE C(124)

static const struct ver v311 = {
    .name = "3.11", .hex = 0x030b07f0,
    .rt_head = 40, .rt_main = 80, .rt_gil = 360,
    .is_next = 0, .is_id = 48, .is_threads = 16, .is_gil_ptr = NONE_OFF, .is_gc = 848,
    .ts_next = 8, .ts_interp = 16, .ts_cframe = 56, .cf_frame = 8, .ts_tid = 152, .ts_native = 160,
    .ts_chunk = 296, .ts_top = 304, .ts_curexc = 96, .ts_exc_info = 120, .ts_exc_state = 320,
    .fr_code = 32, .fr_prev = 48, .fr_instr = 56, .fr_owner = 69, .fr_entry = 68,
    .co_filename = 112, .co_qualname = 128, .co_linetable = 136, .co_firstline = 72,
    .co_firsttrace = 168, .co_code = 184,
    .uni_ascii = 48, .uni_compact = 72,
    /* RESUME; LOAD_FAST; LOAD_ATTR_INSTANCE_VALUE + 4; PRECALL + 1;
     * CALL_PY_EXACT_ARGS + 4; POP_TOP; RETURN_VALUE. */
    .nunits = 16,
    .code = { C(151), C(124), C(40), CACHE, CACHE, CACHE, CACHE, C(166), CACHE,
              C(23), CACHE, CACHE, CACHE, CACHE, C(1), C(83) },
    .line = { 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3 },
    .attr_at = 2, .attr_cache_last = 6, .call_at = 9, .call_cache_last = 13,
    .attr_spec = 40, .attr_base = 106, .call_spec = 23, .call_base = 171,
};

static const struct ver v312 = {
    .name = "3.12", .hex = 0x030c01f0,
    .rt_head = 40, .rt_main = 64, .rt_gil = NONE_OFF,
    .is_next = 0, .is_id = 8, .is_threads = 72, .is_gil_ptr = 384, .is_gc = 312,
    .ts_next = 8, .ts_interp = 16, .ts_cframe = 56, .cf_frame = 0, .ts_tid = 136, .ts_native = 144,
    .ts_chunk = 232, .ts_top = 240, .ts_curexc = 96, .ts_exc_info = 104, .ts_exc_state = 256,
    .fr_code = 0, .fr_prev = 8, .fr_instr = 56, .fr_owner = 70, .fr_entry = NONE_OFF,
    .co_filename = 112, .co_qualname = 128, .co_linetable = 136, .co_firstline = 68,
    .co_firsttrace = 176, .co_code = 192,
    .uni_ascii = 40, .uni_compact = 56,
    /* RESUME; LOAD_FAST; LOAD_ATTR_INSTANCE_VALUE + 9; CALL_PY_EXACT_ARGS
     * + 3; POP_TOP; RETURN_CONST. */
    .nunits = 18,
    .code = { C(151), C(124), C(73), CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE,
              C(23), CACHE, CACHE, CACHE, C(1), C(121) },
    .line = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3 },
    .attr_at = 2, .attr_cache_last = 11, .call_at = 12, .call_cache_last = 15,
    .attr_spec = 73, .attr_base = 106, .call_spec = 23, .call_base = 171,
};

/* Offsets shared by both versions. */
enum {
    OB_TYPE_ = 8, OB_SIZE_ = 16, TP_NAME_ = 24, UNI_LENGTH_ = 16, UNI_STATE_ = 32, BY_SVAL_ = 32,
    GIL_HOLDER_ = 8, GIL_LOCKED_ = 16, ERR_PREVIOUS_ = 8,
    OWNER_THREAD = 0, OWNER_GENERATOR = 1, OWNER_CSTACK = 3,
    RT_BYTES = 1024, IS_BYTES = 4096, TS_BYTES = 512,
};

/* --- objects ---------------------------------------------------------------- */

static const struct ver *V;

static uint64_t type_named(const char *name)
{
    size_t n = strlen(name) + 1;
    uint64_t t = pyimg_alloc(416), s = pyimg_alloc(n);
    memcpy(pyimg_at(s), name, n);
    pyimg_put64(t + TP_NAME_, s);
    return t;
}

static uint64_t t_str, t_bytes, t_code;

/* A compact str of one-byte units; ascii says whether it is ASCII-only,
 * which moves its data from the end of PyASCIIObject to the end of
 * PyCompactUnicodeObject. The 3.11 "ready" bit (7) is set as CPython does. */
static uint64_t str_of(const char *units, int ascii)
{
    size_t n = strlen(units), hdr = ascii ? V->uni_ascii : V->uni_compact;
    uint64_t s = pyimg_alloc(hdr + n + 1);
    pyimg_put64(s + OB_TYPE_, t_str);
    pyimg_put64(s + UNI_LENGTH_, n);
    pyimg_put32(s + UNI_STATE_, (1u << 2) | (1u << 5) | ((unsigned)ascii << 6) | (1u << 7));
    memcpy(pyimg_at(s + hdr), units, n);
    return s;
}

/* Line-only entries (form 13), one per run of units on the same line, at
 * most 8 units each. */
static uint64_t linetable(void)
{
    uint8_t tab[2 * MAXUNITS];
    size_t n = 0;
    unsigned u = 0, prev = 0;
    uint64_t b;

    while (u < V->nunits) {
        unsigned run = 1;
        while (u + run < V->nunits && run < 8 && V->line[u + run] == V->line[u])
            run++;
        tab[n++] = (uint8_t)(0x80 | (13 << 3) | (run - 1));
        tab[n++] = (uint8_t)((V->line[u] - prev) << 1);
        prev = V->line[u];
        u += run;
    }
    b = pyimg_alloc(BY_SVAL_ + n + 1);
    pyimg_put64(b + OB_TYPE_, t_bytes);
    pyimg_put64(b + OB_SIZE_, n);
    memcpy(pyimg_at(b + BY_SVAL_), tab, n);
    return b;
}

static uint64_t code_obj(uint64_t filename, uint64_t qualname, int firstline)
{
    uint64_t c = pyimg_alloc(V->co_code + 2 * MAXUNITS);
    pyimg_put64(c + OB_TYPE_, t_code);
    pyimg_put64(c + OB_SIZE_, V->nunits);
    pyimg_put64(c + V->co_filename, filename);
    pyimg_put64(c + V->co_qualname, qualname);
    pyimg_put64(c + V->co_linetable, linetable());
    pyimg_put32(c + V->co_firstline, (uint32_t)firstline);
    pyimg_put32(c + V->co_firsttrace, 0);
    memcpy(pyimg_at(c + V->co_code), V->code, 2 * V->nunits);
    return c;
}

static uint64_t instr_at(uint64_t code, int unit)
{
    return code + V->co_code + (uint64_t)(2 * (int64_t)unit);
}

static void frame_at(uint64_t f, uint64_t code, int unit, uint64_t prev, uint8_t owner, int entry)
{
    pyimg_put64(f + V->fr_code, code);
    pyimg_put64(f + V->fr_instr, instr_at(code, unit));
    pyimg_put64(f + V->fr_prev, prev);
    pyimg_at(f)[V->fr_owner] = owner;
    if (V->fr_entry != NONE_OFF)
        pyimg_at(f)[V->fr_entry] = (uint8_t)entry;
}

/* --- the image -------------------------------------------------------------- */

/* Main thread (ident 0x1111, native 1001), innermost first:
 *   leaf (chunk) | C | gen (heap, generator) -> caller (chunk) -> root (chunk) | C
 * where "| C" is C code calling the frame to its left: the is_entry flag of
 * that frame in 3.11, a C-stack entry frame (owner 3, in the heap, with a
 * code pointer that is not a code object) in 3.12.
 * Second thread (0x2222, native 1002): one frame of caller, in a chunk of its
 * own. Thread 1 holds the GIL; nobody collects; no exception (exc_info
 * points at each thread's own item, None for thread 1, NULL for thread 2). */
struct image {
    struct pyimg_proc p;
    uint64_t cf1, cf2, cf_spare;
    uint64_t chunk1, chunk2;
    uint64_t f_leaf, f_gen, f_caller, f_root, f_t2, e_leaf, e_root;
    uint64_t code_leaf, code_gen, code_caller, code_root;
    uint64_t gil, gil_other, none, exc;
};

static struct image im;

static void thread_state(uint64_t ts, uint64_t cf, uint64_t top, uint64_t chunk, uint64_t last,
                         uint64_t tid, uint64_t native)
{
    pyimg_put64(ts + V->ts_interp, im.p.interp);
    pyimg_put64(ts + V->ts_cframe, cf);
    pyimg_put64(cf + V->cf_frame, top);
    pyimg_put64(ts + V->ts_tid, tid);
    pyimg_put64(ts + V->ts_native, native);
    pyimg_put64(ts + V->ts_chunk, chunk);
    pyimg_put64(ts + V->ts_top, last + FRAME_BYTES);
    pyimg_put64(ts + V->ts_exc_info, ts + V->ts_exc_state);
}

static void build(const struct ver *v)
{
    uint64_t filename, chunk_size = 8192;
    int c_stack = v->fr_entry == NONE_OFF;

    V = v;
    pyimg_reset();
    memset(&im, 0, sizeof im);
    t_str = type_named("str");
    t_bytes = type_named("bytes");
    t_code = type_named("code");
    im.none = pyimg_alloc(32);
    pyimg_put64(im.none + OB_TYPE_, type_named("NoneType"));
    im.exc = pyimg_alloc(64);
    pyimg_put64(im.exc + OB_TYPE_, type_named("ValueError"));

    filename = str_of("/src/legacy.py", 1);
    im.code_leaf = code_obj(filename, str_of("Leaf.run", 1), 10);
    im.code_gen = code_obj(filename, str_of("g\xe9n\xe9r\xe9", 0), 20);
    im.code_caller = code_obj(filename, str_of("caller", 1), 30);
    im.code_root = code_obj(filename, str_of("<module>", 1), 1);

    /* Frames: leaf at the CALL's last cache unit (a call in progress),
     * others at instruction starts. */
    im.chunk1 = pyimg_alloc(chunk_size);
    pyimg_put64(im.chunk1 + 8, chunk_size);
    im.f_root = im.chunk1 + CHUNK_DATA;
    im.f_caller = im.f_root + FRAME_BYTES;
    im.f_leaf = im.f_caller + FRAME_BYTES;
    im.f_gen = pyimg_alloc(FRAME_BYTES);
    im.e_leaf = c_stack ? pyimg_alloc(FRAME_BYTES) : 0;
    im.e_root = c_stack ? pyimg_alloc(FRAME_BYTES) : 0;
    frame_at(im.f_leaf, im.code_leaf, (int)v->call_cache_last, c_stack ? im.e_leaf : im.f_gen, OWNER_THREAD,
             !c_stack);
    frame_at(im.f_gen, im.code_gen, (int)v->attr_at, im.f_caller, OWNER_GENERATOR, 0);
    frame_at(im.f_caller, im.code_caller, (int)v->call_at, im.f_root, OWNER_THREAD, 0);
    frame_at(im.f_root, im.code_root, 1, c_stack ? im.e_root : 0, OWNER_THREAD, !c_stack);
    if (c_stack) {
        /* The entry frames carry no code object: a str where the code
         * pointer goes, and a prev_instr pointing nowhere. */
        pyimg_put64(im.e_leaf + V->fr_code, filename);
        pyimg_put64(im.e_leaf + V->fr_instr, PYIMG_UNMAPPED);
        pyimg_put64(im.e_leaf + V->fr_prev, im.f_gen);
        pyimg_at(im.e_leaf)[V->fr_owner] = OWNER_CSTACK;
        pyimg_put64(im.e_root + V->fr_code, filename);
        pyimg_put64(im.e_root + V->fr_instr, PYIMG_UNMAPPED);
        pyimg_at(im.e_root)[V->fr_owner] = OWNER_CSTACK;
    }

    im.p.runtime = pyimg_alloc(RT_BYTES);
    im.p.version = pyimg_alloc(8);
    pyimg_put32(im.p.version, v->hex);
    im.p.interp = pyimg_alloc(IS_BYTES);
    im.p.t1 = pyimg_alloc(TS_BYTES);
    im.p.t2 = pyimg_alloc(TS_BYTES);
    im.cf1 = pyimg_alloc(32);
    im.cf2 = pyimg_alloc(32);
    im.cf_spare = pyimg_alloc(32);
    pyimg_put64(im.p.runtime + v->rt_head, im.p.interp);
    pyimg_put64(im.p.runtime + v->rt_main, 0x1111);
    pyimg_put64(im.p.interp + v->is_id, 0);
    pyimg_put64(im.p.interp + v->is_threads, im.p.t1);
    pyimg_put64(im.p.t1 + v->ts_next, im.p.t2);
    thread_state(im.p.t1, im.cf1, im.f_leaf, im.chunk1, im.f_leaf, 0x1111, 1001);
    pyimg_put64(im.p.t1 + v->ts_exc_state, im.none);

    im.chunk2 = pyimg_alloc(4096);
    pyimg_put64(im.chunk2 + 8, 4096);
    im.f_t2 = im.chunk2 + CHUNK_DATA;
    frame_at(im.f_t2, im.code_caller, 1, 0, OWNER_THREAD, !c_stack);
    if (c_stack)
        pyimg_put64(im.f_t2 + V->fr_prev, im.e_root);
    thread_state(im.p.t2, im.cf2, im.f_t2, im.chunk2, im.f_t2, 0x2222, 1002);

    /* The GIL: in the runtime (3.11) or in a struct the interpreter points
     * at (3.12). */
    if (v->rt_gil != NONE_OFF) {
        im.gil = im.p.runtime + v->rt_gil;
    } else {
        im.gil = pyimg_alloc(128);
        pyimg_put64(im.p.interp + v->is_gil_ptr, im.gil);
        /* Another GIL struct the pointer may move to, held by thread 2. */
        im.gil_other = pyimg_alloc(128);
        pyimg_put32(im.gil_other + GIL_LOCKED_, 1);
        pyimg_put64(im.gil_other + GIL_HOLDER_, im.p.t2);
    }
    pyimg_put32(im.gil + GIL_LOCKED_, 1);
    pyimg_put64(im.gil + GIL_HOLDER_, im.p.t1);
}

/* --- running the decoder -------------------------------------------------- */

static struct pyimg_result res;

static int env_open(struct pyimg_env *e)
{
    int rc = pyimg_open(e, &im.p);
    if (rc < 0)
        check_fail(__FILE__, __LINE__, "%s: open failed: %s", V->name, diag_message());
    return rc;
}

static int run(struct pyimg_env *e)
{
    return pyimg_sample(e, &res);
}

/* The stack of thread i by function names, "a,b,c", for one readable
 * comparison per stack. */
static const char *names(struct pyimg_env *e, unsigned i)
{
    static char buf[512];
    size_t n = 0;
    uint32_t k;

    buf[0] = '\0';
    if (i >= res.n)
        return "(no thread)";
    for (k = 0; k < res.th[i].depth; k++) {
        const char *s = pyimg_name_of(e, res.th[i].frames[k]);
        size_t len = s ? strlen(s) : 6;
        if (n + len + 2 >= sizeof buf)
            break;
        memcpy(buf + n, s ? s : "(null)", len);
        n += len;
        buf[n++] = ',';
    }
    if (n)
        n--;
    buf[n] = '\0';
    return buf;
}

#define STATUS_BITS (TACHYON_THREAD_HAS_GIL | TACHYON_THREAD_HAS_EXCEPTION | TACHYON_THREAD_IN_GC | \
                     TACHYON_THREAD_MAIN | TACHYON_THREAD_ON_CPU | TACHYON_THREAD_UNKNOWN)

static void synth_write(struct pyimg_env *e, uint64_t a, size_t n)
{
    CHECK_INT(mem_synth_poke(e->r, a, pyimg_at(a), n), 0);
}

/* Bytes one sample reads once nothing changes (the read-ahead). */
static uint64_t steady_bytes(struct pyimg_env *e)
{
    uint64_t before;
    CHECK_INT(run(e), 0);
    CHECK_INT(run(e), 0);
    before = e->r->bytes;
    CHECK_INT(run(e), 0);
    return e->r->bytes - before;
}

/* --- tests ---------------------------------------------------------------- */

static const struct ver *const versions[] = { &v311, &v312 };
#define FOR_VERSIONS(v) for (size_t vi_ = 0; vi_ < 2 && ((v) = versions[vi_]) != NULL; vi_++)

/* Whole stacks, names, lines, thread idents; <native> only when asked for,
 * only between Python frames; a steady-state sample is one readv. */
static void test_stacks(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;
        const tachyon_frame *f;
        uint64_t calls;

        build(v);
        if (env_open(&e) < 0)
            goto next;
        CHECK_STR(py_target_version(e.t), v == &v311 ? "3.11.7" : "3.12.1");
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.n, 1);
        CHECK_INT(res.th[0].tid, 0x1111);
        CHECK_INT(res.th[0].native, 1001);
        CHECK(res.th[0].status & TACHYON_THREAD_MAIN);
        CHECK_STR(names(&e, 0), "Leaf.run,g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");
        if (res.th[0].depth == 4) {
            /* leaf: inside the CALL (its last cache unit), line 10 + 2;
             * gen: at LOAD_ATTR, 20 + 1; caller: at CALL, 30 + 2; root: unit 1. */
            CHECK_INT(pyimg_line_of(&e, res.th[0].frames[0]), 12);
            CHECK_INT(pyimg_line_of(&e, res.th[0].frames[1]), 21);
            CHECK_INT(pyimg_line_of(&e, res.th[0].frames[2]), 32);
            CHECK_INT(pyimg_line_of(&e, res.th[0].frames[3]), 2);
            f = pyimg_frame_of(&e, res.th[0].frames[0]);
            CHECK_STR(f ? pyimg_str_of(&e, f->filename) : NULL, "/src/legacy.py");
            CHECK(f && f->kind == TACHYON_FRAME_PYTHON && f->opcode == TACHYON_NO_OPCODE);
        }

        e.o.all_threads = 1;
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.n, 2);
        CHECK_INT(res.th[1].tid, 0x2222);
        CHECK_INT(res.th[1].native, 1002);
        CHECK_INT(res.th[1].status & TACHYON_THREAD_MAIN, 0);
        CHECK_STR(names(&e, 1), "caller");
        CHECK_INT(res.th[1].depth ? pyimg_line_of(&e, res.th[1].frames[0]) : 0, 31);

        /* C between leaf and gen, and below root and t2's only frame:
         * one <native>, never at either end. */
        e.o.native = 1;
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "Leaf.run,<native>,g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");
        CHECK_STR(names(&e, 1), "caller");
        f = res.th[0].depth > 1 ? pyimg_frame_of(&e, res.th[0].frames[1]) : NULL;
        CHECK(f && f->kind == TACHYON_FRAME_NATIVE);

        /* The cframe, the chunk and the frames outside it are read ahead. */
        CHECK_INT(run(&e), 0);
        calls = e.r->calls;
        CHECK_INT(run(&e), 0);
        CHECK_INT(e.r->calls - calls, 1);
        CHECK_INT(res.th[0].depth, 5);
        e.o.native = 0;
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "Leaf.run,g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");
        pyimg_close(&e);
    next:;
    }
}

/* The current frame hangs off tstate->cframe: a new current frame and a
 * new cframe are both seen, read ahead or not; hostile cframe pointers fail
 * the sample cleanly, and sampling recovers once they are fixed. */
static void test_cframe(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;

        build(v);
        if (env_open(&e) < 0)
            goto next;
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].depth, 4);
        pyimg_poke64(&e, im.cf1 + v->cf_frame, im.f_caller);
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "caller,<module>");
        /* A call from C pushed a new _PyCFrame whose frame is the leaf. */
        pyimg_poke64(&e, im.cf_spare + v->cf_frame, im.f_leaf);
        pyimg_poke64(&e, im.p.t1 + v->ts_cframe, im.cf_spare);
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "Leaf.run,g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");

        pyimg_poke64(&e, im.p.t1 + v->ts_cframe, PYIMG_UNMAPPED);
        CHECK_INT(run(&e), ERR_READ);
        pyimg_poke64(&e, im.p.t1 + v->ts_cframe, im.cf1 + 4);
        CHECK_INT(run(&e), ERR_CORRUPT);
        CHECK(diag_message()[0] != '\0');
        pyimg_poke64(&e, im.p.t1 + v->ts_cframe, 0);
        CHECK_INT(run(&e), ERR_CORRUPT);
        /* A cframe whose current frame is unmapped or unaligned. */
        pyimg_poke64(&e, im.p.t1 + v->ts_cframe, im.cf1);
        pyimg_poke64(&e, im.cf1 + v->cf_frame, PYIMG_UNMAPPED);
        CHECK_INT(run(&e), ERR_READ);
        pyimg_poke64(&e, im.cf1 + v->cf_frame, im.f_leaf + 2);
        CHECK_INT(run(&e), ERR_CORRUPT);
        /* No frame: the thread runs no Python code. */
        pyimg_poke64(&e, im.cf1 + v->cf_frame, 0);
        CHECK_INT(run(&e), ERR_NOTREADY);
        pyimg_poke64(&e, im.cf1 + v->cf_frame, im.f_leaf);
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].depth, 4);
        pyimg_close(&e);
    next:;
    }
}

/* The GIL holder gets HAS_GIL; a collection while it holds the GIL gives
 * IN_GC and a <GC> frame; garbage GIL state gives no bit or a clean error. */
static void test_gil(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;

        build(v);
        if (env_open(&e) < 0)
            goto next;
        e.o.all_threads = 1;
        e.o.thread_status = 1;
        e.o.gc = 1;
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.n, 2);
        CHECK_INT(res.th[0].status & STATUS_BITS,
                  TACHYON_THREAD_MAIN | TACHYON_THREAD_HAS_GIL | TACHYON_THREAD_UNKNOWN);
        CHECK_INT(res.th[1].status & STATUS_BITS, TACHYON_THREAD_UNKNOWN);

        pyimg_poke64(&e, im.gil + GIL_HOLDER_, im.p.t2);
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
        CHECK(res.th[1].status & TACHYON_THREAD_HAS_GIL);

        pyimg_poke32(&e, im.p.interp + v->is_gc, 1);
        CHECK_INT(run(&e), 0);
        CHECK(res.th[1].status & TACHYON_THREAD_IN_GC);
        CHECK_INT(res.th[0].status & TACHYON_THREAD_IN_GC, 0);
        CHECK_STR(names(&e, 1), "<GC>,caller");
        pyimg_poke32(&e, im.p.interp + v->is_gc, 0);

        /* Released, never initialised (-1), a holder that is no thread. */
        pyimg_poke32(&e, im.gil + GIL_LOCKED_, 0);
        CHECK_INT(run(&e), 0);
        CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);
        pyimg_poke32(&e, im.gil + GIL_LOCKED_, 0xffffffffu);
        CHECK_INT(run(&e), 0);
        CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);
        pyimg_poke32(&e, im.gil + GIL_LOCKED_, 1);
        pyimg_poke64(&e, im.gil + GIL_HOLDER_, 0xdeadbeefcafef00dull);
        CHECK_INT(run(&e), 0);
        CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);
        pyimg_poke64(&e, im.gil + GIL_HOLDER_, im.p.t1);
        CHECK_INT(run(&e), 0);
        CHECK(res.th[0].status & TACHYON_THREAD_HAS_GIL);

        if (v->is_gil_ptr != NONE_OFF) {
            /* 3.12: the interpreter's pointer moves to another struct; then
             * garbage: unaligned is unknown, unmapped fails the sample. */
            pyimg_poke64(&e, im.p.interp + v->is_gil_ptr, im.gil_other);
            CHECK_INT(run(&e), 0);
            CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
            CHECK(res.th[1].status & TACHYON_THREAD_HAS_GIL);
            pyimg_poke64(&e, im.p.interp + v->is_gil_ptr, im.gil + 3);
            CHECK_INT(run(&e), 0);
            CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);
            pyimg_poke64(&e, im.p.interp + v->is_gil_ptr, PYIMG_UNMAPPED);
            CHECK_INT(run(&e), ERR_READ);
            pyimg_poke64(&e, im.p.interp + v->is_gil_ptr, 0);
            CHECK_INT(run(&e), 0);
            CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);
            pyimg_poke64(&e, im.p.interp + v->is_gil_ptr, im.gil);
            CHECK_INT(run(&e), 0);
            CHECK(res.th[0].status & TACHYON_THREAD_HAS_GIL);
        }
        pyimg_close(&e);
    next:;
    }
}

/* A propagating exception (curexc_type in 3.11, current_exception in 3.12)
 * and a handled one (exc_info's item, or one further down the chain) give
 * HAS_EXCEPTION; None and NULL do not; a broken chain fails cleanly. */
static void test_exceptions(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;
        uint64_t item, bytes_on, bytes_off;

        build(v);
        item = pyimg_alloc(16);
        if (env_open(&e) < 0)
            goto next;
        e.o.all_threads = 1;
        e.o.thread_status = 1;
        CHECK_INT(run(&e), 0);
        CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_EXCEPTION, 0);
        /* Each thread's own item (tstate->exc_state) comes with the thread
         * state: status adds the GC flag and GIL reads in steady state, not
         * the 2 x 16 bytes of reading both items again. */
        bytes_on = steady_bytes(&e);
        e.o.thread_status = 0;
        bytes_off = steady_bytes(&e);
        e.o.thread_status = 1;
        CHECK(bytes_on > bytes_off && bytes_on - bytes_off < 32);

        /* Propagating through thread 2. */
        pyimg_poke64(&e, im.p.t2 + v->ts_curexc, im.exc);
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
        CHECK(res.th[1].status & TACHYON_THREAD_HAS_EXCEPTION);
        pyimg_poke64(&e, im.p.t2 + v->ts_curexc, 0);

        /* Handled by thread 1, in its own item. */
        pyimg_poke64(&e, im.p.t1 + v->ts_exc_state, im.exc);
        CHECK_INT(run(&e), 0);
        CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);
        CHECK_INT(res.th[1].status & TACHYON_THREAD_HAS_EXCEPTION, 0);

        /* A generator's item (nothing handled there) on top of it. */
        pyimg_put64(item, 0);
        pyimg_put64(item + ERR_PREVIOUS_, im.p.t1 + v->ts_exc_state);
        synth_write(&e, item, 16);
        pyimg_poke64(&e, im.p.t1 + v->ts_exc_info, item);
        CHECK_INT(run(&e), 0);
        CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);
        pyimg_poke64(&e, im.p.t1 + v->ts_exc_state, im.none);
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);

        /* Hostile: a chain into unmapped memory, a loop, a misaligned top. */
        pyimg_poke64(&e, item + ERR_PREVIOUS_, PYIMG_UNMAPPED);
        CHECK_INT(run(&e), ERR_READ);
        pyimg_poke64(&e, item + ERR_PREVIOUS_, item);
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
        pyimg_poke64(&e, im.p.t1 + v->ts_exc_info, item + 4);
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
        pyimg_close(&e);
    next:;
    }
}

/* With opcodes on, prev_instr in an inline cache unit gives the owning
 * (specialized) instruction and its base; a de-specialized instruction is
 * seen on the next sample; a frame still at unit -1 is hidden. */
static void test_opcodes(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;
        const tachyon_frame *f;
        struct opcode_info info;
        int unused;

        build(v);
        /* The fixture itself: the opcodes named are those of this version. */
        CHECK(opcode_lookup(v->hex, v->call_spec, &info) == 0 && strcmp(info.name, "CALL_PY_EXACT_ARGS") == 0);
        CHECK(opcode_lookup(v->hex, v->attr_spec, &info) == 0 &&
              strcmp(info.name, "LOAD_ATTR_INSTANCE_VALUE") == 0);
        if (env_open(&e) < 0)
            goto next;
        e.o.opcodes = 1;
        CHECK_INT(run(&e), 0);
        CHECK_INT(res.th[0].depth, 4);
        f = res.th[0].depth == 4 ? pyimg_frame_of(&e, res.th[0].frames[0]) : NULL;
        CHECK(f && f->opcode == v->call_spec && f->base_opcode == v->call_base);
        CHECK_STR(f ? pyimg_str_of(&e, f->opcode_name) : NULL, "CALL_PY_EXACT_ARGS");
        CHECK_STR(f ? pyimg_str_of(&e, f->base_opcode_name) : NULL, "CALL");
        CHECK_INT(f ? f->line : 0, 12);
        f = res.th[0].depth == 4 ? pyimg_frame_of(&e, res.th[0].frames[1]) : NULL;
        CHECK(f && f->opcode == v->attr_spec && f->base_opcode == v->attr_base);
        f = res.th[0].depth == 4 ? pyimg_frame_of(&e, res.th[0].frames[3]) : NULL;
        CHECK_STR(f ? pyimg_str_of(&e, f->opcode_name) : NULL, "LOAD_FAST");

        /* Inside LOAD_ATTR's cache: every cache unit maps to it. */
        pyimg_poke64(&e, im.f_leaf + v->fr_instr, instr_at(im.code_leaf, (int)v->attr_cache_last));
        CHECK_INT(run(&e), 0);
        f = res.th[0].depth ? pyimg_frame_of(&e, res.th[0].frames[0]) : NULL;
        CHECK(f && f->opcode == v->attr_spec && f->base_opcode == v->attr_base && f->line == 11);
        pyimg_poke64(&e, im.f_leaf + v->fr_instr, instr_at(im.code_leaf, (int)v->attr_at + 1));
        CHECK_INT(run(&e), 0);
        f = res.th[0].depth ? pyimg_frame_of(&e, res.th[0].frames[0]) : NULL;
        CHECK(f && f->opcode == v->attr_spec);

        /* De-specialized in place: the same unit now shows CALL. */
        pyimg_poke64(&e, im.f_leaf + v->fr_instr, instr_at(im.code_leaf, (int)v->call_cache_last));
        pyimg_poke8(&e, instr_at(im.code_leaf, (int)v->call_at), (uint8_t)v->call_base);
        CHECK_INT(run(&e), 0);
        f = res.th[0].depth ? pyimg_frame_of(&e, res.th[0].frames[0]) : NULL;
        CHECK(f && f->opcode == v->call_base && f->base_opcode == v->call_base);
        /* The caller's frame runs another code object, still specialized. */
        f = res.th[0].depth == 4 ? pyimg_frame_of(&e, res.th[0].frames[2]) : NULL;
        CHECK(f && f->opcode == v->call_spec);

        /* A frame being set up (prev_instr one unit before the code) is not
         * shown; the rest of the stack is. */
        pyimg_poke64(&e, im.f_leaf + v->fr_instr, instr_at(im.code_leaf, -1));
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");

        /* An opcode no instruction has, before a unit whose instruction
         * start is not known yet (starts found once stay cached, as sizes
         * never change): a clean error. */
        for (unused = 0; unused < 256 && opcode_lookup(v->hex, unused, &info) == 0; unused++)
            ;
        CHECK(unused < 256);
        pyimg_poke64(&e, im.f_leaf + v->fr_instr, instr_at(im.code_leaf, (int)v->nunits - 1));
        pyimg_poke8(&e, instr_at(im.code_leaf, 1), (uint8_t)unused);
        CHECK_INT(run(&e), ERR_CORRUPT);
        pyimg_poke8(&e, instr_at(im.code_leaf, 1), 124);
        CHECK_INT(run(&e), 0);
        pyimg_close(&e);
    next:;
    }
}

/* prev_instr outside its code object, or between code units: a clean
 * error with opcodes on or off. */
static void test_bad_prev_instr(void)
{
    static const int64_t bad[] = { 16 * 2 + 0x100000, -4, 1, -0x100000 };
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;
        size_t k;
        int opc;

        build(v);
        if (env_open(&e) < 0)
            goto next;
        for (opc = 0; opc < 2; opc++) {
            e.o.opcodes = opc;
            /* One past the last unit, then the bad offsets above. */
            pyimg_poke64(&e, im.f_leaf + v->fr_instr, instr_at(im.code_leaf, (int)v->nunits));
            CHECK_INT(run(&e), ERR_CORRUPT);
            for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
                pyimg_poke64(&e, im.f_leaf + v->fr_instr, im.code_leaf + v->co_code + (uint64_t)bad[k]);
                CHECK_INT(run(&e), ERR_CORRUPT);
            }
            pyimg_poke64(&e, im.f_leaf + v->fr_instr, 0);
            CHECK_INT(run(&e), ERR_CORRUPT);
            pyimg_poke64(&e, im.f_leaf + v->fr_instr, instr_at(im.code_leaf, (int)v->nunits - 1));
            CHECK_INT(run(&e), 0);
            CHECK_INT(res.th[0].depth, 4);
        }
        pyimg_close(&e);
    next:;
    }
}

/* The entry markers are read where the version keeps them: the 3.11
 * is_entry byte (not the owner next to it), the 3.12 owner 3. */
static void test_entry_markers(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;

        build(v);
        if (env_open(&e) < 0)
            goto next;
        e.o.native = 1;
        if (v->fr_entry != NONE_OFF) {
            /* C between caller and root as well, none above gen any more. */
            pyimg_poke8(&e, im.f_leaf + v->fr_entry, 0);
            pyimg_poke8(&e, im.f_caller + v->fr_entry, 1);
        } else {
            pyimg_poke64(&e, im.f_leaf + v->fr_prev, im.f_gen);
            pyimg_poke64(&e, im.e_leaf + v->fr_prev, im.f_root);
            pyimg_poke64(&e, im.f_caller + v->fr_prev, im.e_leaf);
        }
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "Leaf.run,g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<native>,<module>");
        e.o.native = 0;
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "Leaf.run,g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");
        pyimg_close(&e);
    next:;
    }
}

/* Frames before _co_firsttraceable (a prologue such as RETURN_GENERATOR,
 * POP_TOP) are hidden unless they belong to a generator, whose owner byte
 * says so. */
static void test_first_traceable(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;

        build(v);
        if (env_open(&e) < 0)
            goto next;
        pyimg_poke32(&e, im.code_leaf + v->co_firsttrace, v->call_cache_last + 1);
        pyimg_poke32(&e, im.code_gen + v->co_firsttrace, v->attr_at + 1);
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");
        pyimg_poke32(&e, im.code_leaf + v->co_firsttrace, v->call_cache_last);
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "Leaf.run,g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");
        /* Just past the end (shim code without a RESUME, as 3.14's
         * __init__ cleanup shim): never traceable, so hidden. */
        pyimg_poke32(&e, im.code_leaf + v->co_firsttrace, v->nunits + 1);
        CHECK_INT(run(&e), 0);
        CHECK_STR(names(&e, 0), "g\xc3\xa9n\xc3\xa9r\xc3\xa9,caller,<module>");
        /* Far more than the code holds: a corrupt code object. */
        pyimg_poke32(&e, im.code_leaf + v->co_firsttrace, v->nunits + 100);
        CHECK_INT(run(&e), ERR_CORRUPT);
        pyimg_close(&e);
    next:;
    }
}

static int interp_of(void *ctx, const struct py_thread_sample *s)
{
    *(uint32_t *)ctx = s->interpreter_id;
    return 0;
}

/* The interpreter id comes from the interpreter state. */
static void test_interpreter_id(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        struct pyimg_env e;
        uint32_t id = 0;

        build(v);
        pyimg_put64(im.p.interp + v->is_id, 7);
        if (env_open(&e) < 0)
            goto next;
        CHECK_INT(py_target_sample(e.t, &e.o, interp_of, &id), 0);
        CHECK_INT(id, 7);
        pyimg_close(&e);
    next:;
    }
}

/* Calls of the first sample on a fresh target. */
static uint64_t cold_calls(void)
{
    struct pyimg_env e;
    uint64_t calls = 0, before;

    if (env_open(&e) == 0) {
        before = e.r->calls;
        CHECK_INT(run(&e), 0);
        calls = e.r->calls - before;
    }
    pyimg_close(&e);
    return calls;
}

/* The frames in the current data-stack chunk come with one read of the
 * chunk (tstate->datastack_chunk up to datastack_top): with the top moved
 * down to the chunk's start, the main thread's three chunk frames cost a
 * read each. */
static void test_chunk_copy(void)
{
    const struct ver *v;
    FOR_VERSIONS(v) {
        uint64_t whole, empty;

        build(v);
        whole = cold_calls();
        build(v);
        pyimg_put64(im.p.t1 + v->ts_top, im.chunk1 + CHUNK_DATA);
        empty = cold_calls();
        CHECK_INT(empty - whole, 3);
    }
}

int main(void)
{
    RUN(test_stacks);
    RUN(test_cframe);
    RUN(test_gil);
    RUN(test_exceptions);
    RUN(test_opcodes);
    RUN(test_bad_prev_instr);
    RUN(test_entry_markers);
    RUN(test_first_traceable);
    RUN(test_interpreter_id);
    RUN(test_chunk_copy);
    pyimg_free();
    return check_summary();
}
