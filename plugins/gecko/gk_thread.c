#include "gk_thread.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "buf.h"

int gk_is_python_file(const char *name, size_t len)
{
    /* As upstream: "<frozen ...>", "<task>" and the like are not source. */
    if (len == 0 || name[0] != '<')
        return 1;
    return (len == 7 && memcmp(name, "<stdin>", 7) == 0) || (len == 8 && memcmp(name, "<string>", 8) == 0);
}

int gk_thread_new(uint64_t thread_id, uint64_t tid, struct gk_thread **out)
{
    struct gk_thread *t = calloc(1, sizeof *t);
    if (!t)
        return TACHYON_ERR_NOMEM;
    t->thread_id = thread_id;
    t->tid = tid;
    *out = t;
    return 0;
}

void gk_thread_free(struct gk_thread *t)
{
    if (!t)
        return;
    free(t->s_stack);
    free(t->s_time_us);
    free(t->s_weight);
    free(t->st_frame);
    free(t->st_prefix);
    free(t->st_cat);
    pl_idxtab_free(&t->st_idx);
    free(t->fr_func);
    free(t->fr_line);
    free(t->fr_col);
    free(t->fr_of_id);
    pl_idxtab_free(&t->fr_idx);
    free(t->fn_name);
    free(t->fn_fileid);
    free(t->fn_res);
    free(t->fn_file);
    free(t->fn_line);
    free(t->fn_python);
    pl_idxtab_free(&t->fn_idx);
    free(t->rs_name);
    free(t->rs_fileid);
    pl_idxtab_free(&t->rs_idx);
    free(t->sc_ids);
    free(t->sc_rec);
    pl_idxtab_free(&t->sc_idx);
    free(t->scratch);
    gk_markers_free(&t->markers);
    free(t);
}

/* Grows the parallel columns of a table to hold n + 1 rows. Each column
 * keeps its own capacity in caps[i], so the rows stay in step. */
static int grow_cols(void **cols[], const size_t elems[], size_t ncols, size_t *cap, size_t n)
{
    size_t c = *cap;
    if (n + 1 <= c)
        return 0;
    for (size_t i = 0; i < ncols; i++) {
        size_t ci = *cap;
        int rc = pl_grow(cols[i], &ci, n + 1, elems[i]);
        if (rc)
            return rc;
        c = ci;
    }
    *cap = c;
    return 0;
}

struct res_key { const struct gk_thread *t; uint32_t file; };

static int res_eq(const void *ctx, uint32_t i)
{
    const struct res_key *k = ctx;
    return k->t->rs_fileid[i] == k->file;
}

static int resource_of(struct gk_thread *t, struct gk_ctx *c, tachyon_str_id file, uint32_t *out)
{
    struct res_key k = {t, file};
    uint64_t h = pl_hash_mix(0x5253, file);
    size_t len = 0;
    const char *s;
    uint32_t name;
    int rc;

    if (pl_idxtab_find(&t->rs_idx, h, res_eq, &k, out))
        return 0;
    s = c->host->string(c->host, file, &len);
    if (!s) {
        s = "?";
        len = 1;
    }
    /* The resource is the file's base name, or the raw name ("<frozen
     * runpy>") when it has no directory. */
    const char *slash = pl_last_char(s, len, '/');
    if (slash)
        rc = gk_strings_intern(c->strings, slash + 1, len - (size_t)(slash + 1 - s), &name);
    else
        rc = gk_strings_intern(c->strings, s, len, &name);
    if (rc)
        return rc;
    void **cols[] = {(void **)&t->rs_name, (void **)&t->rs_fileid};
    const size_t el[] = {sizeof *t->rs_name, sizeof *t->rs_fileid};
    if ((rc = grow_cols(cols, el, 2, &t->rs_cap, t->rs_n)))
        return rc;
    if ((rc = pl_idxtab_insert(&t->rs_idx, h, (uint32_t)t->rs_n)))
        return rc;
    t->rs_name[t->rs_n] = name;
    t->rs_fileid[t->rs_n] = file;
    *out = (uint32_t)t->rs_n++;
    return 0;
}

struct fn_key { const struct gk_thread *t; uint32_t file, name; };

static int fn_eq(const void *ctx, uint32_t i)
{
    const struct fn_key *k = ctx;
    return k->t->fn_fileid[i] == k->file && k->t->fn_name[i] == k->name;
}

