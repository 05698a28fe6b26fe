/* Growing the core's dense arrays (the decoder's, the dump's, the
 * child watcher's, ...). */
#ifndef CORE_COMMON_GROW_H
#define CORE_COMMON_GROW_H

#include <stddef.h>

/* Room for need elements of elem bytes in *p, whose capacity *cap doubles
 * (from 16) until it fits; the new elements are zeroed. Returns 0 or
 * ERR_NOMEM (also when the size would overflow). */
int grow_array(void **p, size_t *cap, size_t need, size_t elem);

#endif
