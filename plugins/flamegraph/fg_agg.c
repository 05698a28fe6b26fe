/* Sample aggregation into call trees; see fg_agg.h. */
#include "fg_agg.h"

#include <stdlib.h>
#include <string.h>

/* Grow *arr (of elem-sized items, capacity *cap) to hold at least need. */
static int reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return TACHYON_ERR_NOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

int fg_agg_init(struct fg_agg *a, const tachyon_host *host, int opcodes)
{
    int rc;
    memset(a, 0, sizeof(*a));
    a->host = host;
    a->opcodes = opcodes;
    if ((rc = fg_map_init(&a->func_ids, 256)) < 0 || (rc = fg_map_init(&a->loc_ids, 1024)) < 0 ||
        (rc = fg_map_init(&a->children, 4096)) < 0 || (rc = fg_map_init(&a->op_ids, 64)) < 0 ||
        (rc = fg_map_init(&a->thread_ids, 16)) < 0)
        goto fail;
    /* locs[0] is the root placeholder so that a loc id is never 0 and a
     * (parent, loc) key is never 0 either. */
    if ((rc = reserve((void **)&a->locs, &a->loc_cap, 1, sizeof(*a->locs))) < 0)
        goto fail;
    memset(&a->locs[0], 0, sizeof(a->locs[0]));
    a->loc_count = 1;
    return 0;
fail:
    fg_agg_free(a);
    return rc;
}

void fg_agg_free(struct fg_agg *a)
{
    for (size_t i = 0; i < a->thread_count; i++) {
        free(a->threads[i].path_frames);
        free(a->threads[i].path_nodes);
        free(a->threads[i].path_ops);
    }
    free(a->threads);
    free(a->frames);
    free(a->locs);
    free(a->nodes);
    free(a->ops);
    fg_map_free(&a->func_ids);
    fg_map_free(&a->loc_ids);
    fg_map_free(&a->children);
    fg_map_free(&a->op_ids);
    fg_map_free(&a->thread_ids);
    memset(a, 0, sizeof(*a));
}

static int new_node(struct fg_agg *a, uint32_t loc, uint32_t *out)
{
    int rc = reserve((void **)&a->nodes, &a->node_cap, a->node_count + 1, sizeof(*a->nodes));
    if (rc < 0)
        return rc;
    if (a->node_count >= FG_NONE)
        return TACHYON_ERR_NOMEM;
    struct fg_node *n = &a->nodes[a->node_count];
    memset(n, 0, sizeof(*n));
    n->loc = loc;
    n->first_child = FG_NONE;
    n->next_sibling = FG_NONE;
    *out = (uint32_t)a->node_count++;
    return 0;
}

int fg_agg_new_root(struct fg_agg *a, uint32_t *root)
{
    return new_node(a, 0, root);
}

int fg_agg_child(struct fg_agg *a, uint32_t parent, uint32_t loc, uint32_t *child)
{
    uint64_t key = ((uint64_t)parent << 32) | loc;
    if (fg_map_get(&a->children, key, child))
        return 0;
    uint32_t id;
    int rc = new_node(a, loc, &id);
    if (rc < 0)
        return rc;
    if ((rc = fg_map_put(&a->children, key, id)) < 0)
        return rc;
    a->nodes[id].next_sibling = a->nodes[parent].first_child;
    a->nodes[parent].first_child = id;
    *child = id;
    return 0;
}

int fg_agg_op(struct fg_agg *a, uint32_t node, tachyon_str_id name, tachyon_str_id base,
              uint32_t *op)
{
    uint64_t key = ((uint64_t)node << 32) | name;
    if (fg_map_get(&a->op_ids, key, op))
        return 0;
    int rc = reserve((void **)&a->ops, &a->op_cap, a->op_count + 1, sizeof(*a->ops));
    if (rc < 0)
        return rc;
    uint32_t id = (uint32_t)a->op_count;
    if ((rc = fg_map_put(&a->op_ids, key, id)) < 0)
        return rc;
    struct fg_op *o = &a->ops[id];
    memset(o, 0, sizeof(*o));
    o->node = node;
    o->name = name;
    o->base_name = base ? base : name;
    a->op_count++;
    *op = id;
    return 0;
}

