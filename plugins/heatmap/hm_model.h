/* The heat model: per-line self and cumulative counts, per-file totals,
 * caller/callee edges between lines and, with --opcodes, samples per
 * instruction, all built once from the distinct stacks at finish time. */
#ifndef HEATMAP_HM_MODEL_H
#define HEATMAP_HM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "hm_stacks.h"
#include "idxtab.h"

#define HM_NONE UINT32_MAX

struct hm_line {
    uint64_t self;   /* samples where this line was the innermost frame */
    uint64_t cum;    /* samples whose stack holds this line, once per stack */
    uint32_t file;
    int32_t line;
    uint32_t stamp;  /* last stack counted, for the once-per-stack rule */
};

struct hm_file {
    tachyon_str_id name;
    uint32_t lines_hit;
    uint64_t self, cum;  /* sums over the file's lines, as upstream */
    uint64_t max_self, max_cum;
    uint64_t in_stack;   /* samples with this file anywhere on the stack */
    int32_t max_line;
    uint32_t page;       /* rank by cumulative samples: file_%04u.html */
    uint32_t stamp;
};

struct hm_func {
    uint32_t file;
    tachyon_str_id name;
    int32_t entry;       /* its def line, else its lowest sampled line: where callers are shown */
};

struct hm_edge {
    uint64_t count;      /* samples whose stack holds this call, once per stack */
    uint32_t caller;     /* hm_line index of the calling line */
    uint32_t callee;     /* hm_func index */
    uint32_t caller_func;/* hm_func index of the calling frame */
    uint32_t stamp;
};

struct hm_op {
    uint64_t count;
    uint32_t line;       /* hm_line index */
    tachyon_str_id name; /* executing (maybe specialized) instruction */
    tachyon_str_id base; /* the instruction it specializes */
};

/* A sorted view: idx lists records, start[f]..start[f+1] are file f's. */
struct hm_view {
    uint32_t *idx;
    size_t *start;
};

struct hm_model {
    struct hm_line *lines;
    size_t n_lines, cap_lines;
    struct hm_file *files;
    size_t n_files, cap_files;
    struct hm_func *funcs;
    size_t n_funcs, cap_funcs;
    struct hm_edge *edges;
    size_t n_edges, cap_edges;
    struct hm_op *ops;
    size_t n_ops, cap_ops;
    struct pl_idxtab line_tab, file_tab, func_tab, edge_tab, op_tab;

    uint32_t *rank;          /* file indices, hottest first */
    struct hm_view by_line;  /* lines by (file, line) */
    struct hm_view callees;  /* edges by (caller file, caller line), count descending */
    struct hm_view callers;  /* edges by (callee file, entry line), count descending */
    struct hm_view by_op;    /* ops by (file, line), count descending */
    int opcodes;             /* opcode data was recorded */
};

/* Counts, file totals and ranks. 0 or a negative TACHYON_ERR_*;
 * hm_model_free is safe either way. */
int hm_model_build(const tachyon_host *host, const struct hm_stacks *stacks, struct hm_model *m);
/* The sorted views, once function entry lines are final. */
int hm_model_index(struct hm_model *m);
void hm_model_free(struct hm_model *m);

/* Whether a file name is one upstream leaves out of a heatmap. */
int hm_special_file(const char *name);

#endif
