/* The rows of the text report. Like the reference profiler's print_stats,
 * which reads the statistics through pstats' strip_dirs(), filenames are
 * reduced to their last path component and functions that then share
 * (basename, line, name) are merged. */
#ifndef PSTATS_ROWS_H
#define PSTATS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"

struct pst_row {
    const char *file;     /* basename, not NUL-terminated */
    size_t file_len;
    const char *func;
    size_t func_len;
    int32_t line;
    uint64_t direct;
    uint64_t cumulative;
    double tottime;       /* seconds */
    double cumtime;
    size_t order;         /* first-seen position, the tie breaker */
    double sort_key;      /* the value the current sort orders by */
    char *repr;           /* Python's str() of the key, built for --sort=name */
    size_t repr_len;
};

enum pst_sort {
    PST_SORT_NSAMPLES = 0,
    PST_SORT_TOTTIME,
    PST_SORT_CUMTIME,
    PST_SORT_SAMPLE_PCT,
    PST_SORT_CUMUL_PCT,
    PST_SORT_NSAMPLES_CUMUL,
    PST_SORT_NAME,
};

/* Parses a --sort word; returns 0 or TACHYON_ERR_INVALID. */
int pst_sort_parse(const char *word, enum pst_sort *out);

/* Builds merged rows in first-seen order. interval_s is the seconds one
 * sample stands for. The caller frees the result with pst_rows_free. */
int pst_rows_build(const struct pst_agg *a, double interval_s, struct pst_row **rows,
                   size_t *n);
int pst_rows_sort(struct pst_row *rows, size_t n, enum pst_sort key, uint64_t total);
void pst_rows_free(struct pst_row *rows, size_t n);

/* The text of an interned string, or fallback when the host has none. */
const char *pst_string(const tachyon_host *host, tachyon_str_id id, const char *fallback,
                       size_t *len);

#endif
