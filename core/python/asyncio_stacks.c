/* From a sample's task graph to stacks, with upstream 3.15.2's rules: a
 * leaf is a task that awaits no other task of the graph; its stack is its
 * frames, a <task> frame named after it, then the same for the awaiter it is
 * followed to, up to a task nobody awaits. A task with several awaiters is
 * followed to the one at the lowest address and its marker reads
 * "name (N parents)"; an unnamed task is "Task-<address>". A chain that
 * comes back to a task already in the stack ends there (counted). */
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "asyncio_priv.h"

/* The interned <task> frame for a task name and awaiter count. */
static int marker(struct py_async *a, const struct py_async_task *t, uint32_t *id)
{
    size_t slot = ((size_t)t->name * 31u + t->n_parents) % PY_ASYNC_MARKERS;
    const char *name;
    size_t len = 0, n;
    tachyon_frame fr;
    int rc;

    if (t->name && a->markers[slot].id && a->markers[slot].name == t->name &&
        a->markers[slot].n_parents == t->n_parents) {
        *id = a->markers[slot].id;
        return 0;
    }
    name = t->name ? interner_string(a->in, t->name, &len) : NULL;
    if (name && len)
        n = (size_t)snprintf(a->label, sizeof a->label, "%.*s", (int)len, name);
    else
        n = (size_t)snprintf(a->label, sizeof a->label, "Task-%llu", (unsigned long long)t->addr);
    if (t->n_parents > 1 && n < sizeof a->label)
        n += (size_t)snprintf(a->label + n, sizeof a->label - n, " (%u parents)", t->n_parents);
    if (n >= sizeof a->label)
        n = sizeof a->label - 1;

    memset(&fr, 0, sizeof fr);
    fr.struct_size = sizeof fr;
    fr.kind = TACHYON_FRAME_TASK;
    fr.line = fr.end_line = 0;
    fr.column = fr.end_column = TACHYON_NO_LOCATION;
    fr.opcode = fr.base_opcode = TACHYON_NO_OPCODE;
    if ((rc = intern_cstring(a->in, "<task>", &fr.filename)) < 0 ||
        (rc = intern_string(a->in, a->label, n, &fr.funcname)) < 0 || (rc = intern_frame(a->in, &fr, id)) < 0)
        return rc;
    if (t->name) {
        a->markers[slot].name = t->name;
        a->markers[slot].n_parents = t->n_parents;
        a->markers[slot].id = *id;
    }
    return 0;
}

static void mark_awaiters(struct py_async *a)
{
    size_t i, l;
    for (i = 0; i < a->n_tasks; i++)
        a->tasks[i].awaiter = 0;
    for (i = 0; i < a->n_tasks; i++) {
        const struct py_async_task *t = &a->tasks[i];
        for (l = 0; l < t->n_parents; l++) {
            long p = py_async_find(a, a->links[t->links_at + l]);
            if (p >= 0)
                a->tasks[p].awaiter = 1;
        }
    }
}

/* Build the stack of leaf task i in a->stack; returns its depth. */
static int build(struct py_async *a, size_t i, uint32_t *depth_out)
{
    uint32_t depth = 0, f;
    long cur = (long)i;
    int rc;

    if (++a->walk_gen == 0) {
        size_t k;
        for (k = 0; k < a->n_tasks; k++)
            a->tasks[k].seen = 0;
        a->walk_gen = 1;
    }
    while (cur >= 0 && depth < PY_ASYNC_MAX_DEPTH) {
        struct py_async_task *t = &a->tasks[cur];
        if (t->seen == a->walk_gen) {
            a->cnt.cycles++;
            break;
        }
        t->seen = a->walk_gen;
        for (f = 0; f < t->n_frames && depth < PY_ASYNC_MAX_DEPTH; f++)
            a->stack[depth++] = a->frames[t->frames_at + f];
        if (depth == PY_ASYNC_MAX_DEPTH)
            break;
        if ((rc = marker(a, t, &a->stack[depth])) < 0)
            return rc;
        depth++;
        cur = t->parent ? py_async_find(a, t->parent) : -1;
    }
    *depth_out = depth;
    return 0;
}

int py_async_emit(struct py_async *a, struct py_async_thread *th, py_async_stack_fn emit, void *ctx)
{
    struct py_async_stack s;
    size_t i;
    int rc;

    mark_awaiters(a);
    for (i = 0; i < a->n_tasks; i++) {
        const struct py_async_task *t = &a->tasks[i];
        if (t->awaiter)
            continue;
        memset(&s, 0, sizeof s);
        if ((rc = build(a, i, &s.depth)) < 0)
            return rc;
        s.thread = t->thread >= 0 ? &th[t->thread] : NULL;
        s.leaf = t->addr;
        s.frames = a->stack;
        if ((rc = emit(ctx, &s)) != 0)
            return rc;
    }
    return 0;
}
