/* The 3.14 and 3.15 layout tables (core/python/layout_debug.c) on the real
 * _Py_DebugOffsets blocks of Debian unstable's 3.14.10 and 3.15.2 (copied
 * from _PyRuntime of the running interpreters). The expected values are
 * independent of the tables: offsetof()/sizeof() of the same fields compiled
 * against those versions' installed internal headers (release and Py_DEBUG
 * builds agree on every one of them). Also: the free-threaded flag of either
 * block is refused by name, a block of the other version is refused, and a
 * hostile offset is caught. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "python/layout.h"

static const uint64_t block_14[] = {
    0, /* the cookie, copied in */
    51251952, 0, 316616, 784, 808, 225864, 7280, 7272, 7344, 7360, 7408, 7688, 7672, 7680, 16,
    7784, 0, 7800, 7792, 7992, 0, 832, 0, 8, 16, 72, 152, 160, 232, 32, 88, 8, 0, 56, 80, 74,
    64, 0, 216, 112, 120, 128, 136, 68, 52, 96, 104, 208, 0, 16, 8, 416, 24, 88, 168, 40, 32,
    16, 40, 24, 16, 200, 24, 40, 32, 48, 32, 40, 24, 16, 32, 16, 24, 40, 16, 32, 64, 32, 16, 40,
    264, 192, 160, 24, 72, 67, 0, 8, 24, 304, 8076, 0, 4, 512,
};
static const uint64_t block_15[] = {
    0, /* the cookie, copied in */
    51315440, 0, 346568, 912, 936, 226240, 7272, 7264, 7336, 7352, 7400, 7592, 7576, 7584, 16,
    7736, 0, 7752, 7744, 7944, 0, 888, 0, 8, 16, 72, 80, 88, 96, 176, 184, 256, 32, 36, 40, 136,
    288, 0, 88, 8, 0, 56, 80, 74, 64, 0, 216, 112, 120, 128, 136, 68, 52, 96, 104, 208, 0, 16,
    8, 424, 24, 88, 168, 32, 288, 944, 888, 40, 32, 16, 40, 24, 16, 200, 24, 40, 32, 48, 32, 40,
    24, 16, 32, 16, 24, 40, 16, 32, 64, 32, 16, 40, 56, 176, 112, 120, 1120, 104, 160, 24, 72,
    67, 0, 8, 24, 344, 8028, 0, 4, 512,
};

#define HEX314 0x030e0af0u
#define HEX315 0x030f02f0u

static int from_block(const uint64_t *words, size_t nwords, uint32_t hex, struct py_layout *L,
                      size_t poke_word, uint64_t poke)
{
    uint64_t b[128];
    int rc;
    memcpy(b, words, nwords * sizeof *words);
    memcpy(b, "xdebugpy", 8);
    if (poke_word)
        b[poke_word] = poke;
    rc = py_layout_from_debug(hex, b, nwords * 8, L);
    if (rc == 0)
        rc = py_layout_validate(L);
    return rc;
}

static void test_sizes(void)
{
    CHECK_INT(sizeof block_14, 760);   /* sizeof(_Py_DebugOffsets), 3.14 headers */
    CHECK_INT(sizeof block_15, 888);   /* 3.15 headers */
    CHECK_INT(py_layout_debug_size(HEX314), 760);
    CHECK_INT(py_layout_debug_size(HEX315), 888);
}

