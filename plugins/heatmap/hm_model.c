/* Heat model construction; see hm_model.h. */
#include "hm_model.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

int hm_special_file(const char *name)
{
    /* "<frozen ...>", "<string>", "[...]" and the "~" of synthetic frames
     * have no source to show; "." and "..." come from damaged frames. */
    return !name || !*name || name[0] == '<' || name[0] == '[' || strcmp(name, "~") == 0 ||
           strcmp(name, ".") == 0 || strcmp(name, "...") == 0;
}

/* ---- Interning of the model's records (key compare through ctx) ---- */

struct key {
    const struct hm_model *m;
    uint64_t a, b, c;
};

static int eq_file(const void *ctx, uint32_t i)
{
    const struct key *k = ctx;
    return k->m->files[i].name == k->a;
}

static int eq_line(const void *ctx, uint32_t i)
{
    const struct key *k = ctx;
    return k->m->lines[i].file == k->a && k->m->lines[i].line == (int32_t)k->b;
}

static int eq_func(const void *ctx, uint32_t i)
{
    const struct key *k = ctx;
    return k->m->funcs[i].file == k->a && k->m->funcs[i].name == k->b;
}

static int eq_edge(const void *ctx, uint32_t i)
{
    const struct key *k = ctx;
    return k->m->edges[i].caller == k->a && k->m->edges[i].callee == k->b;
}

static int eq_op(const void *ctx, uint32_t i)
{
    const struct key *k = ctx;
    const struct hm_op *o = &k->m->ops[i];
    return o->line == k->a && o->name == k->b && o->base == k->c;
}

/* Find the record for key k in tab, or append a zeroed one of elem bytes to
 * *arr. *index receives its position, *fresh whether it was just added. */
static int intern(struct pl_idxtab *tab, pl_idxtab_eq eq, const struct key *k, void **arr, size_t *n,
                  size_t *cap, size_t elem, uint32_t *index, int *fresh)
{
    uint64_t h = pl_hash_mix(pl_hash_mix(pl_hash_mix(0, k->a), k->b), k->c);
    int rc;
    *fresh = 0;
    if (pl_idxtab_find(tab, h, eq, k, index))
        return 0;
    if (*n >= UINT32_MAX - 1)
        return TACHYON_ERR_NOMEM;
    if ((rc = pl_grow(arr, cap, *n + 1, elem)) < 0 || (rc = pl_idxtab_insert(tab, h, (uint32_t)*n)) < 0)
        return rc;
    memset((char *)*arr + *n * elem, 0, elem);
    *index = (uint32_t)(*n)++;
    *fresh = 1;
    return 0;
}

/* ---- Frames to records, resolved once per frame id ---- */

struct resolved {
    uint32_t line;  /* hm_line index + 1; HM_NONE: not a source line */
    uint32_t func;
};

static int resolve(const tachyon_host *host, struct hm_model *m, tachyon_frame_id id, struct resolved *r)
{
    const tachyon_frame *f = host->frame(host, id);
    struct key k = {m, 0, 0, 0};
    uint32_t file, idx;
    int fresh, rc;

    r->line = HM_NONE;
    if (!f || f->kind != TACHYON_FRAME_PYTHON || f->line < 0)
        return 0;
    const char *name = host->string(host, f->filename, NULL);
    if (hm_special_file(name) || (f->line == 0 && strcmp(name, "__init__") == 0))
        return 0;
    k.a = f->filename;
    if ((rc = intern(&m->file_tab, eq_file, &k, (void **)&m->files, &m->n_files, &m->cap_files,
                     sizeof(*m->files), &file, &fresh)) < 0)
        return rc;
    if (fresh)
        m->files[file].name = f->filename;
    k.a = file;
    k.b = (uint32_t)f->line;
    if ((rc = intern(&m->line_tab, eq_line, &k, (void **)&m->lines, &m->n_lines, &m->cap_lines,
                     sizeof(*m->lines), &idx, &fresh)) < 0)
        return rc;
    if (fresh) {
        m->lines[idx].file = file;
        m->lines[idx].line = f->line;
    }
    r->line = idx;
    k.b = f->funcname;
    if ((rc = intern(&m->func_tab, eq_func, &k, (void **)&m->funcs, &m->n_funcs, &m->cap_funcs,
                     sizeof(*m->funcs), &idx, &fresh)) < 0)
        return rc;
    if (fresh) {
        m->funcs[idx].file = file;
        m->funcs[idx].name = f->funcname;
        m->funcs[idx].entry = INT32_MAX;
    }
    r->func = idx;
    return 0;
}

