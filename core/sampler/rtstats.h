/* The --realtime-stats line: achieved sampling rate over the last 100
 * attempts (mean, min, max), refreshed in place about once a second. */
#ifndef CORE_SAMPLER_RTSTATS_H
#define CORE_SAMPLER_RTSTATS_H

#include <stdint.h>
#include <stdio.h>

#include <tachyon/plugin.h>

#define RTSTATS_WINDOW 100

struct rtstats {
    uint64_t gaps_ns[RTSTATS_WINDOW];
    unsigned n, pos;
    uint64_t last_print_ns;
    int printed;
};

void rtstats_init(struct rtstats *r);
void rtstats_record(struct rtstats *r, uint64_t gap_ns);
void rtstats_maybe_print(struct rtstats *r, FILE *out, const tachyon_stats *st, uint64_t now_ns);

#endif
