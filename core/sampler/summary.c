#include "sampler.h"

void sampler_print_summary(FILE *out, const tachyon_stats *st, uint64_t interval_ns, int interrupted)
{
    double secs = (double)st->duration_ns / 1e9;
    double rate = secs > 0 ? (double)st->attempts / secs : 0;
    double err = st->attempts ? 100.0 * (double)st->failures / (double)st->attempts : 0;
    uint64_t expected = interval_ns ? st->duration_ns / interval_ns : 0;

    if (interrupted)
        fprintf(out, "Interrupted by user.\n");
    fprintf(out, "Captured %llu sample%s in %.2f seconds\n", (unsigned long long)st->attempts,
            st->attempts == 1 ? "" : "s", secs);
    fprintf(out, "Sample rate: %.2f samples/sec\n", rate);
    /* Upstream prints the percentage without a % sign. */
    fprintf(out, "Error rate: %.2f\n", err);
    /* Like upstream, a short fall behind after Ctrl-C is not worth a warning. */
    if (!interrupted && expected > st->attempts) {
        uint64_t missed = expected - st->attempts;
        fprintf(out, "Warning: missed %llu samples from the expected total of %llu (%.2f%%)\n",
                (unsigned long long)missed, (unsigned long long)expected,
                100.0 * (double)missed / (double)expected);
    }
}
