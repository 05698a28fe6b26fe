/* State shared by asyncio.c (reading tasks) and asyncio_stacks.c (the task
 * graph turned into stacks). */
#ifndef CORE_PYTHON_ASYNCIO_PRIV_H
#define CORE_PYTHON_ASYNCIO_PRIV_H

#include "asyncio.h"
#include "pystring.h"

#define PY_ASYNC_MAX_DEPTH 2048     /* deeper task stacks are cut at the root end */
#define PY_ASYNC_TYPE_CACHE 16
#define PY_ASYNC_MARKERS 512        /* direct-mapped cache of <task> frames */
#define PY_ASYNC_NO_THREAD (-1)
#define PY_ASYNC_MEMO 128           /* objects read ahead in running mode */
#define PY_ASYNC_MEMO_BYTES (64u << 10)

/* An object read in running mode, to be read ahead by the next sample. */
struct py_async_memo {
    uint64_t addr;
    uint32_t len, off;
};

/* One task read in this sample. */
struct py_async_task {
    uint64_t addr;
    uint64_t parent;          /* the awaiter followed (lowest address), 0 for none */
    uint32_t name;            /* interned name, 0 for an unnamed task */
    uint32_t n_parents;       /* awaiters, as upstream counts them */
    uint32_t frames_at, n_frames;
    uint32_t links_at;        /* its awaiters are links[links_at, + n_parents) */
    int32_t thread;           /* index of its thread, or PY_ASYNC_NO_THREAD */
    uint32_t seen;            /* walk generation of the stack being built */
    uint8_t awaiter;          /* it awaits another task of the graph: not a leaf */
    uint8_t is_set;           /* ab is a set of awaiters */
    uint64_t name_obj, coro, ab; /* what the task object points to */
};

struct py_async_hslot {
    uint64_t addr;
    uint32_t index;
    uint32_t gen;
};

/* What a type object turned out to be, cached by address. */
enum { TYPE_OTHER = 0, TYPE_LONG = 1, TYPE_STR = 2, TYPE_CORO = 3 };

struct py_async {
    struct mem_reader *r;
    struct interner *in;
    const struct py_layout *pl;       /* str layout */
    struct py_async_layout L;
    struct py_async_counters cnt;

    struct py_async_task *tasks;
    size_t n_tasks, cap_tasks;
    struct py_async_hslot *hash;
    size_t hash_cap;                  /* power of two */
    uint32_t hash_gen;
    uint32_t *frames;                 /* coroutine and thread frames, by task */
    size_t n_frames, cap_frames;
    uint64_t *links;                  /* awaiter addresses, by task */
    size_t n_links, cap_links;

    py_async_frame_fn frame_id;
    void *frame_ctx;

    uint64_t type_addr[PY_ASYNC_TYPE_CACHE];
    uint8_t type_kind[PY_ASYNC_TYPE_CACHE];
    size_t n_types;
    struct { uint32_t name, n_parents, id; } markers[PY_ASYNC_MARKERS];
    uint32_t walk_gen;

    uint64_t *running;                /* loop and task words read per thread */
    size_t cap_running;
    struct mem_span *spans;
    size_t cap_spans;
    uint8_t block[PY_ASYNC_BLOCK_MAX];
    uint8_t gen[1024];
    uint8_t name_buf[512];
    uint8_t *table;                   /* an awaiter set's slots */
    size_t cap_table;
    uint64_t chain[PY_ASYNC_MAX_CORO_DEPTH];
    uint32_t stack[PY_ASYNC_MAX_DEPTH];
    char label[PY_ASYNC_NAME_MAX * 4 + 64];
    struct py_buf sbuf;

    /* Running mode: the objects the last sample read (task objects, names,
     * coroutines, awaited slots, awaiter sets), read again in one readv at
     * the start of the next and served from that copy when asked for. */
    struct py_async_memo ahead[PY_ASYNC_MEMO], next[PY_ASYNC_MEMO];
    size_t n_ahead, n_next, next_bytes;
    int ahead_ok;
    uint8_t *ahead_buf;

    /* asyncio_batch.c: each list's task addresses in the last all-mode
     * sample, read ahead by the next one; scratch for batched reads. */
    struct py_async_prev *prev;
    size_t n_prev, cap_prev;
    uint64_t *prev_addrs;
    size_t n_prev_addrs, cap_prev_addrs;
    uint8_t *bbuf;
    size_t cap_bbuf;
    struct py_async_bt *bt;
    size_t cap_bt;
    struct py_async_ent *ents;
    size_t n_ents, cap_ents;
};

/* asyncio_objects.c */
/* Read through running mode's read-ahead (see struct py_async), and start
 * a sample's read-ahead. */
int py_async_read(struct py_async *a, uint64_t addr, void *buf, size_t len);
void py_async_memo_prefetch(struct py_async *a);
/* The frames of a task's coroutine chain, pushed innermost first. */
int py_async_read_coro_chain(struct py_async *a, uint64_t coro);
/* Push the awaiters of a task (one object, or a set's live entries). */
int py_async_read_awaiters(struct py_async *a, uint64_t ab, int is_set);
int py_async_bad_ptr(uint64_t p);
int py_async_type_kind(struct py_async *a, uint64_t type, int *kind);
/* Bytes of a name object read at once, and its decoding from such a copy. */
size_t py_async_name_want(const struct py_async *a);
int py_async_name_from(struct py_async *a, uint64_t obj, const uint8_t *buf, size_t len, uint32_t *id);
int py_async_read_name(struct py_async *a, uint64_t obj, uint32_t *id);
int py_async_push_frame(struct py_async *a, uint32_t id);

/* asyncio.c */
/* Check a copy of a task object and add the task to the graph without
 * reading what it points to; *index is -1 for an object that is not a task
 * (a plain future). */
int py_async_add_task(struct py_async *a, uint64_t addr, const uint8_t *block, int32_t thread, long *index);
/* Read the awaiters of task index (its links and the one followed). */
int py_async_task_links(struct py_async *a, size_t index);
/* Every task of one circular list (a thread's or the interpreter's), one
 * object at a time; the nodes must link back to one another: a node whose
 * prev is not the node before was unlinked (its task finished or was freed)
 * mid-read. Tasks are added without details. */
int py_async_read_list(struct py_async *a, uint64_t head, int32_t thread);
/* Index of the task at addr read in this sample, or -1. */
long py_async_find(const struct py_async *a, uint64_t addr);

/* asyncio_batch.c */
/* All mode: every task of the threads' and interpreters' lists, their
 * names, coroutine chains and awaiters, read in batches. */
int py_async_collect_all(struct py_async *a, struct py_async_thread *th, size_t n, const uint64_t *interps,
                         size_t n_interps);
void py_async_batch_free(struct py_async *a);

/* asyncio_stacks.c */
/* Mark the tasks that await another task of the graph, then build and emit
 * one stack per remaining (leaf) task. */
int py_async_emit(struct py_async *a, struct py_async_thread *th, py_async_stack_fn emit, void *ctx);

#endif
