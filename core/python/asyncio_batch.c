/* All mode in few reads: every task, every sample.
 *
 * Following a task list is one read per task, each depending on the last,
 * so the lists the previous sample found are read ahead: every task object
 * of a list in one readv, then checked link by link (the head and each node
 * must point at the next one read, and back at the one before). A list that
 * changed is followed again the slow way. Then the names of all tasks are
 * read in one readv, and their coroutine chains breadth first: one readv
 * for the coroutines at each depth, one for the objects they await. Only
 * awaiter sets (two or more awaiters) are read task by task. A readv that
 * fails (one object freed and unmapped) is redone span by span, so the
 * failure is the object's, as it would be without batching. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "asyncio_priv.h"

#define NO_ENT UINT32_MAX

/* A list read last sample: its head and where its task addresses are. */
struct py_async_prev {
    uint64_t head;
    uint32_t start, count;
};

/* Per task, while its coroutine chain is read breadth first. */
struct py_async_bt {
    uint64_t cur;        /* coroutine to read at this depth, 0 when done */
    uint64_t gen_type;   /* type of its first coroutine */
    uint64_t sp;         /* stack slot holding what it awaits */
    uint32_t first, last;/* its chain entries, outermost first */
};

/* One coroutine of a chain. */
struct py_async_ent {
    uint64_t coro, code, instr;
    uint32_t next;
};

