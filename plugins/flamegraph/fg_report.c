/* Report document construction; see fg_report.h. */
#include "fg_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg_diff.h"
#include "fg_module.h"
#include "fg_source.h"
#include "fg_strtab.h"

#define EXIT_MARK 0x80000000u

struct ctx {
    struct fg_agg *a;
    const struct fg_report_opts *o;
    struct fg_strtab st;
    json_t *locs;          /* report locations, [file, func, line, kind, module] */
    char cwd[4096];        /* files below it get module names relative to it */
    uint32_t diff_root;    /* the tree that carries baseline values, FG_NONE for none */
    uint32_t *loc_out;     /* aggregator loc -> report index, FG_NONE if unused */
    uint32_t *order;       /* report index -> aggregator loc */
    size_t n_out;
    uint32_t *op_head;     /* node -> first op, FG_NONE when none */
    uint32_t *op_next;     /* op -> next op of the same node */
    uint64_t *loc_self, *loc_total;
    uint32_t *on_path;
    uint32_t *stack;       /* room for every node twice */
    struct kid { uint64_t total; uint32_t loc, node; } *kids;
};

static const char *kind_fallback(uint32_t kind)
{
    switch (kind) {
    case FG_LOC_GC: return "<GC>";
    case FG_LOC_NATIVE: return "<native>";
    case FG_LOC_TASK: return "<task>";
    case FG_LOC_ROOT: return "all";
    default: return "<unknown>";
    }
}

static const char *const kind_names[] = {"root", "python", "gc", "native", "task", "unknown"};

static int append_int(json_t *arr, json_int_t v)
{
    return json_array_append_new(arr, json_integer(v)) < 0 ? TACHYON_ERR_NOMEM : 0;
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
    return json_object_set_new(obj, key, v) < 0 ? TACHYON_ERR_NOMEM : 0;
}

/* The report index of aggregator loc, assigning one on first use. */
static int loc_ref(struct ctx *c, uint32_t loc, uint32_t *out)
{
    int rc;
    if (c->loc_out[loc] != FG_NONE) {
        *out = c->loc_out[loc];
        return 0;
    }
    const struct fg_loc *l = &c->a->locs[loc];
    uint32_t file, func;
    if ((rc = fg_strtab_add_id(&c->st, l->file, loc ? "~" : "", &file)) < 0 ||
        (rc = fg_strtab_add_id(&c->st, l->func, kind_fallback(l->kind), &func)) < 0)
        return rc;
    uint32_t module = file;
    if (l->kind == FG_LOC_PYTHON) {
        size_t len = 0;
        const char *text = c->a->host->string(c->a->host, l->file, &len);
        char name[1024];
        if (text) {
            size_t n = fg_module_name(text, len, c->cwd[0] ? c->cwd : NULL, name, sizeof name);
            if ((rc = fg_strtab_add(&c->st, name, n, &module)) < 0)
                return rc;
        }
    }
    json_t *e = json_pack("[IIIII]", (json_int_t)file, (json_int_t)func, (json_int_t)l->line,
                          (json_int_t)l->kind, (json_int_t)module);
    if (!e || json_array_append_new(c->locs, e) < 0)
        return TACHYON_ERR_NOMEM;
    c->order[c->n_out] = loc;
    c->loc_out[loc] = (uint32_t)c->n_out;
    *out = (uint32_t)c->n_out++;
    return 0;
}

static int cmp_kid(const void *x, const void *y)
{
    const struct kid *a = x, *b = y;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return a->loc < b->loc ? -1 : a->loc > b->loc;
}

static int emit_ops(struct ctx *c, uint32_t node, uint32_t index, json_t *ops)
{
    int rc;
    for (uint32_t i = c->op_head[node]; i != FG_NONE; i = c->op_next[i]) {
        const struct fg_op *op = &c->a->ops[i];
        uint32_t name, base;
        if ((rc = fg_strtab_add_id(&c->st, op->name, "?", &name)) < 0 ||
            (rc = fg_strtab_add_id(&c->st, op->base_name, "?", &base)) < 0)
            return rc;
        if ((rc = append_int(ops, index)) < 0 || (rc = append_int(ops, name)) < 0 ||
            (rc = append_int(ops, base)) < 0 || (rc = append_int(ops, (json_int_t)op->count)) < 0)
            return rc;
    }
    return 0;
}

