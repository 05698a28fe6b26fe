/* The decoder on synthetic memory: a small 3.13 process laid out from a
 * _Py_DebugOffsets block (tests/harness/pyimage.h), with offsets
 * deliberately different from the real 3.13 ones (so every offset must come
 * from the block), then made hostile one way at a time: cycles, absurd
 * sizes, unmapped pointers, bad cookie or version, truncated strings. Each
 * must give a clean error (and no ASan report). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "pyimage.h"

/* Two entries over 16 units: units 0-7 line first+1, columns 4-20 (long
 * form); units 8-15 line first+3 without columns. */
static const uint8_t table16[] = { 0x80 | (14 << 3) | 7, 2, 0, 5, 21, 0x80 | (13 << 3) | 7, 4 };

/* --- the image ---------------------------------------------------------- */

struct image {
    struct pyimg_proc p;
    uint64_t chunk;
    uint64_t f0, f1, f2, f3, f4;
    uint64_t code_a, code_b, code_c, code_d;
    uint64_t str_other, type_dict;
};

static struct image im;

static uint64_t make_code(uint64_t filename, uint64_t qualname, int firstline)
{
    return pyimg_code(filename, qualname, firstline, table16, sizeof table16);
}

/* Main thread (ident 0x1111): F0 (chunk) -> F1 (generator, heap) -> F2
 * (C-stack entry frame, skipped) -> F3 (chunk) -> F4 (chunk). Second
 * thread: one frame of A at unit 0, in its own chunk. */
static void build(void)
{
    static const uint16_t nandu[] = { 0xf1, 'a', 'n', 'd', 0xfa, '_', 0x51fd, 0x6570 }; /* ñandú_函数 */
    static const uint8_t genere[] = { 'g', 0xe9, 'n', 0xe9, 'r', 0xe9 };                /* généré */
    static const uint32_t astral[] = { 0x1d518, 'n', 'i' };                              /* 𝔘ni */
    uint64_t filename;

    pyimg_reset();
    memset(&im, 0, sizeof im);
    im.type_dict = pyimg_type("dict");
    filename = pyimg_ascii("/src/app.py");
    im.code_a = make_code(filename, pyimg_str(nandu, 8, 2, 0), 10);
    im.code_b = make_code(filename, pyimg_str(genere, 6, 1, 0), 20);
    im.code_c = make_code(filename, pyimg_str(astral, 3, 4, 0), 30);
    im.code_d = make_code(filename, pyimg_ascii("<module>"), 1);
    im.str_other = pyimg_ascii("replaced");

    im.chunk = pyimg_chunk(16384);
    im.f4 = im.chunk + CHUNK_HDR;
    im.f3 = im.f4 + FR_SIZE;
    im.f0 = im.f3 + FR_SIZE;
    im.f1 = pyimg_alloc(FR_SIZE);
    im.f2 = pyimg_alloc(FR_SIZE);
    pyimg_frame(im.f0, im.code_a, 9, im.f1, 0);
    pyimg_frame(im.f1, im.code_b, 2, im.f2, 1);
    pyimg_entry_frame(im.f2, im.f3);
    pyimg_put64(im.f2 + FR_EXEC, im.str_other); /* not a code object: must be skipped */
    pyimg_frame(im.f3, im.code_c, 3, im.f4, 0);
    pyimg_frame(im.f4, im.code_d, 8, 0, 0);
    pyimg_process(&im.p, im.f0, im.chunk, im.code_a);
}

/* --- running the decoder -------------------------------------------------- */

static struct pyimg_result res;

/* Tests of open errors clear this; everywhere else a failed open is a
 * failure of the test, not a reason to skip its checks. */
static int expect_open_ok = 1;

/* Map the arena and open a target on it; returns py_target_open's code. */
static int env_open(struct pyimg_env *e)
{
    int rc = pyimg_open(e, &im.p);
    if (rc < 0 && expect_open_ok)
        check_fail(__FILE__, __LINE__, "open failed: %s", diag_message());
    return rc;
}

