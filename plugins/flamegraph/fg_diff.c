#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg_diff.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h ? h : 1;
}

#define ROOT_KEY 0x51a7e5c0ffee1234ull

static uint64_t step(uint64_t key, tachyon_str_id file, tachyon_str_id func)
{
    return mix(key, (uint64_t)file << 32 | func);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 64;
    void *p;
    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    p = realloc(*arr, n * elem);
    if (!p)
        return TACHYON_ERR_NOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

static int on_baseline(void *ctx, const tachyon_sample *s)
{
    struct fg_diff *d = ctx;
    uint64_t key = ROOT_KEY, w = s->weight ? s->weight : 1;
    uint32_t i, idx;
    int rc;

    if (s->depth == 0)
        return 0;
    d->samples += w;
    for (i = s->depth; i-- > 0;) {
        const tachyon_frame *f = d->host->frame(d->host, s->frames[i]);
        if (!f)
            return TACHYON_ERR_INVALID;
        key = step(key, f->filename, f->funcname);
    }
    if (fg_map_get(&d->index, key, &idx)) {
        d->paths[idx].self += w;
        return 0;
    }
    if ((rc = grow((void **)&d->paths, &d->paths_cap, d->n_paths + 1, sizeof *d->paths)) ||
        (rc = grow((void **)&d->frames, &d->frames_cap, d->n_frames + s->depth, sizeof *d->frames)))
        return rc;
    idx = (uint32_t)d->n_paths++;
    if ((rc = fg_map_put(&d->index, key, idx)))
        return rc;
    d->paths[idx] = (struct fg_diff_path){ key, w, (uint32_t)d->n_frames, s->depth, 0 };
    for (i = s->depth; i-- > 0;)
        d->frames[d->n_frames++] = s->frames[i];
    return 0;
}

int fg_diff_load(struct fg_diff *d, const tachyon_host *host, const char *path)
{
    int rc;
    memset(d, 0, sizeof *d);
    d->host = host;
    d->path = path;
    if (!TACHYON_HAS_FIELD(host, tachyon_host, replay_profile) || !host->replay_profile) {
        host->log(host, TACHYON_LOG_ERROR, "this tachyon cannot read a baseline profile (its plugin ABI is too old)");
        return TACHYON_ERR_UNSUPPORTED;
    }
    if (access(path, F_OK) != 0) {
        host->log(host, TACHYON_LOG_ERROR, "Baseline file not found: %s", path);
        return TACHYON_ERR_IO;
    }
    if ((rc = fg_map_init(&d->index, 1024)))
        return rc;
    d->facts.struct_size = sizeof d->facts;
    rc = host->replay_profile(host, path, on_baseline, d, &d->facts);
    if (rc)
        host->log(host, TACHYON_LOG_ERROR, "cannot use %s as the baseline", path);
    return rc;
}

int fg_diff_check(const struct fg_diff *d, const tachyon_session *cur)
{
    static const struct { uint32_t flag; const char *name; } opts[] = {
        { TACHYON_SESSION_ALL_THREADS, "all_threads" },
        { TACHYON_SESSION_NATIVE, "native" },
        { TACHYON_SESSION_GC, "gc" },
        { TACHYON_SESSION_OPCODES, "opcodes" },
    };
    char names[128];
    size_t n = 0, i;

    if (d->facts.mode != cur->mode) {
        d->host->log(d->host, TACHYON_LOG_ERROR, "Baseline profiling mode does not match current mode");
        return TACHYON_ERR_INVALID;
    }
    names[0] = '\0';
    for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if ((d->facts.flags & opts[i].flag) != (cur->flags & opts[i].flag))
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", opts[i].name);
    if (n) {
        d->host->log(d->host, TACHYON_LOG_ERROR,
                     "Baseline capture configuration does not match current configuration: %s", names);
        return TACHYON_ERR_INVALID;
    }
    return 0;
}

/* Baseline samples below each current path (by group of nodes sharing the
 * path): every prefix of every baseline path adds that path's samples. */
static int prefix_totals(const struct fg_diff *d, const struct fg_map *groups, size_t n_groups, double **out)
{
    double *sum = calloc(n_groups ? n_groups : 1, sizeof *sum);
    size_t i;
    if (!sum)
        return TACHYON_ERR_NOMEM;
    for (i = 0; i < d->n_paths; i++) {
        const struct fg_diff_path *p = &d->paths[i];
        uint64_t key = ROOT_KEY;
        uint32_t k, g;
        for (k = 0; k < p->depth; k++) {
            const tachyon_frame *f = d->host->frame(d->host, d->frames[p->first + k]);
            if (!f)
                break;
            key = step(key, f->filename, f->funcname);
            if (!fg_map_get(groups, key, &g))
                break;    /* nothing current below here */
            sum[g] += (double)p->self;
        }
    }
    *out = sum;
    return 0;
}

/* Node keys by a preorder walk, then per-path sums of current self, then
 * each node's share of its path's baseline, then subtree totals. */
int fg_diff_compute(struct fg_diff *d, const struct fg_agg *a, uint32_t root)
{
    const struct fg_node *nodes = a->nodes;
    uint64_t *key = NULL;
    uint32_t *order = NULL, *parent = NULL, *group = NULL;
    double *group_self = NULL, *group_total = NULL, *prefix = NULL;
    uint32_t *group_count = NULL;
    size_t n = a->node_count, n_order = 0, n_groups = 0, i;
    struct fg_map groups = { 0 };
    int rc = TACHYON_ERR_NOMEM;

    d->n_nodes = n;
    d->node_base = calloc(n ? n : 1, sizeof *d->node_base);
    d->node_base_total = calloc(n ? n : 1, sizeof *d->node_base_total);
    key = calloc(n ? n : 1, sizeof *key);
    order = malloc((n ? n : 1) * sizeof *order);
    parent = malloc((n ? n : 1) * sizeof *parent);
    group = malloc((n ? n : 1) * sizeof *group);
    group_self = calloc(n ? n : 1, sizeof *group_self);
    group_count = calloc(n ? n : 1, sizeof *group_count);
    if (!d->node_base || !d->node_base_total || !key || !order || !parent || !group || !group_self ||
        !group_count || fg_map_init(&groups, n ? n : 1) < 0)
        goto out;
    d->current = nodes[root].total;
    d->scale = d->samples ? (double)d->current / (double)d->samples : 0.0;
    key[root] = ROOT_KEY;
    parent[root] = FG_NONE;
    order[n_order++] = root;
    for (i = 0; i < n_order; i++) {
        uint32_t u = order[i];
        for (uint32_t ch = nodes[u].first_child; ch != FG_NONE; ch = nodes[ch].next_sibling) {
            const struct fg_loc *l = &a->locs[nodes[ch].loc];
            key[ch] = step(key[u], l->file, l->func);
            parent[ch] = u;
            order[n_order++] = ch;
        }
    }
    for (i = 1; i < n_order; i++) {
        uint32_t u = order[i], g;
        if (!fg_map_get(&groups, key[u], &g)) {
            g = (uint32_t)n_groups++;
            if (fg_map_put(&groups, key[u], g) < 0)
                goto out;
        }
        group[u] = g;
        group_self[g] += (double)nodes[u].self;
        group_count[g]++;
    }
    for (i = 1; i < n_order; i++) {
        uint32_t u = order[i], p;
        if (!fg_map_get(&d->index, key[u], &p))
            continue;
        d->paths[p].matched = 1;
        double base = (double)d->paths[p].self * d->scale;
        double gs = group_self[group[u]];
        d->node_base[u] = gs > 0 ? base * (double)nodes[u].self / gs : base / group_count[group[u]];
    }
    /* A node's baseline subtree counts every baseline sample whose path
     * passes through the node's path, matched below or not, shared among
     * the path's nodes by their current totals. */
    if ((rc = prefix_totals(d, &groups, n_groups, &prefix)) < 0)
        goto out;
    rc = TACHYON_ERR_NOMEM;
    group_total = calloc(n_groups ? n_groups : 1, sizeof *group_total);
    if (!group_total)
        goto out;
    for (i = 1; i < n_order; i++)
        group_total[group[order[i]]] += (double)nodes[order[i]].total;
    d->node_base_total[root] = (double)d->samples * d->scale;
    for (i = 1; i < n_order; i++) {
        uint32_t u = order[i], g = group[u];
        double gt = group_total[g];
        d->node_base_total[u] = prefix[g] * d->scale *
                                (gt > 0 ? (double)nodes[u].total / gt : 1.0 / group_count[g]);
    }
    d->elided = 0;
    for (i = 0; i < d->n_paths; i++)
        if (!d->paths[i].matched && d->paths[i].self)
            d->elided++;
    rc = 0;
out:
    fg_map_free(&groups);
    free(group_total);
    free(prefix);
    free(key);
    free(order);
    free(parent);
    free(group);
    free(group_self);
    free(group_count);
    return rc;
}

void fg_diff_free(struct fg_diff *d)
{
    fg_map_free(&d->index);
    free(d->paths);
    free(d->frames);
    free(d->scratch);
    free(d->node_base);
    free(d->node_base_total);
    memset(d, 0, sizeof *d);
}
