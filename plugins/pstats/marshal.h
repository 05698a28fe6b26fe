/* Writes the aggregated profile as a marshal image that Python's
 * pstats.Stats() loads: a dict {(file, line, func): (cc, nc, tt, ct,
 * callers)} whose callers map caller keys to (nc, cc, tt, ct) tuples. */
#ifndef PSTATS_MARSHAL_H
#define PSTATS_MARSHAL_H

#include <stdint.h>

#include "agg.h"
#include "buf.h"

/* Primitive encoders, following Python/marshal.c for format version 4
 * without back-references (which every reader since 3.4 accepts). */
int pst_m_int(struct pl_buf *b, uint64_t v);
int pst_m_float(struct pl_buf *b, double v);
int pst_m_str(struct pl_buf *b, const char *s, size_t len);
int pst_m_tuple(struct pl_buf *b, uint32_t n);

/* The whole profile. interval_s is the seconds one sample stands for. */
int pst_marshal_profile(struct pl_buf *b, const struct pst_agg *a, double interval_s);

#endif
