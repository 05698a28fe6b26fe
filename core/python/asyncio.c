/* Reading asyncio tasks out of the target: task objects, their names,
 * coroutine chains and awaiter sets, the task lists and the running task of
 * each thread. asyncio_stacks.c turns what is read into stacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "asyncio_priv.h"

#define TPFLAGS_LONG_SUBCLASS (1ul << 24)
#define TPFLAGS_UNICODE_SUBCLASS (1ul << 28)

static uint64_t u64_at(const uint8_t *p, uint32_t off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

int py_async_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 64;
    void *q;
    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    q = realloc(*p, n * elem);
    if (!q)
        return ERR_NOMEM;
    *p = q;
    *cap = n;
    return 0;
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

/* --- running mode's read-ahead ---------------------------------------------- */

static void memo_note(struct py_async *a, uint64_t addr, size_t len)
{
    size_t i;
    if (a->n_next == PY_ASYNC_MEMO || a->next_bytes + len > PY_ASYNC_MEMO_BYTES)
        return;
    for (i = 0; i < a->n_next; i++)
        if (a->next[i].addr == addr && a->next[i].len >= len)
            return;
    a->next[a->n_next].addr = addr;
    a->next[a->n_next].len = (uint32_t)len;
    a->next[a->n_next++].off = (uint32_t)a->next_bytes;
    a->next_bytes += len;
}

/* Read what the last sample read, in one readv; when any of it is gone the
 * sample reads everything itself. */
static void memo_prefetch(struct py_async *a)
{
    size_t i;
    a->ahead_ok = 0;
    a->n_ahead = a->n_next;
    memcpy(a->ahead, a->next, a->n_next * sizeof *a->next);
    a->n_next = a->next_bytes = 0;
    if (a->n_ahead == 0 || (!a->ahead_buf && !(a->ahead_buf = malloc(PY_ASYNC_MEMO_BYTES))) ||
        py_async_grow((void **)&a->spans, &a->cap_spans, a->n_ahead, sizeof *a->spans) < 0)
        return;
    for (i = 0; i < a->n_ahead; i++)
        a->spans[i] = (struct mem_span){ a->ahead[i].addr, a->ahead_buf + a->ahead[i].off, a->ahead[i].len };
    a->ahead_ok = mem_readv(a->r, a->spans, a->n_ahead) == 0;
}

