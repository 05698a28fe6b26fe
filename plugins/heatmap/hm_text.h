/* Text from the profiled program (file names, function names, source
 * lines) made safe for an HTML page: escaped as HTML text or as a JSON
 * string inside a script element, with invalid UTF-8 and control bytes
 * shown as U+FFFD instead of breaking the page. */
#ifndef HEATMAP_HM_TEXT_H
#define HEATMAP_HM_TEXT_H

#include <stddef.h>

#include "buf.h"

/* All return 0 or TACHYON_ERR_NOMEM. */
int hm_html(struct pl_buf *b, const char *s, size_t len);
/* A quoted JSON string; '<', '>' and '&' are written as \u escapes so the
 * text can never end the script element it sits in. */
int hm_json(struct pl_buf *b, const char *s, size_t len);
int hm_json_cstr(struct pl_buf *b, const char *s);

#endif
