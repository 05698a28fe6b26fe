/* Turning the aggregated trees into the report's JSON document: string
 * table, locations, pruned trees per thread and for all threads, opcode
 * breakdowns, hotspots, thread statistics, sampling statistics and source
 * context. The layout is described in flamegraph.js, its only reader. */
#ifndef FLAMEGRAPH_FG_REPORT_H
#define FLAMEGRAPH_FG_REPORT_H

#include <jansson.h>
#include <tachyon/plugin.h>

#include "fg_agg.h"

struct fg_diff;

struct fg_report_opts {
    double min_percent;  /* nodes under this share of their tree are dropped */
    int context;         /* source lines shown either side of a location */
    int hot_count;       /* length of the hotspot lists */
    struct fg_diff *diff; /* the differential view's baseline, or NULL */
};

int fg_report_build(struct fg_agg *a, const struct fg_report_opts *o,
                    const tachyon_finish_info *info, json_t **doc);

#endif
