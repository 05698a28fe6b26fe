/* Sample aggregation for the pstats format: per-function direct and
 * cumulative sample counts plus caller->callee edges, keyed on the code
 * location (filename, line, function) so frames differing only in their
 * opcode merge. Functions are numbered in first-seen order, innermost frame
 * first, which is the order the report uses to break ties. */
#ifndef PSTATS_AGG_H
#define PSTATS_AGG_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "idxtab.h"

struct pst_func {
    tachyon_str_id filename;   /* 0 when the host could not name it */
    tachyon_str_id funcname;
    int32_t line;              /* 0 for synthetic frames or unknown lines */
    uint64_t direct;           /* weighted samples with this at the top */
    uint64_t cumulative;       /* weighted samples with this anywhere, once each */
    uint64_t stamp;            /* last sample that counted it cumulatively */
};

/* The callee was called by the caller: "cumulative" counts samples where the
 * pair is adjacent anywhere on the stack (once per sample), "direct" those
 * where the callee is the executing frame. */
struct pst_edge {
    uint32_t callee;
    uint32_t caller;
    uint64_t direct;
    uint64_t cumulative;
    uint64_t stamp;
};

struct pst_agg {
    const tachyon_host *host;
    struct pst_func *funcs;
    size_t nfuncs, cap_funcs;
    struct pst_edge *edges;
    size_t nedges, cap_edges;
    struct pl_idxtab func_index;
    struct pl_idxtab edge_index;
    uint32_t *frame_func;      /* frame id -> function index + 1, 0 unknown */
    size_t frame_func_len;
    uint32_t *scratch;         /* the current sample's function indices */
    size_t scratch_len;
    uint64_t stamp;
    uint64_t total;            /* weighted samples with at least one frame */
};

void pst_agg_init(struct pst_agg *a, const tachyon_host *host);
int pst_agg_add(struct pst_agg *a, const tachyon_sample *s);
void pst_agg_free(struct pst_agg *a);

#endif
