#include "array.h"
#include "agg.h"

#include <stdlib.h>
#include <string.h>

void pst_agg_init(struct pst_agg *a, const tachyon_host *host)
{
    memset(a, 0, sizeof *a);
    a->host = host;
}

struct func_key {
    const struct pst_agg *agg;
    tachyon_str_id filename, funcname;
    int32_t line;
};

static int func_eq(const void *ctx, uint32_t index)
{
    const struct func_key *k = ctx;
    const struct pst_func *f = &k->agg->funcs[index];
    return f->filename == k->filename && f->funcname == k->funcname && f->line == k->line;
}

static int lookup_func(struct pst_agg *a, tachyon_frame_id id, uint32_t *out)
{
    if (id < a->frame_func_len && a->frame_func[id] != 0) {
        *out = a->frame_func[id] - 1;
        return 0;
    }
    struct func_key k = {a, 0, 0, 0};
    const tachyon_frame *fr = a->host->frame(a->host, id);
    if (fr) {
        k.filename = fr->filename;
        k.funcname = fr->funcname;
        /* Synthetic frames and frames without a location report line 0,
         * as the reference profiler does. */
        k.line = fr->line > 0 ? fr->line : 0;
    }
    uint64_t h = pl_hash_mix(pl_hash_mix(pl_hash_mix(0, k.filename), k.funcname),
                              (uint32_t)k.line);
    uint32_t idx;
    if (!pl_idxtab_find(&a->func_index, h, func_eq, &k, &idx)) {
        if (a->nfuncs >= UINT32_MAX - 1)
            return TACHYON_ERR_NOMEM;
        int rc = pl_grow((void **)&a->funcs, &a->cap_funcs, a->nfuncs + 1, sizeof *a->funcs);
        if (rc)
            return rc;
        idx = (uint32_t)a->nfuncs;
        rc = pl_idxtab_insert(&a->func_index, h, idx);
        if (rc)
            return rc;
        a->funcs[idx] = (struct pst_func){k.filename, k.funcname, k.line, 0, 0, 0};
        a->nfuncs++;
    }
    /* Only ids the host knows are cached, so an unknown id costs a lookup
     * each time but never grows the map without bound. */
    if (fr) {
        int rc = pl_grow((void **)&a->frame_func, &a->frame_func_len, (size_t)id + 1,
                        sizeof *a->frame_func);
        if (rc)
            return rc;
        a->frame_func[id] = idx + 1;
    }
    *out = idx;
    return 0;
}

struct edge_key {
    const struct pst_agg *agg;
    uint32_t callee, caller;
};

static int edge_eq(const void *ctx, uint32_t index)
{
    const struct edge_key *k = ctx;
    const struct pst_edge *e = &k->agg->edges[index];
    return e->callee == k->callee && e->caller == k->caller;
}

static int lookup_edge(struct pst_agg *a, uint32_t callee, uint32_t caller, struct pst_edge **out)
{
    struct edge_key k = {a, callee, caller};
    uint64_t h = pl_hash_mix(pl_hash_mix(1, callee), caller);
    uint32_t idx;
    if (!pl_idxtab_find(&a->edge_index, h, edge_eq, &k, &idx)) {
        if (a->nedges >= UINT32_MAX - 1)
            return TACHYON_ERR_NOMEM;
        int rc = pl_grow((void **)&a->edges, &a->cap_edges, a->nedges + 1, sizeof *a->edges);
        if (rc)
            return rc;
        idx = (uint32_t)a->nedges;
        rc = pl_idxtab_insert(&a->edge_index, h, idx);
        if (rc)
            return rc;
        a->edges[idx] = (struct pst_edge){callee, caller, 0, 0, 0};
        a->nedges++;
    }
    *out = &a->edges[idx];
    return 0;
}

int pst_agg_add(struct pst_agg *a, const tachyon_sample *s)
{
    if (s->depth == 0 || !s->frames)
        return 0;
    /* A weight of 0 would be a host bug; count the observation once. */
    uint64_t w = s->weight ? s->weight : 1;
    int rc = pl_grow((void **)&a->scratch, &a->scratch_len, s->depth, sizeof *a->scratch);
    if (rc)
        return rc;
    a->stamp++;
    /* Innermost first, so functions are numbered in the order the reference
     * profiler first meets them. */
    for (uint32_t i = 0; i < s->depth; i++) {
        rc = lookup_func(a, s->frames[i], &a->scratch[i]);
        if (rc)
            return rc;
        struct pst_func *f = &a->funcs[a->scratch[i]];
        /* Recursion puts a function on the stack several times; it still
         * was on the stack for one sample only. */
        if (f->stamp != a->stamp) {
            f->stamp = a->stamp;
            f->cumulative += w;
        }
    }
    a->funcs[a->scratch[0]].direct += w;
    a->total += w;
    for (uint32_t i = 1; i < s->depth; i++) {
        struct pst_edge *e;
        rc = lookup_edge(a, a->scratch[i - 1], a->scratch[i], &e);
        if (rc)
            return rc;
        if (e->stamp != a->stamp) {
            e->stamp = a->stamp;
            e->cumulative += w;
        }
        if (i == 1)
            e->direct += w;
    }
    return 0;
}

void pst_agg_free(struct pst_agg *a)
{
    free(a->funcs);
    free(a->edges);
    free(a->frame_func);
    free(a->scratch);
    pl_idxtab_free(&a->func_index);
    pl_idxtab_free(&a->edge_index);
    memset(a, 0, sizeof *a);
}
