#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

void lv_stats_init(struct lv_stats *s, const tachyon_host *host, int opcodes)
{
    memset(s, 0, sizeof *s);
    s->host = host;
    s->opcodes = opcodes;
}

static void table_free(struct lv_table *t)
{
    for (size_t i = 0; i < t->nfuncs; i++)
        free(t->funcs[i].ops);
    free(t->funcs);
    free(t->frame_func);
    pl_idxtab_free(&t->index);
    memset(t, 0, sizeof *t);
}

struct func_key {
    const struct lv_table *t;
    tachyon_str_id filename, funcname;
    int32_t line;
};

static int func_eq(const void *ctx, uint32_t index)
{
    const struct func_key *k = ctx;
    const struct lv_func *f = &k->t->funcs[index];
    return f->filename == k->filename && f->funcname == k->funcname && f->line == k->line;
}

/* The function record of a frame id, created on first sight. Frames that
 * differ only in their opcode share one record. */
static int lookup(const tachyon_host *host, struct lv_table *t, tachyon_frame_id id, uint32_t *out)
{
    const tachyon_frame *fr;
    struct func_key k = {t, 0, 0, 0};
    uint64_t h;
    uint32_t idx;
    int rc;

    if (id < t->frame_func_len && t->frame_func[id]) {
        *out = t->frame_func[id] - 1;
        return 0;
    }
    fr = host->frame(host, id);
    if (fr) {
        k.filename = fr->filename;
        k.funcname = fr->funcname;
        k.line = fr->line > 0 ? fr->line : 0;
    }
    h = pl_hash_mix(pl_hash_mix(pl_hash_mix(0, k.filename), k.funcname), (uint32_t)k.line);
    if (!pl_idxtab_find(&t->index, h, func_eq, &k, &idx)) {
        if (t->nfuncs >= UINT32_MAX - 1)
            return TACHYON_ERR_NOMEM;
        rc = pl_grow((void **)&t->funcs, &t->cap_funcs, t->nfuncs + 1, sizeof *t->funcs);
        if (rc)
            return rc;
        idx = (uint32_t)t->nfuncs;
        rc = pl_idxtab_insert(&t->index, h, idx);
        if (rc)
            return rc;
        memset(&t->funcs[idx], 0, sizeof t->funcs[idx]);
        t->funcs[idx].filename = k.filename;
        t->funcs[idx].funcname = k.funcname;
        t->funcs[idx].line = k.line;
        t->nfuncs++;
    }
    /* Only ids the host knows are cached, so a bogus id cannot grow the map. */
    if (fr) {
        rc = pl_grow((void **)&t->frame_func, &t->frame_func_len, (size_t)id + 1, sizeof *t->frame_func);
        if (rc)
            return rc;
        t->frame_func[id] = idx + 1;
    }
    *out = idx;
    return 0;
}

static int count_opcode(struct lv_func *f, const tachyon_frame *fr, uint64_t w)
{
    size_t i;
    int rc;

    for (i = 0; i < f->nops; i++) {
        if (f->ops[i].opcode == fr->opcode) {
            f->ops[i].count += w;
            return 0;
        }
    }
    rc = pl_grow((void **)&f->ops, &f->cap_ops, f->nops + 1, sizeof *f->ops);
    if (rc)
        return rc;
    f->ops[f->nops].opcode = fr->opcode;
    f->ops[f->nops].name = fr->opcode_name;
    f->ops[f->nops].base = fr->base_opcode != fr->opcode ? fr->base_opcode_name : 0;
    f->ops[f->nops].count = w;
    f->nops++;
    return 0;
}

static int table_add(const struct lv_stats *s, struct lv_table *t, const tachyon_sample *sm, uint64_t w)
{
    uint32_t idx, top = 0;
    int rc, gc = (sm->status & TACHYON_THREAD_IN_GC) != 0;

    t->stamp++;
    for (uint32_t i = 0; i < sm->depth; i++) {
        rc = lookup(s->host, t, sm->frames[i], &idx);
        if (rc)
            return rc;
        if (i == 0)
            top = idx;
        /* Recursion puts a location on the stack more than once; it was
         * still on the stack for one sample only. */
        if (t->funcs[idx].stamp != t->stamp) {
            t->funcs[idx].stamp = t->stamp;
            t->funcs[idx].cumulative += w;
        }
    }
    t->funcs[top].direct += w;
    if (s->opcodes || !gc) {
        const tachyon_frame *fr = s->host->frame(s->host, sm->frames[0]);
        if (fr && fr->kind == TACHYON_FRAME_GC)
            gc = 1;
        if (s->opcodes && fr && fr->opcode != TACHYON_NO_OPCODE) {
            rc = count_opcode(&t->funcs[top], fr, w);
            if (rc)
                return rc;
        }
    }
    t->samples += w;
    if (sm->status & TACHYON_THREAD_HAS_GIL)
        t->has_gil += w;
    if (sm->status & TACHYON_THREAD_GIL_REQUESTED)
        t->gil_requested += w;
    if (sm->status & TACHYON_THREAD_HAS_EXCEPTION)
        t->has_exception += w;
    if (gc)
        t->in_gc += w;
    return 0;
}

static int thread_of(struct lv_stats *s, const tachyon_sample *sm, struct lv_thread **out)
{
    /* The OS thread id is what users see in top and ps; Python's own
     * identifier is the fallback. */
    uint64_t id = sm->native_thread_id ? sm->native_thread_id : sm->thread_id;
    int rc;

    if (s->last_thread < s->nthreads && s->threads[s->last_thread].id == id) {
        *out = &s->threads[s->last_thread];
        return 0;
    }
    for (size_t i = 0; i < s->nthreads; i++) {
        if (s->threads[i].id == id) {
            s->last_thread = i;
            *out = &s->threads[i];
            return 0;
        }
    }
    rc = pl_grow((void **)&s->threads, &s->cap_threads, s->nthreads + 1, sizeof *s->threads);
    if (rc)
        return rc;
    memset(&s->threads[s->nthreads], 0, sizeof s->threads[s->nthreads]);
    s->threads[s->nthreads].id = id;
    s->last_thread = s->nthreads++;
    *out = &s->threads[s->last_thread];
    return 0;
}

int lv_stats_add(struct lv_stats *s, const tachyon_sample *sm)
{
    struct lv_thread *th;
    uint64_t w = sm->weight ? sm->weight : 1;
    int rc;

    if (sm->depth == 0 || !sm->frames)
        return 0;
    rc = table_add(s, &s->all, sm, w);
    if (rc)
        return rc;
    rc = thread_of(s, sm, &th);
    if (rc)
        return rc;
    return table_add(s, &th->table, sm, w);
}

void lv_stats_reset(struct lv_stats *s)
{
    const tachyon_host *host = s->host;
    int opcodes = s->opcodes;
    lv_stats_free(s);
    lv_stats_init(s, host, opcodes);
}

void lv_stats_free(struct lv_stats *s)
{
    table_free(&s->all);
    for (size_t i = 0; i < s->nthreads; i++)
        table_free(&s->threads[i].table);
    free(s->threads);
    memset(s, 0, sizeof *s);
}
