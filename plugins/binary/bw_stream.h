/* The sample stream of a binary profile: per-thread delta encoding of
 * stacks (FULL, SUFFIX, POP_PUSH) and runs of unchanged stacks (REPEAT),
 * appended to an in-memory buffer the file layer flushes at checkpoints.
 * Memory is bounded: one stack per thread plus the pending buffer. */
#ifndef BINARY_BW_STREAM_H
#define BINARY_BW_STREAM_H

#include <stdint.h>

#include "buf.h"

struct bw_thread {
    uint64_t tid;
    uint32_t iid;
    uint64_t last_ts;          /* µs, same clock as the header's start */
    uint32_t *stack;           /* frame table indices, innermost first */
    uint32_t depth, cap;
    int has_stack;
    struct pl_buf rep;         /* pending REPEAT entries (delta, status) */
    uint32_t rep_count;
};

struct bw_stream {
    uint64_t start_us;
    struct bw_thread *threads;
    size_t n_threads, cap_threads, last;
    struct pl_buf raw;         /* encoded records not yet written */
    uint64_t samples;          /* thread-samples encoded so far */
};

struct bw_sample {
    uint64_t tid;
    uint32_t iid;
    uint8_t status;
    uint64_t ts_us;
    const uint32_t *frames;    /* table indices, innermost first */
    uint32_t depth;
};

void bw_stream_init(struct bw_stream *s, uint64_t start_us);
/* Encode one sample. */
int bw_stream_add(struct bw_stream *s, const struct bw_sample *smp);
/* Move every thread's pending REPEAT run into raw (before a checkpoint). */
int bw_stream_flush_repeats(struct bw_stream *s);
void bw_stream_free(struct bw_stream *s);

#endif
