/* What the live view counts: per code location (filename, line, function)
 * the samples with it executing (direct) and on the stack (cumulative, once
 * per sample), the opcodes it was executing, and thread status shares; once
 * for all threads and once per thread, for the per-thread view. */
#ifndef LIVE_STATS_H
#define LIVE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "idxtab.h"

struct lv_opcode {
    int32_t opcode;
    tachyon_str_id name;        /* "LOAD_ATTR_MODULE" */
    tachyon_str_id base;        /* "LOAD_ATTR", or 0 when not specialized */
    uint64_t count;
};

#define LV_METRICS 5            /* nsamples, sample %, tottime, cumul %, cumtime */

struct lv_func {
    tachyon_str_id filename;
    tachyon_str_id funcname;
    int32_t line;
    uint64_t direct;
    uint64_t cumulative;
    uint64_t stamp;             /* last sample that counted it cumulatively */
    struct lv_opcode *ops;
    size_t nops, cap_ops;
    double prev[LV_METRICS];    /* values at the last refresh, for trend colours */
    int has_prev;
};

struct lv_table {
    struct lv_func *funcs;
    size_t nfuncs, cap_funcs;
    struct pl_idxtab index;
    uint32_t *frame_func;       /* frame id -> function index + 1 */
    size_t frame_func_len;
    uint64_t stamp;
    uint64_t samples;           /* weighted thread samples */
    uint64_t has_gil, gil_requested, has_exception, in_gc;
};

struct lv_thread {
    uint64_t id;
    struct lv_table table;
};

struct lv_stats {
    const tachyon_host *host;
    int opcodes;                /* --opcodes: count the executing opcode */
    struct lv_table all;
    struct lv_thread *threads;  /* in first-seen order */
    size_t nthreads, cap_threads;
    size_t last_thread;         /* lookup cache */
};

void lv_stats_init(struct lv_stats *s, const tachyon_host *host, int opcodes);
int lv_stats_add(struct lv_stats *s, const tachyon_sample *sample);
/* Forget everything (the 'r' key). */
void lv_stats_reset(struct lv_stats *s);
void lv_stats_free(struct lv_stats *s);

#endif
