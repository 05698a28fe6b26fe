/* The decoder's mode paths on synthetic memory: a small 3.13 image (from a
 * _Py_DebugOffsets block, tests/harness/pyimage.h, offsets unlike the real
 * ones) with a GIL, a GC state, exception state and bytecode, checked for
 * the status bits, <GC> and <native> frames and opcodes, then made hostile:
 * unaligned or unmapped GIL and exception pointers, exception chains that
 * loop, opcodes that do not exist. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "opcodes/opcodes.h"
#include "pyimage.h"

/* One line-table entry covering all 16 units: line firstline + 1. */
static const uint8_t table16[] = { 0x80 | (13 << 3) | (NUNITS - 1), 2 };

struct image {
    struct pyimg_proc p;
    uint64_t chunk;
    uint64_t f_leaf, f_entry, f_caller, f_root;
    uint64_t code_leaf, code_caller, code_root;
    uint64_t none, exc, gen_item;
};

static struct image im;

static uint64_t make_code(uint64_t filename, const char *qualname)
{
    return pyimg_code(filename, pyimg_ascii(qualname), 10, table16, sizeof table16);
}

/* Main thread (0x1111): leaf (chunk) -> C-stack entry frame (owner 3) ->
 * caller (chunk) -> root (chunk). Second thread: one frame of caller.
 * Thread 1 holds the GIL; nobody collects; no exception anywhere (exc_info
 * points at each thread's own item, whose value is None for thread 1 and
 * NULL for 2). */
static void build(void)
{
    uint64_t filename;

    pyimg_reset();
    memset(&im, 0, sizeof im);
    im.none = pyimg_alloc(32);
    pyimg_put64(im.none + OB_TYPE, pyimg_type("NoneType"));
    im.exc = pyimg_alloc(64);
    pyimg_put64(im.exc + OB_TYPE, pyimg_type("ValueError"));

    filename = pyimg_ascii("/src/modes.py");
    im.code_leaf = make_code(filename, "leaf");
    im.code_caller = make_code(filename, "caller");
    im.code_root = make_code(filename, "<module>");

    im.chunk = pyimg_chunk(8192);
    im.f_root = im.chunk + CHUNK_HDR;
    im.f_caller = im.f_root + FR_SIZE;
    im.f_leaf = im.f_caller + FR_SIZE;
    im.f_entry = pyimg_alloc(FR_SIZE);
    pyimg_frame(im.f_leaf, im.code_leaf, 4, im.f_entry, 0);
    pyimg_entry_frame(im.f_entry, im.f_caller);
    pyimg_frame(im.f_caller, im.code_caller, 6, im.f_root, 0);
    pyimg_frame(im.f_root, im.code_root, 2, 0, 0);
    pyimg_process(&im.p, im.f_leaf, im.chunk, im.code_caller);

    pyimg_put64(im.p.interp + IS_GIL_PTR, im.p.interp + IS_GIL);
    pyimg_put32(im.p.interp + IS_GIL + GIL_LOCKED, 1);
    pyimg_put64(im.p.interp + IS_GIL + GIL_HOLDER, im.p.t1);
    pyimg_put64(im.p.t1 + TS_EXC_INFO, im.p.t1 + TS_EXC_STATE);
    pyimg_put64(im.p.t1 + TS_EXC_STATE, im.none);
    pyimg_put64(im.p.t2 + TS_EXC_INFO, im.p.t2 + TS_EXC_STATE);
    im.gen_item = pyimg_alloc(16);
}

static struct pyimg_result res;

/* Every test here looks at all threads, their status and the GC frame
 * unless it says otherwise. */
static int env_open(struct pyimg_env *e)
{
    int rc = pyimg_open(e, &im.p);
    if (rc < 0)
        check_fail(__FILE__, __LINE__, "open failed: %s", diag_message());
    e->o.all_threads = 1;
    e->o.thread_status = 1;
    e->o.gc = 1;
    return rc;
}

static int run(struct pyimg_env *e)
{
    return pyimg_sample(e, &res);
}