static int intern_loc(struct fg_agg *a, const struct fg_loc *l, uint32_t *out)
{
    int rc;
    uint32_t func_id, loc;
    uint64_t fkey = ((uint64_t)l->file << 32) | l->func;
    /* Unresolvable frames have file and func 0; the kind keeps them apart. */
    if (fkey == 0)
        fkey = (uint64_t)1 << 63 | l->kind;
    if (!fg_map_get(&a->func_ids, fkey, &func_id)) {
        func_id = ++a->func_count;
        if ((rc = fg_map_put(&a->func_ids, fkey, func_id)) < 0)
            return rc;
    }
    uint64_t lkey = ((uint64_t)func_id << 32) | (uint32_t)l->line;
    if (fg_map_get(&a->loc_ids, lkey, &loc)) {
        *out = loc;
        return 0;
    }
    if ((rc = reserve((void **)&a->locs, &a->loc_cap, a->loc_count + 1, sizeof(*a->locs))) < 0)
        return rc;
    loc = (uint32_t)a->loc_count;
    if ((rc = fg_map_put(&a->loc_ids, lkey, loc)) < 0)
        return rc;
    a->locs[a->loc_count++] = *l;
    *out = loc;
    return 0;
}

static uint32_t kind_of(uint32_t frame_kind)
{
    switch (frame_kind) {
    case TACHYON_FRAME_PYTHON: return FG_LOC_PYTHON;
    case TACHYON_FRAME_GC: return FG_LOC_GC;
    case TACHYON_FRAME_NATIVE: return FG_LOC_NATIVE;
    case TACHYON_FRAME_TASK: return FG_LOC_TASK;
    default: return FG_LOC_UNKNOWN;
    }
}

/* The cached facts about frame id, resolved through the host the first time
 * the id is seen. Frame ids are dense, so a flat array indexes them. */
static int frame_info(struct fg_agg *a, tachyon_frame_id id, struct fg_frame_info **out)
{
    int rc;
    /* Ids are dense, so one past the host's count is a bad id: it shares
     * slot 0, which resolves to an unknown frame, rather than sizing the
     * table after it. */
    if (id >= a->frames_cap && id > a->host->frame_count(a->host))
        id = 0;
    if (id >= a->frames_cap) {
        size_t old = a->frames_cap;
        if ((rc = reserve((void **)&a->frames, &a->frames_cap, (size_t)id + 1, sizeof(*a->frames))) < 0)
            return rc;
        memset(a->frames + old, 0, (a->frames_cap - old) * sizeof(*a->frames));
        /* FG_NONE never equals a parent, so fresh ways never hit. */
        for (size_t i = old; i < a->frames_cap; i++) {
            for (int w = 0; w < FG_FRAME_WAYS; w++)
                a->frames[i].ways[w].parent = FG_NONE;
        }
    }
    struct fg_frame_info *fi = &a->frames[id];
    if (fi->loc == 0) {
        const tachyon_frame *f = id ? a->host->frame(a->host, id) : NULL;
        struct fg_loc l = {0, 0, TACHYON_NO_LOCATION, FG_LOC_UNKNOWN};
        if (f) {
            l.file = f->filename;
            l.func = f->funcname;
            l.line = f->line;
            l.kind = kind_of(f->kind);
            if (f->opcode != TACHYON_NO_OPCODE && f->opcode_name != 0) {
                fi->op_name = f->opcode_name;
                fi->base_name = TACHYON_HAS_FIELD(f, tachyon_frame, base_opcode_name) ? f->base_opcode_name : 0;
            }
        }
        fi->is_gc = l.kind == FG_LOC_GC;
        if ((rc = intern_loc(a, &l, &fi->loc)) < 0)
            return rc;
    }
    *out = fi;
    return 0;
}