static int run(struct pyimg_env *e, int all)
{
    e->o.all_threads = all;
    return pyimg_sample(e, &res);
}

/* Open, expect a sample error, close. */
static void expect_sample_error(int want, int all)
{
    struct pyimg_env e;
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, all), want);
        CHECK(diag_message()[0] != '\0');
    }
    pyimg_close(&e);
}

/* --- tests ---------------------------------------------------------------- */

static void test_good_image(void)
{
    struct pyimg_env e;
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
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "ñandú_函数");
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[1]), "généré");
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[2]), "𝔘ni");
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[3]), "<module>");
        f = pyimg_frame_of(&e, res.th[0].frames[0]); /* unit 9: line 10+3, no columns */
        CHECK(f && f->line == 13 && f->end_line == 13 && f->column == -1 && f->end_column == -1);
        CHECK(f && f->kind == TACHYON_FRAME_PYTHON && f->opcode == TACHYON_NO_OPCODE &&
              f->base_opcode == TACHYON_NO_OPCODE && f->opcode_name == 0);
        CHECK_STR(f ? interner_string(e.in, f->filename, NULL) : NULL, "/src/app.py");
        f = pyimg_frame_of(&e, res.th[0].frames[1]); /* unit 2: line 21, columns 4-20 */
        CHECK(f && f->line == 21 && f->end_line == 21 && f->column == 4 && f->end_column == 20);
        CHECK_INT(pyimg_line_of(&e, res.th[0].frames[2]), 31);
        CHECK_INT(pyimg_line_of(&e, res.th[0].frames[3]), 4);
    }

    CHECK_INT(run(&e, 1), 0);
    CHECK_INT(res.n, 2);
    CHECK_INT(res.th[1].tid, 0x2222);
    CHECK_INT(res.th[1].status & TACHYON_THREAD_MAIN, 0);
    CHECK_INT(res.th[1].depth, 1);
    CHECK_INT(pyimg_line_of(&e, res.th[1].frames[0]), 11);

    /* Nothing changed: the next sample is the single read-ahead readv. */
    calls = e.r->calls;
    CHECK_INT(run(&e, 1), 0);
    CHECK_INT(e.r->calls - calls, 1);
    CHECK_INT(res.n, 2);
    CHECK_INT(res.th[0].depth, 4);
out:
    pyimg_close(&e);
}

/* A code object replaced at the same address must not be served from the
 * cache: the guard sees the new qualname pointer. */
static void test_code_address_reuse(void)
{
    struct pyimg_env e;
    build();
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 0), 0);
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "ñandú_函数");
        pyimg_poke64(&e, im.code_a + CO_QUALNAME, im.str_other);
        CHECK_INT(run(&e, 0), 0);
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "replaced");
        /* The stack changes under the read-ahead: still right. */
        pyimg_poke64(&e, im.p.t1 + TS_FRAME, im.f3);
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, 2);
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "𝔘ni");
    }
    pyimg_close(&e);
}

static void test_frame_cycles(void)
{
    build();
    pyimg_put64(im.f4 + FR_PREV, im.f0);
    expect_sample_error(ERR_CORRUPT, 0);
    build();
    pyimg_put64(im.f0 + FR_PREV, im.f0);
    expect_sample_error(ERR_CORRUPT, 0);
    build();
    pyimg_put64(im.f2 + FR_PREV, im.f1); /* through the skipped C-stack frame */
    expect_sample_error(ERR_CORRUPT, 0);
}

static void test_thread_and_interpreter_cycles(void)
{
    build();
    pyimg_put64(im.p.t2 + TS_NEXT, im.p.t1);
    expect_sample_error(ERR_CORRUPT, 1);
    build();
    pyimg_put64(im.p.interp + IS_NEXT, im.p.interp);
    expect_sample_error(ERR_CORRUPT, 0);
    build();
    pyimg_put64(im.p.t2 + TS_INTERP, im.p.t1); /* thread state of another interpreter */
    expect_sample_error(ERR_CORRUPT, 0);
}

