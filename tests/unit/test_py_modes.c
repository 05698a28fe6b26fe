/* The decoder's mode paths on synthetic memory: a small 3.13 image (from a
 * _Py_DebugOffsets block built here, offsets unlike the real ones) with a
 * GIL, a GC state, exception state and bytecode, checked for the status
 * bits, <GC> and <native> frames and opcodes, then made hostile: unaligned
 * or unmapped GIL and exception pointers, exception chains that loop,
 * opcodes that do not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "intern/intern.h"
#include "mem/reader.h"
#include "opcodes/opcodes.h"
#include "python/python.h"

#define HEX313 0x030d00f0u

enum {
    RT_SIZE = 1024, RT_HEAD = 640, RT_MAIN = RT_HEAD + 24,
    IS_SIZE = 4096, IS_ID = 16, IS_NEXT = 8, IS_THREADS = 320, IS_GIL_PTR = 400,
    IS_GIL = 1000, GIL_HOLDER = 8, GIL_LOCKED = 16, IS_GC = 2000, GC_SIZE = 256, GC_COLLECTING = 200,
    TS_SIZE = 512, TS_NEXT = 8, TS_INTERP = 24, TS_FRAME = 64, TS_CUREXC = TS_FRAME + 40,
    TS_EXC_INFO = TS_FRAME + 48, TS_TID = 152, TS_NATIVE = 160, TS_CHUNK = 200, TS_TOP = TS_CHUNK + 8,
    TS_EXC_STATE = TS_CHUNK + 24,
    FR_SIZE = 96, FR_PREV = 8, FR_EXEC = 24, FR_INSTR = 40, FR_LOCALS = 64, FR_OWNER = 58,
    CO_SIZE = 256, CO_NSIZE = 16, CO_FILENAME = 120, CO_NAME = 128, CO_QUALNAME = 136, CO_LINETABLE = 144,
    CO_FIRSTLINE = 60, CO_CODE = 224, CO_FIRSTTRACE = CO_CODE - 16,
    OB_TYPE = 8, TP_NAME = 24, BY_SIZE = 16, BY_SVAL = 32,
    UNI_SIZE = 72, UNI_STATE = 32, UNI_LENGTH = 16, UNI_ASCII = 40,
    CHUNK_HDR = 24, NUNITS = 16,
};

#define BASE 0x10000000ull
#define ARENA (1u << 20)
#define UNMAPPED 0x7a000000ull

static uint8_t *arena;
static size_t used;

static uint64_t alloc(size_t n)
{
    uint64_t a = BASE + used;
    used += (n + 15) & ~(size_t)15;
    if (used > ARENA)
        abort();
    return a;
}

static uint8_t *at(uint64_t a) { return arena + (a - BASE); }
static void put64(uint64_t a, uint64_t v) { memcpy(at(a), &v, 8); }
static void put32(uint64_t a, uint32_t v) { memcpy(at(a), &v, 4); }

static uint64_t type_code, type_str, type_bytes;

static uint64_t make_type(const char *name)
{
    uint64_t t = alloc(400), s = alloc(strlen(name) + 1);
    memcpy(at(s), name, strlen(name) + 1);
    put64(t + TP_NAME, s);
    return t;
}

static uint64_t make_ascii(const char *text)
{
    size_t n = strlen(text);
    uint64_t s = alloc(UNI_ASCII + n + 1);
    put64(s + OB_TYPE, type_str);
    put64(s + UNI_LENGTH, n);
    put32(s + UNI_STATE, (1u << 2) | (1u << 5) | (1u << 6));
    memcpy(at(s + UNI_ASCII), text, n);
    return s;
}

/* One line-table entry covering all 16 units: line firstline + 1. */
static const uint8_t table16[] = { 0x80 | (13 << 3) | (NUNITS - 1), 2 };

static uint64_t make_code(const char *qualname)
{
    uint64_t c = alloc(CO_CODE + NUNITS * 2), lt = alloc(BY_SVAL + sizeof table16 + 1);
    put64(lt + OB_TYPE, type_bytes);
    put64(lt + BY_SIZE, sizeof table16);
    memcpy(at(lt + BY_SVAL), table16, sizeof table16);
    put64(c + OB_TYPE, type_code);
    put64(c + CO_NSIZE, NUNITS);
    put64(c + CO_FILENAME, make_ascii("/src/modes.py"));
    put64(c + CO_QUALNAME, make_ascii(qualname));
    put64(c + CO_NAME, c + CO_QUALNAME);
    put64(c + CO_LINETABLE, lt);
    put32(c + CO_FIRSTLINE, 10);
    put32(c + CO_FIRSTTRACE, 0);
    return c;
}