static int thread_get(struct fg_agg *a, const tachyon_sample *s, struct fg_thread **out)
{
    int rc;
    uint32_t idx;
    /* The sampler reports the threads of a tick in the same order every
     * time, so the last thread and the one after it answer most calls. */
    for (size_t i = a->last_thread; i < a->last_thread + 2 && i < a->thread_count; i++) {
        if (a->threads[i].thread_id == s->thread_id) {
            a->last_thread = i;
            *out = &a->threads[i];
            return 0;
        }
    }
    /* The map cannot hold key 0, so thread id 0 has a slot of its own. */
    int found = s->thread_id ? fg_map_get(&a->thread_ids, s->thread_id, &idx)
                             : (a->thread_zero ? (idx = a->thread_zero - 1, 1) : 0);
    if (found) {
        a->last_thread = idx;
        *out = &a->threads[idx];
        return 0;
    }
    if ((rc = reserve((void **)&a->threads, &a->thread_cap, a->thread_count + 1, sizeof(*a->threads))) < 0)
        return rc;
    idx = (uint32_t)a->thread_count;
    struct fg_thread *t = &a->threads[idx];
    memset(t, 0, sizeof(*t));
    t->thread_id = s->thread_id;
    if ((rc = fg_agg_new_root(a, &t->root)) < 0)
        return rc;
    if (s->thread_id && (rc = fg_map_put(&a->thread_ids, s->thread_id, idx)) < 0)
        return rc;
    if (!s->thread_id)
        a->thread_zero = idx + 1;
    a->thread_count++;
    a->last_thread = idx;
    *out = t;
    return 0;
}

static int path_reserve(struct fg_thread *t, uint32_t depth)
{
    if (depth <= t->path_cap)
        return 0;
    size_t cap = t->path_cap ? t->path_cap : 32;
    while (cap < depth)
        cap *= 2;
    tachyon_frame_id *f = realloc(t->path_frames, cap * sizeof(*f));
    if (!f)
        return TACHYON_ERR_NOMEM;
    t->path_frames = f;
    uint32_t *n = realloc(t->path_nodes, cap * sizeof(*n));
    if (!n)
        return TACHYON_ERR_NOMEM;
    t->path_nodes = n;
    uint32_t *o = realloc(t->path_ops, cap * sizeof(*o));
    if (!o)
        return TACHYON_ERR_NOMEM;
    t->path_ops = o;
    t->path_cap = (uint32_t)cap;
    return 0;
}

static void count_status(struct fg_status *st, uint32_t status, int gc, uint64_t w)
{
    st->samples += w;
    if (status & TACHYON_THREAD_HAS_GIL)
        st->gil_held += w;
    else
        st->gil_released += w;
    if (status & TACHYON_THREAD_GIL_REQUESTED)
        st->gil_wait += w;
    if (gc)
        st->gc += w;
    if (!(status & TACHYON_THREAD_UNKNOWN)) {
        st->cpu_known += w;
        if (status & TACHYON_THREAD_ON_CPU)
            st->on_cpu += w;
    }
    if (status & TACHYON_THREAD_HAS_EXCEPTION)
        st->exception += w;
}