static void test_unmapped_pointers(void)
{
    build();
    pyimg_put64(im.f3 + FR_PREV, PYIMG_UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    pyimg_put64(im.f0 + FR_EXEC, PYIMG_UNMAPPED);
    pyimg_put64(im.f0 + FR_INSTR, PYIMG_UNMAPPED + CO_CODE);
    expect_sample_error(ERR_READ, 0);
    build();
    pyimg_put64(im.code_a + CO_QUALNAME, PYIMG_UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    pyimg_put64(im.p.t1 + TS_NEXT, PYIMG_UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    pyimg_put64(im.p.runtime + RT_HEAD, PYIMG_UNMAPPED);
    expect_sample_error(ERR_READ, 0);
    build();
    pyimg_put64(im.p.t1 + TS_CHUNK, PYIMG_UNMAPPED);
    pyimg_put64(im.p.t1 + TS_TOP, PYIMG_UNMAPPED + 100);
    expect_sample_error(ERR_READ, 0);
}

static void test_absurd_sizes(void)
{
    uint64_t s;

    build(); /* string length far beyond any name */
    pyimg_put64(pyimg_get64(im.code_a + CO_QUALNAME) + UNI_LENGTH, 1ull << 40);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* negative length */
    pyimg_put64(pyimg_get64(im.code_a + CO_QUALNAME) + UNI_LENGTH, (uint64_t)-5);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* kind 3 */
    s = pyimg_get64(im.code_a + CO_QUALNAME);
    pyimg_put32(s + UNI_STATE, (3u << 2) | (1u << 5));
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* not compact */
    pyimg_put32(s + UNI_STATE, 2u << 2);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* ASCII flag with a non-ASCII byte */
    s = pyimg_get64(im.code_d + CO_QUALNAME);
    pyimg_at(s + UNI_ASCII)[0] = 0xc3;
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* code point above U+10FFFF */
    s = pyimg_get64(im.code_c + CO_QUALNAME);
    pyimg_put32(s + UNI_COMPACT, 0x110000);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* negative bytes size for the line table */
    pyimg_put64(pyimg_get64(im.code_a + CO_LINETABLE) + BY_SIZE, (uint64_t)-1);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* empty code */
    pyimg_put64(im.code_a + CO_NSIZE, 0);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* instruction outside the code */
    pyimg_put64(im.f0 + FR_INSTR, im.code_a + CO_CODE + 2000);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* instruction pointer between code units */
    pyimg_put64(im.f0 + FR_INSTR, im.code_a + CO_CODE + 3);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* data-stack top below its chunk */
    pyimg_put64(im.p.t1 + TS_TOP, im.chunk - 64);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* misaligned frame pointer */
    pyimg_put64(im.p.t1 + TS_FRAME, im.f0 + 3);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* a frame whose code is not a code object */
    pyimg_put64(im.code_b + OB_TYPE, im.type_dict);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* a name that is not a str */
    pyimg_put64(pyimg_get64(im.code_a + CO_QUALNAME) + OB_TYPE, pyimg_types.bytes);
    expect_sample_error(ERR_CORRUPT, 0);
    build(); /* a line table entry cut short */
    pyimg_put64(pyimg_get64(im.code_a + CO_LINETABLE) + BY_SIZE, 3);
    expect_sample_error(ERR_CORRUPT, 0);
}

/* A string whose characters run past the end of mapped memory. */
static void test_truncated_string(void)
{
    struct pyimg_env e;
    uint8_t hdr[UNI_ASCII + 4];
    uint64_t addr = 0x30000000;

    build();
    pyimg_put64(im.code_a + CO_QUALNAME, addr);
    if (env_open(&e) == 0) {
        memset(hdr, 0, sizeof hdr);
        memcpy(hdr + OB_TYPE, &pyimg_types.str, 8);
        hdr[UNI_LENGTH] = 100;
        hdr[UNI_STATE] = (1u << 2) | (1u << 5) | (1u << 6);
        memcpy(hdr + UNI_ASCII, "abcd", 4);
        CHECK_INT(mem_synth_map(e.r, addr, hdr, sizeof hdr), 0);
        CHECK_INT(run(&e, 0), ERR_READ);
    }
    pyimg_close(&e);
}

static int open_error(void)
{
    struct pyimg_env e;
    int rc;
    expect_open_ok = 0;
    rc = env_open(&e);
    expect_open_ok = 1;
    pyimg_close(&e);
    return rc;
}

static void test_versions(void)
{
    build();
    memcpy(pyimg_at(im.p.runtime), "ydebugpy", 8);
    CHECK_INT(open_error(), ERR_VERSION);
    build(); /* the block claims 3.12 while Py_Version says 3.13 */
    pyimg_put64(im.p.runtime + 8, 0x030c01f0);
    CHECK_INT(open_error(), ERR_VERSION);
    CHECK(strstr(diag_message(), "0x30c01f0") != NULL);
    build();
    pyimg_put32(im.p.version, 0x030a0df0);
    CHECK_INT(open_error(), ERR_VERSION);
    CHECK(strstr(diag_message(), "3.10.13") != NULL);
    CHECK(strstr(diag_message(), "3.11 to 3.15") != NULL);
    build();
    pyimg_put32(im.p.version, 0x031000a1);
    CHECK_INT(open_error(), ERR_VERSION);
    CHECK(strstr(diag_message(), "3.16.0a1") != NULL);
    build(); /* a 3.13 block claiming 3.14: read with the 3.14 table, its
              * offsets land outside their structs */
    pyimg_put32(im.p.version, 0x030e00f0);
    pyimg_put64(im.p.runtime + 8, 0x030e00f0);
    CHECK_INT(open_error(), ERR_CORRUPT);
    build();
    pyimg_put64(im.p.runtime + 16, 1); /* free-threaded */
    CHECK_INT(open_error(), ERR_VERSION);
    CHECK(strstr(diag_message(), "free-threaded") != NULL);
    CHECK(strstr(diag_message(), "3.13") != NULL);
    build(); /* an offset beyond the size of its struct */
    pyimg_put64(im.p.runtime + 23 * 8, TS_SIZE + 8);
    CHECK_INT(open_error(), ERR_CORRUPT);
    build(); /* a struct size no CPython has */
    pyimg_put64(im.p.runtime + 28 * 8, 1ull << 40);
    CHECK_INT(open_error(), ERR_CORRUPT);
    build();
    pyimg_put32(im.p.version, 0x020712f0);
    CHECK_INT(open_error(), ERR_VERSION);
}

static void test_not_ready(void)
{
    build();
    pyimg_put64(im.p.runtime + RT_HEAD, 0);
    expect_sample_error(ERR_NOTREADY, 0);
    build();
    pyimg_put64(im.p.interp + IS_THREADS, 0);
    expect_sample_error(ERR_NOTREADY, 1);
    build(); /* the main thread runs no Python code; the other one does */
    pyimg_put64(im.p.t1 + TS_FRAME, 0);
    expect_sample_error(ERR_NOTREADY, 0);
    {
        struct pyimg_env e;
        if (env_open(&e) == 0) {
            CHECK_INT(run(&e, 1), 0);
            CHECK_INT(res.n, 1);
            CHECK_INT(res.th[0].tid, 0x2222);
        }
        pyimg_close(&e);
    }
}

/* A frame still in its prologue (before _co_firsttraceable) is hidden;
 * a generator frame is not. */
static void test_incomplete_frame(void)
{
    struct pyimg_env e;
    build();
    pyimg_put32(im.code_a + CO_FIRSTTRACE, 12);
    pyimg_put32(im.code_b + CO_FIRSTTRACE, 12);
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, 3);
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "généré");
    }
    pyimg_close(&e);
}

