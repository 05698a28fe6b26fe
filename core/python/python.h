/* Decoding a CPython interpreter's state from outside the process.
 *
 * py_target_open() detects the version (Py_Version, or the
 * _Py_DebugOffsets header from 3.13 on) and selects a layout table;
 * everything version-specific lives in those tables, so supporting another
 * version is a new table, not a new code path.
 *
 * py_target_sample() takes one snapshot: it walks the interpreter's thread
 * states and, for every selected thread, reads its frame chain, interns the
 * frames and hands the stack to the callback. Everything read from the
 * target is treated as hostile: depths are bounded, cycles detected, sizes
 * checked; a torn or inconsistent read fails the whole sample with
 * ERR_CORRUPT or ERR_READ (counted by the caller), never a wrong frame. */
#ifndef CORE_PYTHON_PYTHON_H
#define CORE_PYTHON_PYTHON_H

#include <stdint.h>

#include "../intern/intern.h"
#include "../mem/reader.h"
#include "../proc/process.h"

#define PY_MAX_DEPTH 2048   /* deeper stacks are truncated at the root end */

struct py_target;

struct py_sample_opts {
    int all_threads;   /* every thread, not just the main one */
    int gc;            /* push a <GC> frame while the collector runs */
    int native;        /* <native> frames where C sits between Python frames */
    int opcodes;       /* record the executing opcode in each frame */
    int thread_status; /* GIL, exception and GC status bits (memory reads, read ahead) */
    int cpu_status;    /* also the kernel's on-CPU state (a /proc read per thread
                          and sample); without it TACHYON_THREAD_UNKNOWN is set */
    int async_mode;    /* PY_ASYNC_OFF, or one stack per leaf asyncio task */
};

enum { PY_ASYNC_OFF = 0, PY_ASYNC_RUNNING = 1, PY_ASYNC_ALL = 2 };

/* One thread's stack; frames[0] is the innermost frame. Valid only during
 * the callback. */
struct py_thread_sample {
    uint64_t thread_id;
    uint64_t native_thread_id;
    uint32_t interpreter_id;
    uint32_t status;           /* TACHYON_THREAD_* bits */
    uint32_t depth;
    const uint32_t *frames;
    uint64_t task;             /* async modes: the leaf task's address, else 0 */
};

typedef int (*py_thread_cb)(void *ctx, const struct py_thread_sample *s);

/* One thread whose stack could not be decoded in some samples: the other
 * threads of those samples are still delivered. */
#define PY_MAX_FAILURE_THREADS 64
struct py_thread_failure {
    uint64_t thread_id;
    uint64_t count;
    char first_error[160];     /* the first reason, for the report */
};

/* The reader and interner stay owned by the caller and must outlive t. */
int py_target_open(struct mem_reader *r, const struct py_image *img,
                   struct interner *in, struct py_target **out);
/* 0 on success; ERR_NOTREADY before the interpreter runs Python code;
 * ERR_READ / ERR_CORRUPT for a failed attempt; ERR_NOPROC when the target
 * is gone. A callback's non-zero return stops the walk and is returned. */
int py_target_sample(struct py_target *t, const struct py_sample_opts *o,
                     py_thread_cb cb, void *ctx);
uint32_t py_target_hexversion(const struct py_target *t);
/* 0 when the target can be profiled by asyncio task (3.14 and later), else
 * ERR_VERSION with a message naming its version and what is needed. */
int py_target_async_check(const struct py_target *t);
/* Where _asyncio's debug offsets are, for targets whose image the caller
 * built itself (tests); a live target's are found on first use. */
void py_target_set_asyncio_debug(struct py_target *t, uint64_t addr);
const char *py_target_version(const struct py_target *t);   /* "3.13.0" */
void py_target_close(struct py_target *t);
/* Threads that failed to decode in some samples (at most
 * PY_MAX_FAILURE_THREADS are told apart), and stacks cut at PY_MAX_DEPTH. */
size_t py_target_thread_failures(const struct py_target *t, const struct py_thread_failure **out);
uint64_t py_target_truncated_stacks(const struct py_target *t);
/* Forget both, so a report covers only the samples that were kept (not
 * the start-up probes). */
void py_target_reset_losses(struct py_target *t);

#endif
