/* The decoder on synthetic memory: a small 3.13 process laid out from a
 * _Py_DebugOffsets block built here, with offsets deliberately different
 * from the real 3.13 ones (so every offset must come from the block), then
 * made hostile one way at a time: cycles, absurd sizes, unmapped pointers,
 * bad cookie or version, truncated strings. Each must give a clean error
 * (and no ASan report). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "intern/intern.h"
#include "mem/reader.h"
#include "python/python.h"

/* --- offsets this image uses (published through the debug block) ------ */
enum {
    RT_SIZE = 1024, RT_HEAD = 640, /* after the 584-byte debug block */ RT_MAIN = RT_HEAD + 24,
    IS_SIZE = 4096, IS_ID = 16, IS_NEXT = 8, IS_THREADS = 320,
    TS_SIZE = 512, TS_NEXT = 8, TS_INTERP = 24, TS_FRAME = 64, TS_TID = 104, TS_NATIVE = 112,
    TS_CHUNK = 200, TS_TOP = TS_CHUNK + 8,
    FR_SIZE = 96, FR_PREV = 8, FR_EXEC = 24, FR_INSTR = 40, FR_LOCALS = 64, FR_OWNER = 58,
    CO_SIZE = 256, CO_NSIZE = 16, CO_FILENAME = 120, CO_NAME = 128, CO_QUALNAME = 136, CO_LINETABLE = 144,
    CO_FIRSTLINE = 60, CO_CODE = 224, CO_FIRSTTRACE = CO_CODE - 16,
    OB_TYPE = 8, TP_NAME = 24, BY_SIZE = 16, BY_SVAL = 32,
    UNI_SIZE = 72, UNI_STATE = 32, UNI_LENGTH = 16, UNI_ASCII = 40, UNI_COMPACT = UNI_ASCII + 16,
    CHUNK_HDR = 24,
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
static uint64_t get64(uint64_t a) { uint64_t v; memcpy(&v, at(a), 8); return v; }

/* --- objects ------------------------------------------------------------ */

static uint64_t type_code, type_str, type_bytes, type_dict;

static uint64_t make_type(const char *name)
{
    uint64_t t = alloc(400), s = alloc(strlen(name) + 1);
    memcpy(at(s), name, strlen(name) + 1);
    put64(t + TP_NAME, s);
    return t;
}

/* A compact str of nchars units of the given kind (ascii: kind 1 < 0x80). */
static uint64_t make_str(const void *units, size_t nchars, unsigned kind, int ascii)
{
    size_t hdr = ascii ? UNI_ASCII : UNI_COMPACT;
    uint64_t s = alloc(hdr + (nchars + 1) * kind);
    put64(s + OB_TYPE, type_str);
    put64(s + UNI_LENGTH, nchars);
    put32(s + UNI_STATE, (kind << 2) | (1u << 5) | ((unsigned)ascii << 6));
    memcpy(at(s + hdr), units, nchars * kind);
    return s;
}

static uint64_t make_ascii(const char *s)
{
    return make_str(s, strlen(s), 1, 1);
}

static uint64_t make_bytes(const void *data, size_t n)
{
    uint64_t b = alloc(BY_SVAL + n + 1);
    put64(b + OB_TYPE, type_bytes);
    put64(b + BY_SIZE, n);
    memcpy(at(b + BY_SVAL), data, n);
    return b;
}

/* Two entries over 16 units: units 0-7 line first+1, columns 4-20 (long
 * form); units 8-15 line first+3 without columns. */
static const uint8_t table16[] = { 0x80 | (14 << 3) | 7, 2, 0, 5, 21, 0x80 | (13 << 3) | 7, 4 };

static uint64_t filename_str;

static uint64_t make_code(uint64_t qualname, int firstline, int firsttraceable)
{
    uint64_t c = alloc(CO_CODE + 16 * 2);
    put64(c + OB_TYPE, type_code);
    put64(c + CO_NSIZE, 16);
    put64(c + CO_FILENAME, filename_str);
    put64(c + CO_NAME, qualname);
    put64(c + CO_QUALNAME, qualname);
    put64(c + CO_LINETABLE, make_bytes(table16, sizeof table16));
    put32(c + CO_FIRSTLINE, (uint32_t)firstline);
    put32(c + CO_FIRSTTRACE, (uint32_t)firsttraceable);
    return c;
}

static void set_frame(uint64_t f, uint64_t code, int unit, uint64_t prev, uint8_t owner)
{
    put64(f + FR_EXEC, code);
    put64(f + FR_INSTR, code + CO_CODE + 2 * (uint64_t)unit);
    put64(f + FR_PREV, prev);
    at(f)[FR_OWNER] = owner;
}

/* --- the image ---------------------------------------------------------- */

struct image {
    uint64_t runtime, version, interp, t1, t2, chunk, chunk2;
    uint64_t f0, f1, f2, f3, f4, g0;
    uint64_t code_a, code_b, code_c, code_d;
    uint64_t str_other;
    uint64_t dbg[73];
};

static struct image im;

static void fill_debug(uint64_t *d)
{
    memset(d, 0, 73 * 8);
    memcpy(d, "xdebugpy", 8);
    d[1] = 0x030d00f0;
    d[3] = RT_SIZE; d[5] = RT_HEAD;
    d[6] = IS_SIZE; d[7] = IS_ID; d[8] = IS_NEXT; d[9] = IS_THREADS;
    d[19] = TS_SIZE; d[21] = TS_NEXT; d[22] = TS_INTERP; d[23] = TS_FRAME; d[24] = TS_TID;
    d[25] = TS_NATIVE; d[26] = TS_CHUNK;
    d[28] = FR_SIZE; d[29] = FR_PREV; d[30] = FR_EXEC; d[31] = FR_INSTR; d[32] = FR_LOCALS; d[33] = FR_OWNER;
    d[34] = CO_SIZE; d[35] = CO_FILENAME; d[36] = CO_NAME; d[37] = CO_QUALNAME; d[38] = CO_LINETABLE;
    d[39] = CO_FIRSTLINE; d[43] = CO_CODE;
    d[44] = 16; d[45] = OB_TYPE;
    d[46] = 400; d[47] = TP_NAME;
    d[64] = 40; d[65] = BY_SIZE; d[66] = BY_SVAL;
    d[67] = UNI_SIZE; d[68] = UNI_STATE; d[69] = UNI_LENGTH; d[70] = UNI_ASCII;
    d[71] = 8;
}

/* Main thread (ident 0x1111): F0 (chunk) -> F1 (generator, heap) -> F2
 * (C-stack entry frame, skipped) -> F3 (chunk) -> F4 (chunk). Second
 * thread: G0 in its own chunk. */
static void build(void)
{
    static const uint16_t nandu[] = { 0xf1, 'a', 'n', 'd', 0xfa, '_', 0x51fd, 0x6570 }; /* ñandú_函数 */
    static const uint8_t genere[] = { 'g', 0xe9, 'n', 0xe9, 'r', 0xe9 };                /* généré */
    static const uint32_t astral[] = { 0x1d518, 'n', 'i' };                              /* 𝔘ni */

    if (!arena)
        arena = malloc(ARENA);
    memset(arena, 0, ARENA);
    used = 0;
    memset(&im, 0, sizeof im);

    type_code = make_type("code");
    type_str = make_type("str");
    type_bytes = make_type("bytes");
    type_dict = make_type("dict");
    filename_str = make_ascii("/src/app.py");

    im.runtime = alloc(RT_SIZE);
    fill_debug(im.dbg);
    memcpy(at(im.runtime), im.dbg, sizeof im.dbg);
    im.version = alloc(8);
    put32(im.version, 0x030d00f0);
    im.interp = alloc(IS_SIZE);
    im.t1 = alloc(TS_SIZE);
    im.t2 = alloc(TS_SIZE);
    put64(im.runtime + RT_HEAD, im.interp);
    put64(im.runtime + RT_MAIN, 0x1111);
    put64(im.interp + IS_ID, 0);
    put64(im.interp + IS_THREADS, im.t1);

    im.code_a = make_code(make_str(nandu, 8, 2, 0), 10, 0);
    im.code_b = make_code(make_str(genere, 6, 1, 0), 20, 0);
    im.code_c = make_code(make_str(astral, 3, 4, 0), 30, 0);
    im.code_d = make_code(make_ascii("<module>"), 1, 0);
    im.str_other = make_ascii("replaced");

    im.chunk = alloc(16384);
    put64(im.chunk + 8, 16384);
    im.f4 = im.chunk + CHUNK_HDR;
    im.f3 = im.f4 + FR_SIZE;
    im.f0 = im.f3 + FR_SIZE;
    im.f1 = alloc(FR_SIZE);
    im.f2 = alloc(FR_SIZE);
    set_frame(im.f0, im.code_a, 9, im.f1, 0);
    set_frame(im.f1, im.code_b, 2, im.f2, 1);
    put64(im.f2 + FR_EXEC, im.str_other); /* not a code object: must be skipped */
    put64(im.f2 + FR_PREV, im.f3);
    at(im.f2)[FR_OWNER] = 3;
    set_frame(im.f3, im.code_c, 3, im.f4, 0);
    set_frame(im.f4, im.code_d, 8, 0, 0);

    put64(im.t1 + TS_NEXT, im.t2);
    put64(im.t1 + TS_INTERP, im.interp);
    put64(im.t1 + TS_FRAME, im.f0);
    put64(im.t1 + TS_TID, 0x1111);
    put64(im.t1 + TS_NATIVE, 1001);
    put64(im.t1 + TS_CHUNK, im.chunk);
    put64(im.t1 + TS_TOP, im.f0 + FR_SIZE);

    im.chunk2 = alloc(4096);
    put64(im.chunk2 + 8, 4096);
    im.g0 = im.chunk2 + CHUNK_HDR;
    set_frame(im.g0, im.code_a, 0, 0, 0);
    put64(im.t2 + TS_INTERP, im.interp);
    put64(im.t2 + TS_FRAME, im.g0);
    put64(im.t2 + TS_TID, 0x2222);
    put64(im.t2 + TS_NATIVE, 1002);
    put64(im.t2 + TS_CHUNK, im.chunk2);
    put64(im.t2 + TS_TOP, im.g0 + FR_SIZE);
}

/* --- running the decoder -------------------------------------------------- */

#define MAXT 4
struct result {
    unsigned n;
    struct {
        uint64_t tid, native;
        uint32_t status, depth;
        uint32_t frames[PY_MAX_DEPTH];
    } th[MAXT];
};

static struct result res;

static int cb(void *ctx, const struct py_thread_sample *s)
{
    struct result *r = ctx;
    if (r->n == MAXT)
        return ERR_GENERIC;
    r->th[r->n].tid = s->thread_id;
    r->th[r->n].native = s->native_thread_id;
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
};

/* Tests of open errors clear this; everywhere else a failed open is a
 * failure of the test, not a reason to skip its checks. */
static int expect_open_ok = 1;

/* Map the arena and open a target on it; returns py_target_open's code. */
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
    CHECK(rc < 0 ? e->t == NULL : e->t != NULL);
    if (rc < 0 && expect_open_ok)
        check_fail(__FILE__, __LINE__, "open failed: %s", diag_message());
    return rc;
}