#define STATUS_BITS (TACHYON_THREAD_HAS_GIL | TACHYON_THREAD_HAS_EXCEPTION | TACHYON_THREAD_IN_GC | \
                     TACHYON_THREAD_MAIN | TACHYON_THREAD_ON_CPU | TACHYON_THREAD_UNKNOWN)

/* --- tests ---------------------------------------------------------------- */

static void test_gil_holder(void)
{
    struct pyimg_env e;
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
    pyimg_poke64(&e, im.p.interp + IS_GIL + GIL_HOLDER, im.p.t2);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
    CHECK(res.th[1].status & TACHYON_THREAD_HAS_GIL);
    /* Released: nobody holds it, whoever held it last. */
    pyimg_poke32(&e, im.p.interp + IS_GIL + GIL_LOCKED, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);
    /* Not initialised yet (-1). */
    pyimg_poke32(&e, im.p.interp + IS_GIL + GIL_LOCKED, 0xffffffffu);
    CHECK_INT(run(&e), 0);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_GIL, 0);

    /* The interpreter switches to another GIL struct (a moved pointer). */
    pyimg_put64(im.p.interp + 3000 + GIL_HOLDER, im.p.t1);
    pyimg_put32(im.p.interp + 3000 + GIL_LOCKED, 1);
    CHECK_INT(mem_synth_poke(e.r, im.p.interp + 3000, pyimg_at(im.p.interp + 3000), 24), 0);
    pyimg_poke64(&e, im.p.interp + IS_GIL_PTR, im.p.interp + 3000);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_GIL);

    /* Hostile pointers: unaligned means unknown, unmapped fails the sample. */
    pyimg_poke64(&e, im.p.interp + IS_GIL_PTR, im.p.interp + 3001);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
    pyimg_poke64(&e, im.p.interp + IS_GIL_PTR, PYIMG_UNMAPPED);
    CHECK_INT(run(&e), ERR_READ);
    pyimg_poke64(&e, im.p.interp + IS_GIL_PTR, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_GIL, 0);
out:
    pyimg_close(&e);
}

static void test_exception_state(void)
{
    struct pyimg_env e;

    build();
    if (env_open(&e) < 0)
        goto out;
    CHECK_INT(run(&e), 0);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_HAS_EXCEPTION, 0);

    /* Propagating: current_exception set. */
    pyimg_poke64(&e, im.p.t2 + TS_CUREXC, im.exc);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[1].status & TACHYON_THREAD_HAS_EXCEPTION);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
    pyimg_poke64(&e, im.p.t2 + TS_CUREXC, 0);

    /* In an except block: the thread's own item holds the exception. */
    pyimg_poke64(&e, im.p.t1 + TS_EXC_STATE, im.exc);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);

    /* A generator's item on top, without an exception: the one below
     * (the except block the generator runs in) still counts. */
    pyimg_put64(im.gen_item, 0);
    pyimg_put64(im.gen_item + 8, im.p.t1 + TS_EXC_STATE);
    CHECK_INT(mem_synth_poke(e.r, im.gen_item, pyimg_at(im.gen_item), 16), 0);
    pyimg_poke64(&e, im.p.t1 + TS_EXC_INFO, im.gen_item);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);
    CHECK_INT(run(&e), 0);   /* and through the read-ahead */
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);
    /* The except block ends: None below, nothing on top. */
    pyimg_poke64(&e, im.p.t1 + TS_EXC_STATE, im.none);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
    /* The generator handles one itself. */
    pyimg_poke64(&e, im.gen_item, im.exc);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION);

    /* Hostile chains: a loop of empty items ends (bounded), an unmapped or
     * unaligned link fails the sample cleanly. */
    pyimg_poke64(&e, im.gen_item, 0);
    pyimg_poke64(&e, im.gen_item + 8, im.gen_item);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION, 0);
    pyimg_poke64(&e, im.gen_item + 8, PYIMG_UNMAPPED);
    CHECK_INT(run(&e), ERR_READ);
    pyimg_poke64(&e, im.gen_item + 8, im.gen_item + 3);
    CHECK_INT(run(&e), ERR_CORRUPT);
    pyimg_poke64(&e, im.p.t1 + TS_EXC_INFO, PYIMG_UNMAPPED);
    CHECK_INT(run(&e), ERR_READ);
    /* An exception value that is no object. */
    pyimg_poke64(&e, im.p.t1 + TS_EXC_INFO, im.p.t1 + TS_EXC_STATE);
    pyimg_poke64(&e, im.p.t1 + TS_CUREXC, PYIMG_UNMAPPED);
    CHECK(run(&e) < 0 || (res.th[0].status & TACHYON_THREAD_HAS_EXCEPTION));
    CHECK(diag_message()[0] != '\0');

    /* Without thread status nothing of this is read. */
    e.o.thread_status = 0;
    e.o.gc = 0;
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].status, TACHYON_THREAD_MAIN);
out:
    pyimg_close(&e);
}

