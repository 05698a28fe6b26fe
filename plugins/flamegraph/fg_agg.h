/* Aggregation of samples into per-thread call trees.
 *
 * Every distinct code location (file, function, line) becomes a "loc"; a
 * node is one loc under one parent node, so the tree is merged by location
 * and frames that differ only by opcode share a node. Each thread has its
 * own tree; the all-threads tree is derived from them once, at the end, so
 * the per-sample cost is paid once. */
#ifndef FLAMEGRAPH_FG_AGG_H
#define FLAMEGRAPH_FG_AGG_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "fg_map.h"

#define FG_NONE UINT32_MAX

enum fg_loc_kind {
    FG_LOC_ROOT = 0,  /* the synthetic root of a tree */
    FG_LOC_PYTHON,
    FG_LOC_GC,
    FG_LOC_NATIVE,
    FG_LOC_TASK,
    FG_LOC_UNKNOWN,   /* a frame id the host could not resolve */
};

struct fg_loc {
    tachyon_str_id file;
    tachyon_str_id func;
    int32_t line;
    uint32_t kind;    /* enum fg_loc_kind */
};

struct fg_node {
    uint32_t loc;
    uint32_t first_child;   /* FG_NONE when a leaf */
    uint32_t next_sibling;  /* FG_NONE for the last child */
    uint32_t reserved;
    uint64_t total;         /* samples with this node on the stack */
    uint64_t self;          /* samples with this node innermost */
};

/* Sample counts by thread state, all weighted. */
struct fg_status {
    uint64_t samples;
    uint64_t gil_held;
    uint64_t gil_released;
    uint64_t gil_wait;
    uint64_t gc;
    uint64_t on_cpu;
    uint64_t cpu_known;     /* samples whose on-CPU bit is meaningful */
    uint64_t exception;
};

/* Per-opcode sample count of one node. */
struct fg_op {
    uint32_t node;
    tachyon_str_id name;       /* executing, maybe specialised, instruction */
    tachyon_str_id base_name;  /* the generic instruction */
    uint32_t reserved;
    uint64_t count;
};

struct fg_thread {
    uint64_t thread_id;
    uint64_t native_id;
    uint32_t root;
    uint32_t is_main;
    struct fg_status status;
    /* The previous stack of this thread (root first) and where each of its
     * frames landed; a new sample that shares a prefix skips the lookups. */
    tachyon_frame_id *path_frames;
    uint32_t *path_nodes;
    uint32_t *path_ops;
    uint32_t path_len;
    uint32_t path_cap;
};

/* Ways of the per-frame child cache; a thread uses way (thread index % N). */
#define FG_FRAME_WAYS 4

struct fg_frame_info {
    uint32_t loc;            /* 0 while not resolved yet */
    tachyon_str_id op_name;  /* 0 without an opcode */
    tachyon_str_id base_name;
    uint32_t is_gc;
    /* The node this frame last became under a given parent. Most frames
     * always sit under the same caller, so this answers most lookups without
     * touching the (much larger) children hash map. */
    struct { uint32_t parent, child; } ways[FG_FRAME_WAYS];
};

struct fg_agg {
    const tachyon_host *host;
    int opcodes;             /* record opcode breakdowns */

    struct fg_frame_info *frames;  /* indexed by frame id */
    size_t frames_cap;

    struct fg_loc *locs;     /* locs[0] is the root placeholder */
    size_t loc_count, loc_cap;
    struct fg_map func_ids;  /* (file, func) -> function id */
    struct fg_map loc_ids;   /* (function id, line) -> loc */
    uint32_t func_count;

    struct fg_node *nodes;
    size_t node_count, node_cap;
    struct fg_map children;  /* (parent node, loc) -> node */

    struct fg_op *ops;
    size_t op_count, op_cap;
    struct fg_map op_ids;    /* (node, opcode name) -> op */

    struct fg_thread *threads;
    size_t thread_count, thread_cap;
    size_t last_thread;      /* index of the most recent thread, a cheap cache */
    struct fg_map thread_ids; /* thread id -> index, for ids other than 0 */
    uint32_t thread_zero;    /* index of thread id 0 + 1, or 0 when unseen */
};

int fg_agg_init(struct fg_agg *a, const tachyon_host *host, int opcodes);
void fg_agg_free(struct fg_agg *a);
int fg_agg_add(struct fg_agg *a, const tachyon_sample *s);

/* A new, empty tree root. */
int fg_agg_new_root(struct fg_agg *a, uint32_t *root);
/* The child of parent for loc, created when missing. */
int fg_agg_child(struct fg_agg *a, uint32_t parent, uint32_t loc, uint32_t *child);
/* The opcode counter of node for an instruction, created when missing. */
int fg_agg_op(struct fg_agg *a, uint32_t node, tachyon_str_id name, tachyon_str_id base,
              uint32_t *op);

/* Build the all-threads tree by merging every thread's tree (opcode counts
 * included) and return its root. With a single thread, its root is reused. */
int fg_agg_merge_threads(struct fg_agg *a, uint32_t *root);

#endif
