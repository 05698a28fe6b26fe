#include "array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

int pl_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t want;
    void *p;

    if (need <= *cap)
        return 0;
    want = *cap ? *cap : 64;
    while (want < need) {
        if (want > SIZE_MAX / 2 / elem)
            return TACHYON_ERR_NOMEM;
        want *= 2;
    }
    p = realloc(*arr, want * elem);
    if (!p)
        return TACHYON_ERR_NOMEM;
    memset((char *)p + *cap * elem, 0, (want - *cap) * elem);
    *arr = p;
    *cap = want;
    return 0;
}