static void test_gc_frame(void)
{
    struct pyimg_env e;
    const tachyon_frame *f;

    build();
    pyimg_put32(im.p.interp + IS_GC + GC_COLLECTING, 1);
    if (env_open(&e) < 0)
        goto out;
    CHECK_INT(run(&e), 0);
    /* The GIL holder collects: <GC> on top of its stack, not the other's. */
    CHECK(res.th[0].status & TACHYON_THREAD_IN_GC);
    CHECK_INT(res.th[0].depth, 4);
    f = pyimg_frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->kind == TACHYON_FRAME_GC && f->line == 0 && f->opcode == TACHYON_NO_OPCODE);
    CHECK_STR(f ? pyimg_str_of(&e, f->filename) : NULL, "~");
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "<GC>");
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[1]), "leaf");
    CHECK_INT(res.th[1].status & TACHYON_THREAD_IN_GC, 0);
    CHECK_INT(res.th[1].depth, 1);

    /* --no-gc: the bit stays, the frame goes. */
    e.o.gc = 0;
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].status & TACHYON_THREAD_IN_GC);
    CHECK_INT(res.th[0].depth, 3);
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "leaf");
    e.o.gc = 1;

    /* The collection ends, or the collector is not the GIL holder. */
    pyimg_poke32(&e, im.p.interp + IS_GC + GC_COLLECTING, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 3);
    pyimg_poke32(&e, im.p.interp + IS_GC + GC_COLLECTING, 1);
    pyimg_poke32(&e, im.p.interp + IS_GIL + GIL_LOCKED, 0);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 3);
    CHECK_INT((res.th[0].status | res.th[1].status) & TACHYON_THREAD_IN_GC, 0);
out:
    pyimg_close(&e);
}

static void test_native_frames(void)
{
    struct pyimg_env e;
    const tachyon_frame *f;

    build();
    if (env_open(&e) < 0)
        goto out;
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 3);   /* the entry frame is not shown */
    e.o.native = 1;
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 4);
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "leaf");
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[1]), "<native>");
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[2]), "caller");
    f = pyimg_frame_of(&e, res.th[0].frames[1]);
    CHECK(f && f->kind == TACHYON_FRAME_NATIVE && f->line == 0);
    /* An entry frame at either end of the chain marks no transition. */
    pyimg_poke64(&e, im.p.t1 + TS_FRAME, im.f_entry);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 2);
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "caller");
    pyimg_poke64(&e, im.f_root + FR_PREV, im.f_entry);
    pyimg_poke64(&e, im.f_entry + FR_PREV, 0);
    pyimg_poke64(&e, im.p.t1 + TS_FRAME, im.f_caller);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].depth, 2);
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[1]), "<module>");
out:
    pyimg_close(&e);
}

static int opcode_named(const char *name)
{
    struct opcode_info info;
    int op;
    for (op = 0; op < 256; op++)
        if (opcode_lookup(PYIMG_HEX313, op, &info) == 0 && strcmp(info.name, name) == 0)
            return op;
    return -1;
}

