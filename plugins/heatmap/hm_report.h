/* The report directory: index.html and one file_NNNN.html per source
 * file, written from the heat model through the host's atomic outputs. */
#ifndef HEATMAP_HM_REPORT_H
#define HEATMAP_HM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "buf.h"
#include "hm_model.h"

#define HM_HOT_LINES 20

struct hm_report {
    const tachyon_host *host;
    const struct hm_model *m;
    const tachyon_stats *stats;
    const char *dir;
    const char *cwd;          /* the profiler's, for project files; may be NULL */
    uint64_t snapshots;       /* samples delivered to the plugin */
    char **notes;             /* per file index: why its source is missing or suspect */
    uint32_t hot[HM_HOT_LINES];
    char *hot_text[HM_HOT_LINES];
    size_t n_hot;
};

/* Fill a template: text is copied, each @TACHYON_NAME@ is replaced by
 * what fill() appends for NAME. */
typedef int (*hm_fill_fn)(void *ctx, const char *name, size_t len, struct pl_buf *out);
int hm_template(const char *tpl, size_t tpl_len, hm_fill_fn fill, void *ctx, struct pl_buf *out);

/* Write data to path through the host (atomically). */
int hm_write_file(const tachyon_host *host, const char *path, const struct pl_buf *data);

/* One page per source file (sets notes and hot_text), then the index. */
int hm_write_file_pages(struct hm_report *r);
int hm_write_index(struct hm_report *r);

#endif
