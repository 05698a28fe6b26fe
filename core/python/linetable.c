/* Decoder for the 3.11+ location table. Each entry starts with a byte whose
 * top bit is set; bits 3-6 hold the form and bits 0-2 the number of code
 * units covered minus one. The forms are:
 *   15       no location
 *   14       long: signed line delta, end-line delta, column+1, end column+1
 *   13       line only: signed line delta
 *   10..12   one line: line delta (form - 10), column byte, end column byte
 *   0..9     short: same line; the next byte holds low column bits and the
 *            column span
 * Varints are little-endian groups of 6 bits with 0x40 as continuation; the
 * signed form keeps the sign in the lowest bit. */
#include "linetable.h"

#include "../common/err.h"

struct cursor {
    const uint8_t *p;
    const uint8_t *end;
};

static int next_byte(struct cursor *c, uint32_t *b)
{
    if (c->p >= c->end)
        return -1;
    *b = *c->p++;
    return 0;
}

static int read_varint(struct cursor *c, uint64_t *out)
{
    uint32_t b;
    uint64_t v;
    unsigned shift = 0;

    if (next_byte(c, &b) < 0)
        return -1;
    v = b & 63;
    while (b & 64) {
        if (next_byte(c, &b) < 0)
            return -1;
        shift += 6;
        /* A line table never needs more than 32 bits of magnitude. */
        if (shift > 30)
            return -1;
        v |= (uint64_t)(b & 63) << shift;
    }
    *out = v;
    return 0;
}

static int read_svarint(struct cursor *c, int64_t *out)
{
    uint64_t u;
    if (read_varint(c, &u) < 0)
        return -1;
    *out = (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
    return 0;
}

static int32_t clamp32(int64_t v)
{
    if (v > INT32_MAX || v < -1)
        return -1;
    return (int32_t)v;
}

int py_linetable_lookup(const uint8_t *tab, size_t len, int32_t firstlineno,
                        int64_t unit, struct py_location *loc)
{
    struct cursor c = { tab, tab + len };
    int64_t line = firstlineno, addr = 0;

    loc->line = loc->end_line = loc->column = loc->end_column = -1;
    if (unit < 0)
        return 0;
    while (c.p < c.end) {
        uint32_t first = *c.p++, form, b, b2;
        int64_t delta, sline, end_line, col, end_col, next;
        uint64_t u1, u2, u3;

        if (!(first & 0x80))
            return diag_set(ERR_CORRUPT, "location table entry without start bit");
        form = (first >> 3) & 15;
        next = addr + (int64_t)(first & 7) + 1;
        sline = end_line = col = end_col = -1;
        switch (form) {
        case 15:
            break;
        case 14:
            if (read_svarint(&c, &delta) < 0 || read_varint(&c, &u1) < 0 ||
                read_varint(&c, &u2) < 0 || read_varint(&c, &u3) < 0)
                goto bad;
            line += delta;
            sline = line;
            end_line = line + (int64_t)u1;
            col = (int64_t)u2 - 1;
            end_col = (int64_t)u3 - 1;
            break;
        case 13:
            if (read_svarint(&c, &delta) < 0)
                goto bad;
            line += delta;
            sline = end_line = line;
            break;
        case 10: case 11: case 12:
            if (next_byte(&c, &b) < 0 || next_byte(&c, &b2) < 0)
                goto bad;
            line += form - 10;
            sline = end_line = line;
            col = b;
            end_col = b2;
            break;
        default:
            if (next_byte(&c, &b) < 0)
                goto bad;
            sline = end_line = line;
            col = (int64_t)((form << 3) | ((b >> 4) & 7));
            end_col = col + (b & 15);
            break;
        }
        if (unit < next) {
            loc->line = clamp32(sline);
            loc->end_line = clamp32(end_line);
            loc->column = clamp32(col);
            loc->end_column = clamp32(end_col);
            return 0;
        }
        addr = next;
    }
    return 0;
bad:
    return diag_set(ERR_CORRUPT, "location table truncated inside an entry");
}
