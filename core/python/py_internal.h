/* The decoder's private state, shared by target.c (open/close), code.c
 * (code objects to frame ids) and walk.c (one sample). */
#ifndef CORE_PYTHON_PY_INTERNAL_H
#define CORE_PYTHON_PY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "asyncio.h"
#include "codecache.h"
#include "layout.h"
#include "pystring.h"
#include "python.h"

#define PY_MAX_INTERPRETERS 64
#define PY_MAX_THREADS 4096
#define PY_MAX_CHUNKS 64             /* data-stack chunks copied per thread */
#define PY_CHUNK_MAX (4u << 20)      /* larger chunks are read frame by frame */
#define PY_MAX_SPEC_CODES 128        /* code guards read ahead per sample */
#define PY_MAX_STEPS (2 * PY_MAX_DEPTH + 64)
#define PY_MAX_BLOBS 64              /* out-of-chunk regions read ahead */
#define PY_BLOB_BYTES (8u << 20)     /* their total size */
#define PY_VISITED_SIZE 8192          /* power of two, above PY_MAX_STEPS and PY_MAX_THREADS */
#define PY_MAX_EXC_ITEMS 16          /* _PyErr_StackItem links followed for the topmost exception */
#define PY_BYTECODE_MAX (256u << 10) /* larger bytecode is not copied: no opcodes there */
#define PY_ERR_ITEM 16               /* bytes of a _PyErr_StackItem read */

/* A copy of part of the target's memory. */
struct py_copy {
    uint64_t addr;
    size_t len;
    uint8_t *data;
    size_t cap;
};

/* One thread state seen in this sample. */
struct py_thr {
    uint64_t addr;
    uint64_t interp;
    uint32_t interp_id;
    int is_main;
    int selected;
    uint64_t thread_id, native_thread_id;
    uint64_t cframe;          /* 3.11/3.12: the _PyCFrame the frame hangs off */
    uint64_t frame;           /* current frame */
    uint64_t chunk, top;      /* data stack: current chunk and top of it */
    int have_frame;           /* frame is known (cframe resolved) */
    int have_chunk;           /* copies[index] holds [chunk, top) */
    size_t raw_start, raw_count;
    int failed;               /* this thread's stack could not be decoded this sample */
    int truncated;            /* deeper than PY_MAX_DEPTH: cut at the root end */
    /* status.c */
    uint64_t exc_info;        /* the top _PyErr_StackItem */
    const uint8_t *exc_item;  /* a copy of it for this sample, NULL if none */
    uint8_t exc_tmp[PY_ERR_ITEM];
    uint32_t status;          /* TACHYON_THREAD_* bits */
    int in_gc;                /* its interpreter collects while it holds the GIL */
    uint64_t gc_frame;        /* 3.15+: the frame that started its interpreter's
                                 running collection (0: none); <GC> goes above it */
};

/* One interpreter's GIL and GC state in this sample (status.c). */
struct py_interp_status {
    uint64_t gil;             /* address of its GIL struct, 0 when unknown */
    const uint8_t *gil_data;  /* [gil + gil_lo, + gil_len), NULL if not read */
    int have_gc;
    uint8_t gc_buf[4];
    uint8_t gc_frame_buf[8];  /* 3.15+: gc.frame */
    uint8_t gil_ptr[8];       /* interp->ceval.gil (3.12+) */
    uint8_t gil_buf[PY_LAYOUT_MAX_GIL];
};

/* A frame found by the walk, before its code object is decoded. */
struct py_raw {
    uint64_t addr;            /* the frame's address (<GC> placement, async task frames) */
    uint64_t code;
    uint64_t instr;
    uint32_t id;              /* filled by the resolve pass */
    uint8_t owner;
    uint8_t skip;             /* not shown (incomplete frame) */
    uint8_t native;           /* not a Python frame: C code called the frame before it */
};

/* What the previous sample found, read ahead in one readv by the next. */
struct py_spec_thread {
    uint64_t tstate, interp, cframe, chunk;
    size_t chunk_len;
    uint64_t exc_info;        /* a top exception item outside the thread state */
    uint8_t exc_item[PY_ERR_ITEM];
};