static void env_close(struct env *e)
{
    py_target_close(e->t);
    mem_reader_close(e->r);
    interner_destroy(e->in);
}

static int run(struct env *e, int all)
{
    struct py_sample_opts o;
    memset(&o, 0, sizeof o);
    o.all_threads = all;
    res.n = 0;
    return py_target_sample(e->t, &o, cb, &res);
}

/* Poke 8 bytes into the mapped image (the arena copy is updated too, so a
 * later env_open sees the same thing). */
static void poke64(struct env *e, uint64_t a, uint64_t v)
{
    put64(a, v);
    CHECK_INT(mem_synth_poke(e->r, a, &v, 8), 0);
}

static const tachyon_frame *frame_of(struct env *e, uint32_t id)
{
    return interner_frame(e->in, id);
}

static const char *name_of(struct env *e, uint32_t id)
{
    const tachyon_frame *f = frame_of(e, id);
    return f ? interner_string(e->in, f->funcname, NULL) : NULL;
}

/* Open, expect a sample error, close. */
static void expect_sample_error(int want, int all)
{
    struct env e;
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, all), want);
        CHECK(diag_message()[0] != '\0');
    }
    env_close(&e);
}

/* --- tests ---------------------------------------------------------------- */

static void test_good_image(void)
{
    struct env e;
    const tachyon_frame *f;
    uint64_t calls;

    build();
    CHECK_INT(env_open(&e), 0);
    if (!e.t)
        goto out;
    CHECK_STR(py_target_version(e.t), "3.13.0");
    CHECK_INT(py_target_hexversion(e.t), 0x030d00f0);
    CHECK_INT(run(&e, 0), 0);
    CHECK_INT(res.n, 1);
    CHECK_INT(res.th[0].tid, 0x1111);
    CHECK_INT(res.th[0].native, 1001);
    CHECK(res.th[0].status & TACHYON_THREAD_MAIN);
    CHECK_INT(res.th[0].depth, 4);
    if (res.th[0].depth == 4) {
        CHECK_STR(name_of(&e, res.th[0].frames[0]), "ñandú_函数");
        CHECK_STR(name_of(&e, res.th[0].frames[1]), "généré");
        CHECK_STR(name_of(&e, res.th[0].frames[2]), "𝔘ni");
        CHECK_STR(name_of(&e, res.th[0].frames[3]), "<module>");
        f = frame_of(&e, res.th[0].frames[0]); /* unit 9: line 10+3, no columns */
        CHECK(f && f->line == 13 && f->end_line == 13 && f->column == -1 && f->end_column == -1);
        CHECK(f && f->kind == TACHYON_FRAME_PYTHON && f->opcode == TACHYON_NO_OPCODE &&
              f->base_opcode == TACHYON_NO_OPCODE && f->opcode_name == 0);
        CHECK_STR(f ? interner_string(e.in, f->filename, NULL) : NULL, "/src/app.py");
        f = frame_of(&e, res.th[0].frames[1]); /* unit 2: line 21, columns 4-20 */
        CHECK(f && f->line == 21 && f->end_line == 21 && f->column == 4 && f->end_column == 20);
        CHECK_INT(frame_of(&e, res.th[0].frames[2])->line, 31);
        CHECK_INT(frame_of(&e, res.th[0].frames[3])->line, 4);
    }

    CHECK_INT(run(&e, 1), 0);
    CHECK_INT(res.n, 2);
    CHECK_INT(res.th[1].tid, 0x2222);
    CHECK_INT(res.th[1].status & TACHYON_THREAD_MAIN, 0);
    CHECK_INT(res.th[1].depth, 1);
    CHECK_INT(frame_of(&e, res.th[1].frames[0])->line, 11);

    /* Nothing changed: the next sample is the single read-ahead readv. */
    calls = e.r->calls;
    CHECK_INT(run(&e, 1), 0);
    CHECK_INT(e.r->calls - calls, 1);
    CHECK_INT(res.n, 2);
    CHECK_INT(res.th[0].depth, 4);
out:
    env_close(&e);
}