static void set_frame(uint64_t f, uint64_t code, int unit, uint64_t prev, uint8_t owner)
{
    put64(f + FR_EXEC, code);
    put64(f + FR_INSTR, code + CO_CODE + 2 * (uint64_t)unit);
    put64(f + FR_PREV, prev);
    at(f)[FR_OWNER] = owner;
}

struct image {
    uint64_t runtime, version, interp, t1, t2, chunk, chunk2;
    uint64_t f_leaf, f_entry, f_caller, f_root, g0;
    uint64_t code_leaf, code_caller, code_root;
    uint64_t none, exc, gen_item;
};

static struct image im;

static void fill_debug(uint64_t *d)
{
    memset(d, 0, 73 * 8);
    memcpy(d, "xdebugpy", 8);
    d[1] = HEX313;
    d[3] = RT_SIZE; d[5] = RT_HEAD;
    d[6] = IS_SIZE; d[7] = IS_ID; d[8] = IS_NEXT; d[9] = IS_THREADS; d[10] = IS_GC;
    d[14] = IS_GIL_PTR; d[15] = IS_GIL; d[17] = IS_GIL + GIL_LOCKED; d[18] = IS_GIL + GIL_HOLDER;
    d[19] = TS_SIZE; d[21] = TS_NEXT; d[22] = TS_INTERP; d[23] = TS_FRAME; d[24] = TS_TID;
    d[25] = TS_NATIVE; d[26] = TS_CHUNK;
    d[28] = FR_SIZE; d[29] = FR_PREV; d[30] = FR_EXEC; d[31] = FR_INSTR; d[32] = FR_LOCALS; d[33] = FR_OWNER;
    d[34] = CO_SIZE; d[35] = CO_FILENAME; d[36] = CO_NAME; d[37] = CO_QUALNAME; d[38] = CO_LINETABLE;
    d[39] = CO_FIRSTLINE; d[43] = CO_CODE;
    d[44] = 16; d[45] = OB_TYPE;
    d[46] = 400; d[47] = TP_NAME;
    d[64] = 40; d[65] = BY_SIZE; d[66] = BY_SVAL;
    d[67] = UNI_SIZE; d[68] = UNI_STATE; d[69] = UNI_LENGTH; d[70] = UNI_ASCII;
    d[71] = GC_SIZE; d[72] = GC_COLLECTING;
}

/* Main thread (0x1111): leaf (chunk) -> C-stack entry frame (owner 3) ->
 * caller (chunk) -> root (chunk). Second thread: g0. Thread 1 holds the
 * GIL; nobody collects; no exception anywhere (exc_info points at each
 * thread's own item, whose value is None for thread 1 and NULL for 2). */