struct py_target {
    struct mem_reader *r;
    struct interner *in;
    struct py_layout L;
    uint32_t hexversion;
    char version[32];
    uint64_t runtime;

    /* Spans of each struct that get copied: [lo, hi) relative offsets. */
    uint32_t rt_lo, rt_hi, is_lo, is_hi, ts_lo, ts_hi, fr_hi, co_hi;

    /* Type objects already verified by name. */
    uint64_t code_type, str_type, bytes_type;

    struct py_code_cache codes;
    uint32_t sample_no;
    struct py_buf sbuf;

    /* Per-sample scratch, kept to avoid allocating while sampling. */
    uint8_t rt_buf[PY_LAYOUT_MAX_HEADER * 4];
    uint64_t interps[PY_MAX_INTERPRETERS];
    uint8_t *is_bufs;                 /* PY_MAX_INTERPRETERS spans */
    size_t n_interps;
    struct py_thr *thr;
    uint8_t *ts_bufs;                 /* one span per thread */
    size_t n_thr, cap_thr;
    struct py_copy *copies;           /* [0, n_thr): current chunks; then scratch */
    size_t cap_copies;
    struct py_raw *raw;
    size_t n_raw, cap_raw;
    uint32_t ids[PY_MAX_DEPTH];
    uint32_t truncated_frame;         /* interned "<truncated>" marker, 0 until needed */
    uint64_t truncated_stacks;        /* stacks cut at PY_MAX_DEPTH */
    struct py_thread_failure failures[PY_MAX_FAILURE_THREADS];
    size_t n_failures;
    char sample_error[160];           /* the first thread failure of this sample */
    uint64_t *visited;                /* frame addresses of one walk (hash set) */
    uint32_t *visited_gen;
    uint32_t gen;
    struct mem_span *spans;
    size_t cap_spans;
    uint8_t *guard_bufs;              /* PY_MAX_SPEC_CODES code heads */
    uint64_t guard_addr[PY_MAX_SPEC_CODES];

    /* Memory outside the current chunks that the last sample needed
     * (C-stack entry frames, generator frames, earlier chunks): read ahead
     * with the rest, and used by the walk only when valid for this sample. */
    struct py_copy blobs[PY_MAX_BLOBS];
    size_t n_blobs, blobs_valid;
    uint64_t next_blob_addr[PY_MAX_BLOBS];
    size_t next_blob_len[PY_MAX_BLOBS];
    size_t n_next_blobs, next_blob_bytes;

    struct py_spec_thread *spec;
    size_t n_spec, n_spec_interps;
    uint64_t spec_interps[PY_MAX_INTERPRETERS];
    uint64_t spec_codes[PY_MAX_SPEC_CODES];
    size_t n_spec_codes;

    /* Thread status (status.c). The GC flags, GIL structs and exception
     * items the last sample read are read ahead with everything else;
     * ahead_ok says the read-ahead was confirmed for this sample. */
    pid_t pid;
    struct py_interp_status ist[PY_MAX_INTERPRETERS];
    uint64_t spec_gil[PY_MAX_INTERPRETERS];
    int spec_status;          /* the last sample read status: read it ahead */
    int ahead_ok;
    uint32_t gil_lo, gil_len; /* the part of the GIL struct read */
    uint64_t none_addr;       /* Py_None, 0 until known */
    uint64_t none_type;       /* NoneType, 0 until verified */
    struct cpustat *cpu;
    int cpu_failed;           /* the /proc tracker could not be opened */
    uint32_t gc_frame, native_frame;  /* interned synthetic frames, 0 until needed */

    /* 3.14+: the interpreter's code-object generation, read ahead instead
     * of the code guards while it has a single interpreter: a code object
     * checked at the current generation has not been freed since. */
    uint8_t code_gen_buf[8];
    uint64_t code_gen;
    int code_gen_known;       /* code_gen was read for this sample */