static int unused_opcode(void)
{
    struct opcode_info info;
    int op;
    for (op = 255; op >= 0; op--)
        if (opcode_lookup(PYIMG_HEX313, op, &info) < 0)
            return op;
    return -1;
}

static void test_opcodes(void)
{
    struct pyimg_env e;
    const tachyon_frame *f;
    int add = opcode_named("BINARY_OP_ADD_INT"), generic = opcode_named("BINARY_OP");
    int attr = opcode_named("LOAD_ATTR_INSTANCE_VALUE"), bad = unused_opcode();
    uint32_t first;

    CHECK(add >= 0 && generic >= 0 && attr >= 0 && bad >= 0);
    build();
    pyimg_at(im.code_leaf + CO_CODE + 2 * 4)[0] = (uint8_t)add;
    pyimg_at(im.code_caller + CO_CODE + 2 * 6)[0] = (uint8_t)attr;
    if (env_open(&e) < 0)
        goto out;
    e.o.opcodes = 1;
    e.o.all_threads = 0;
    CHECK_INT(run(&e), 0);
    f = pyimg_frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->opcode == add && f->base_opcode == generic);
    CHECK_STR(f ? pyimg_str_of(&e, f->opcode_name) : NULL, "BINARY_OP_ADD_INT");
    CHECK_STR(f ? pyimg_str_of(&e, f->base_opcode_name) : NULL, "BINARY_OP");
    CHECK(f && f->line == 11);
    f = pyimg_frame_of(&e, res.th[0].frames[1]);
    CHECK_STR(f ? pyimg_str_of(&e, f->opcode_name) : NULL, "LOAD_ATTR_INSTANCE_VALUE");
    CHECK_STR(f ? pyimg_str_of(&e, f->base_opcode_name) : NULL, "LOAD_ATTR");
    first = res.th[0].frames[0];

    /* Same offset, de-optimized in place: a new frame, read ahead. */
    CHECK_INT(run(&e), 0);
    pyimg_poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)generic);
    CHECK_INT(run(&e), 0);
    CHECK(res.th[0].frames[0] != first);
    f = pyimg_frame_of(&e, res.th[0].frames[0]);
    CHECK_STR(f ? pyimg_str_of(&e, f->opcode_name) : NULL, "BINARY_OP");
    /* Re-specialized: the first frame again (cached per opcode). */
    pyimg_poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)add);
    CHECK_INT(run(&e), 0);
    CHECK_INT(res.th[0].frames[0], first);

    /* Without --opcodes the frame carries none. */
    e.o.opcodes = 0;
    CHECK_INT(run(&e), 0);
    f = pyimg_frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->opcode == TACHYON_NO_OPCODE && f->opcode_name == 0 && f->base_opcode_name == 0);
    e.o.opcodes = 1;

    /* A byte that is no instruction of this version: a failed sample. */
    pyimg_poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)bad);
    CHECK_INT(run(&e), ERR_CORRUPT);
    CHECK(diag_message()[0] != '\0');
    pyimg_poke8(&e, im.code_leaf + CO_CODE + 2 * 4, (uint8_t)add);
    CHECK_INT(run(&e), 0);
    /* Bytecode that cannot be read fails the sample, never a wrong name. */
    CHECK(pyimg_used() < 150000);
    pyimg_poke64(&e, im.code_leaf + CO_NSIZE, 100000);
    CHECK_INT(run(&e), ERR_READ);
    /* Bytecode too large to copy: the frame, without an opcode. */
    pyimg_poke64(&e, im.code_leaf + CO_NSIZE, 1u << 20);
    CHECK_INT(run(&e), 0);
    f = pyimg_frame_of(&e, res.th[0].frames[0]);
    CHECK(f && f->opcode == TACHYON_NO_OPCODE && f->line == 11);
out:
    pyimg_close(&e);
}

int main(void)
{
    RUN(test_gil_holder);
    RUN(test_exception_state);
    RUN(test_gc_frame);
    RUN(test_native_frames);
    RUN(test_opcodes);
    pyimg_free();
    return check_summary();
}