static int func_of(struct gk_thread *t, struct gk_ctx *c, const tachyon_frame *f, uint32_t *out)
{
    uint32_t name, res, file = GK_NULL;
    size_t len = 0;
    const char *s;
    int rc, python;

    if ((rc = gk_strings_host(c->strings, f->funcname, &name)))
        return rc;
    struct fn_key k = {t, f->filename, name};
    uint64_t h = pl_hash_mix(pl_hash_mix(0x464e, f->filename), name);
    if (pl_idxtab_find(&t->fn_idx, h, fn_eq, &k, out))
        return 0;
    s = c->host->string(c->host, f->filename, &len);
    if (!s) {
        s = "?";
        len = 1;
    }
    python = gk_is_python_file(s, len);
    if ((rc = resource_of(t, c, f->filename, &res)))
        return rc;
    if (python) {
        const char *slash = pl_last_char(s, len, '/');
        const char *base = slash ? slash + 1 : s;
        if ((rc = gk_strings_intern(c->strings, base, len - (size_t)(base - s), &file)))
            return rc;
    }
    void **cols[] = {(void **)&t->fn_name, (void **)&t->fn_fileid, (void **)&t->fn_res,
                     (void **)&t->fn_file, (void **)&t->fn_line, (void **)&t->fn_python};
    const size_t el[] = {sizeof *t->fn_name, sizeof *t->fn_fileid, sizeof *t->fn_res,
                         sizeof *t->fn_file, sizeof *t->fn_line, sizeof *t->fn_python};
    if ((rc = grow_cols(cols, el, 6, &t->fn_cap, t->fn_n)))
        return rc;
    if ((rc = pl_idxtab_insert(&t->fn_idx, h, (uint32_t)t->fn_n)))
        return rc;
    t->fn_name[t->fn_n] = name;
    t->fn_fileid[t->fn_n] = f->filename;
    t->fn_res[t->fn_n] = res;
    t->fn_file[t->fn_n] = file;
    /* The first line seen stands for the function, as upstream; synthetic
     * frames have none. */
    t->fn_line[t->fn_n] = (python && f->kind == TACHYON_FRAME_PYTHON) ? f->line : GK_NULL_LINE;
    t->fn_python[t->fn_n] = (uint8_t)python;
    *out = (uint32_t)t->fn_n++;
    return 0;
}

struct fr_key { const struct gk_thread *t; uint32_t func; int32_t line, col; };

static int fr_eq(const void *ctx, uint32_t i)
{
    const struct fr_key *k = ctx;
    return k->t->fr_func[i] == k->func && k->t->fr_line[i] == k->line && k->t->fr_col[i] == k->col;
}

static int frame_of(struct gk_thread *t, struct gk_ctx *c, tachyon_frame_id id, uint32_t *out)
{
    const tachyon_frame *f;
    uint32_t func;
    int rc;

    if (id < t->fr_of_id_cap && t->fr_of_id[id]) {
        *out = t->fr_of_id[id] - 1;
        return 0;
    }
    f = c->host->frame(c->host, id);
    if (!f)
        return TACHYON_ERR_INVALID;
    if ((rc = func_of(t, c, f, &func)))
        return rc;
    struct fr_key k = {t, func, (f->kind != TACHYON_FRAME_PYTHON || f->line == 0) ? GK_NULL_LINE : f->line,
                       f->column >= 0 ? f->column : GK_NULL_LINE};
    uint64_t h = pl_hash_mix(pl_hash_mix(pl_hash_mix(0x4652, func), (uint32_t)k.line), (uint32_t)k.col);
    if (!pl_idxtab_find(&t->fr_idx, h, fr_eq, &k, out)) {
        void **cols[] = {(void **)&t->fr_func, (void **)&t->fr_line, (void **)&t->fr_col};
        const size_t el[] = {sizeof *t->fr_func, sizeof *t->fr_line, sizeof *t->fr_col};
        if ((rc = grow_cols(cols, el, 3, &t->fr_cap, t->fr_n)))
            return rc;
        if ((rc = pl_idxtab_insert(&t->fr_idx, h, (uint32_t)t->fr_n)))
            return rc;
        t->fr_func[t->fr_n] = func;
        t->fr_line[t->fr_n] = k.line;
        t->fr_col[t->fr_n] = k.col;
        *out = (uint32_t)t->fr_n++;
    }
    if ((rc = pl_grow((void **)&t->fr_of_id, &t->fr_of_id_cap, (size_t)id + 1, sizeof *t->fr_of_id)))
        return rc;
    t->fr_of_id[id] = *out + 1;
    return 0;
}

struct st_key { const struct gk_thread *t; uint32_t frame, prefix; };

static int st_eq(const void *ctx, uint32_t i)
{
    const struct st_key *k = ctx;
    return k->t->st_frame[i] == k->frame && k->t->st_prefix[i] == k->prefix;
}

static int stack_of(struct gk_thread *t, uint32_t frame, uint32_t prefix, uint32_t *out)
{
    struct st_key k = {t, frame, prefix};
    uint64_t h = pl_hash_mix(pl_hash_mix(0x5354, frame), prefix);
    int rc;

    if (pl_idxtab_find(&t->st_idx, h, st_eq, &k, out))
        return 0;
    void **cols[] = {(void **)&t->st_frame, (void **)&t->st_prefix, (void **)&t->st_cat};
    const size_t el[] = {sizeof *t->st_frame, sizeof *t->st_prefix, sizeof *t->st_cat};
    if ((rc = grow_cols(cols, el, 3, &t->st_cap, t->st_n)))
        return rc;
    if ((rc = pl_idxtab_insert(&t->st_idx, h, (uint32_t)t->st_n)))
        return rc;
    t->st_frame[t->st_n] = frame;
    t->st_prefix[t->st_n] = prefix;
    t->st_cat[t->st_n] = t->fn_python[t->fr_func[frame]] ? GK_CAT_PYTHON : GK_CAT_NATIVE;
    *out = (uint32_t)t->st_n++;
    return 0;
}