static void test_314(void)
{
    struct py_layout L;
    CHECK_INT(from_block(block_14, 95, HEX314, &L, 0, 0), 0);
    CHECK_INT(L.rt_interpreters_head, 808);
    CHECK_INT(L.is_threads_main, 7360);
    CHECK_INT(L.main_mode, PY_MAIN_BY_INTERP_POINTER);
    CHECK_INT(L.ts_frame, 72);
    CHECK_INT(L.ts_curexc, 112);          /* offsetof(PyThreadState, current_exception) */
    CHECK_INT(L.ts_exc_info, 120);
    CHECK_INT(L.ts_exc_state, 256);
    CHECK_INT(L.ts_datastack_chunk, 232);
    CHECK_INT(L.ts_datastack_top, 240);
    CHECK_INT(L.fr_owner, 74);
    CHECK_INT(L.fr_instr, 56);
    CHECK_INT(L.fr_executable_tag_mask, 3);
    CHECK_INT(L.co_firsttraceable, 192);
    CHECK_INT(L.co_code_adaptive, 208);
    CHECK_INT(L.uni_ascii_size, 40);
    CHECK_INT(L.uni_compact_size, 56);    /* sizeof(PyCompactUnicodeObject) */
    CHECK_INT(L.is_gc_collecting, 7408 + 192);
    CHECK_INT(L.is_gc_frame, PY_OFF_NONE);
    CHECK_INT(L.gil_last_holder, 8);
    CHECK_INT(L.gil_locked, 16);
    CHECK_INT(L.ts_holds_gil, PY_OFF_NONE);
    CHECK_INT(L.ts_gil_requested, PY_OFF_NONE);
}

static void test_315(void)
{
    struct py_layout L;
    CHECK_INT(from_block(block_15, 111, HEX315, &L, 0, 0), 0);
    CHECK_INT(L.rt_interpreters_head, 936);
    CHECK_INT(L.is_threads_main, 7352);
    CHECK_INT(L.ts_curexc, 136);
    CHECK_INT(L.ts_exc_info, 144);        /* not published: current_exception + 8 */
    CHECK_INT(L.ts_exc_state, 288);
    CHECK_INT(L.ts_datastack_top, 264);
    CHECK_INT(L.ts_holds_gil, 36);
    CHECK_INT(L.ts_gil_requested, 40);
    CHECK_INT(L.err_exc_value, 0);
    CHECK_INT(L.err_previous, 8);
    CHECK_INT(L.co_firsttraceable, 192);
    CHECK_INT(L.uni_compact_size, 56);
    CHECK_INT(L.is_gc_collecting, 7400 + 112);
    CHECK_INT(L.is_gc_frame, 7400 + 120);
    CHECK_INT(L.gil_last_holder, 8);
    CHECK_INT(L.gil_locked, 16);
    CHECK_INT(L.fr_owner_skip_mask, 1u << 3);
}

static void test_refusals(void)
{
    struct py_layout L;
    /* The free_threaded word (2) of a 3.14t or 3.15t block. */
    CHECK_INT(from_block(block_14, 95, HEX314, &L, 2, 1), ERR_VERSION);
    CHECK(strstr(diag_message(), "free-threaded") && strstr(diag_message(), "3.14"));
    CHECK_INT(from_block(block_15, 111, HEX315, &L, 2, 1), ERR_VERSION);
    CHECK(strstr(diag_message(), "free-threaded") && strstr(diag_message(), "3.15"));
    /* A 3.14 block in a process whose Py_Version says 3.15. */
    CHECK_INT(from_block(block_14, 95, HEX315, &L, 0, 0), ERR_VERSION);
    /* A 3.14 block read with the 3.15 table (version word forged). */
    CHECK(from_block(block_14, 95, HEX315, &L, 1, HEX315) < 0);
    /* Hostile values: holds_gil (word 34) beyond the thread state, the GC
     * frame (word 96) beyond the GC state. */
    CHECK_INT(from_block(block_15, 111, HEX315, &L, 34, 5000), ERR_CORRUPT);
    CHECK_INT(from_block(block_15, 111, HEX315, &L, 96, 1u << 20), ERR_CORRUPT);
    /* A truncated block. */
    {
        uint64_t b[111];
        memcpy(b, block_15, sizeof b);
        memcpy(b, "xdebugpy", 8);
        CHECK_INT(py_layout_from_debug(HEX315, b, 100 * 8, &L), ERR_CORRUPT);
    }
}

int main(void)
{
    RUN(test_sizes);
    RUN(test_314);
    RUN(test_315);
    RUN(test_refusals);
    return check_summary();
}
