/* Reading str and bytes objects out of the target.
 *
 * Only compact strings exist in the objects the decoder reads (code object
 * names and filenames are always created compact), so a non-compact string
 * is treated as corrupt data. */
#ifndef CORE_PYTHON_PYSTRING_H
#define CORE_PYTHON_PYSTRING_H

#include <stddef.h>
#include <stdint.h>

#include "../mem/reader.h"
#include "layout.h"

/* Longest string or bytes object the decoder copies, in characters or
 * bytes. A longer one that is still plausible (below the SANE limits) is
 * real and degraded, not an error: a name is cut with a marker, a line
 * table dropped (lines unknown). Beyond the SANE limits it is taken for
 * corrupt data. */
#define PY_STR_MAX_CHARS (1u << 16)
#define PY_BYTES_MAX (1u << 20)
#define PY_STR_SANE_CHARS (1u << 30)
#define PY_BYTES_SANE (1u << 31)

/* A growable output buffer, reused across calls to avoid allocations. */
struct py_buf {
    char *data;
    size_t len;
    size_t cap;
};

void py_buf_free(struct py_buf *b);
int py_buf_reserve(struct py_buf *b, size_t cap);

/* Convert nchars code units of the given PEP 393 kind (1, 2 or 4 bytes
 * each) to UTF-8 in out (replacing its content). Lone surrogates become
 * U+FFFD, as they have no UTF-8 form; a code point above U+10FFFF is
 * ERR_CORRUPT. With ascii set every unit must be below 0x80. */
int py_ucs_to_utf8(const void *data, size_t nchars, unsigned kind, int ascii,
                   struct py_buf *out);

/* Decode the fixed header of a string (hdr holds layout->uni_ascii_size
 * bytes): 0 and the kind, ASCII flag, length and data address, or
 * ERR_CORRUPT. */
int py_str_header(const struct py_layout *L, const uint8_t *hdr, uint64_t addr,
                  unsigned *kind, int *ascii, size_t *nchars, uint64_t *data_addr);

/* Read the str at addr into out as UTF-8 (two reads). When type_out is not
 * NULL it receives the object's type pointer for the caller to check. A
 * string over PY_STR_MAX_CHARS comes back cut, ending in a marker. */
int py_read_str(struct mem_reader *r, const struct py_layout *L, uint64_t addr,
                struct py_buf *out, uint64_t *type_out);

/* Read the bytes object at addr into out (two reads): 0, or 1 when it is
 * over PY_BYTES_MAX (out left empty), or a negative error. */
int py_read_bytes(struct mem_reader *r, const struct py_layout *L, uint64_t addr,
                  struct py_buf *out, uint64_t *type_out);

#endif
