/* JSON text as Python's json.dumps writes it with ensure_ascii (upstream's
 * JSONL is made that way): compact, every non-ASCII character escaped as
 * \uXXXX (surrogate pairs above U+FFFF), lower-case hex. */
#ifndef JSONL_JL_JSON_H
#define JSONL_JL_JSON_H

#include <stddef.h>

#include "buf.h"

/* Append s[0..len) as a quoted JSON string. Bytes that are not valid
 * UTF-8 are written as the code point of the byte (U+0080..U+00FF). */
int jl_put_string(struct pl_buf *b, const char *s, size_t len);

#endif