static void build(void)
{
    uint64_t dbg[73], type_none, type_exc;

    if (!arena)
        arena = malloc(ARENA);
    memset(arena, 0, ARENA);
    used = 0;
    memset(&im, 0, sizeof im);

    type_code = make_type("code");
    type_str = make_type("str");
    type_bytes = make_type("bytes");
    type_none = make_type("NoneType");
    type_exc = make_type("ValueError");
    im.none = alloc(32);
    put64(im.none + OB_TYPE, type_none);
    im.exc = alloc(64);
    put64(im.exc + OB_TYPE, type_exc);

    im.runtime = alloc(RT_SIZE);
    fill_debug(dbg);
    memcpy(at(im.runtime), dbg, sizeof dbg);
    im.version = alloc(8);
    put32(im.version, HEX313);
    im.interp = alloc(IS_SIZE);
    im.t1 = alloc(TS_SIZE);
    im.t2 = alloc(TS_SIZE);
    put64(im.runtime + RT_HEAD, im.interp);
    put64(im.runtime + RT_MAIN, 0x1111);
    put64(im.interp + IS_THREADS, im.t1);
    put64(im.interp + IS_GIL_PTR, im.interp + IS_GIL);
    put32(im.interp + IS_GIL + GIL_LOCKED, 1);
    put64(im.interp + IS_GIL + GIL_HOLDER, im.t1);

    im.code_leaf = make_code("leaf");
    im.code_caller = make_code("caller");
    im.code_root = make_code("<module>");

    im.chunk = alloc(8192);
    put64(im.chunk + 8, 8192);
    im.f_root = im.chunk + CHUNK_HDR;
    im.f_caller = im.f_root + FR_SIZE;
    im.f_leaf = im.f_caller + FR_SIZE;
    im.f_entry = alloc(FR_SIZE);
    set_frame(im.f_leaf, im.code_leaf, 4, im.f_entry, 0);
    put64(im.f_entry + FR_PREV, im.f_caller);
    at(im.f_entry)[FR_OWNER] = 3;
    set_frame(im.f_caller, im.code_caller, 6, im.f_root, 0);
    set_frame(im.f_root, im.code_root, 2, 0, 0);

    put64(im.t1 + TS_NEXT, im.t2);
    put64(im.t1 + TS_INTERP, im.interp);
    put64(im.t1 + TS_FRAME, im.f_leaf);
    put64(im.t1 + TS_TID, 0x1111);
    put64(im.t1 + TS_NATIVE, 1001);
    put64(im.t1 + TS_CHUNK, im.chunk);
    put64(im.t1 + TS_TOP, im.f_leaf + FR_SIZE);
    put64(im.t1 + TS_EXC_INFO, im.t1 + TS_EXC_STATE);
    put64(im.t1 + TS_EXC_STATE, im.none);

    im.chunk2 = alloc(4096);
    put64(im.chunk2 + 8, 4096);
    im.g0 = im.chunk2 + CHUNK_HDR;
    set_frame(im.g0, im.code_caller, 0, 0, 0);
    put64(im.t2 + TS_INTERP, im.interp);
    put64(im.t2 + TS_FRAME, im.g0);
    put64(im.t2 + TS_TID, 0x2222);
    put64(im.t2 + TS_NATIVE, 1002);
    put64(im.t2 + TS_CHUNK, im.chunk2);
    put64(im.t2 + TS_TOP, im.g0 + FR_SIZE);
    put64(im.t2 + TS_EXC_INFO, im.t2 + TS_EXC_STATE);

    im.gen_item = alloc(16);
}

#define MAXT 4
struct result {
    unsigned n;
    struct {
        uint64_t tid;
        uint32_t status, depth;
        uint32_t frames[64];
    } th[MAXT];
};

static struct result res;

static int cb(void *ctx, const struct py_thread_sample *s)
{
    struct result *r = ctx;
    if (r->n == MAXT || s->depth > 64)
        return ERR_GENERIC;
    r->th[r->n].tid = s->thread_id;
    r->th[r->n].status = s->status;
    r->th[r->n].depth = s->depth;
    memcpy(r->th[r->n].frames, s->frames, s->depth * 4);
    r->n++;
    return 0;
}

struct env {
    struct mem_reader *r;
    struct interner *in;
    struct py_target *t;
    struct py_sample_opts o;
};

static int env_open(struct env *e)
{
    struct py_image img;
    int rc;

    memset(e, 0, sizeof *e);
    memset(&img, 0, sizeof img);
    snprintf(img.path, sizeof img.path, "synthetic");
    img.runtime_addr = im.runtime;
    img.py_version_addr = im.version;
    if (mem_reader_open_synthetic(&e->r) < 0 || mem_synth_map(e->r, BASE, arena, used) < 0 ||
        interner_create(&e->in) < 0)
        abort();
    rc = py_target_open(e->r, &img, e->in, &e->t);
    if (rc < 0)
        check_fail(__FILE__, __LINE__, "open failed: %s", diag_message());
    e->o.all_threads = 1;
    e->o.thread_status = 1;
    e->o.gc = 1;
    return rc;
}

static void env_close(struct env *e)
{
    py_target_close(e->t);
    mem_reader_close(e->r);
    interner_destroy(e->in);
}

static int run(struct env *e)
{
    res.n = 0;
    return py_target_sample(e->t, &e->o, cb, &res);
}

