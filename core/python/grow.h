/* Growing the decoder's arrays. */
#ifndef TACHYON_PY_GROW_H
#define TACHYON_PY_GROW_H

#include <stddef.h>

/* Room for need elements of elem bytes in *p, whose capacity *cap doubles
 * (from 16) until it fits; the new elements are zeroed. Returns 0 or
 * ERR_NOMEM (also when the size would overflow). */
int py_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