/* The pruned tree under root in preorder, four integers per node: report
 * location, total, self and the number of kept children, which follow.
 * Children come hottest first so the widest path starts on the left. */
static int emit_nodes(struct ctx *c, uint32_t root, json_t *tree)
{
    int rc;
    const struct fg_node *nodes = c->a->nodes;
    json_t *arr = json_array(), *ops = json_array();
    json_t *base = (c->o->diff && root == c->diff_root) ? json_array() : NULL;
    if (!arr || !ops || (c->o->diff && root == c->diff_root && !base)) {
        rc = TACHYON_ERR_NOMEM;
        goto out;
    }
    double keep = (double)nodes[root].total * c->o->min_percent / 100.0;
    uint32_t index = 0;
    size_t sp = 0;
    c->stack[sp++] = root;
    while (sp) {
        uint32_t n = c->stack[--sp], loc;
        size_t k = 0;
        for (uint32_t ch = nodes[n].first_child; ch != FG_NONE; ch = nodes[ch].next_sibling) {
            if (nodes[ch].total > 0 && (double)nodes[ch].total >= keep)
                c->kids[k++] = (struct kid){nodes[ch].total, nodes[ch].loc, ch};
        }
        qsort(c->kids, k, sizeof(*c->kids), cmp_kid);
        if ((rc = loc_ref(c, nodes[n].loc, &loc)) < 0 || (rc = append_int(arr, loc)) < 0 ||
            (rc = append_int(arr, (json_int_t)nodes[n].total)) < 0 ||
            (rc = append_int(arr, (json_int_t)nodes[n].self)) < 0 || (rc = append_int(arr, (json_int_t)k)) < 0)
            goto out;
        if ((rc = emit_ops(c, n, index++, ops)) < 0)
            goto out;
        /* The baseline's scaled self and subtree samples of this node. */
        if (base && (json_array_append_new(base, json_real(round(c->o->diff->node_base[n] * 100) / 100)) < 0 ||
                     json_array_append_new(base, json_real(round(c->o->diff->node_base_total[n] * 100) / 100)) < 0)) {
            rc = TACHYON_ERR_NOMEM;
            goto out;
        }
        for (size_t i = k; i-- > 0;)
            c->stack[sp++] = c->kids[i].node;
    }
    rc = set_new(tree, "nodes", arr);
    arr = NULL;
    if (rc == 0) {
        rc = set_new(tree, "ops", ops);
        ops = NULL;
    }
    if (rc == 0 && base) {
        rc = set_new(tree, "base", base);
        base = NULL;
    }
out:
    json_decref(arr);
    json_decref(ops);
    json_decref(base);
    return rc;
}

static int cmp_hot(const void *x, const void *y)
{
    const struct kid *a = x, *b = y;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return a->loc < b->loc ? -1 : a->loc > b->loc;
}

/* Hotspots of the whole (unpruned) tree under root: self and inclusive
 * samples per location, where an inclusive sample counts once however many
 * times the location recurses on the stack. Emitted as [loc, self, total]. */
static int emit_hot(struct ctx *c, uint32_t root, json_t *tree)
{
    int rc = 0;
    const struct fg_node *nodes = c->a->nodes;
    size_t nloc = c->a->loc_count, sp = 0, k = 0;
    memset(c->loc_self, 0, nloc * sizeof(*c->loc_self));
    memset(c->loc_total, 0, nloc * sizeof(*c->loc_total));
    c->stack[sp++] = root;
    while (sp) {
        uint32_t e = c->stack[--sp];
        if (e & EXIT_MARK) {
            c->on_path[nodes[e & ~EXIT_MARK].loc]--;
            continue;
        }
        uint32_t loc = nodes[e].loc;
        if (c->on_path[loc]++ == 0)
            c->loc_total[loc] += nodes[e].total;
        c->loc_self[loc] += nodes[e].self;
        c->stack[sp++] = e | EXIT_MARK;
        for (uint32_t ch = nodes[e].first_child; ch != FG_NONE; ch = nodes[ch].next_sibling)
            c->stack[sp++] = ch;
    }
    for (uint32_t l = 1; l < nloc; l++) {
        if (c->loc_self[l])
            c->kids[k++] = (struct kid){c->loc_self[l], l, 0};
    }
    qsort(c->kids, k, sizeof(*c->kids), cmp_hot);
    if (k > (size_t)c->o->hot_count)
        k = (size_t)c->o->hot_count;
    json_t *hot = json_array();
    if (!hot)
        return TACHYON_ERR_NOMEM;
    for (size_t i = 0; i < k && rc == 0; i++) {
        uint32_t loc, l = c->kids[i].loc;
        if ((rc = loc_ref(c, l, &loc)) == 0) {
            json_t *e = json_pack("[III]", (json_int_t)loc, (json_int_t)c->loc_self[l], (json_int_t)c->loc_total[l]);
            rc = !e || json_array_append_new(hot, e) < 0 ? TACHYON_ERR_NOMEM : 0;
        }
    }
    if (rc == 0)
        return set_new(tree, "hot", hot);
    json_decref(hot);
    return rc;
}