    /* Opcodes (pyopcode.c). */
    int spec_opcodes;         /* the last sample read bytecode: read it ahead */
    uint8_t spec_bc[PY_MAX_SPEC_CODES];
    uint32_t op_name[256], op_base_name[256];
    int16_t op_base[256];     /* -1: not looked up yet; -2: unknown opcode */

    /* asyncio reconstruction (async_target.c), created on first use. */
    struct py_async *async;
    uint64_t asyncio_debug;   /* the AsyncioDebug block, 0 until found */
    uint32_t async_next_try;  /* sample number of the next search for it */
    struct py_async_thread *athr;
    size_t cap_athr;
    uint32_t *a_ids;          /* shown frames of the running threads */
    uint64_t *a_addrs;
    size_t cap_a, cap_b;
};

/* code.c */
/* The checked cache entry of a code object, loading it when needed. */
int py_code_get(struct py_target *t, uint64_t addr, struct py_code **out);
/* Check a code head copied from the target against the cached entry and
 * mark it checked for this sample when it matches. */
void py_code_check_guard(struct py_target *t, uint64_t addr, const uint8_t *head);
/* Mark a cached code object checked for this sample when it was last
 * checked at the code-object generation read for this sample. */
void py_code_check_generation(struct py_target *t, uint64_t addr);
/* Batch-check the guards of every code object in raw[from, to) not yet
 * checked in this sample (one readv). */
int py_code_check_pending(struct py_target *t, size_t from, size_t to);
/* The frame id of one raw frame; *skip set for frames that are not shown
 * (incomplete ones). */
int py_code_frame_id(struct py_target *t, const struct py_raw *f, int opcodes, uint32_t *id, int *skip);

/* status.c */
/* Read what thread status needs beyond the read-ahead (one readv) and
 * set status and in_gc of every selected thread. */
int py_status_sample(struct py_target *t, const struct py_sample_opts *o);
/* Spans reading ahead the status data the last sample used; n is advanced. */
void py_status_ahead_spans(struct py_target *t, struct mem_span *spans, size_t *n);
/* Remember this sample's status addresses for the next read-ahead. */
void py_status_remember(struct py_target *t, int used);
/* The interned <GC> or <native> frame. */
int py_special_frame(struct py_target *t, int kind, uint32_t *id);
void py_status_free(struct py_target *t);

/* pyopcode.c */
/* Make sure every code object of raw[from, to) has a copy of its bytecode
 * current for this sample (one readv for those the read-ahead missed). */
int py_opcode_prepare(struct py_target *t, size_t from, size_t to);
/* Spans reading ahead the bytecode of the last sample's code objects. */
void py_opcode_ahead_spans(struct py_target *t, struct mem_span *spans, size_t *n);
/* After the read-ahead's guards are checked: mark those copies current. */
void py_opcode_ahead_done(struct py_target *t);
/* The opcode executing in frame f (unit: its code unit, from the
 * instruction pointer), or TACHYON_NO_OPCODE when it cannot be known. */
int py_opcode_of(struct py_target *t, struct py_code *e, int64_t unit, int *opcode);
/* Fill the opcode fields of a frame about to be interned. */
int py_opcode_fill(struct py_target *t, int opcode, tachyon_frame *fr);

/* async_target.c */
/* Async mode, after the thread list is known: find the asyncio offsets
 * when not yet known, and select the threads whose frames are needed (those
 * running a task in running mode, none in all mode). */
int py_async_prepare(struct py_target *t, const struct py_sample_opts *o);
/* Async mode, once frames are resolved: emit one stack per leaf task.
 * PY_ASYNC_RETRY when a loop switched tasks mid-sample (nothing emitted). */
#define PY_ASYNC_RETRY 1
int py_async_deliver(struct py_target *t, const struct py_sample_opts *o, py_thread_cb cb, void *ctx);
void py_async_free(struct py_target *t);

/* walk.c helpers used by target.c */
void py_walk_free(struct py_target *t);
/* Room for n entries in t->spans. */
int py_spans_reserve(struct py_target *t, size_t n);

#endif
