/* asyncio task reconstruction (--async-aware), CPython 3.14 and later.
 *
 * The _asyncio module publishes where its task objects and the per-thread
 * asyncio state live (the "AsyncioDebug" section, a
 * _Py_AsyncioModuleDebugOffsets block); the generic object layouts it needs
 * (generators, sets, ints, the embedded interpreter frame) come from the
 * interpreter's own _Py_DebugOffsets block. Both are read through the one
 * mem_reader, and everything read is untrusted: task lists, awaiter sets and
 * coroutine chains are bounded, cycles end a walk, and a task whose memory
 * no longer looks like a task fails the sample rather than giving a wrong
 * stack.
 *
 * One sample builds a task graph: in "running" mode the task each thread's
 * event loop is running plus every task awaiting it, transitively; in "all"
 * mode every task in every thread's task list and the interpreter's list of
 * tasks left by exited threads. Then, as upstream, one stack per leaf task
 * (a task that awaits no other task in the graph): its frames, a <task>
 * frame naming it, then its awaiter's frames and marker, up to a task nobody
 * awaits. With several awaiters the one at the lowest address is followed
 * and the marker reads "name (N parents)". */
#ifndef CORE_PYTHON_ASYNCIO_H
#define CORE_PYTHON_ASYNCIO_H

#include <stddef.h>
#include <stdint.h>

#include "../intern/intern.h"
#include "../mem/reader.h"
#include "../common/grow.h"
#include "layout.h"

#define PY_ASYNC_MAX_TASKS (1u << 17)        /* tasks read in one sample */
#define PY_ASYNC_MAX_LIST (1u << 17)         /* nodes followed in one task list */
#define PY_ASYNC_MAX_CORO_DEPTH 256          /* coroutines awaited by one another in a task */
#define PY_ASYNC_MAX_SET_SLOTS (1u << 16)    /* awaiter set table slots read */
#define PY_ASYNC_MAX_LINKS (1u << 20)        /* awaiter links in one sample */
#define PY_ASYNC_MAX_FRAMES (1u << 22)       /* coroutine frames in one sample */
#define PY_ASYNC_NAME_MAX 255                /* task names are cut here, as upstream */
#define PY_ASYNC_BLOCK_MAX 4096              /* largest task object read */

/* Everything the reconstruction needs to know about the target's layout. */
struct py_async_layout {
    uint32_t hexversion_major_minor;
    /* _asyncio's TaskObj */
    uint32_t task_size, task_name, task_awaited_by, task_is_task, task_awaited_by_is_set,
        task_coro, task_node;
    /* PyInterpreterState and PyThreadState */
    uint32_t is_tasks_head;
    uint32_t ts_running_loop, ts_running_task, ts_tasks_head;
    /* Generic objects */
    uint32_t ob_type, tp_flags, tp_name;
    uint32_t gen_size, gi_iframe, gi_frame_state;
    uint32_t fr_size, fr_executable, fr_instr, fr_owner, fr_stackpointer;
    uint32_t set_size, set_used, set_table, set_mask;
    uint32_t long_size, long_lv_tag, long_digit;
    uint32_t llist_next, llist_prev;
    /* Facts of the version, not published */
    int8_t state_cleared;          /* gi_frame_state of a finished coroutine */
    int8_t state_yield_from;       /* suspended in await / yield from */
    int8_t state_yield_from_locked;/* 3.15: the same while another thread sends */
    uint8_t owner_generator;       /* frame owner value of generator frames */
    uint8_t await_slot;            /* the awaited object is stackpointer[-await_slot] */
    uint64_t tag_mask;             /* low bits of a _PyStackRef to clear */
};

/* Fill *out from the interpreter's debug-offsets block (dbg, dlen bytes from
 * the start of _PyRuntime) and _asyncio's block (adbg, alen bytes). 0,
 * ERR_VERSION (a version without asyncio debug offsets) or ERR_CORRUPT, with
 * a diag message. */
int py_async_layout_from_debug(uint32_t hexversion, const void *dbg, size_t dlen, const void *adbg,
                               size_t alen, struct py_async_layout *out);

/* Bytes of _PyRuntime's debug block the layout needs (0: version without
 * asyncio debug offsets), and of the AsyncioDebug block. */
size_t py_async_debug_size(uint32_t hexversion);
#define PY_ASYNC_DEBUG_BLOCK 104

/* One thread as the reconstruction sees it. frames/frame_addrs are the
 * thread's shown frames, innermost first (running mode only: the part of
 * them above the running task's coroutine frame is its stack). */
struct py_async_thread {
    uint64_t tstate;
    uint64_t interp;             /* its interpreter state */
    uint64_t thread_id, native_thread_id;
    uint32_t interp_id;
    uint32_t status;
    uint64_t running_task;       /* filled by py_async_running */
    const uint32_t *frames;
    const uint64_t *frame_addrs;
    size_t n_frames;
    size_t coroutine_frames;     /* how many of them are generator frames */
};

/* A stack produced for one leaf task; valid during the callback. */
struct py_async_stack {
    const struct py_async_thread *thread; /* NULL: a task of a thread that exited */
    uint64_t leaf;
    uint32_t depth;
    const uint32_t *frames;
};

/* (code object, instruction pointer) of a generator frame to a frame id;
 * *skip set when the frame is not shown. */
typedef int (*py_async_frame_fn)(void *ctx, uint64_t code, uint64_t instr, uint32_t *id, int *skip);
typedef int (*py_async_stack_fn)(void *ctx, const struct py_async_stack *s);

/* Failure counters, cumulative for the session (read by tests and reports). */
struct py_async_counters {
    uint64_t samples;            /* reconstructions attempted */
    uint64_t failed;             /* reconstructions that failed */
    uint64_t cycles;             /* awaiter chains cut where they looped */
    uint64_t freed;              /* tasks found unlinked or no longer a task */
    uint64_t too_many;           /* samples over a bound */
    uint64_t no_task;            /* threads with a running loop but no running task */
    uint64_t torn;               /* the running task changed while its thread was read */
};

struct py_async;

int py_async_create(struct mem_reader *r, struct interner *in, const struct py_layout *pl,
                    const struct py_async_layout *L, struct py_async **out);
void py_async_destroy(struct py_async *a);
const struct py_async_counters *py_async_counters(const struct py_async *a);

/* Read each thread's running loop and task (one readv); running_task is 0
 * for a thread with no loop or no task running. */
int py_async_running(struct py_async *a, struct py_async_thread *th, size_t n);

/* Build this sample's task graph (all: every task, else the running tasks
 * and their awaiters) and call emit once per leaf task. interps lists the
 * interpreter states whose exited-thread task lists are read in all mode. */
int py_async_sample(struct py_async *a, int all, struct py_async_thread *th, size_t n,
                    const uint64_t *interps, size_t n_interps, py_async_frame_fn frame_id,
                    void *frame_ctx, py_async_stack_fn emit, void *emit_ctx);

#endif