/* A stack deeper than PY_MAX_DEPTH is cut at the root end; frames span two
 * chunks, the earlier one found through the chunk's previous link. */
static void test_deep_chain_two_chunks(void)
{
    enum { N = 3000, FIRST = 1000 };
    struct pyimg_env e;
    uint64_t old_chunk, new_chunk, f, prev = 0, calls;
    int i;

    build();
    old_chunk = pyimg_alloc(CHUNK_HDR + FIRST * FR_SIZE);
    new_chunk = pyimg_alloc(CHUNK_HDR + (N - FIRST) * FR_SIZE);
    pyimg_put64(old_chunk + 8, CHUNK_HDR + FIRST * FR_SIZE);
    pyimg_put64(old_chunk + 16, (uint64_t)FIRST * FR_SIZE / 8);
    pyimg_put64(new_chunk, old_chunk);
    pyimg_put64(new_chunk + 8, CHUNK_HDR + (N - FIRST) * FR_SIZE);
    for (i = 0; i < N; i++) {
        f = i < FIRST ? old_chunk + CHUNK_HDR + (uint64_t)i * FR_SIZE
                      : new_chunk + CHUNK_HDR + (uint64_t)(i - FIRST) * FR_SIZE;
        /* The root is D; the rest alternate A and C, unit i % 16. */
        pyimg_frame(f, i == 0 ? im.code_d : (i & 1) ? im.code_a : im.code_c, i % 16, prev, 0);
        prev = f;
    }
    pyimg_put64(im.p.t1 + TS_FRAME, prev);
    pyimg_put64(im.p.t1 + TS_CHUNK, new_chunk);
    pyimg_put64(im.p.t1 + TS_TOP, prev + FR_SIZE);
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, PY_MAX_DEPTH);
        /* Innermost first: frame N-1 (odd: A, unit (N-1)%16=7, line 11). */
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "ñandú_函数");
        CHECK_INT(pyimg_line_of(&e, res.th[0].frames[0]), 11);
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[1]), "𝔘ni");
        CHECK_INT(pyimg_line_of(&e, res.th[0].frames[1]), 31);
        calls = e.r->calls;
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, PY_MAX_DEPTH);
        CHECK_INT(e.r->calls - calls, 1);
        /* Without the cut, the root would be reached. */
        pyimg_poke64(&e, im.p.t1 + TS_FRAME, old_chunk + CHUNK_HDR + 100 * FR_SIZE);
        CHECK_INT(run(&e, 0), 0);
        CHECK_INT(res.th[0].depth, 101);
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[100]), "<module>");
    }
    pyimg_close(&e);
}

