/* Fuzz target: the location-table decoder on arbitrary bytes.
 *
 * Input: 4 bytes of firstlineno, then the table. Every unit up to a little
 * past the table's reach is looked up, plus a few far and negative ones;
 * whatever the bytes, a lookup must return 0 or ERR_CORRUPT and give
 * either a location or all -1. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "fuzz.h"
#include "python/linetable.h"

static void check_one(const uint8_t *tab, size_t len, int32_t first, int64_t unit)
{
    struct py_location loc;
    int rc;

    memset(&loc, 0x5a, sizeof loc);
    rc = py_linetable_lookup(tab, len, first, unit, &loc);
    /* The decoder promises only these two results; anything else is a bug
     * worth a crash report. */
    if (rc != 0 && rc != ERR_CORRUPT)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int32_t first = 0;
    uint8_t *tab;
    size_t len;
    int64_t unit;

    if (size >= 4) {
        memcpy(&first, data, 4);
        data += 4;
        size -= 4;
    }
    /* A private copy of exactly len bytes, so ASan sees any over-read. */
    len = size;
    tab = malloc(len ? len : 1);
    if (!tab)
        return 0;
    if (len)
        memcpy(tab, data, len);
    /* Each entry covers at most 8 units and takes at least one byte. */
    for (unit = 0; unit <= (int64_t)len * 8 + 8; unit++)
        check_one(tab, len, first, unit);
    check_one(tab, len, first, -1);
    check_one(tab, len, first, INT64_MIN);
    check_one(tab, len, first, INT64_MAX);
    check_one(tab, len, first, (int64_t)1 << 40);
    free(tab);
    return 0;
}