static void poke64(struct env *e, uint64_t a, uint64_t v)
{
    put64(a, v);
    CHECK_INT(mem_synth_poke(e->r, a, &v, 8), 0);
}

static void poke32(struct env *e, uint64_t a, uint32_t v)
{
    put32(a, v);
    CHECK_INT(mem_synth_poke(e->r, a, &v, 4), 0);
}

static void poke8(struct env *e, uint64_t a, uint8_t v)
{
    at(a)[0] = v;
    CHECK_INT(mem_synth_poke(e->r, a, &v, 1), 0);
}

static const tachyon_frame *frame_of(struct env *e, uint32_t id)
{
    return interner_frame(e->in, id);
}

static const char *str_of(struct env *e, uint32_t id)
{
    return id ? interner_string(e->in, id, NULL) : NULL;
}

static const char *name_of(struct env *e, uint32_t id)
{
    const tachyon_frame *f = frame_of(e, id);
    return f ? str_of(e, f->funcname) : NULL;
}

#define STATUS_BITS (TACHYON_THREAD_HAS_GIL | TACHYON_THREAD_HAS_EXCEPTION | TACHYON_THREAD_IN_GC | \
                     TACHYON_THREAD_MAIN | TACHYON_THREAD_ON_CPU | TACHYON_THREAD_UNKNOWN)

/* --- tests ---------------------------------------------------------------- */

static void test_gil_holder(void)
{
    struct env e;
    uint64_t calls;

    build();
    if (env_open(&e) < 0)
        goto out;
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.n, 2);
    /* No on-CPU reading asked for: unknown, as upstream. */
    CHECK_INT(res.th[0].status & STATUS_BITS,
              TACHYON_THREAD_MAIN | TACHYON_THREAD_HAS_GIL | TACHYON_THREAD_UNKNOWN);
    CHECK_INT(res.th[1].status & STATUS_BITS, TACHYON_THREAD_UNKNOWN);

    /* Steady state: status costs no read beyond the read-ahead. */
    CHECK_INT(run(&e), 0);
    calls = e.r->calls;
    CHECK_INT(run(&e), 0);
    CHECK_INT(e.r->calls - calls, 1);

    /* The GIL changes hands: seen at once, read ahead or not. */
    poke64(&e, im.interp + IS_GIL + GIL_HOLDER, im.t2);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
    CHECK(res.th[1].status & TACHYON_THREAD_HAS_GIL);
    /* Released: nobody holds it, whoever held it last. */
    poke32(&e, im.interp + IS_GIL + GIL_LOCKED, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);
    /* Not initialised yet (-1). */
    poke32(&e, im.interp + IS_GIL + GIL_LOCKED, 0xffffffffu);
    CHECK_INT(run(&e), 0);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);

    /* The interpreter switches to another GIL struct (a moved pointer). */
    put64(im.interp + 3000 + GIL_HOLDER, im.t1);
    put32(im.interp + 3000 + GIL_LOCKED, 1);
    CHECK_INT(mem_synth_poke(e.r, im.interp + 3000, at(im.interp + 3000), 24), 0);
    poke64(&e, im.interp + IS_GIL_PTR, im.interp + 3000);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_GIL);

    /* Hostile pointers: unaligned means unknown, unmapped fails the sample. */
    poke64(&e, im.interp + IS_GIL_PTR, im.interp + 3001);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
    poke64(&e, im.interp + IS_GIL_PTR, UNMAPPED);
    CHECK_INT(run(&e), ERR_READ);
    poke64(&e, im.interp + IS_GIL_PTR, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
out:
    env_close(&e);
}

