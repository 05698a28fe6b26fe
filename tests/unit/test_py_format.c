/* The decoder's pure parsers: the 3.11+ location table, checked against
 * the positions CPython 3.13 itself reports for a real function, and the
 * PEP 393 to UTF-8 conversion. */
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "python/linetable.h"
#include "python/pystring.h"

/* co_linetable and list(co_positions()) of a function compiled by CPython
 * 3.13.0 (firstlineno 1); it uses the short, one-line, long, no-column and
 * no-location forms. */
static const uint8_t table[] = {
    0x80,0x00,0xd8,0x08,0x09,0x89,0x05,0x80,0x41,0xd8,0x07,0x08,0x88,0x32,0x83,0x76,0xdc,0x1c,0x21,0xa0,
    0x21,0x9c,0x48,0xd3,0x0c,0x25,0x99,0x48,0x90,0x71,0x90,0x11,0x8c,0x55,0x99,0x48,0x88,0x01,0xd0,0x0c,
    0x25,0x88,0x01,0xe0,0x0d,0x0e,0xd8,0x0d,0x0e,0xf0,0x03,0x01,0x0d,0x10,0x88,0x01,0xe0,0x11,0x12,0xa7,
    0x6b,0xa1,0x6b,0xd7,0x26,0x37,0xd1,0x26,0x37,0xb8,0x01,0xb8,0x69,0xd3,0x26,0x48,0xd1,0x0b,0x49,0xd0,
    0x04,0x49,0xf9,0xf2,0x09,0x00,0x0d,0x26,
};
static const int positions[][4] = {
    {1,1,0,0},{2,2,8,9},{2,2,8,13},{2,2,8,13},{2,2,4,5},{3,3,7,8},{3,3,11,13},{3,3,7,13},{3,3,7,13},
    {3,3,7,13},{3,3,7,13},{4,4,28,33},{4,4,28,33},{4,4,28,33},{4,4,28,33},{4,4,28,33},{4,4,34,35},
    {4,4,28,36},{4,4,28,36},{4,4,28,36},{4,4,28,36},{4,4,28,36},{4,4,12,37},{4,4,12,37},{4,4,12,37},
    {4,4,12,37},{4,4,28,36},{4,4,28,36},{4,4,23,24},{4,4,17,18},{4,4,13,18},{4,4,13,18},{4,4,13,18},
    {4,4,13,18},{4,4,13,18},{4,4,28,36},{4,4,28,36},{4,4,8,9},{4,4,12,37},{4,4,8,9},{6,6,13,14},
    {7,7,13,14},{6,7,12,15},{6,6,8,9},{8,8,17,18},{8,8,38,49},{8,8,38,49},{8,8,38,49},{8,8,38,49},
    {8,8,38,49},{8,8,38,49},{8,8,38,49},{8,8,38,49},{8,8,38,49},{8,8,38,49},{8,8,38,55},{8,8,38,55},
    {8,8,38,55},{8,8,38,55},{8,8,38,55},{8,8,38,55},{8,8,38,55},{8,8,38,55},{8,8,38,55},{8,8,38,55},
    {8,8,56,57},{8,8,62,71},{8,8,38,72},{8,8,38,72},{8,8,38,72},{8,8,38,72},{8,8,11,73},{8,8,11,73},
    {8,8,4,73},{-1,-1,-1,-1},{-1,-1,-1,-1},{4,4,12,37},{4,4,12,37},{4,4,12,37},
};

static void test_linetable_matches_cpython(void)
{
    size_t i, n = sizeof positions / sizeof positions[0];
    struct py_location loc;
    for (i = 0; i < n; i++) {
        CHECK_INT(py_linetable_lookup(table, sizeof table, 1, (int64_t)i, &loc), 0);
        if (loc.line != positions[i][0] || loc.end_line != positions[i][1] ||
            loc.column != positions[i][2] || loc.end_column != positions[i][3])
            check_fail(__FILE__, __LINE__, "unit %zu: %d,%d,%d,%d", i, loc.line, loc.end_line,
                       loc.column, loc.end_column);
    }
    /* Past the end and before the start: unknown, not an error. */
    CHECK_INT(py_linetable_lookup(table, sizeof table, 1, (int64_t)n, &loc), 0);
    CHECK_INT(loc.line, -1);
    CHECK_INT(py_linetable_lookup(table, sizeof table, 1, -1, &loc), 0);
    CHECK_INT(loc.line, -1);
}

static void test_linetable_hostile(void)
{
    static const uint8_t no_start[] = { 0x10, 0x00 };
    static const uint8_t cut_long[] = { 0xf0, 0x03, 0x01 };
    static const uint8_t endless_varint[] = { 0xe8, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x01 };
    struct py_location loc;
    CHECK_INT(py_linetable_lookup(no_start, sizeof no_start, 1, 0, &loc), ERR_CORRUPT);
    CHECK_INT(py_linetable_lookup(cut_long, sizeof cut_long, 1, 0, &loc), ERR_CORRUPT);
    CHECK_INT(py_linetable_lookup(endless_varint, sizeof endless_varint, 1, 0, &loc), ERR_CORRUPT);
    CHECK_INT(py_linetable_lookup(table, 3, 1, 5, &loc), ERR_CORRUPT);
}

static void test_utf8_every_kind(void)
{
    struct py_buf b = { 0 };
    static const uint8_t latin[] = { 'g', 0xe9, 'n', 0xe9, 'r', 0xe9 };
    static const uint16_t ucs2[] = { 0xf1, 'a', 'n', 'd', 0xfa, '_', 0x51fd, 0x6570 };
    static const uint32_t ucs4[] = { 0x1d518, 'n', 0x10ffff };
    static const uint16_t lone[] = { 'a', 0xdc80 };
    static const uint32_t too_big[] = { 0x110000 };

    CHECK_INT(py_ucs_to_utf8("plain", 5, 1, 1, &b), 0);
    CHECK_STR(b.data, "plain");
    CHECK_INT(py_ucs_to_utf8(latin, 6, 1, 0, &b), 0);
    CHECK_STR(b.data, "généré");
    CHECK_INT(py_ucs_to_utf8(ucs2, 8, 2, 0, &b), 0);
    CHECK_STR(b.data, "ñandú_函数");
    CHECK_INT(py_ucs_to_utf8(ucs4, 3, 4, 0, &b), 0);
    CHECK_STR(b.data, "𝔘n\xf4\x8f\xbf\xbf");
    CHECK_INT(b.len, 9);
    CHECK_INT(py_ucs_to_utf8(lone, 2, 2, 0, &b), 0);
    CHECK_STR(b.data, "a\xef\xbf\xbd");
    CHECK_INT(py_ucs_to_utf8("", 0, 1, 1, &b), 0);
    CHECK_STR(b.data, "");
    CHECK_INT(py_ucs_to_utf8(too_big, 1, 4, 0, &b), ERR_CORRUPT);
    CHECK_INT(py_ucs_to_utf8(latin, 6, 1, 1, &b), ERR_CORRUPT);
    CHECK_INT(py_ucs_to_utf8(ucs2, 8, 2, 1, &b), ERR_CORRUPT);
    CHECK_INT(py_ucs_to_utf8(ucs2, 8, 3, 0, &b), ERR_CORRUPT);
    CHECK_INT(py_ucs_to_utf8(latin, (size_t)PY_STR_MAX_CHARS + 1, 1, 0, &b), ERR_CORRUPT);
    py_buf_free(&b);
}

int main(void)
{
    RUN(test_linetable_matches_cpython);
    RUN(test_linetable_hostile);
    RUN(test_utf8_every_kind);
    return check_summary();
}
