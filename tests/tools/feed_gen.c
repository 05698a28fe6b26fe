/* A deterministic synthetic profile for tachyon_feed --generate.
 *
 * A random call tree of about `nodes` nodes and at most `depth` levels is
 * built first; every sample then picks a node (skewed towards a hot subset,
 * as real profiles are) and reports the path from it to the root. Each node
 * has its own function, so distinct paths map to distinct frames and the
 * tree a flame graph builds has about `nodes` nodes. */
#include "feed_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "intern/intern.h"

#define GEN_THREADS 4

struct feed_gen {
    struct feed_gen_params p;
    uint64_t rng;
    uint64_t emitted;
    uint32_t *parent;
    uint32_t *depth;
    tachyon_frame_id *frame;
    tachyon_frame_id *stack;
};

/* splitmix64: tiny, fast, and the same sequence on every platform. */
static uint64_t next_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int make_frame(struct feed_gen *g, struct interner *in, uint32_t i)
{
    char file[64], func[64];
    tachyon_frame f;

    if (i == 0) {
        snprintf(file, sizeof file, "main.py");
        snprintf(func, sizeof func, "<module>");
    } else {
        /* About sixteen functions per module, like a real code base. */
        snprintf(file, sizeof file, "pkg/mod%u.py", i / 16);
        snprintf(func, sizeof func, "func_%u", i);
    }
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    f.kind = TACHYON_FRAME_PYTHON;
    f.line = (int32_t)(1 + (i % 16) * 20 + (int32_t)(next_rand(&g->rng) % 20));
    f.end_line = f.line;
    f.column = TACHYON_NO_LOCATION;
    f.end_column = TACHYON_NO_LOCATION;
    f.opcode = TACHYON_NO_OPCODE;
    f.base_opcode = TACHYON_NO_OPCODE;
    if (intern_cstring(in, file, &f.filename) < 0 || intern_cstring(in, func, &f.funcname) < 0 ||
        intern_frame(in, &f, &g->frame[i]) < 0)
        return diag_set(ERR_NOMEM, "out of memory generating frames");
    return 0;
}

int feed_gen_create(const struct feed_gen_params *p, struct interner *in, struct feed_gen **out)
{
    struct feed_gen *g;
    uint32_t n = p->nodes;
    int rc = 0;

    if (n == 0 || p->depth < 2)
        return diag_set(ERR_USAGE, "--generate needs at least one node and a depth of at least 2");
    g = calloc(1, sizeof *g);
    if (!g)
        return diag_set(ERR_NOMEM, "out of memory");
    g->p = *p;
    g->rng = p->seed;
    g->parent = calloc(n, sizeof *g->parent);
    g->depth = calloc(n, sizeof *g->depth);
    g->frame = calloc(n, sizeof *g->frame);
    g->stack = calloc(p->depth, sizeof *g->stack);
    if (!g->parent || !g->depth || !g->frame || !g->stack) {
        rc = diag_set(ERR_NOMEM, "out of memory generating a call tree");
        goto out;
    }
    g->depth[0] = 1;
    for (uint32_t i = 1; i < n; i++) {
        uint64_t r = next_rand(&g->rng);
        uint32_t par;
        /* Mostly extend the previous node (deep chains, like real call
         * paths), otherwise branch off anywhere; climb until a parent
         * leaves room below the depth limit. */
        if (r % 4 != 0)
            par = i - 1;
        else
            par = (uint32_t)(next_rand(&g->rng) % i);
        while (g->depth[par] >= p->depth)
            par = g->parent[par];
        g->parent[i] = par;
        g->depth[i] = g->depth[par] + 1;
    }
    for (uint32_t i = 0; i < n && rc == 0; i++)
        rc = make_frame(g, in, i);
out:
    if (rc < 0) {
        feed_gen_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

int feed_gen_next(struct feed_gen *g, struct feed_batch *b, size_t max)
{
    int rc;

    while (b->n < max && g->emitted < g->p.samples) {
        uint64_t r = next_rand(&g->rng);
        uint32_t node, d = 0, tidx;
        tachyon_sample s;

        /* Half the samples land in the hottest twentieth of the tree. */
        if (r & 1)
            node = (uint32_t)((r >> 1) % (g->p.nodes / 20 + 1));
        else
            node = (uint32_t)((r >> 1) % g->p.nodes);
        /* Walking up from the node yields the innermost-first order the
         * ABI wants. */
        for (uint32_t at = node;; at = g->parent[at]) {
            g->stack[d++] = g->frame[at];
            if (at == 0)
                break;
        }
        tidx = (uint32_t)((r >> 40) % GEN_THREADS);
        memset(&s, 0, sizeof s);
        s.thread_id = 0x7f0000001000ull + tidx * 0x1000;
        s.native_thread_id = 1000 + tidx;
        s.status = TACHYON_THREAD_ON_CPU | ((r >> 50) % 3 == 0 ? 0 : TACHYON_THREAD_HAS_GIL) |
                   (tidx == 0 ? TACHYON_THREAD_MAIN : 0);
        s.weight = 1;
        s.timestamp_ns = (g->emitted + 1) * g->p.interval_us * 1000;
        rc = feed_batch_add(b, &s, g->stack, d);
        if (rc < 0)
            return rc;
        g->emitted++;
    }
    return (int)b->n;
}

void feed_gen_free(struct feed_gen *g)
{
    if (!g)
        return;
    free(g->parent);
    free(g->depth);
    free(g->frame);
    free(g->stack);
    free(g);
}