static void test_exception_state(void)
{
    struct env e;

    build();
    if (env_open(&e) < 0)
        goto out;
    CHECK_INT(run(&e), 0);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_EXCEPTION, 0);

    /* Propagating: current_exception set. */
    poke64(&e, im.t2 + TS_CUREXC, im.exc);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[1].status & TACHYON_THREAD_HAS_EXCEPTION);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
    poke64(&e, im.t2 + TS_CUREXC, 0);

    /* In an except block: the thread's own item holds the exception. */
    poke64(&e, im.t1 + TS_EXC_STATE, im.exc);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);

    /* A generator's item on top, without an exception: the one below
     * (the except block the generator runs in) still counts. */
    put64(im.gen_item, 0);
    put64(im.gen_item + 8, im.t1 + TS_EXC_STATE);
    CHECK_INT(mem_synth_poke(e.r, im.gen_item, at(im.gen_item), 16), 0);
    poke64(&e, im.t1 + TS_EXC_INFO, im.gen_item);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);
    CHECK_INT(run(&e), 0);   /* and through the read-ahead */
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);
    /* The except block ends: None below, nothing on top. */
    poke64(&e, im.t1 + TS_EXC_STATE, im.none);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
    /* The generator handles one itself. */
    poke64(&e, im.gen_item, im.exc);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);

    /* Hostile chains: a loop of empty items ends (bounded), an unmapped or
     * unaligned link fails the sample cleanly. */
    poke64(&e, im.gen_item, 0);
    poke64(&e, im.gen_item + 8, im.gen_item);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
    poke64(&e, im.gen_item + 8, UNMAPPED);
    CHECK_INT(run(&e), ERR_READ);
    poke64(&e, im.gen_item + 8, im.gen_item + 3);
    CHECK_INT(run(&e), ERR_CORRUPT);
    poke64(&e, im.t1 + TS_EXC_INFO, UNMAPPED);
    CHECK_INT(run(&e), ERR_READ);
    /* An exception value that is no object. */
    poke64(&e, im.t1 + TS_EXC_INFO, im.t1 + TS_EXC_STATE);
    poke64(&e, im.t1 + TS_CUREXC, UNMAPPED);
    CHECK(run(&e) < 0 || (res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION));
    CHECK(diag_message()[0] != '\0');

    /* Without thread status nothing of this is read. */
    e.o.thread_status = 0;
    e.o.gc = 0;
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status, TACHYON_THREAD_MAIN);
out:
    env_close(&e);
}

static void test_gc_frame(void)
{
    struct env e;
    const tachyon_frame *f;

    build();
    put32(im.interp + IS_GC + GC_COLLECTING, 1);
    if (env_open(&e) < 0)
        goto out;
    CHECK_INT(run(&e), 0);
    /* The GIL holder collects: <GC> on top of its stack, not the other's. */
    CHECK(res.th[0].status & TACHYON_THREAD_IN_GC);
    CHECK_INT(res.th[0].depth, 4);
    f = frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->kind == TACHYON_FRAME_GC && f->line == 0 && f->opcode == TACHYON_NO_OPCODE);
    CHECK_STR(f ? str_of(&e, f->filename) : NULL, "~");
    CHECK_STR(name_of(&e, res.th[0].frames[0]), "<GC>");
    CHECK_STR(name_of(&e, res.th[0].frames[1]), "leaf");
    CHECK_INT(res.th[1].status & TACHYON_THREAD_IN_GC, 0);
    CHECK_INT(res.th[1].depth, 1);

    /* --no-gc: the bit stays, the frame goes. */
    e.o.gc = 0;
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_IN_GC);
    CHECK_INT(res.th[0].depth, 3);
    CHECK_STR(name_of(&e, res.th[0].frames[0]), "leaf");
    e.o.gc = 1;

    /* The collection ends, or the collector is not the GIL holder. */
    poke32(&e, im.interp + IS_GC + GC_COLLECTING, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 3);
    poke32(&e, im.interp + IS_GC + GC_COLLECTING, 1);
    poke32(&e, im.interp + IS_GIL + GIL_LOCKED, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 3);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_IN_GC, 0);
out:
    env_close(&e);
}

static void test_native_frames(void)
{
    struct env e;
    const tachyon_frame *f;

    build();
    if (env_open(&e) < 0)
        goto out;
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 3);   /* the entry frame is not shown */
    e.o.native = 1;
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 4);
    CHECK_STR(name_of(&e, res.th[0].frames[0]), "leaf");
    CHECK_STR(name_of(&e, res.th[0].frames[1]), "<native>");
    CHECK_STR(name_of(&e, res.th[0].frames[2]), "caller");
    f = frame_of(&e, res.th[0].frames[1]);
    CHECK(f && f->kind == TACHYON_FRAME_NATIVE && f->line == 0);
    /* An entry frame at either end of the chain marks no transition. */
    poke64(&e, im.t1 + TS_FRAME, im.f_entry);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 2);
    CHECK_STR(name_of(&e, res.th[0].frames[0]), "caller");
    poke64(&e, im.f_root + FR_PREV, im.f_entry);
    poke64(&e, im.f_entry + FR_PREV, 0);
    poke64(&e, im.t1 + TS_FRAME, im.f_caller);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 2);
    CHECK_STR(name_of(&e, res.th[0].frames[1]), "<module>");