/* A code object replaced at the same address must not be served from the
 * cache: the guard sees the new qualname pointer. */
static void test_code_address_reuse(void)
{
    struct env e;
    build();
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 0), 0);
        CHECK_STR(name_of(&e, res.th[0].frames[0]), "ñandú_函数");
        poke64(&e, im.code_a + CO_QUALNAME, im.str_other);
        CHECK_INT(run(&e, 0), 0);
        CHECK_STR(name_of(&e, res.th[0].frames[0]), "replaced");
        /* The stack changes under the read-ahead: still right. */
        poke64(&e, im.t1 + TS_FRAME, im.f3);
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, 2);
        CHECK_STR(name_of(&e, res.th[0].frames[0]), "𝔘ni");
    }
    env_close(&e);
}

static void test_frame_cycles(void)
{
    build();
    put64(im.f4 + FR_PREV, im.f0);
    expect_sample_error(ERR_CORRUPT, 0);
    build();
    put64(im.f0 + FR_PREV, im.f0);
    expect_sample_error(ERR_CORRUPT, 0);
    build();
    put64(im.f2 + FR_PREV, im.f1); /* through the skipped C-stack frame */
    expect_sample_error(ERR_CORRUPT, 0);
}

static void test_thread_and_interpreter_cycles(void)
{
    build();
    put64(im.t2 + TS_NEXT, im.t1);
    expect_sample_error(ERR_CORRUPT, 1);
    build();
    put64(im.interp + IS_NEXT, im.interp);
    expect_sample_error(ERR_CORRUPT, 0);
    build();
    put64(im.t2 + TS_INTERP, im.t1); /* thread state of another interpreter */
    expect_sample_error(ERR_CORRUPT, 0);
}