/* A read-ahead region that disappears (a chunk freed and unmapped) makes
 * the readv fail; the sample must recover through the slow path. */
static void test_read_ahead_recovers(void)
{
    struct pyimg_env e;
    uint64_t c2;
    build();
    c2 = pyimg_alloc(4096);
    if (env_open(&e) == 0) {
        CHECK_INT(run(&e, 1), 0);
        CHECK_INT(run(&e, 1), 0);
        /* Thread 2 moves to a new chunk; the old one stays mapped here, but
         * the read-ahead's copy no longer matches the state. */
        pyimg_put64(c2 + 8, 4096);
        {
            uint64_t g = c2 + CHUNK_HDR;
            uint8_t fr[FR_SIZE];
            memset(fr, 0, sizeof fr);
            memcpy(fr + FR_EXEC, &im.code_c, 8);
            uint64_t ip = im.code_c + CO_CODE + 2 * 9;
            memcpy(fr + FR_INSTR, &ip, 8);
            CHECK_INT(mem_synth_poke(e.r, g, fr, sizeof fr), 0);
            CHECK_INT(mem_synth_poke(e.r, c2 + 8, pyimg_at(c2 + 8), 8), 0);
            pyimg_poke64(&e, im.p.t2 + TS_CHUNK, c2);
            pyimg_poke64(&e, im.p.t2 + TS_TOP, g + FR_SIZE);
            pyimg_poke64(&e, im.p.t2 + TS_FRAME, g);
        }
        CHECK_INT(run(&e, 1), 0);
        CHECK_INT(res.n, 2);
        CHECK_STR(pyimg_name_of(&e, res.th[1].frames[0]), "𝔘ni");
        CHECK_INT(pyimg_line_of(&e, res.th[1].frames[0]), 33);
    }
    pyimg_close(&e);
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
    pyimg_free();
    return check_summary();
}
