/* Source context for the tooltip: a few lines around each location, read
 * once per file through the host (which knows the target's root). */
#ifndef FLAMEGRAPH_FG_SOURCE_H
#define FLAMEGRAPH_FG_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <tachyon/plugin.h>

#include "fg_agg.h"
#include "fg_strtab.h"

/* For every report location i whose file can be read, append to out an
 * array [i, first_line, string index of each line...] holding `context`
 * lines either side of the location's line. locs are the aggregator's
 * locations and order[i] maps report index i to one of them. Unreadable
 * files are skipped: the context is a convenience, not a requirement. */
int fg_source_context(const tachyon_host *host, struct fg_strtab *st, const struct fg_loc *locs,
                      const uint32_t *order, size_t n, int context, json_t *out);

#endif
