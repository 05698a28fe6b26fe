/* The task graph of one sample: task objects by address, the task lists
 * followed one object at a time, the running task of each thread and the
 * tasks awaiting it. asyncio_objects.c reads what each task points to,
 * asyncio_batch.c reads all mode in batches, asyncio_stacks.c turns the
 * graph into stacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "asyncio_priv.h"

static uint64_t u64_at(const uint8_t *p, uint32_t off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

int py_async_create(struct mem_reader *r, struct interner *in, const struct py_layout *pl,
                    const struct py_async_layout *L, struct py_async **out)
{
    struct py_async *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a)
        return ERR_NOMEM;
    a->r = r;
    a->in = in;
    a->pl = pl;
    a->L = *L;
    *out = a;
    return 0;
}

void py_async_destroy(struct py_async *a)
{
    if (!a)
        return;
    free(a->tasks);
    free(a->hash);
    free(a->frames);
    free(a->links);
    free(a->running);
    free(a->spans);
    free(a->table);
    free(a->ahead_buf);
    py_async_batch_free(a);
    py_buf_free(&a->sbuf);
    free(a);
}

const struct py_async_counters *py_async_counters(const struct py_async *a)
{
    return &a->cnt;
}

/* --- the address index of this sample's tasks ---------------------------- */

static size_t slot_of(uint64_t addr, size_t cap)
{
    return (size_t)((addr >> 3) * 0x9e3779b97f4a7c15ULL >> 40) & (cap - 1);
}

long py_async_find(const struct py_async *a, uint64_t addr)
{
    size_t i;
    if (!a->hash_cap)
        return -1;
    for (i = slot_of(addr, a->hash_cap);; i = (i + 1) & (a->hash_cap - 1)) {
        const struct py_async_hslot *s = &a->hash[i];
        if (s->gen != a->hash_gen)
            return -1;
        if (s->addr == addr)
            return (long)s->index;
    }
}

static void hash_put(struct py_async *a, uint64_t addr, uint32_t index)
{
    size_t i = slot_of(addr, a->hash_cap);
    while (a->hash[i].gen == a->hash_gen)
        i = (i + 1) & (a->hash_cap - 1);
    a->hash[i].addr = addr;
    a->hash[i].index = index;
    a->hash[i].gen = a->hash_gen;
}

/* Keep the index at most half full, rebuilding it when it grows. */
static int hash_reserve(struct py_async *a, size_t n)
{
    size_t cap = a->hash_cap ? a->hash_cap : 1024, i;
    struct py_async_hslot *h;
    if (2 * n <= a->hash_cap)
        return 0;
    while (cap < 2 * n)
        cap *= 2;
    h = calloc(cap, sizeof *h);
    if (!h)
        return ERR_NOMEM;
    free(a->hash);
    a->hash = h;
    a->hash_cap = cap;
    a->hash_gen = 1;
    for (i = 0; i < a->n_tasks; i++)
        hash_put(a, a->tasks[i].addr, (uint32_t)i);
    return 0;
}

static void new_sample(struct py_async *a)
{
    a->n_tasks = a->n_frames = a->n_links = 0;
    if (++a->hash_gen == 0) {
        if (a->hash)
            memset(a->hash, 0, a->hash_cap * sizeof *a->hash);
        a->hash_gen = 1;
    }
}

int py_async_add_task(struct py_async *a, uint64_t addr, const uint8_t *block, int32_t thread, long *index)
{
    const struct py_async_layout *L = &a->L;
    struct py_async_task *t;
    uint8_t is_task = block[L->task_is_task], is_set = block[L->task_awaited_by_is_set];
    int rc;

    *index = -1;
    if (a->n_tasks >= PY_ASYNC_MAX_TASKS) {
        a->cnt.too_many++;
        return diag_set(ERR_CORRUPT, "more than %u asyncio tasks in one sample", PY_ASYNC_MAX_TASKS);
    }
    if (is_task > 1 || is_set > 1 || py_async_bad_ptr(u64_at(block, L->ob_type))) {
        a->cnt.freed++;
        return diag_set(ERR_CORRUPT, "object at 0x%llx is no longer an asyncio task", (unsigned long long)addr);
    }
    if (!is_task)
        return 0;
    if ((rc = hash_reserve(a, a->n_tasks + 1)) < 0 ||
        (rc = grow_array((void **)&a->tasks, &a->cap_tasks, a->n_tasks + 1, sizeof *a->tasks)) < 0)
        return rc;
    t = &a->tasks[a->n_tasks];
    memset(t, 0, sizeof *t);
    t->addr = addr;
    t->thread = thread;
    t->name_obj = u64_at(block, L->task_name) & ~L->tag_mask;
    t->coro = u64_at(block, L->task_coro) & ~L->tag_mask;
    t->ab = u64_at(block, L->task_awaited_by) & ~L->tag_mask;
    t->is_set = is_set;
    hash_put(a, addr, (uint32_t)a->n_tasks);
    *index = (long)a->n_tasks++;
    return 0;
}