static void test_unmapped_pointers(void)
{
    build();
    put64(im.f3 + FR_PREV, UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    put64(im.f0 + FR_EXEC, UNMAPPED);
    put64(im.f0 + FR_INSTR, UNMAPPED + CO_CODE);
    expect_sample_error(ERR_READ, 0);
    build();
    put64(im.code_a + CO_QUALNAME, UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    put64(im.t1 + TS_NEXT, UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    put64(im.runtime + RT_HEAD, UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    put64(im.t1 + TS_CHUNK, UNMAPPED);
    put64(im.t1 + TS_TOP, UNMAPPED + 100);
    expect_sample_error(ERR_READ, 0);
}

static void test_absurd_sizes(void)
{
    uint64_t s;

    build(); /* string length far beyond any name */
    put64(get64(im.code_a + CO_QUALNAME) + UNI_LENGTH, 1ull << 40);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* negative length */
    put64(get64(im.code_a + CO_QUALNAME) + UNI_LENGTH, (uint64_t)-5);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* kind 3 */
    s = get64(im.code_a + CO_QUALNAME);
    put32(s + UNI_STATE, (3u << 2) | (1u << 5));
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* not compact */
    put32(s + UNI_STATE, 2u << 2);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* ASCII flag with a non-ASCII byte */
    s = get64(im.code_d + CO_QUALNAME);
    at(s + UNI_ASCII)[0] = 0xc3;
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* code point above U+10FFFF */
    s = get64(im.code_c + CO_QUALNAME);
    put32(s + UNI_COMPACT, 0x110000);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* negative bytes size for the line table */
    put64(get64(im.code_a + CO_LINETABLE) + BY_SIZE, (uint64_t)-1);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* empty code */
    put64(im.code_a + CO_NSIZE, 0);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* instruction outside the code */
    put64(im.f0 + FR_INSTR, im.code_a + CO_CODE + 2000);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* instruction pointer between code units */
    put64(im.f0 + FR_INSTR, im.code_a + CO_CODE + 3);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* data-stack top below its chunk */
    put64(im.t1 + TS_TOP, im.chunk - 64);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* misaligned frame pointer */
    put64(im.t1 + TS_FRAME, im.f0 + 3);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* a frame whose code is not a code object */
    put64(im.code_b + OB_TYPE, type_dict);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* a name that is not a str */
    put64(get64(im.code_a + CO_QUALNAME) + OB_TYPE, type_bytes);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* a line table entry cut short */
    put64(get64(im.code_a + CO_LINETABLE) + BY_SIZE, 3);
    expect_sample_error(ERR_CORRUPT, 0);
}

/* A string whose characters run past the end of mapped memory. */
static void test_truncated_string(void)
{
    struct env e;
    uint8_t hdr[UNI_ASCII + 4];
    uint64_t addr = 0x30000000;

    build();
    put64(im.code_a + CO_QUALNAME, addr);
    if (env_open(&e) == 0) {
        memset(hdr, 0, sizeof hdr);
        memcpy(hdr + OB_TYPE, &type_str, 8);
        hdr[UNI_LENGTH] = 100;
        hdr[UNI_STATE] = (1u << 2) | (1u << 5) | (1u << 6);
        memcpy(hdr + UNI_ASCII, "abcd", 4);
        CHECK_INT(mem_synth_map(e.r, addr, hdr, sizeof hdr), 0);
        CHECK_INT(run(&e, 0), ERR_READ);
    }
    env_close(&e);
}

static int open_error(void)
{
    struct env e;
    int rc;
    expect_open_ok = 0;
    rc = env_open(&e);
    expect_open_ok = 1;
    env_close(&e);
    return rc;
}

static void test_versions(void)
{
    build();
    memcpy(at(im.runtime), "ydebugpy", 8);
    CHECK_INT(open_error(), ERR_VERSION);
    build(); /* the block claims 3.12 while Py_Version says 3.13 */
    put64(im.runtime + 8, 0x030c01f0);
    CHECK_INT(open_error(), ERR_VERSION);
    CHECK(strstr(diag_message(), "0x30c01f0") != NULL);
    build();
    put32(im.version, 0x030a0df0);
    CHECK_INT(open_error(), ERR_VERSION);
    CHECK(strstr(diag_message(), "3.10.13") != NULL);
    CHECK(strstr(diag_message(), "3.11 to 3.15") != NULL);
    build();
    put32(im.version, 0x031000a1);
    CHECK_INT(open_error(), ERR_VERSION);
    CHECK(strstr(diag_message(), "3.16.0a1") != NULL);
    build(); /* 3.14 is in range, but this build has no table for it yet */
    put32(im.version, 0x030e00f0);
    put64(im.runtime + 8, 0x030e00f0);
    CHECK_INT(open_error(), ERR_VERSION);
    build();
    put64(im.runtime + 16, 1); /* free-threaded */
    CHECK_INT(open_error(), ERR_VERSION);
    build(); /* an offset beyond the size of its struct */
    put64(im.runtime + 23 * 8, TS_SIZE + 8);
    CHECK_INT(open_error(), ERR_CORRUPT);
    build(); /* a struct size no CPython has */
    put64(im.runtime + 28 * 8, 1ull << 40);
    CHECK_INT(open_error(), ERR_CORRUPT);
    build();
    put32(im.version, 0x020712f0);
    CHECK_INT(open_error(), ERR_VERSION);
}

static void test_not_ready(void)
{
    build();
    put64(im.runtime + RT_HEAD, 0);
    expect_sample_error(ERR_NOTREADY, 0);
    build();
    put64(im.interp + IS_THREADS, 0);
    expect_sample_error(ERR_NOTREADY, 1);
    build(); /* the main thread runs no Python code; the other one does */
    put64(im.t1 + TS_FRAME, 0);
    expect_sample_error(ERR_NOTREADY, 0);
    {
        struct env e;
        if (env_open(&e) == 0) {
            CHECK_INT(run(&e, 1), 0);
            CHECK_INT(res.n, 1);
            CHECK_INT(res.th[0].tid, 0x2222);
        }
        env_close(&e);
    }
}

/* A frame still in its prologue (before _co_firsttraceable) is hidden;
 * a generator frame is not. */
static void test_incomplete_frame(void)
{
    struct env e;
    build();
    put32(im.code_a + CO_FIRSTTRACE, 12);
    put32(im.code_b + CO_FIRSTTRACE, 12);
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, 3);
        CHECK_STR(name_of(&e, res.th[0].frames[0]), "généré");
    }
    env_close(&e);
}

/* A stack deeper than PY_MAX_DEPTH is cut at the root end; frames span two
 * chunks, the earlier one found through the chunk's previous link. */
static void test_deep_chain_two_chunks(void)
{
    enum { N = 3000, FIRST = 1000 };
    struct env e;
    uint64_t old_chunk, new_chunk, f, prev = 0, calls;
    int i;

    build();
    old_chunk = alloc(CHUNK_HDR + FIRST * FR_SIZE);
    new_chunk = alloc(CHUNK_HDR + (N - FIRST) * FR_SIZE);
    put64(old_chunk + 8, CHUNK_HDR + FIRST * FR_SIZE);
    put64(old_chunk + 16, (uint64_t)FIRST * FR_SIZE / 8);
    put64(new_chunk, old_chunk);
    put64(new_chunk + 8, CHUNK_HDR + (N - FIRST) * FR_SIZE);
    for (i = 0; i < N; i++) {
        f = i < FIRST ? old_chunk + CHUNK_HDR + (uint64_t)i * FR_SIZE
                      : new_chunk + CHUNK_HDR + (uint64_t)(i - FIRST) * FR_SIZE;
        /* The root is D; the rest alternate A and C, unit i % 16. */
        set_frame(f, i == 0 ? im.code_d : (i & 1) ? im.code_a : im.code_c, i % 16, prev, 0);
        prev = f;
    }
    put64(im.t1 + TS_FRAME, prev);
    put64(im.t1 + TS_CHUNK, new_chunk);
    put64(im.t1 + TS_TOP, prev + FR_SIZE);
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, PY_MAX_DEPTH);
        /* Innermost first: frame N-1 (odd: A, unit (N-1)%16=7, line 11). */
        CHECK_STR(name_of(&e, res.th[0].frames[0]), "ñandú_函数");
        CHECK_INT(frame_of(&e, res.th[0].frames[0])->line, 11);
        CHECK_STR(name_of(&e, res.th[0].frames[1]), "𝔘ni");
        CHECK_INT(frame_of(&e, res.th[0].frames[1])->line, 31);
        calls = e.r->calls;
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, PY_MAX_DEPTH);
        CHECK_INT(e.r->calls - calls, 1);
        /* Without the cut, the root would be reached. */
        poke64(&e, im.t1 + TS_FRAME, old_chunk + CHUNK_HDR + 100 * FR_SIZE);
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, 101);
        CHECK_STR(name_of(&e, res.th[0].frames[100]), "<module>");
    }
    env_close(&e);
}

