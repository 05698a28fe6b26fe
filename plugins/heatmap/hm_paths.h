/* Where the report goes and how a source file is filed in the index. */
#ifndef HEATMAP_HM_PATHS_H
#define HEATMAP_HM_PATHS_H

#include <stddef.h>

#include "buf.h"

enum hm_kind { HM_PROJECT = 0, HM_STDLIB = 1, HM_SITE = 2, HM_OTHER = 3 };

/* The report directory for an -o value: a trailing ".html" is dropped, as
 * upstream does. A malloc'ed string, or NULL when out of memory. */
char *hm_output_dir(const char *output);

/* Classify a source file name and append its dotted module name to out
 * (e.g. /usr/lib/python3.13/json/decoder.py: stdlib, "json.decoder").
 * cwd is the profiler's working directory: files under it, and relative
 * names, belong to the project. */
int hm_classify(const char *name, const char *cwd, enum hm_kind *kind, struct pl_buf *out);

#endif