out:
    env_close(&e);
}

static int opcode_named(const char *name)
{
    struct opcode_info info;
    int op;
    for (op = 0; op < 256; op++)
        if (opcode_lookup(HEX313, op, &info) == 0 && strcmp(info.name, name) == 0)
            return op;
    return -1;
}

static int unused_opcode(void)
{
    struct opcode_info info;
    int op;
    for (op = 255; op >= 0; op--)
        if (opcode_lookup(HEX313, op, &info) < 0)
            return op;
    return -1;
}

static void test_opcodes(void)
{
    struct env e;
    const tachyon_frame *f;
    int add = opcode_named("BINARY_OP_ADD_INT"), generic = opcode_named("BINARY_OP");
    int attr = opcode_named("LOAD_ATTR_INSTANCE_VALUE"), bad = unused_opcode();
    uint32_t first;

    CHECK(add >= 0 && generic >= 0 && attr >= 0 && bad >= 0);
    build();
    at(im.code_leaf + CO_CODE + 2 * 4)[0] = (uint8_t)add;
    at(im.code_caller + CO_CODE + 2 * 6)[0] = (uint8_t)attr;
    if (env_open(&e) < 0)
        goto out;
    e.o.opcodes = 1;
    e.o.all_threads = 0;
    CHECK_INT(run(&e), 0);
    f = frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->opcode == add && f->base_opcode == generic);
    CHECK_STR(f ? str_of(&e, f->opcode_name) : NULL, "BINARY_OP_ADD_INT");
    CHECK_STR(f ? str_of(&e, f->base_opcode_name) : NULL, "BINARY_OP");
    CHECK(f && f->line == 11);
    f = frame_of(&e, res.th[0].frames[1]);
    CHECK_STR(f ? str_of(&e, f->opcode_name) : NULL, "LOAD_ATTR_INSTANCE_VALUE");
    CHECK_STR(f ? str_of(&e, f->base_opcode_name) : NULL, "LOAD_ATTR");
    first = res.th[0].frames[0];

    /* Same offset, de-optimized in place: a new frame, read ahead. */
    CHECK_INT(run(&e), 0);
    poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)generic);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].frames[0] != first);
    f = frame_of(&e, res.th[0].frames[0]);
    CHECK_STR(f ? str_of(&e, f->opcode_name) : NULL, "BINARY_OP");
    /* Re-specialized: the first frame again (cached per opcode). */
    poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)add);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].frames[0], first);

    /* Without --opcodes the frame carries none. */
    e.o.opcodes = 0;
    CHECK_INT(run(&e), 0);
    f = frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->opcode == TACHYON_NO_OPCODE && f->opcode_name == 0 && f->base_opcode_name == 0);
    e.o.opcodes = 1;

    /* A byte that is no instruction of this version: a failed sample. */
    poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)bad);
    CHECK_INT(run(&e), ERR_CORRUPT);
    CHECK(diag_message()[0] != '\0');
    poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)add);
    CHECK_INT(run(&e), 0);
    /* Bytecode that cannot be read fails the sample, never a wrong name. */
    CHECK(used < 150000);
    poke64(&e, im.code_leaf + CO_NSIZE, 100000);
    CHECK_INT(run(&e), ERR_READ);
    /* Bytecode too large to copy: the frame, without an opcode. */
    poke64(&e, im.code_leaf + CO_NSIZE, 1u << 20);
    CHECK_INT(run(&e), 0);
    f = frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->opcode == TACHYON_NO_OPCODE && f->line == 11);
out:
    env_close(&e);
}

int main(void)
{
    RUN(test_gil_holder);
    RUN(test_exception_state);
    RUN(test_gc_frame);
    RUN(test_native_frames);
    RUN(test_opcodes);
    free(arena);
    return check_summary();
}