int py_async_task_links(struct py_async *a, size_t index)
{
    struct py_async_task *t = &a->tasks[index];
    uint64_t parent = 0;
    size_t i;
    int rc;

    t->links_at = (uint32_t)a->n_links;
    if ((rc = py_async_read_awaiters(a, t->ab, t->is_set)) < 0)
        return rc;
    t->n_parents = (uint32_t)(a->n_links - t->links_at);
    for (i = t->links_at; i < a->n_links; i++)
        if (parent == 0 || a->links[i] < parent)
            parent = a->links[i];
    t->parent = parent;
    return 0;
}

/* Read what task index points to: its name, frames and awaiters. With
 * running set, the task is the one running on that thread: its stack is
 * the thread's own frames down to its coroutine's frame, as upstream shows
 * it. */
static int task_details(struct py_async *a, size_t index, const struct py_async_thread *running)
{
    const struct py_async_layout *L = &a->L;
    uint64_t addr = a->tasks[index].addr, coro = a->tasks[index].coro;
    uint32_t name = 0;
    size_t i, first = a->n_frames;
    int rc;

    if ((rc = py_async_read_name(a, a->tasks[index].name_obj, &name)) < 0)
        return rc;
    a->tasks[index].name = name;
    if (running) {
        uint64_t target = coro + L->gi_iframe, now = 0;
        for (i = 0; i < running->n_frames; i++) {
            if ((rc = py_async_push_frame(a, running->frames[i])) < 0)
                return rc;
            if (running->frame_addrs[i] == target)
                break;
        }
        /* Without its coroutine on the stack the loop is between steps of
         * the task, and upstream shows every frame. But coroutine frames
         * of another task there, or another running task now, mean the
         * loop switched tasks between the reads: that sample is torn. */
        if (i == running->n_frames) {
            if (!running->coroutine_frames &&
                (rc = mem_read(a->r, running->tstate + L->ts_running_task, &now, 8)) < 0)
                return rc;
            if (running->coroutine_frames || now != addr) {
                a->cnt.torn++;
                return diag_set(ERR_CORRUPT, "the running task changed during the sample");
            }
        }
    } else if (coro && (rc = py_async_read_coro_chain(a, coro)) < 0) {
        return rc;
    }
    a->tasks[index].frames_at = (uint32_t)first;
    a->tasks[index].n_frames = (uint32_t)(a->n_frames - first);
    return py_async_task_links(a, index);
}

/* Read the task at addr into the graph, with everything it points to. */
static int read_task(struct py_async *a, uint64_t addr, int32_t thread, const struct py_async_thread *running,
                     long *index)
{
    int rc;

    *index = -1;
    if (py_async_bad_ptr(addr))
        return diag_set(ERR_CORRUPT, "bad task pointer 0x%llx", (unsigned long long)addr);
    if ((rc = py_async_read(a, addr, a->block, a->L.task_size)) < 0 ||
        (rc = py_async_add_task(a, addr, a->block, thread, index)) < 0 || *index < 0)
        return rc;
    return task_details(a, (size_t)*index, running);
}