static int emit_tree(struct ctx *c, uint32_t root, json_t *owner)
{
    int rc;
    json_t *tree = json_object();
    if (!tree)
        return TACHYON_ERR_NOMEM;
    if ((rc = emit_nodes(c, root, tree)) < 0 || (rc = emit_hot(c, root, tree)) < 0) {
        json_decref(tree);
        return rc;
    }
    return set_new(owner, "tree", tree);
}

static json_t *status_json(const struct fg_status *s)
{
    return json_pack("{sIsIsIsIsIsIsIsI}", "samples", (json_int_t)s->samples, "gil_held",
                     (json_int_t)s->gil_held, "gil_released", (json_int_t)s->gil_released, "gil_wait",
                     (json_int_t)s->gil_wait, "gc", (json_int_t)s->gc, "on_cpu", (json_int_t)s->on_cpu,
                     "cpu_known", (json_int_t)s->cpu_known, "exception", (json_int_t)s->exception);
}

static void status_add(struct fg_status *dst, const struct fg_status *s)
{
    dst->samples += s->samples;
    dst->gil_held += s->gil_held;
    dst->gil_released += s->gil_released;
    dst->gil_wait += s->gil_wait;
    dst->gc += s->gc;
    dst->on_cpu += s->on_cpu;
    dst->cpu_known += s->cpu_known;
    dst->exception += s->exception;
}

static int emit_threads(struct ctx *c, json_t *doc, uint32_t all_root)
{
    int rc;
    struct fg_status total;
    memset(&total, 0, sizeof(total));
    json_t *threads = json_array(), *all = json_object();
    if (!threads || !all) {
        json_decref(threads);
        json_decref(all);
        return TACHYON_ERR_NOMEM;
    }
    if ((rc = set_new(doc, "threads", threads)) < 0) {
        json_decref(all);
        return rc;
    }
    if ((rc = set_new(doc, "all", all)) < 0)
        return rc;
    for (size_t i = 0; i < c->a->thread_count; i++) {
        const struct fg_thread *t = &c->a->threads[i];
        char id[32];
        /* Python thread ids are pointers: past 2^53 JavaScript numbers would
         * round them, so they travel as strings. */
        snprintf(id, sizeof(id), "%llu", (unsigned long long)t->thread_id);
        json_t *tj = json_pack("{sssIsbso}", "id", id, "native", (json_int_t)t->native_id, "main",
                               (int)t->is_main, "status", status_json(&t->status));
        if (!tj || json_array_append_new(threads, tj) < 0)
            return TACHYON_ERR_NOMEM;
        status_add(&total, &t->status);
        /* A single thread's tree is the all-threads tree: not written twice. */
        if (c->a->thread_count > 1 && (rc = emit_tree(c, t->root, tj)) < 0)
            return rc;
    }
    if ((rc = set_new(all, "status", status_json(&total))) < 0)
        return rc;
    return emit_tree(c, all_root, all);
}

static const char *mode_name(uint32_t mode)
{
    static const char *const names[] = {"wall", "cpu", "gil", "all", "exception"};
    return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "unknown";
}