int fg_agg_add(struct fg_agg *a, const tachyon_sample *s)
{
    struct fg_thread *t;
    int rc;
    uint64_t w = s->weight ? s->weight : 1;
    uint32_t depth = s->depth;
    if (depth && !s->frames)
        return TACHYON_ERR_INVALID;
    if ((rc = thread_get(a, s, &t)) < 0)
        return rc;
    if ((rc = path_reserve(t, depth)) < 0)
        return rc;
    if (s->native_thread_id)
        t->native_id = s->native_thread_id;
    if (s->status & TACHYON_THREAD_MAIN)
        t->is_main = 1;

    int gc = (s->status & TACHYON_THREAD_IN_GC) != 0;
    unsigned way = (unsigned)((size_t)(t - a->threads) % FG_FRAME_WAYS);
    uint32_t node = t->root;
    int same = 1; /* still on the prefix shared with the previous stack */
    a->nodes[node].total += w;
    for (uint32_t pos = 0; pos < depth; pos++) {
        tachyon_frame_id fid = s->frames[depth - 1 - pos];
        struct fg_frame_info *fi;
        if ((rc = frame_info(a, fid, &fi)) < 0)
            goto out;
        gc |= (int)fi->is_gc;
        uint32_t child, op = FG_NONE;
        if (same && pos < t->path_len && t->path_frames[pos] == fid) {
            child = t->path_nodes[pos];
            op = t->path_ops[pos];
        } else {
            same = 0;
            /* frame_info may have grown the frame table: copy what we need
             * before any further allocation. */
            tachyon_str_id op_name = fi->op_name, base = fi->base_name;
            if (fi->ways[way].parent == node) {
                child = fi->ways[way].child;
            } else {
                uint32_t loc = fi->loc;
                if ((rc = fg_agg_child(a, node, loc, &child)) < 0)
                    goto out;
                fi->ways[way].parent = node;
                fi->ways[way].child = child;
            }
            if (a->opcodes && op_name && (rc = fg_agg_op(a, child, op_name, base, &op)) < 0)
                goto out;
            t->path_frames[pos] = fid;
            t->path_nodes[pos] = child;
            t->path_ops[pos] = op;
        }
        a->nodes[child].total += w;
        if (op != FG_NONE)
            a->ops[op].count += w;
        node = child;
    }
    a->nodes[node].self += w;
    count_status(&t->status, s->status, gc, w);
    rc = 0;
out:
    /* On failure the cached path is only trustworthy up to where it was
     * rewritten, so drop it rather than reuse a half-updated one. */
    t->path_len = rc < 0 ? 0 : depth;
    return rc;
}

/* Add the tree under src into the tree under dst (both node ids), using an
 * explicit stack because real stacks can be thousands of frames deep.
 * map[src node] receives the dst node each source node landed in. */
static int merge_tree(struct fg_agg *a, uint32_t src, uint32_t dst, uint32_t *map, uint32_t *stack)
{
    size_t sp = 0;
    int rc;
    a->nodes[dst].total += a->nodes[src].total;
    a->nodes[dst].self += a->nodes[src].self;
    map[src] = dst;
    stack[sp++] = src;
    while (sp) {
        uint32_t s = stack[--sp];
        for (uint32_t c = a->nodes[s].first_child; c != FG_NONE; c = a->nodes[c].next_sibling) {
            uint32_t d;
            if ((rc = fg_agg_child(a, map[s], a->nodes[c].loc, &d)) < 0)
                return rc;
            a->nodes[d].total += a->nodes[c].total;
            a->nodes[d].self += a->nodes[c].self;
            map[c] = d;
            stack[sp++] = c;
        }
    }
    return 0;
}

int fg_agg_merge_threads(struct fg_agg *a, uint32_t *root)
{
    int rc;
    if (a->thread_count == 1) {
        *root = a->threads[0].root;
        return 0;
    }
    /* Every thread node exists before the merge starts, so the map and the
     * stack (each thread node is pushed once) are sized by that count. */
    size_t before = a->node_count, ops_before = a->op_count;
    uint32_t *map = malloc((before ? before : 1) * sizeof(*map));
    uint32_t *stack = malloc((before ? before : 1) * sizeof(*stack));
    if (!map || !stack) {
        rc = TACHYON_ERR_NOMEM;
        goto out;
    }
    if ((rc = fg_agg_new_root(a, root)) < 0)
        goto out;
    for (size_t i = 0; i < a->thread_count; i++) {
        if ((rc = merge_tree(a, a->threads[i].root, *root, map, stack)) < 0)
            goto out;
    }
    for (size_t i = 0; i < ops_before; i++) {
        struct fg_op o = a->ops[i];
        uint32_t id;
        if ((rc = fg_agg_op(a, map[o.node], o.name, o.base_name, &id)) < 0)
            goto out;
        a->ops[id].count += o.count;
    }
out:
    free(map);
    free(stack);
    return rc;
}
