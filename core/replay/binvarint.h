/* Byte-level helpers of the binary profile reader: fixed-width integers in
 * either byte order and unsigned LEB128 varints, all bounds-checked by the
 * caller or here. */
#ifndef CORE_REPLAY_BINVARINT_H
#define CORE_REPLAY_BINVARINT_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t bin_rd32(const uint8_t *b, int big_endian)
{
    if (big_endian)
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static inline uint64_t bin_rd64(const uint8_t *b, int big_endian)
{
    uint64_t hi = bin_rd32(b + (big_endian ? 0 : 4), big_endian);
    uint64_t lo = bin_rd32(b + (big_endian ? 4 : 0), big_endian);
    return hi << 32 | lo;
}

/* Decode a varint from data[*off, end); advances *off. -1 when it runs
 * past end or past 64 bits. */
static inline int bin_varint(const uint8_t *data, size_t end, size_t *off, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    size_t o = *off;
    while (o < end) {
        uint8_t b = data[o++];
        if (shift == 63 && (b & 0x7e))
            return -1;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *off = o;
            *out = v;
            return 0;
        }
        shift += 7;
        if (shift > 63)
            return -1;
    }
    return -1;
}

#endif