int py_async_read_list(struct py_async *a, uint64_t head, int32_t thread)
{
    const struct py_async_layout *L = &a->L;
    uint64_t hn[2], node, prev = head;
    size_t count = 0;
    long index;
    int rc;

    if ((rc = mem_read(a->r, head, hn, sizeof hn)) < 0)
        return rc;
    node = L->llist_next == 0 ? hn[0] : hn[1];
    /* An empty list, or one never initialised (no task ever created). */
    if (node == head || node == 0)
        return 0;
    while (node != head) {
        uint64_t next, back;
        if (++count > PY_ASYNC_MAX_LIST) {
            a->cnt.too_many++;
            return diag_set(ERR_CORRUPT, "task list 0x%llx longer than %u", (unsigned long long)head,
                            PY_ASYNC_MAX_LIST);
        }
        if (py_async_bad_ptr(node) || node < L->task_node)
            return diag_set(ERR_CORRUPT, "task list 0x%llx broken at 0x%llx", (unsigned long long)head,
                            (unsigned long long)node);
        if (py_async_find(a, node - L->task_node) >= 0)
            return diag_set(ERR_CORRUPT, "task list 0x%llx loops", (unsigned long long)head);
        if ((rc = mem_read(a->r, node - L->task_node, a->block, L->task_size)) < 0)
            return rc;
        next = u64_at(a->block, L->task_node + L->llist_next);
        back = u64_at(a->block, L->task_node + L->llist_prev);
        if ((rc = py_async_add_task(a, node - L->task_node, a->block, thread, &index)) < 0)
            return rc;
        if (index < 0 || back != prev) {
            a->cnt.freed++;
            return diag_set(ERR_CORRUPT, "task list 0x%llx changed while it was read", (unsigned long long)head);
        }
        prev = node;
        node = next;
    }
    return 0;
}

int py_async_running(struct py_async *a, struct py_async_thread *th, size_t n)
{
    size_t i;
    int rc;

    if (n == 0)
        return 0;
    if ((rc = grow_array((void **)&a->running, &a->cap_running, 2 * n, sizeof *a->running)) < 0 ||
        (rc = grow_array((void **)&a->spans, &a->cap_spans, 2 * n, sizeof *a->spans)) < 0)
        return rc;
    for (i = 0; i < n; i++) {
        a->spans[2 * i] = (struct mem_span){ th[i].tstate + a->L.ts_running_loop, &a->running[2 * i], 8 };
        a->spans[2 * i + 1] = (struct mem_span){ th[i].tstate + a->L.ts_running_task, &a->running[2 * i + 1], 8 };
    }
    if ((rc = mem_readv(a->r, a->spans, 2 * n)) < 0)
        return rc;
    for (i = 0; i < n; i++) {
        uint64_t loop = a->running[2 * i], task = a->running[2 * i + 1];
        th[i].running_task = loop ? task : 0;
        if (loop && !task)
            a->cnt.no_task++;
    }
    return 0;
}

/* Running mode: each thread's running task, then every task awaiting one
 * already read, breadth first (the index dedupes, so cycles end). */
static int collect_running(struct py_async *a, struct py_async_thread *th, size_t n)
{
    size_t i, k, l;
    long index;
    int rc;

    for (i = 0; i < n; i++) {
        if (!th[i].running_task || py_async_find(a, th[i].running_task) >= 0)
            continue;
        if ((rc = read_task(a, th[i].running_task, (int32_t)i, &th[i], &index)) < 0)
            return rc;
    }
    for (k = 0; k < a->n_tasks; k++) {
        for (l = 0; l < a->tasks[k].n_parents; l++) {
            uint64_t p = a->links[a->tasks[k].links_at + l];
            if (py_async_find(a, p) >= 0)
                continue;
            if ((rc = read_task(a, p, a->tasks[k].thread, NULL, &index)) < 0)
                return rc;
        }
    }
    return 0;
}

int py_async_sample(struct py_async *a, int all, struct py_async_thread *th, size_t n,
                    const uint64_t *interps, size_t n_interps, py_async_frame_fn frame_id,
                    void *frame_ctx, py_async_stack_fn emit, void *emit_ctx)
{
    int rc = 0;

    a->cnt.samples++;
    new_sample(a);
    a->frame_id = frame_id;
    a->frame_ctx = frame_ctx;
    if (all) {
        rc = py_async_collect_all(a, th, n, interps, n_interps);
    } else {
        py_async_memo_prefetch(a);
        rc = collect_running(a, th, n);
    }
    if (rc == 0)
        rc = py_async_emit(a, th, emit, emit_ctx);
    if (rc < 0)
        a->cnt.failed++;
    return rc;
}
