/* The decoder's side of --async-aware: finding _asyncio's debug offsets in
 * a live target, choosing which threads' frames a sample needs, and handing
 * the reconstruction (asyncio.c) the frames and frame ids it asks for.
 *
 * 3.15 builds _asyncio into the interpreter; 3.14 loads it as an extension
 * module when the program first imports asyncio, so the section may appear
 * only after profiling started. Until it does, samples are empty (a program
 * without asyncio has no task; upstream counts them as errors instead) and
 * the search is repeated every ASYNC_RETRY samples. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "py_internal.h"

#define ASYNC_RETRY 64

int py_target_async_check(const struct py_target *t)
{
    if (py_async_debug_size(t->hexversion) == 0)
        return diag_set(ERR_VERSION,
                        "--async-aware needs Python 3.14 or newer, whose _asyncio module publishes the "
                        "debug offsets of its tasks; the target runs Python %s", t->version);
    return 0;
}

void py_target_set_asyncio_debug(struct py_target *t, uint64_t addr)
{
    t->asyncio_debug = addr;
}

static int open_async(struct py_target *t)
{
    struct py_async_layout L;
    uint8_t dbg[1024], adbg[PY_ASYNC_DEBUG_BLOCK];
    size_t dlen = py_async_debug_size(t->hexversion);
    uint64_t size = 0;
    int rc;

    if ((rc = py_target_async_check(t)) < 0)
        return rc;
    if (!t->asyncio_debug) {
        if (t->pid <= 0 || t->sample_no < t->async_next_try)
            return diag_set(ERR_NOTREADY, "asyncio is not loaded in the target yet");
        t->async_next_try = t->sample_no + ASYNC_RETRY;
        rc = proc_find_section(t->pid, ".AsyncioDebug", &t->asyncio_debug, &size);
        if (rc == ERR_NOTPYTHON)
            return diag_set(ERR_NOTREADY, "asyncio is not loaded in the target yet (no AsyncioDebug section)");
        if (rc < 0)
            return rc;
    }
    if (dlen > sizeof dbg)
        return diag_set(ERR_VERSION, "debug offsets of Python %s too large", t->version);
    if ((rc = mem_read(t->r, t->runtime, dbg, dlen)) < 0 ||
        (rc = mem_read(t->r, t->asyncio_debug, adbg, sizeof adbg)) < 0)
        return rc;
    if ((rc = py_async_layout_from_debug(t->hexversion, dbg, dlen, adbg, sizeof adbg, &L)) < 0)
        return rc;
    return py_async_create(t->r, t->in, &t->L, &L, &t->async);
}

int py_async_prepare(struct py_target *t, const struct py_sample_opts *o)
{
    size_t i;
    int rc;

    if (!t->async && (rc = open_async(t)) < 0) {
        /* Until the program imports asyncio it has no task: such a sample
         * is empty, not failed. */
        if (rc != ERR_NOTREADY)
            return rc;
        for (i = 0; i < t->n_thr; i++)
            t->thr[i].selected = 0;
        return 0;
    }
    if ((rc = grow_array((void **)&t->athr, &t->cap_athr, t->n_thr, sizeof *t->athr)) < 0)
        return rc;
    for (i = 0; i < t->n_thr; i++) {
        struct py_async_thread *a = &t->athr[i];
        memset(a, 0, sizeof *a);
        a->tstate = t->thr[i].addr;
        a->interp = t->thr[i].interp;
        a->thread_id = t->thr[i].thread_id;
        a->native_thread_id = t->thr[i].native_thread_id;
        a->interp_id = t->thr[i].interp_id;
    }
    if (o->async_mode == PY_ASYNC_RUNNING && (rc = py_async_running(t->async, t->athr, t->n_thr)) < 0)
        return rc;
    /* Only a running task's stack includes its thread's frames. */
    for (i = 0; i < t->n_thr; i++)
        t->thr[i].selected = o->async_mode == PY_ASYNC_RUNNING && t->athr[i].running_task != 0;
    return 0;
}

static int frame_of(void *ctx, uint64_t code, uint64_t instr, uint32_t *id, int *skip)
{
    struct py_target *t = ctx;
    struct py_raw r;

    memset(&r, 0, sizeof r);
    r.code = code;
    r.instr = instr;
    r.owner = (uint8_t)t->L.fr_owner_generator;
    /* A frame being cleared has no executable any more: not shown. */
    if (code == 0) {
        *id = 0;
        *skip = 1;
        return 0;
    }
    if (code & 7)
        return diag_set(ERR_CORRUPT, "coroutine frame with code pointer 0x%llx", (unsigned long long)code);
    return py_code_frame_id(t, &r, 0, id, skip);
}

struct deliver_ctx {
    py_thread_cb cb;
    void *ctx;
};

static int emit_stack(void *vctx, const struct py_async_stack *s)
{
    struct deliver_ctx *d = vctx;
    struct py_thread_sample ts;

    memset(&ts, 0, sizeof ts);
    if (s->thread) {
        ts.thread_id = s->thread->thread_id;
        ts.native_thread_id = s->thread->native_thread_id;
        ts.interpreter_id = s->thread->interp_id;
        ts.status = s->thread->status;
    }
    ts.depth = s->depth;
    ts.frames = s->frames;
    ts.task = s->leaf;
    return s->depth ? d->cb(d->ctx, &ts) : 0;
}

int py_async_deliver(struct py_target *t, const struct py_sample_opts *o, py_thread_cb cb, void *ctx)
{
    struct deliver_ctx d = { cb, ctx };
    uint64_t torn = t->async ? py_async_counters(t->async)->torn : 0;
    size_t i, j, n = 0;
    int rc;

    if (!t->async)
        return 0;
    if ((rc = grow_array((void **)&t->a_ids, &t->cap_a, t->n_raw + 1, sizeof *t->a_ids)) < 0 ||
        (rc = grow_array((void **)&t->a_addrs, &t->cap_b, t->n_raw + 1, sizeof *t->a_addrs)) < 0)
        return rc;
    for (i = 0; i < t->n_thr; i++) {
        const struct py_thr *th = &t->thr[i];
        struct py_async_thread *a = &t->athr[i];
        a->status = th->status;
        a->frames = t->a_ids + n;
        a->frame_addrs = t->a_addrs + n;
        a->n_frames = 0;
        a->coroutine_frames = 0;
        if (!th->selected)
            continue;
        for (j = th->raw_start; j < th->raw_start + th->raw_count; j++) {
            if (t->raw[j].skip || t->raw[j].native)
                continue;
            t->a_ids[n] = t->raw[j].id;
            t->a_addrs[n++] = t->raw[j].addr;
            a->n_frames++;
            if (t->raw[j].owner == t->L.fr_owner_generator)
                a->coroutine_frames++;
        }
    }
    rc = py_async_sample(t->async, o->async_mode == PY_ASYNC_ALL, t->athr, t->n_thr, t->interps,
                         t->n_interps, frame_of, t, emit_stack, &d);
    return rc < 0 && py_async_counters(t->async)->torn != torn ? PY_ASYNC_RETRY : rc;
}

void py_async_free(struct py_target *t)
{
    py_async_destroy(t->async);
    t->async = NULL;
    free(t->athr);
    free(t->a_ids);
    free(t->a_addrs);
}
