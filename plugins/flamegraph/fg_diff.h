/* The differential flame graph (--diff-flamegraph BASELINE.bin): the
 * baseline profile's self samples per call path, matched against the
 * current profile's tree.
 *
 * As upstream, a path is the sequence of (file, function) from the root,
 * ignoring lines; the baseline's self samples of a path are shared among
 * the current nodes of that path in proportion to their own self samples
 * (line numbers can split one path into several nodes). Unlike upstream,
 * which scales by the ratio of sampling intervals, the baseline is scaled
 * by the ratio of sample totals (current / baseline), so runs of different
 * lengths compare by share of time. Baseline paths with self samples that
 * the current profile never reached are "elided" and listed apart. */
#ifndef FLAMEGRAPH_FG_DIFF_H
#define FLAMEGRAPH_FG_DIFF_H

#include <stdint.h>

#include <tachyon/plugin.h>

#include "fg_agg.h"
#include "fg_map.h"

struct fg_diff_path {
    uint64_t key;
    uint64_t self;           /* baseline self samples (weights) */
    uint32_t first;          /* offset of its frames (root first) in frames */
    uint32_t depth;
    int matched;             /* some current node has this path */
};

struct fg_diff {
    const tachyon_host *host;
    const char *path;        /* the baseline file, as given */
    tachyon_session facts;   /* the baseline's mode, interval, flags */
    uint64_t samples;        /* baseline thread-samples with a stack */
    struct fg_map index;     /* path key -> paths index */
    struct fg_diff_path *paths;
    size_t n_paths, paths_cap;
    tachyon_frame_id *frames;
    size_t n_frames, frames_cap;
    tachyon_frame_id *scratch;
    size_t scratch_cap;
    /* Per node of the current all-threads tree (fg_diff_compute). */
    double *node_base;       /* scaled baseline self */
    double *node_base_total; /* scaled baseline samples in the subtree */
    size_t n_nodes;
    double scale;
    uint64_t current;
    uint32_t elided;         /* unmatched baseline paths with self samples */
};

/* Read the baseline through the host's replay_profile service. Logs and
 * fails when the file is missing or is not a valid profile. */
int fg_diff_load(struct fg_diff *d, const tachyon_host *host, const char *path);
/* Refuse a baseline recorded in another mode or with other capture
 * options (as upstream, naming the options), logging why. */
int fg_diff_check(const struct fg_diff *d, const tachyon_session *current);
/* Match against the all-threads tree under root. */
int fg_diff_compute(struct fg_diff *d, const struct fg_agg *a, uint32_t root);
void fg_diff_free(struct fg_diff *d);

#endif
