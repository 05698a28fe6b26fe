/* Growing the plugins' dense arrays (indexed by interned ids or records). */
#ifndef PLUGINS_COMMON_ARRAY_H
#define PLUGINS_COMMON_ARRAY_H

#include <stddef.h>

/* Grow *arr of elem-sized items (capacity *cap) so that need items fit,
 * doubling from 64. The new tail is zeroed, so a 0 entry can mean "not
 * set yet". Returns 0 or TACHYON_ERR_NOMEM, leaving *arr intact on failure. */
int pl_grow(void **arr, size_t *cap, size_t need, size_t elem);

#endif
