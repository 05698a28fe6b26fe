/* The text report printed when pstats output goes to the terminal: the
 * sorted table, its legend and the summary of interesting functions, laid
 * out like the reference profiler's print_stats(). */
#ifndef PSTATS_REPORT_H
#define PSTATS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rows.h"

/* ANSI sequences, all empty strings when colour is off. */
struct pst_colors {
    const char *bold_blue, *green, *yellow, *cyan, *reset;
};

struct pst_report_opts {
    enum pst_sort sort;
    long limit;            /* Python slice semantics: negative drops from the end */
    int summary;           /* legend and summary sections */
    uint32_t mode;         /* enum tachyon_mode, for the empty-profile hint */
    uint64_t total;        /* direct samples over all rows */
    struct pst_colors colors;
};

void pst_colors_init(struct pst_colors *c, int enabled);

/* Renders the report for rows (re-sorted in place) into out. */
int pst_report_render(struct pl_buf *out, struct pst_row *rows, size_t n,
                      const struct pst_report_opts *o);

/* The summary sections for the rows shown (summary.c). */
int pst_summary_render(struct pl_buf *out, const struct pst_row *rows, size_t n,
                       const struct pst_report_opts *o);

#endif