int py_async_read(struct py_async *a, uint64_t addr, void *buf, size_t len)
{
    size_t i;
    int rc;
    for (i = 0; a->ahead_ok && i < a->n_ahead; i++)
        if (a->ahead[i].addr == addr && a->ahead[i].len >= len) {
            memcpy(buf, a->ahead_buf + a->ahead[i].off, len);
            memo_note(a, addr, len);
            return 0;
        }
    rc = mem_read(a->r, addr, buf, len);
    if (rc == 0)
        memo_note(a, addr, len);
    return rc;
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

/* --- objects ------------------------------------------------------------- */

int py_async_bad_ptr(uint64_t p)
{
    return p == 0 || (p & 7) != 0 || p >= (1ull << 56);
}

/* What the type at addr is, by its flags or name, cached by address. */
int py_async_type_kind(struct py_async *a, uint64_t type, int *kind)
{
    uint64_t flags = 0, name_ptr = 0;
    char name[12];
    size_t i;
    int rc;

    for (i = 0; i < a->n_types; i++)
        if (a->type_addr[i] == type) {
            *kind = a->type_kind[i];
            return 0;
        }
    if (py_async_bad_ptr(type))
        return diag_set(ERR_CORRUPT, "bad type pointer 0x%llx", (unsigned long long)type);
    if ((rc = mem_read(a->r, type + a->L.tp_flags, &flags, sizeof flags)) < 0 ||
        (rc = mem_read(a->r, type + a->L.tp_name, &name_ptr, sizeof name_ptr)) < 0)
        return rc;
    memset(name, 0, sizeof name);
    if (name_ptr && mem_read(a->r, name_ptr, name, 10) < 0)
        name[0] = '\0';
    if (flags & TPFLAGS_LONG_SUBCLASS)
        *kind = TYPE_LONG;
    else if (flags & TPFLAGS_UNICODE_SUBCLASS)
        *kind = TYPE_STR;
    else if (memcmp(name, "coroutine", 10) == 0 || memcmp(name, "generator", 10) == 0)
        *kind = TYPE_CORO;
    else
        *kind = TYPE_OTHER;
    /* Types outlive their objects; a full cache simply stops caching. */
    if (a->n_types < PY_ASYNC_TYPE_CACHE) {
        a->type_addr[a->n_types] = type;
        a->type_kind[a->n_types++] = (uint8_t)*kind;
    }
    return 0;
}

/* The name of a task: a str (cut at PY_ASYNC_NAME_MAX characters), or the
 * counter of an unnamed task, shown "Task-N" as asyncio names it. buf holds
 * len bytes read at obj. */
int py_async_name_from(struct py_async *a, uint64_t obj, const uint8_t *buf, size_t len, uint32_t *id)
{
    const struct py_layout *pl = a->pl;
    size_t nchars;
    uint64_t type, data;
    unsigned ukind;
    int kind, ascii, rc;

    *id = 0;
    if (len < pl->uni_ascii_size || len < a->L.long_size)
        return diag_set(ERR_CORRUPT, "task name read short");
    type = u64_at(buf, a->L.ob_type);
    if ((rc = py_async_type_kind(a, type, &kind)) < 0)
        return rc;
    if (kind == TYPE_LONG) {
        uint64_t tag = u64_at(buf, a->L.long_lv_tag), v = 0, ndigits = tag >> 3;
        uint32_t d[2] = { 0, 0 };
        char text[32];
        int n;
        if (ndigits > 2 || (tag & 3) == 2 || a->L.long_digit + 8 > len)
            return diag_set(ERR_CORRUPT, "task counter with lv_tag 0x%llx", (unsigned long long)tag);
        memcpy(d, buf + a->L.long_digit, ndigits * 4);
        v = (uint64_t)d[0] | ((uint64_t)d[1] << 30);
        n = snprintf(text, sizeof text, "Task-%llu", (unsigned long long)v);
        return intern_string(a->in, text, (size_t)n, id);
    }
    if (kind != TYPE_STR)
        return diag_set(ERR_CORRUPT, "task name is neither a str nor an int");
    rc = py_str_header(pl, buf, obj, &ukind, &ascii, &nchars, &data);
    if (rc < 0)
        return rc;
    if (nchars > PY_ASYNC_NAME_MAX)
        nchars = PY_ASYNC_NAME_MAX;
    if (data >= obj && data - obj + nchars * ukind <= len) {
        rc = py_ucs_to_utf8(buf + (data - obj), nchars, ukind, ascii, &a->sbuf);
    } else {
        uint8_t text[PY_ASYNC_NAME_MAX * 4];
        rc = mem_read(a->r, data, text, nchars * ukind);
        if (rc == 0)
            rc = py_ucs_to_utf8(text, nchars, ukind, ascii, &a->sbuf);
    }
    if (rc < 0)
        return rc;
    return intern_string(a->in, a->sbuf.data ? a->sbuf.data : "", a->sbuf.len, id);
}

size_t py_async_name_want(const struct py_async *a)
{
    return a->pl->uni_compact_size + 64;
}

int py_async_read_name(struct py_async *a, uint64_t obj, uint32_t *id)
{
    const struct py_layout *pl = a->pl;
    size_t want = py_async_name_want(a);
    int rc;

    *id = 0;
    if (obj == 0)
        return 0;
    if (py_async_bad_ptr(obj))
        return diag_set(ERR_CORRUPT, "bad task name pointer 0x%llx", (unsigned long long)obj);
    /* One read usually covers the header and the text of a short name; an
     * object near the end of a mapping is read again with its header only. */
    if (py_async_read(a, obj, a->name_buf, want) < 0) {
        want = pl->uni_ascii_size > a->L.long_size ? pl->uni_ascii_size : a->L.long_size;
        if ((rc = mem_read(a->r, obj, a->name_buf, want)) < 0)
            return rc;
    }
    return py_async_name_from(a, obj, a->name_buf, want, id);
}

int py_async_push_frame(struct py_async *a, uint32_t id)
{
    int rc;
    if (a->n_frames >= PY_ASYNC_MAX_FRAMES) {
        a->cnt.too_many++;
        return diag_set(ERR_CORRUPT, "more than %u coroutine frames in one sample", PY_ASYNC_MAX_FRAMES);
    }
    rc = py_async_grow((void **)&a->frames, &a->cap_frames, a->n_frames + 1, sizeof *a->frames);
    if (rc == 0)
        a->frames[a->n_frames++] = id;
    return rc;
}

static int in_chain(const struct py_async *a, size_t n, uint64_t coro)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (a->chain[i] == coro)
            return 1;
    return 0;
}

/* The frames of a task's coroutine and of the coroutines it awaits in turn,
 * innermost first. The chain ends at a finished coroutine, at an awaited
 * object of another type (a future, an iterator) or at a frame not shown. */
