#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 16;
    void *q;
    if (need <= *cap)
        return 0;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return ERR_NOMEM;
        n *= 2;
    }
    if (elem && n > SIZE_MAX / elem)
        return ERR_NOMEM;
    q = realloc(*p, n * elem);
    if (!q)
        return ERR_NOMEM;
    memset((char *)q + *cap * elem, 0, (n - *cap) * elem);
    *p = q;
    *cap = n;
    return 0;
}