static int emit_meta(struct ctx *c, json_t *doc, const tachyon_finish_info *info)
{
    const tachyon_host *h = c->a->host;
    const tachyon_session *s = h->session;
    const tachyon_stats *st = info && info->stats ? info->stats : h->stats(h);
    json_t *kinds = json_array();
    for (size_t i = 0; kinds && i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
        if (json_array_append_new(kinds, json_string(kind_names[i])) < 0) {
            json_decref(kinds);
            kinds = NULL;
        }
    }
    json_t *meta = json_pack(
        "{sisIsssssIsIsIsssbsfsisbsb}", "version", 1, "pid", (json_int_t)s->pid, "python",
        s->python_version ? s->python_version : "", "mode", mode_name(s->mode), "interval_us",
        (json_int_t)s->interval_us, "duration_ns", (json_int_t)(st ? st->duration_ns : 0),
        "start_unix_ms", (json_int_t)(s->start_time_unix_ns / 1000000u), "command",
        s->command_line ? s->command_line : "", "opcodes", c->a->opcodes, "min_percent",
        c->o->min_percent, "context", c->o->context, "interrupted", info ? (int)info->interrupted : 0,
        "target_exited", info ? (int)info->target_exited : 0);
    if (!meta || !kinds) {
        json_decref(meta);
        json_decref(kinds);
        return TACHYON_ERR_NOMEM;
    }
    if (set_new(meta, "kinds", kinds) < 0) {
        json_decref(meta);
        return TACHYON_ERR_NOMEM;
    }
    int rc = set_new(doc, "meta", meta);
    if (rc < 0 || !st)
        return rc;
    return set_new(doc, "stats",
                   json_pack("{sIsIsIsIsIsIsI}", "attempts", (json_int_t)st->attempts, "successes",
                             (json_int_t)st->successes, "failures", (json_int_t)st->failures,
                             "expected", (json_int_t)st->expected, "missed", (json_int_t)st->missed,
                             "samples", (json_int_t)st->samples, "filtered", (json_int_t)st->filtered));
}