struct sc_key { const struct gk_thread *t; const uint32_t *ids; uint32_t depth; };

static int sc_eq(const void *ctx, uint32_t i)
{
    const struct sc_key *k = ctx;
    const struct gk_cached *r = &k->t->sc_rec[i];
    return r->depth == k->depth && memcmp(k->t->sc_ids + r->off, k->ids, k->depth * sizeof *k->ids) == 0;
}

/* Interns the sample's stack root first, one (frame, prefix) at a time. */
static int intern_stack(struct gk_thread *t, struct gk_ctx *c, const tachyon_sample *s, uint32_t *out)
{
    uint32_t prefix = GK_NULL, frame;
    int rc;
    for (uint32_t i = s->depth; i-- > 0;) {
        if ((rc = frame_of(t, c, s->frames[i], &frame)) || (rc = stack_of(t, frame, prefix, &prefix)))
            return rc;
    }
    *out = prefix;
    return 0;
}

/* Most samples repeat a stack seen before: one hash of the host frame ids
 * finds its stack index without walking the (frame, prefix) table. */
static int cached_stack(struct gk_thread *t, struct gk_ctx *c, const tachyon_sample *s, uint32_t *out)
{
    uint64_t h = 0x5343 + s->depth;
    struct sc_key k = {t, s->frames, s->depth};
    int rc;

    for (uint32_t i = 0; i < s->depth; i++)
        h = (h ^ s->frames[i]) * 0x9e3779b97f4a7c15ULL;
    h = pl_hash_mix(h, s->depth);
    uint32_t rec;
    if (pl_idxtab_find(&t->sc_idx, h, sc_eq, &k, &rec)) {
        *out = t->sc_rec[rec].stack;
        return 0;
    }
    if ((rc = intern_stack(t, c, s, out)))
        return rc;
    /* The cache is an accelerator with a memory budget, not a table the
     * output needs: past the budget, stacks are interned level by level. */
    if (s->depth > c->cache_budget)
        return 0;
    if ((rc = pl_grow((void **)&t->sc_ids, &t->sc_cap, t->sc_len + s->depth, sizeof *t->sc_ids)) ||
        (rc = pl_grow((void **)&t->sc_rec, &t->sc_recap, t->sc_n + 1, sizeof *t->sc_rec)) ||
        (rc = pl_idxtab_insert(&t->sc_idx, h, (uint32_t)t->sc_n)))
        return rc;
    memcpy(t->sc_ids + t->sc_len, s->frames, s->depth * sizeof *s->frames);
    t->sc_rec[t->sc_n].off = (uint32_t)t->sc_len;
    t->sc_rec[t->sc_n].depth = s->depth;
    t->sc_rec[t->sc_n].stack = *out;
    t->sc_n++;
    t->sc_len += s->depth;
    c->cache_budget -= s->depth;
    return 0;
}

int gk_thread_sample(struct gk_thread *t, struct gk_ctx *c, const tachyon_sample *s, uint64_t t_us)
{
    uint32_t stack, weight = s->weight ? s->weight : 1;
    int rc;

    if ((rc = cached_stack(t, c, s, &stack)))
        return rc;
    if (stack == GK_NULL || stack >= t->st_n)
        return TACHYON_ERR_GENERIC;
    void **cols[] = {(void **)&t->s_stack, (void **)&t->s_time_us};
    const size_t el[] = {sizeof *t->s_stack, sizeof *t->s_time_us};
    if ((rc = grow_cols(cols, el, 2, &t->s_cap, t->s_n)))
        return rc;
    if (weight != 1 || t->s_weight) {
        size_t had = t->s_weight ? t->s_n : 0;
        if ((rc = pl_grow((void **)&t->s_weight, &t->s_wcap, t->s_n + 1, sizeof *t->s_weight)))
            return rc;
        /* The first weight other than 1: the earlier samples weighed 1. */
        for (size_t i = had; i < t->s_n; i++)
            t->s_weight[i] = 1;
        t->s_weight[t->s_n] = weight;
    }
    /* Samples of one thread arrive in time order; never let the column go
     * backwards even if a host delivered them otherwise. */
    if (t_us < t->last_us)
        t_us = t->last_us;
    t->last_us = t_us;
    t->s_stack[t->s_n] = stack;
    t->s_time_us[t->s_n] = t_us;
    t->s_n++;
    return 0;
}
