/* Fuzz target: reading a _Py_DebugOffsets block (3.13, 3.14, 3.15 tables of
 * core/python/layout_debug.c) from hostile memory.
 *
 * Input: one byte choosing the version the process claims (low two bits:
 * 3.13, 3.14, 3.15, or 3.16 which has no table), then the block as it would
 * be copied from the start of _PyRuntime. Every layout accepted must pass
 * py_layout_validate, which is what keeps the walker's reads inside the
 * copies it makes; a layout that does not is a bug, so it aborts. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "python/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t versions[] = { 0x030d00f0u, 0x030e0af0u, 0x030f02f0u, 0x031000f0u };
    struct py_layout L;
    uint8_t block[1024];
    uint32_t hex;
    size_t len;

    if (size < 1)
        return 0;
    hex = versions[data[0] & 3];
    len = size - 1 < sizeof block ? size - 1 : sizeof block;
    memcpy(block, data + 1, len);
    if (py_layout_from_debug(hex, block, len, &L) == 0 && py_layout_validate(&L) == 0) {
        /* Accepted: the fields the walker indexes copies with must be in
         * range of those copies (validate's promise), checked again here. */
        if (L.ts_next >= PY_LAYOUT_MAX_TSTATE || L.fr_owner >= PY_LAYOUT_MAX_FRAME ||
            L.co_qualname >= PY_LAYOUT_MAX_CODE)
            abort();
    }
    return 0;
}