/* A read-ahead region that disappears (a chunk freed and unmapped) makes
 * the readv fail; the sample must recover through the slow path. */
static void test_read_ahead_recovers(void)
{
    struct env e;
    uint64_t c2;
    build();
    c2 = alloc(4096);
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 1), 0);
        CHECK_INT(run(&e, 1), 0);
        /* Thread 2 moves to a new chunk; the old one stays mapped here, but
         * the read-ahead's copy no longer matches the state. */
        put64(c2 + 8, 4096);
        {
            uint64_t g = c2 + CHUNK_HDR;
            uint8_t fr[FR_SIZE];
            memset(fr, 0, sizeof fr);
            memcpy(fr + FR_EXEC, &im.code_c, 8);
            uint64_t ip = im.code_c + CO_CODE + 2 * 9;
            memcpy(fr + FR_INSTR, &ip, 8);
            CHECK_INT(mem_synth_poke(e.r, g, fr, sizeof fr), 0);
            CHECK_INT(mem_synth_poke(e.r, c2 + 8, at(c2 + 8), 8), 0);
            poke64(&e, im.t2 + TS_CHUNK, c2);
            poke64(&e, im.t2 + TS_TOP, g + FR_SIZE);
            poke64(&e, im.t2 + TS_FRAME, g);
        }
        CHECK_INT(run(&e, 1), 0);
        CHECK_INT(res.n, 2);
        CHECK_STR(name_of(&e, res.th[1].frames[0]), "𝔘ni");
        CHECK_INT(frame_of(&e, res.th[1].frames[0])->line, 33);
    }
    env_close(&e);
}

int main(void)
{
    RUN(test_good_image);
    RUN(test_code_address_reuse);
    RUN(test_frame_cycles);
    RUN(test_thread_and_interpreter_cycles);
    RUN(test_unmapped_pointers);
    RUN(test_absurd_sizes);
    RUN(test_truncated_string);
    RUN(test_versions);
    RUN(test_not_ready);
    RUN(test_incomplete_frame);
    RUN(test_deep_chain_two_chunks);
    RUN(test_read_ahead_recovers);
    free(arena);
    return check_summary();
}
