/* A source file read through the host, split into lines. */
#ifndef HEATMAP_HM_SOURCE_H
#define HEATMAP_HM_SOURCE_H

#include <stddef.h>

#include <tachyon/plugin.h>

#include "hm_model.h"

struct hm_src {
    const char *data;
    size_t len;
    size_t *starts;   /* byte offset of each line */
    size_t count;     /* number of lines */
};

/* Index the lines of src->data. 0 or TACHYON_ERR_NOMEM. */
int hm_src_index(struct hm_src *s);
/* Line n (1-based) without its end of line; "" when out of range. */
const char *hm_src_line(const struct hm_src *s, size_t n, size_t *len);

/* Move every function's entry line from its first sampled line up to its
 * "def" (or "class") line when the source shows one, so callers are listed
 * where the function is defined. Unreadable files keep the sampled line.
 * Call between hm_model_build and hm_model_index. */
int hm_find_def_lines(const tachyon_host *host, struct hm_model *m);

#endif
