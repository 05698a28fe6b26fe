/* One Python thread of the profile: its samples as compact columns and its
 * stack, frame, function and resource tables, each deduplicated, plus its
 * markers. Tables hold small integers only; strings live in gk_strings. */
#ifndef PLUGINS_GECKO_GK_THREAD_H
#define PLUGINS_GECKO_GK_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "gk_markers.h"
#include "gk_strings.h"
#include "idxtab.h"

#define GK_NULL UINT32_MAX      /* a null index in a table column */
#define GK_NULL_LINE INT32_MIN  /* a null line or column */

struct gk_thread {
    uint64_t thread_id;          /* Python's identifier: the key */
    uint64_t tid;                /* the OS thread id shown (thread_id when unknown) */
    int is_main;

    /* samples */
    uint32_t *s_stack;
    uint64_t *s_time_us;
    uint32_t *s_weight;          /* NULL while every weight is 1 */
    size_t s_n, s_cap, s_wcap;
    uint64_t last_us;

    /* stackTable: interned on (frame, prefix) */
    uint32_t *st_frame, *st_prefix;
    uint8_t *st_cat;
    size_t st_n, st_cap;
    struct pl_idxtab st_idx;

    /* frameTable: interned on (func, line, column) */
    uint32_t *fr_func;
    int32_t *fr_line, *fr_col;
    size_t fr_n, fr_cap;
    struct pl_idxtab fr_idx;
    uint32_t *fr_of_id;          /* host frame id -> frame index + 1 */
    size_t fr_of_id_cap;

    /* funcTable: interned on (file, function name) */
    uint32_t *fn_name, *fn_fileid, *fn_res, *fn_file;
    int32_t *fn_line;
    uint8_t *fn_python;
    size_t fn_n, fn_cap;
    struct pl_idxtab fn_idx;

    /* resourceTable: one per file */
    uint32_t *rs_name, *rs_fileid;
    size_t rs_n, rs_cap;
    struct pl_idxtab rs_idx;

    /* whole-stack cache: host frame ids of a sample -> stack index */
    uint32_t *sc_ids;
    size_t sc_len, sc_cap;
    struct gk_cached { uint32_t off, depth, stack; } *sc_rec;
    size_t sc_n, sc_recap;
    struct pl_idxtab sc_idx;

    uint32_t *scratch;           /* per-sample stack indices, root first */
    size_t scratch_cap;

    struct gk_markers markers;
};

struct gk_ctx {
    const tachyon_host *host;
    struct gk_strings *strings;
    size_t cache_budget;         /* host frame ids the stack caches may still hold */
};

int gk_thread_new(uint64_t thread_id, uint64_t tid, struct gk_thread **out);
void gk_thread_free(struct gk_thread *t);

/* Records one sample (depth > 0) at t_us with its weight. */
int gk_thread_sample(struct gk_thread *t, struct gk_ctx *c, const tachyon_sample *s, uint64_t t_us);

/* Is this file name Python source (as the profile's isJS means it)? */
int gk_is_python_file(const char *name, size_t len);

#endif