static int read_coro_chain(struct py_async *a, uint64_t coro)
{
    const struct py_async_layout *L = &a->L;
    size_t depth = 0, first = a->n_frames, i, j;
    uint64_t gen_type = 0;
    int rc, kind;

    while (coro && depth < PY_ASYNC_MAX_CORO_DEPTH) {
        const uint8_t *fp = a->gen + L->gi_iframe;
        int8_t state;
        uint64_t code, instr, sp, awaited = 0, type;
        uint32_t id;
        int skip;

        if (py_async_bad_ptr(coro))
            return diag_set(ERR_CORRUPT, "bad coroutine pointer 0x%llx", (unsigned long long)coro);
        if (in_chain(a, depth, coro)) {
            a->cnt.cycles++;
            break;
        }
        a->chain[depth] = coro;
        if ((rc = py_async_read(a, coro, a->gen, L->gi_iframe + L->fr_size)) < 0)
            return rc;
        type = u64_at(a->gen, L->ob_type);
        if (depth == 0) {
            /* A task may wrap any awaitable; only native coroutines and
             * generators have a frame to show. */
            if ((rc = py_async_type_kind(a, type, &kind)) < 0)
                return rc;
            if (kind != TYPE_CORO)
                break;
            gen_type = type;
        } else if (type != gen_type) {
            break;
        }
        memcpy(&state, a->gen + L->gi_frame_state, 1);
        if (state == L->state_cleared)
            break;
        if ((uint8_t)fp[L->fr_owner] != L->owner_generator)
            return diag_set(ERR_CORRUPT, "coroutine 0x%llx does not own its frame", (unsigned long long)coro);
        code = u64_at(fp, L->fr_executable) & ~L->tag_mask;
        instr = u64_at(fp, L->fr_instr);
        if ((rc = a->frame_id(a->frame_ctx, code, instr, &id, &skip)) < 0)
            return rc;
        if (skip)
            break;
        if ((rc = py_async_push_frame(a, id)) < 0)
            return rc;
        depth++;
        if (state != L->state_yield_from && state != L->state_yield_from_locked)
            break;
        /* Suspended in await: the awaited object is on its value stack. */
        sp = u64_at(fp, L->fr_stackpointer);
        if (sp < 8u * L->await_slot || (sp & 7))
            break;
        if ((rc = py_async_read(a, sp - 8u * L->await_slot, &awaited, 8)) < 0)
            return rc;
        awaited &= ~L->tag_mask;
        if (awaited == 0)
            break;
        coro = awaited;
    }
    /* Outermost was read first; stacks are innermost first. */
    for (i = first, j = a->n_frames; i + 1 < j; i++, j--) {
        uint32_t t = a->frames[i];
        a->frames[i] = a->frames[j - 1];
        a->frames[j - 1] = t;
    }
    return 0;
}

static int push_link(struct py_async *a, uint64_t addr)
{
    int rc;
    if (a->n_links >= PY_ASYNC_MAX_LINKS) {
        a->cnt.too_many++;
        return diag_set(ERR_CORRUPT, "more than %u awaiter links in one sample", PY_ASYNC_MAX_LINKS);
    }
    rc = py_async_grow((void **)&a->links, &a->cap_links, a->n_links + 1, sizeof *a->links);
    if (rc == 0)
        a->links[a->n_links++] = addr;
    return rc;
}

/* The awaiters of a task: one object, or the live entries of a set. */
static int read_awaiters(struct py_async *a, uint64_t ab, int is_set)
{
    const struct py_async_layout *L = &a->L;
    uint8_t set[1024];
    uint64_t used, mask, table, found = 0, i;
    int rc;

    if (ab == 0)
        return 0;
    if (py_async_bad_ptr(ab))
        return diag_set(ERR_CORRUPT, "bad awaiter pointer 0x%llx", (unsigned long long)ab);
    if (!is_set)
        return push_link(a, ab);
    if ((rc = py_async_read(a, ab, set, L->set_size)) < 0)
        return rc;
    used = u64_at(set, L->set_used);
    mask = u64_at(set, L->set_mask);
    table = u64_at(set, L->set_table);
    if (mask >= PY_ASYNC_MAX_SET_SLOTS || ((mask + 1) & mask) != 0 || used > mask + 1 || py_async_bad_ptr(table))
        return diag_set(ERR_CORRUPT, "awaiter set 0x%llx with mask %llu and %llu entries",
                        (unsigned long long)ab, (unsigned long long)mask, (unsigned long long)used);
    rc = py_async_grow((void **)&a->table, &a->cap_table, (size_t)(mask + 1) * 16, 1);
    if (rc == 0)
        rc = mem_read(a->r, table, a->table, (size_t)(mask + 1) * 16);
    for (i = 0; rc == 0 && i <= mask && found < used; i++) {
        uint64_t key = u64_at(a->table, (uint32_t)(i * 16));
        int64_t hash = (int64_t)u64_at(a->table, (uint32_t)(i * 16 + 8));
        /* Removed entries keep the dummy key with hash -1. */
        if (key == 0 || hash == -1)
            continue;
        found++;
        rc = push_link(a, key);
    }
    return rc;
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
        (rc = py_async_grow((void **)&a->tasks, &a->cap_tasks, a->n_tasks + 1, sizeof *a->tasks)) < 0)
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
    if ((rc = read_awaiters(a, t->ab, t->is_set)) < 0)
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
    } else if (coro && (rc = read_coro_chain(a, coro)) < 0) {
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
    if ((rc = py_async_grow((void **)&a->running, &a->cap_running, 2 * n, sizeof *a->running)) < 0 ||
        (rc = py_async_grow((void **)&a->spans, &a->cap_spans, 2 * n, sizeof *a->spans)) < 0)
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
        memo_prefetch(a);
        rc = collect_running(a, th, n);
    }
    if (rc == 0)
        rc = py_async_emit(a, th, emit, emit_ctx);
    if (rc < 0)
        a->cnt.failed++;
    return rc;
}
