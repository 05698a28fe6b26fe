#include "rtstats.h"

#include <unistd.h>

#include <string.h>

void rtstats_init(struct rtstats *r)
{
    memset(r, 0, sizeof *r);
}

void rtstats_record(struct rtstats *r, uint64_t gap_ns)
{
    if (gap_ns == 0)
        gap_ns = 1;
    r->gaps_ns[r->pos] = gap_ns;
    r->pos = (r->pos + 1) % RTSTATS_WINDOW;
    if (r->n < RTSTATS_WINDOW)
        r->n++;
}

void rtstats_maybe_print(struct rtstats *r, FILE *out, const tachyon_stats *st, uint64_t now_ns)
{
    double sum_hz = 0, min_hz = 0, max_hz = 0, mean_hz, hz;
    unsigned i;

    if (r->n < 2 || now_ns - r->last_print_ns < 1000000000ull)
        return;
    r->last_print_ns = now_ns;
    for (i = 0; i < r->n; i++) {
        hz = 1e9 / (double)r->gaps_ns[i];
        sum_hz += hz;
        if (i == 0 || hz < min_hz)
            min_hz = hz;
        if (i == 0 || hz > max_hz)
            max_hz = hz;
    }
    mean_hz = sum_hz / r->n;
    /* On a terminal, \r and erase-line update the figures in place; a file
     * or a pipe gets one plain line per report instead of escapes. */
    if (isatty(fileno(out)))
        fprintf(out, "\r\033[KStats: %.1fHz (%.1f\xc2\xb5s) Min: %.1fHz Max: %.1fHz N=%llu",
                mean_hz, mean_hz > 0 ? 1e6 / mean_hz : 0.0, min_hz, max_hz,
                (unsigned long long)st->attempts);
    else
        fprintf(out, "Stats: %.1fHz (%.1f\xc2\xb5s) Min: %.1fHz Max: %.1fHz N=%llu\n",
                mean_hz, mean_hz > 0 ? 1e6 / mean_hz : 0.0, min_hz, max_hz,
                (unsigned long long)st->attempts);
    fflush(out);
    /* Only an in-place line needs ending when the run is over. */
    r->printed = isatty(fileno(out));
}