static uint64_t u64_at(const uint8_t *p, uint32_t off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

void py_async_batch_free(struct py_async *a)
{
    free(a->prev);
    free(a->prev_addrs);
    free(a->bbuf);
    free(a->bt);
    free(a->ents);
}

/* Read n spans; when the batch fails, span by span, returning the first
 * span's own error. */
static int read_spans(struct py_async *a, struct mem_span *spans, size_t n)
{
    size_t i;
    int rc;

    if (n == 0 || mem_readv(a->r, spans, n) == 0)
        return 0;
    for (i = 0; i < n; i++)
        if ((rc = mem_read(a->r, spans[i].addr, spans[i].buf, spans[i].len)) < 0)
            return rc;
    return 0;
}

static int reserve_scratch(struct py_async *a, size_t spans, size_t bytes)
{
    int rc = grow_array((void **)&a->spans, &a->cap_spans, spans ? spans : 1, sizeof *a->spans);
    if (rc == 0)
        rc = grow_array((void **)&a->bbuf, &a->cap_bbuf, bytes ? bytes : 1, 1);
    return rc;
}

/* Read the list at head from last sample's addresses in one readv. 0 when
 * it was unchanged and its tasks were added; 1 when it must be followed. */
static int list_ahead(struct py_async *a, uint64_t head, int32_t thread)
{
    const struct py_async_layout *L = &a->L;
    const struct py_async_prev *p = NULL;
    size_t i, ts = L->task_size, first = a->n_tasks;
    uint64_t hn[2], prev;
    long index;
    int rc;

    for (i = 0; i < a->n_prev && !p; i++)
        if (a->prev[i].head == head && a->prev[i].count > 0)
            p = &a->prev[i];
    if (!p || (rc = reserve_scratch(a, p->count + 1, (size_t)p->count * ts)) < 0)
        return 1;
    a->spans[0] = (struct mem_span){ head, hn, sizeof hn };
    for (i = 0; i < p->count; i++)
        a->spans[i + 1] = (struct mem_span){ a->prev_addrs[p->start + i], a->bbuf + i * ts, ts };
    if (mem_readv(a->r, a->spans, p->count + 1) < 0)
        return 1;
    prev = head;
    if ((L->llist_next == 0 ? hn[0] : hn[1]) != a->prev_addrs[p->start] + L->task_node)
        return 1;
    for (i = 0; i < p->count; i++) {
        const uint8_t *b = a->bbuf + i * ts;
        uint64_t addr = a->prev_addrs[p->start + i];
        uint64_t want = i + 1 < p->count ? a->prev_addrs[p->start + i + 1] + L->task_node : head;
        if (u64_at(b, L->task_node + L->llist_next) != want || u64_at(b, L->task_node + L->llist_prev) != prev ||
            py_async_find(a, addr) >= 0)
            goto changed;
        prev = addr + L->task_node;
    }
    for (i = 0; i < p->count; i++) {
        if ((rc = py_async_add_task(a, a->prev_addrs[p->start + i], a->bbuf + i * ts, thread, &index)) < 0)
            return rc;
        if (index < 0) {
            a->cnt.freed++;
            return diag_set(ERR_CORRUPT, "task list 0x%llx holds an object that is no task",
                            (unsigned long long)head);
        }
    }
    return 0;
changed:
    /* Nothing was added: the slow path starts from a clean graph. */
    a->n_tasks = first;
    return 1;
}

/* Remember this sample's lists: tasks [from, to) came from list head. */
static int remember(struct py_async *a, struct py_async_prev *next, size_t *n_next, uint64_t head,
                    size_t from, size_t to)
{
    next[*n_next].head = head;
    next[*n_next].start = (uint32_t)from;
    next[(*n_next)++].count = (uint32_t)(to - from);
    return 0;
}

static int read_names(struct py_async *a)
{
    size_t want = py_async_name_want(a), i, n = 0;
    int rc;

    if ((rc = reserve_scratch(a, a->n_tasks, a->n_tasks * want)) < 0)
        return rc;
    for (i = 0; i < a->n_tasks; i++) {
        uint64_t obj = a->tasks[i].name_obj;
        if (obj && !py_async_bad_ptr(obj)) {
            a->spans[n] = (struct mem_span){ obj, a->bbuf + n * want, want };
            n++;
        }
    }
    /* A name object near the end of a mapping fails the long read: then
     * each is read on its own, with the short-read fallback. */
    if (n && mem_readv(a->r, a->spans, n) < 0) {
        for (i = 0; i < a->n_tasks; i++)
            if ((rc = py_async_read_name(a, a->tasks[i].name_obj, &a->tasks[i].name)) < 0)
                return rc;
        return 0;
    }
    for (i = 0, n = 0; i < a->n_tasks; i++) {
        uint64_t obj = a->tasks[i].name_obj;
        a->tasks[i].name = 0;
        if (!obj)
            continue;
        if (py_async_bad_ptr(obj))
            return diag_set(ERR_CORRUPT, "bad task name pointer 0x%llx", (unsigned long long)obj);
        if ((rc = py_async_name_from(a, obj, a->bbuf + n++ * want, want, &a->tasks[i].name)) < 0)
            return rc;
    }
    return 0;
}

static int in_chain(const struct py_async *a, const struct py_async_bt *b, uint64_t coro)
{
    uint32_t e;
    for (e = b->first; e != NO_ENT; e = a->ents[e].next)
        if (a->ents[e].coro == coro)
            return 1;
    return 0;
}

/* One depth of every chain still open: their coroutines in one readv, then
 * the objects they await in another. Returns how many chains stay open. */
static int chain_step(struct py_async *a, size_t depth, size_t *open)
{
    const struct py_async_layout *L = &a->L;
    size_t gsz = L->gi_iframe + L->fr_size, i, n = 0, k;
    int rc, kind;

    for (i = 0; i < a->n_tasks; i++)
        n += a->bt[i].cur != 0;
    if ((rc = reserve_scratch(a, n, n * gsz)) < 0)
        return rc;
    for (i = 0, k = 0; i < a->n_tasks; i++)
        if (a->bt[i].cur) {
            a->spans[k] = (struct mem_span){ a->bt[i].cur, a->bbuf + k * gsz, gsz };
            k++;
        }
    if ((rc = read_spans(a, a->spans, n)) < 0)
        return rc;
    for (i = 0, k = 0; i < a->n_tasks; i++) {
        struct py_async_bt *b = &a->bt[i];
        const uint8_t *g, *fp;
        uint64_t type, coro = b->cur;
        int8_t state;
        if (!coro)
            continue;
        g = a->bbuf + k++ * gsz;
        fp = g + L->gi_iframe;
        b->cur = 0;
        type = u64_at(g, L->ob_type);
        if (depth == 0) {
            if ((rc = py_async_type_kind(a, type, &kind)) < 0)
                return rc;
            if (kind != TYPE_CORO)
                continue;
            b->gen_type = type;
        } else if (type != b->gen_type) {
            continue;
        }
        if (in_chain(a, b, coro)) {
            a->cnt.cycles++;
            continue;
        }
        memcpy(&state, g + L->gi_frame_state, 1);
        if (state == L->state_cleared)
            continue;
        if ((uint8_t)fp[L->fr_owner] != L->owner_generator)
            return diag_set(ERR_CORRUPT, "coroutine 0x%llx does not own its frame", (unsigned long long)coro);
        if (a->n_ents >= PY_ASYNC_MAX_FRAMES) {
            a->cnt.too_many++;
            return diag_set(ERR_CORRUPT, "more than %u coroutine frames in one sample", PY_ASYNC_MAX_FRAMES);
        }
        if ((rc = grow_array((void **)&a->ents, &a->cap_ents, a->n_ents + 1, sizeof *a->ents)) < 0)
            return rc;
        a->ents[a->n_ents] = (struct py_async_ent){ coro, u64_at(fp, L->fr_executable) & ~L->tag_mask,
                                                    u64_at(fp, L->fr_instr), NO_ENT };
        if (b->last == NO_ENT)
            b->first = (uint32_t)a->n_ents;
        else
            a->ents[b->last].next = (uint32_t)a->n_ents;
        b->last = (uint32_t)a->n_ents++;
        if (state != L->state_yield_from && state != L->state_yield_from_locked)
            continue;
        b->sp = u64_at(fp, L->fr_stackpointer);
        if (b->sp >= 8u * L->await_slot && !(b->sp & 7))
            b->cur = 1;   /* its awaited object is read below */
    }
    /* The objects awaited, each the next coroutine if of the same type. */
    for (i = 0, n = 0; i < a->n_tasks; i++)
        n += a->bt[i].cur != 0;
    if ((rc = reserve_scratch(a, n, n * 8)) < 0)
        return rc;
    for (i = 0, k = 0; i < a->n_tasks; i++)
        if (a->bt[i].cur) {
            a->spans[k] = (struct mem_span){ a->bt[i].sp - 8u * L->await_slot, a->bbuf + k * 8, 8 };
            k++;
        }
    if ((rc = read_spans(a, a->spans, n)) < 0)
        return rc;
    *open = 0;
    for (i = 0, k = 0; i < a->n_tasks; i++) {
        if (!a->bt[i].cur)
            continue;
        a->bt[i].cur = u64_at(a->bbuf, (uint32_t)(k++ * 8)) & ~L->tag_mask;
        if (a->bt[i].cur && py_async_bad_ptr(a->bt[i].cur))
            a->bt[i].cur = 0;
        *open += a->bt[i].cur != 0;
    }
    return 0;
}

/* Each task's chain entries to frame ids, innermost first, stopping at a
 * frame not shown; then its awaiters. */
static int finish_tasks(struct py_async *a)
{
    size_t i, j, k;
    int rc;

    for (i = 0; i < a->n_tasks; i++) {
        size_t first = a->n_frames;
        uint32_t e;
        for (e = a->bt[i].first; e != NO_ENT; e = a->ents[e].next) {
            uint32_t id;
            int skip;
            if ((rc = a->frame_id(a->frame_ctx, a->ents[e].code, a->ents[e].instr, &id, &skip)) < 0)
                return rc;
            if (skip)
                break;
            if ((rc = py_async_push_frame(a, id)) < 0)
                return rc;
        }
        for (j = first, k = a->n_frames; j + 1 < k; j++, k--) {
            uint32_t t = a->frames[j];
            a->frames[j] = a->frames[k - 1];
            a->frames[k - 1] = t;
        }
        a->tasks[i].frames_at = (uint32_t)first;
        a->tasks[i].n_frames = (uint32_t)(a->n_frames - first);
        if ((rc = py_async_task_links(a, i)) < 0)
            return rc;
    }
    return 0;
}

int py_async_collect_all(struct py_async *a, struct py_async_thread *th, size_t n, const uint64_t *interps,
                         size_t n_interps)
{
    struct py_async_prev *next = NULL;
    size_t n_next = 0, i, depth, open = 1, from;
    int rc = 0;

    next = malloc((n + n_interps + 1) * sizeof *next);
    if (!next)
        return ERR_NOMEM;
    for (i = 0; rc == 0 && i < n + n_interps; i++) {
        uint64_t head = i < n ? th[i].tstate + a->L.ts_tasks_head : interps[i - n] + a->L.is_tasks_head;
        int32_t thread = i < n ? (int32_t)i : PY_ASYNC_NO_THREAD;
        from = a->n_tasks;
        rc = list_ahead(a, head, thread);
        if (rc == 1)
            rc = py_async_read_list(a, head, thread);
        if (rc == 0)
            remember(a, next, &n_next, head, from, a->n_tasks);
    }
    if (rc == 0)
        rc = read_names(a);
    if (rc == 0)
        rc = grow_array((void **)&a->bt, &a->cap_bt, a->n_tasks ? a->n_tasks : 1, sizeof *a->bt);
    if (rc == 0) {
        a->n_ents = 0;
        for (i = 0; i < a->n_tasks; i++)
            a->bt[i] = (struct py_async_bt){ a->tasks[i].coro, 0, 0, NO_ENT, NO_ENT };
        for (depth = 0; rc == 0 && open && depth < PY_ASYNC_MAX_CORO_DEPTH; depth++)
            rc = chain_step(a, depth, &open);
    }
    if (rc == 0)
        rc = finish_tasks(a);
    /* The addresses read this time are next sample's read-ahead. */
    if (rc == 0)
        rc = grow_array((void **)&a->prev_addrs, &a->cap_prev_addrs, a->n_tasks ? a->n_tasks : 1,
                           sizeof *a->prev_addrs);
    if (rc == 0)
        rc = grow_array((void **)&a->prev, &a->cap_prev, n_next ? n_next : 1, sizeof *a->prev);
    if (rc == 0) {
        for (i = 0; i < a->n_tasks; i++)
            a->prev_addrs[i] = a->tasks[i].addr;
        memcpy(a->prev, next, n_next * sizeof *next);
        a->n_prev = n_next;
    } else {
        a->n_prev = 0;
    }
    free(next);
    return rc;
}