/* ---- One pass over the distinct stacks ---- */

static int count_stack(const tachyon_host *host, struct hm_model *m, const tachyon_frame_id *ids,
                       uint32_t depth, uint64_t w, uint32_t stamp, struct resolved *cache, int opcodes)
{
    uint32_t callee = HM_NONE;
    int fresh, rc;

    for (uint32_t i = 0; i < depth; i++) {
        tachyon_frame_id id = ids[i];
        struct resolved *r = &cache[id];
        if (r->line == 0) {
            struct resolved got = {HM_NONE, 0};
            if ((rc = resolve(host, m, id, &got)) < 0)
                return rc;
            r->line = got.line == HM_NONE ? HM_NONE : got.line + 1;
            r->func = got.func;
        }
        if (r->line == HM_NONE)
            continue;
        uint32_t li = r->line - 1;
        struct hm_line *l = &m->lines[li];
        if (l->stamp != stamp) {
            l->stamp = stamp;
            l->cum += w;
        }
        if (m->files[l->file].stamp != stamp) {
            m->files[l->file].stamp = stamp;
            m->files[l->file].in_stack += w;
        }
        if (i == 0)
            l->self += w;
        if (l->line < m->funcs[r->func].entry)
            m->funcs[r->func].entry = l->line;
        if (opcodes) {
            const tachyon_frame *f = host->frame(host, id);
            if (f && f->opcode != TACHYON_NO_OPCODE && f->opcode_name) {
                struct key k = {m, li, f->opcode_name, f->base_opcode_name ? f->base_opcode_name
                                                                           : f->opcode_name};
                uint32_t oi;
                if ((rc = intern(&m->op_tab, eq_op, &k, (void **)&m->ops, &m->n_ops, &m->cap_ops,
                                 sizeof(*m->ops), &oi, &fresh)) < 0)
                    return rc;
                if (fresh) {
                    m->ops[oi].line = li;
                    m->ops[oi].name = (tachyon_str_id)k.b;
                    m->ops[oi].base = (tachyon_str_id)k.c;
                }
                m->ops[oi].count += w;
                m->opcodes = 1;
            }
        }
        /* The nearest source frame below this one is what this line
         * called; native and GC frames between them are skipped. */
        if (callee != HM_NONE) {
            struct key k = {m, li, callee, 0};
            uint32_t ei;
            if ((rc = intern(&m->edge_tab, eq_edge, &k, (void **)&m->edges, &m->n_edges, &m->cap_edges,
                             sizeof(*m->edges), &ei, &fresh)) < 0)
                return rc;
            if (fresh) {
                m->edges[ei].caller = li;
                m->edges[ei].callee = callee;
                m->edges[ei].caller_func = r->func;
            }
            if (m->edges[ei].stamp != stamp) {
                m->edges[ei].stamp = stamp;
                m->edges[ei].count += w;
            }
        }
        callee = r->func;
    }
    return 0;
}

/* ---- Sorted views ---- */

struct sortkey {
    uint64_t a, b;
    uint32_t idx;
};

