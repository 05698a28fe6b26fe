/* The location table of code objects (co_linetable, PEP 626/657 format,
 * used from 3.11 on): a sequence of entries, each covering 1 to 8 code
 * units and giving a line delta and, in most forms, columns. */
#ifndef CORE_PYTHON_LINETABLE_H
#define CORE_PYTHON_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

struct py_location {
    int32_t line;        /* -1 when unknown, as the other three */
    int32_t end_line;
    int32_t column;      /* 0-based, in UTF-8 bytes as CPython counts them */
    int32_t end_column;
};

/* Find the location of the code unit at index unit (0-based). A unit past
 * the table, or an entry without location, gives all -1. A malformed table
 * (an entry running past the end) is ERR_CORRUPT. */
int py_linetable_lookup(const uint8_t *tab, size_t len, int32_t firstlineno,
                        int64_t unit, struct py_location *loc);

#endif