static int cmp_elided(const void *x, const void *y)
{
    const struct fg_diff_path *a = *(const struct fg_diff_path *const *)x, *b = *(const struct fg_diff_path *const *)y;
    if (a->self != b->self)
        return a->self > b->self ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* The differential summary: totals, scale, and the baseline-only paths
 * (hottest first, at most 200), each [scaled samples, file, func, line, ...]
 * with the frames root first. */
static int emit_diff(struct ctx *c, json_t *doc)
{
    const struct fg_diff *d = c->o->diff;
    const struct fg_diff_path **el = calloc(d->elided ? d->elided : 1, sizeof *el);
    json_t *obj = json_object(), *list = json_array();
    size_t n = 0, i;
    int rc = TACHYON_ERR_NOMEM;
    if (!el || !obj || !list)
        goto out;
    for (i = 0; i < d->n_paths; i++)
        if (!d->paths[i].matched && d->paths[i].self)
            el[n++] = &d->paths[i];
    qsort(el, n, sizeof *el, cmp_elided);
    for (i = 0; i < n && i < 200; i++) {
        json_t *e = json_array();
        if (!e || json_array_append_new(list, e) < 0 ||
            json_array_append_new(e, json_real(round((double)el[i]->self * d->scale * 100) / 100)) < 0)
            goto out;
        for (uint32_t k = 0; k < el[i]->depth; k++) {
            const tachyon_frame *f = d->host->frame(d->host, d->frames[el[i]->first + k]);
            uint32_t file, func;
            if (!f)
                continue;
            if ((rc = fg_strtab_add_id(&c->st, f->filename, "~", &file)) < 0 ||
                (rc = fg_strtab_add_id(&c->st, f->funcname, "?", &func)) < 0)
                goto out;
            rc = TACHYON_ERR_NOMEM;
            if (append_int(e, file) < 0 || append_int(e, func) < 0 || append_int(e, f->line) < 0)
                goto out;
        }
    }
    if (json_object_set_new(obj, "baseline", json_string(d->path)) < 0 ||
        json_object_set_new(obj, "baseline_samples", json_integer((json_int_t)d->samples)) < 0 ||
        json_object_set_new(obj, "current_samples", json_integer((json_int_t)d->current)) < 0 ||
        json_object_set_new(obj, "baseline_scale", json_real(d->scale)) < 0 ||
        json_object_set_new(obj, "baseline_interval_us", json_integer((json_int_t)d->facts.interval_us)) < 0 ||
        json_object_set_new(obj, "elided_count", json_integer(d->elided)) < 0)
        goto out;
    rc = set_new(obj, "elided", list);
    list = NULL;
    if (rc == 0) {
        rc = set_new(doc, "diff", obj);
        obj = NULL;
    }
out:
    free(el);
    json_decref(obj);
    json_decref(list);
    return rc;
}

static int ctx_init(struct ctx *c, struct fg_agg *a, const struct fg_report_opts *o)
{
    size_t nloc = a->loc_count, nnode = a->node_count ? a->node_count : 1;
    memset(c, 0, sizeof(*c));
    c->a = a;
    c->o = o;
    if (!getcwd(c->cwd, sizeof c->cwd))
        c->cwd[0] = '\0';
    if (fg_strtab_init(&c->st, a->host) < 0)
        return TACHYON_ERR_NOMEM;
    c->locs = json_array();
    c->loc_out = malloc(nloc * sizeof(*c->loc_out));
    c->order = malloc(nloc * sizeof(*c->order));
    c->op_head = malloc(nnode * sizeof(*c->op_head));
    c->op_next = malloc((a->op_count ? a->op_count : 1) * sizeof(*c->op_next));
    c->loc_self = malloc(nloc * sizeof(*c->loc_self));
    c->loc_total = malloc(nloc * sizeof(*c->loc_total));
    c->on_path = calloc(nloc, sizeof(*c->on_path));
    c->stack = malloc(2 * nnode * sizeof(*c->stack));
    c->kids = malloc((nnode > nloc ? nnode : nloc) * sizeof(*c->kids));
    if (!c->locs || !c->loc_out || !c->order || !c->op_head || !c->op_next || !c->loc_self ||
        !c->loc_total || !c->on_path || !c->stack || !c->kids || nnode >= EXIT_MARK)
        return TACHYON_ERR_NOMEM;
    memset(c->loc_out, 0xff, nloc * sizeof(*c->loc_out));
    memset(c->op_head, 0xff, nnode * sizeof(*c->op_head));
    /* Prepend so each node's list ends up in creation order. */
    for (size_t i = a->op_count; i-- > 0;) {
        c->op_next[i] = c->op_head[a->ops[i].node];
        c->op_head[a->ops[i].node] = (uint32_t)i;
    }
    uint32_t root_index;
    return loc_ref(c, 0, &root_index);
}

static void ctx_free(struct ctx *c)
{
    fg_strtab_free(&c->st);
    json_decref(c->locs);
    free(c->loc_out);
    free(c->order);
    free(c->op_head);
    free(c->op_next);
    free(c->loc_self);
    free(c->loc_total);
    free(c->on_path);
    free(c->stack);
    free(c->kids);
}

int fg_report_build(struct fg_agg *a, const struct fg_report_opts *o,
                    const tachyon_finish_info *info, json_t **out)
{
    struct ctx c;
    uint32_t all_root;
    int rc;
    json_t *doc = json_object(), *src = json_array();
    *out = NULL;
    if (!doc || !src) {
        json_decref(doc);
        json_decref(src);
        return TACHYON_ERR_NOMEM;
    }
    /* The merge adds nodes, so it must run before the context sizes its
     * per-node arrays. */
    if (a->thread_count == 0)
        rc = fg_agg_new_root(a, &all_root);
    else
        rc = fg_agg_merge_threads(a, &all_root);
    if (rc < 0) {
        json_decref(doc);
        json_decref(src);
        return rc;
    }
    if ((rc = ctx_init(&c, a, o)) < 0)
        goto out;
    c.diff_root = FG_NONE;
    if (o->diff) {
        if ((rc = fg_diff_compute(o->diff, a, all_root)) < 0)
            goto out;
        c.diff_root = all_root;
    }
    if ((rc = emit_meta(&c, doc, info)) < 0 || (rc = emit_threads(&c, doc, all_root)) < 0 ||
        (o->diff && (rc = emit_diff(&c, doc)) < 0) ||
        (rc = fg_source_context(a->host, &c.st, a->locs, c.order, c.n_out, o->context, src)) < 0)
        goto out;
    if ((rc = set_new(doc, "src", src)) < 0) {
        src = NULL;
        goto out;
    }
    src = NULL;
    if ((rc = set_new(doc, "locs", c.locs)) < 0) {
        c.locs = NULL;
        goto out;
    }
    c.locs = NULL;
    rc = set_new(doc, "strings", fg_strtab_take(&c.st));
out:
    ctx_free(&c);
    json_decref(src);
    if (rc < 0)
        json_decref(doc);
    else
        *out = doc;
    return rc;
}