static int cmp_key(const void *x, const void *y)
{
    const struct sortkey *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

static uint64_t pos(uint32_t file, int32_t line)
{
    return ((uint64_t)file << 32) | (uint32_t)line;
}

enum view_kind { V_LINES, V_CALLEES, V_CALLERS, V_OPS };

static int make_view(const struct hm_model *m, enum view_kind kind, size_t n, struct hm_view *v)
{
    struct sortkey *keys = malloc((n ? n : 1) * sizeof(*keys));
    v->idx = malloc((n ? n : 1) * sizeof(*v->idx));
    v->start = calloc(m->n_files + 1, sizeof(*v->start));
    if (!keys || !v->idx || !v->start) {
        free(keys);
        return TACHYON_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct sortkey *k = &keys[i];
        k->idx = (uint32_t)i;
        if (kind == V_LINES) {
            k->a = pos(m->lines[i].file, m->lines[i].line);
            k->b = 0;
        } else if (kind == V_CALLEES) {
            const struct hm_line *l = &m->lines[m->edges[i].caller];
            k->a = pos(l->file, l->line);
            k->b = UINT64_MAX - m->edges[i].count;
        } else if (kind == V_CALLERS) {
            const struct hm_func *f = &m->funcs[m->edges[i].callee];
            k->a = pos(f->file, f->entry);
            k->b = UINT64_MAX - m->edges[i].count;
        } else {
            const struct hm_line *l = &m->lines[m->ops[i].line];
            k->a = pos(l->file, l->line);
            k->b = UINT64_MAX - m->ops[i].count;
        }
    }
    qsort(keys, n, sizeof(*keys), cmp_key);
    /* start[f] = first entry of file f; counted, then summed. */
    for (size_t i = 0; i < n; i++) {
        v->idx[i] = keys[i].idx;
        v->start[(keys[i].a >> 32) + 1]++;
    }
    for (size_t f = 0; f < m->n_files; f++)
        v->start[f + 1] += v->start[f];
    free(keys);
    return 0;
}

static int rank_files(struct hm_model *m)
{
    struct sortkey *keys = malloc((m->n_files ? m->n_files : 1) * sizeof(*keys));
    m->rank = malloc((m->n_files ? m->n_files : 1) * sizeof(*m->rank));
    if (!keys || !m->rank) {
        free(keys);
        return TACHYON_ERR_NOMEM;
    }
    for (size_t i = 0; i < m->n_files; i++)
        keys[i] = (struct sortkey){UINT64_MAX - m->files[i].cum, m->files[i].name, (uint32_t)i};
    qsort(keys, m->n_files, sizeof(*keys), cmp_key);
    for (size_t i = 0; i < m->n_files; i++) {
        m->rank[i] = keys[i].idx;
        m->files[keys[i].idx].page = (uint32_t)i;
    }
    free(keys);
    return 0;
}

int hm_model_build(const tachyon_host *host, const struct hm_stacks *stacks, struct hm_model *m)
{
    uint32_t nframes = host->frame_count(host);
    int rc = 0;

    memset(m, 0, sizeof(*m));
    struct resolved *cache = calloc((size_t)nframes + 1, sizeof(*cache));
    if (!cache)
        return TACHYON_ERR_NOMEM;
    int opcodes = (host->session->flags & TACHYON_SESSION_OPCODES) != 0;
    for (size_t s = 0; s < stacks->n && rc == 0; s++) {
        const struct hm_stack *st = &stacks->recs[s];
        const tachyon_frame_id *ids = stacks->ids + st->off;
        /* Frame ids come from the host, but one out of range must not
         * index past the cache: such a stack is left out. */
        int ok = 1;
        for (uint32_t i = 0; i < st->depth; i++)
            ok &= ids[i] != 0 && ids[i] <= nframes;
        if (ok)
            rc = count_stack(host, m, ids, st->depth, st->weight, (uint32_t)s + 1, cache, opcodes);
    }
    free(cache);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < m->n_lines; i++) {
        const struct hm_line *l = &m->lines[i];
        struct hm_file *f = &m->files[l->file];
        f->self += l->self;
        f->cum += l->cum;
        f->lines_hit++;
        if (l->self > f->max_self)
            f->max_self = l->self;
        if (l->cum > f->max_cum)
            f->max_cum = l->cum;
        if (l->line > f->max_line)
            f->max_line = l->line;
    }
    return rank_files(m);
}

int hm_model_index(struct hm_model *m)
{
    int rc;
    if ((rc = make_view(m, V_LINES, m->n_lines, &m->by_line)) < 0 ||
        (rc = make_view(m, V_CALLEES, m->n_edges, &m->callees)) < 0 ||
        (rc = make_view(m, V_CALLERS, m->n_edges, &m->callers)) < 0 ||
        (rc = make_view(m, V_OPS, m->n_ops, &m->by_op)) < 0)
        return rc;
    return 0;
}

static void free_view(struct hm_view *v)
{
    free(v->idx);
    free(v->start);
}

void hm_model_free(struct hm_model *m)
{
    free(m->lines);
    free(m->files);
    free(m->funcs);
    free(m->edges);
    free(m->ops);
    pl_idxtab_free(&m->line_tab);
    pl_idxtab_free(&m->file_tab);
    pl_idxtab_free(&m->func_tab);
    pl_idxtab_free(&m->edge_tab);
    pl_idxtab_free(&m->op_tab);
    free(m->rank);
    free_view(&m->by_line);
    free_view(&m->callees);
    free_view(&m->callers);
    free_view(&m->by_op);
    memset(m, 0, sizeof(*m));
}
