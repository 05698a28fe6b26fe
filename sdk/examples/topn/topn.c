/* topn: an example tachyon collector plugin.
 *
 * It counts, for every function, the samples in which it was running
 * ("self") and the samples in which it was anywhere on the stack ("total"),
 * then writes the N busiest functions as JSON lines through the host's
 * output service:
 *
 *   {"rank":1,"function":"work","file":"app.py","self":812,"total":812,...}
 *
 * It uses only <tachyon/plugin.h> and the C library, so it builds against
 * the installed SDK with CMake (find_package(Tachyon 1)) or with one cc
 * line (pkg-config tachyon-plugin). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

struct fn {
    tachyon_str_id file;
    tachyon_str_id func;
    uint64_t self;
    uint64_t total;
    uint64_t last_sample;        /* counts a recursive function once per sample */
};

struct topn {
    const tachyon_host *host;
    struct fn *fns;
    size_t n_fns, cap_fns;
    uint32_t *slots;             /* open addressing: index into fns + 1, 0 = empty */
    size_t n_slots;
    uint32_t *frame_fn;          /* frame id -> index into fns + 1, a lookup cache */
    size_t n_frame_fn;
    uint64_t sample_no;
    uint64_t weight_sum;
    long limit;
    int by_total;
};

static const tachyon_option topn_options[] = {
    { sizeof(tachyon_option), TACHYON_OPT_INT, "n", "10", "number of functions to report", NULL },
    { sizeof(tachyon_option), TACHYON_OPT_CHOICE, "sort", "self",
      "rank by samples in the function itself or anywhere on the stack", "self|total" },
};

static const tachyon_format topn_formats[] = {
    { sizeof(tachyon_format), TACHYON_FORMAT_STDOUT, "topn",
      "the N busiest functions as JSON lines", "topn-{pid}.jsonl" },
};

static size_t hash_pair(tachyon_str_id file, tachyon_str_id func)
{
    uint64_t h = ((uint64_t)file << 32 | func) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17);
}

static int grow_slots(struct topn *t)
{
    size_t n = t->n_slots ? t->n_slots * 2 : 256, i;
    uint32_t *slots = calloc(n, sizeof *slots);

    if (!slots)
        return TACHYON_ERR_NOMEM;
    for (i = 0; i < t->n_fns; i++) {
        size_t at = hash_pair(t->fns[i].file, t->fns[i].func) & (n - 1);
        while (slots[at])
            at = (at + 1) & (n - 1);
        slots[at] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
    return TACHYON_OK;
}

/* The function a frame belongs to, created on first sight; -1 on error. */
static long function_of(struct topn *t, tachyon_frame_id id)
{
    const tachyon_frame *f;
    size_t at;

    if (id < t->n_frame_fn && t->frame_fn[id])
        return (long)t->frame_fn[id] - 1;
    f = t->host->frame(t->host, id);
    if (!f)
        return -1;
    if (id >= t->n_frame_fn) {
        size_t n = (size_t)id * 2 + 64;
        uint32_t *grown = realloc(t->frame_fn, n * sizeof *grown);
        if (!grown)
            return -1;
        memset(grown + t->n_frame_fn, 0, (n - t->n_frame_fn) * sizeof *grown);
        t->frame_fn = grown;
        t->n_frame_fn = n;
    }
    if ((t->n_fns + 1) * 2 > t->n_slots && grow_slots(t) != TACHYON_OK)
        return -1;
    at = hash_pair(f->filename, f->funcname) & (t->n_slots - 1);
    while (t->slots[at]) {
        struct fn *e = &t->fns[t->slots[at] - 1];
        if (e->file == f->filename && e->func == f->funcname)
            break;
        at = (at + 1) & (t->n_slots - 1);
    }
    if (!t->slots[at]) {
        if (t->n_fns == t->cap_fns) {
            size_t cap = t->cap_fns ? t->cap_fns * 2 : 128;
            struct fn *grown = realloc(t->fns, cap * sizeof *grown);
            if (!grown)
                return -1;
            t->fns = grown;
            t->cap_fns = cap;
        }
        memset(&t->fns[t->n_fns], 0, sizeof t->fns[0]);
        t->fns[t->n_fns].file = f->filename;
        t->fns[t->n_fns].func = f->funcname;
        t->slots[at] = (uint32_t)++t->n_fns;
    }
    t->frame_fn[id] = t->slots[at];
    return (long)t->slots[at] - 1;
}

static int topn_create(const tachyon_host *host, const char *format, void **state)
{
    struct topn *t = calloc(1, sizeof *t);
    const char *n = host->option(host, "n"), *sort = host->option(host, "sort");
    char *end = NULL;

    (void)format;
    if (!t)
        return TACHYON_ERR_NOMEM;
    t->host = host;
    t->limit = strtol(n ? n : "10", &end, 10);
    if (!end || *end || t->limit < 1 || t->limit > 100000) {
        host->log(host, TACHYON_LOG_ERROR, "topn: option n must be an integer from 1 to 100000");
        free(t);
        return TACHYON_ERR_INVALID;
    }
    t->by_total = sort && strcmp(sort, "total") == 0;
    *state = t;
    return TACHYON_OK;
}

static int topn_on_sample(void *state, const tachyon_sample *s)
{
    struct topn *t = state;
    uint32_t i;

    t->sample_no++;
    t->weight_sum += s->weight;
    for (i = 0; i < s->depth; i++) {
        long idx = function_of(t, s->frames[i]);
        if (idx < 0)
            return TACHYON_ERR_NOMEM;
        if (i == 0)
            t->fns[idx].self += s->weight;
        if (t->fns[idx].last_sample != t->sample_no) {
            t->fns[idx].last_sample = t->sample_no;
            t->fns[idx].total += s->weight;
        }
    }
    return TACHYON_OK;
}

/* qsort has no context argument; finish() runs once, on one thread. */
static int g_by_total;

static int by_rank(const void *a, const void *b)
{
    const struct fn *x = a, *y = b;
    uint64_t kx = g_by_total ? x->total : x->self, ky = g_by_total ? y->total : y->self;

    if (kx != ky)
        return kx > ky ? -1 : 1;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return x->func < y->func ? -1 : x->func > y->func;
}

/* Returns the first negative status of the writes, else TACHYON_OK. */
static int write_json_string(const tachyon_host *h, tachyon_output *out, const char *s)
{
    int rc = h->output_write(out, "\"", 1);

    for (; rc >= 0 && s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = h->output_printf(out, "\\%c", c);
        else if (c < 0x20)
            rc = h->output_printf(out, "\\u%04x", c);
        else
            rc = h->output_write(out, s, 1);
    }
    if (rc >= 0)
        rc = h->output_write(out, "\"", 1);
    return rc < 0 ? rc : TACHYON_OK;
}

static int write_row(struct topn *t, tachyon_output *out, size_t rank, const struct fn *f)
{
    const tachyon_host *h = t->host;
    double denom = t->weight_sum ? (double)t->weight_sum : 1.0;
    int rc;

    rc = h->output_printf(out, "{\"rank\":%zu,\"function\":", rank);
    if (rc >= 0)
        rc = write_json_string(h, out, h->string(h, f->func, NULL));
    if (rc >= 0)
        rc = h->output_printf(out, ",\"file\":");
    if (rc >= 0)
        rc = write_json_string(h, out, h->string(h, f->file, NULL));
    if (rc >= 0)
        rc = h->output_printf(out,
                              ",\"self\":%llu,\"total\":%llu,\"self_pct\":%.2f,\"total_pct\":%.2f}\n",
                              (unsigned long long)f->self, (unsigned long long)f->total,
                              100.0 * (double)f->self / denom, 100.0 * (double)f->total / denom);
    return rc < 0 ? rc : TACHYON_OK;
}

static int topn_finish(void *state, const tachyon_finish_info *info)
{
    struct topn *t = state;
    const tachyon_host *h = t->host;
    tachyon_output *out = NULL;
    size_t i;
    int rc;

    (void)info;
    g_by_total = t->by_total;
    if (t->n_fns)
        qsort(t->fns, t->n_fns, sizeof t->fns[0], by_rank);
    /* The order changed, so the lookup tables no longer apply. */
    free(t->frame_fn);
    t->frame_fn = NULL;
    t->n_frame_fn = 0;

    rc = h->output_open(h, NULL, &out);
    if (rc != TACHYON_OK)
        return rc;
    for (i = 0; i < t->n_fns && i < (size_t)t->limit && rc == TACHYON_OK; i++)
        rc = write_row(t, out, i + 1, &t->fns[i]);
    if (rc != TACHYON_OK) {
        h->output_close(out, 0);
        return rc;
    }
    return h->output_close(out, 1);
}

static void topn_destroy(void *state)
{
    struct topn *t = state;

    free(t->fns);
    free(t->slots);
    free(t->frame_fn);
    free(t);
}

static const tachyon_plugin topn_plugin = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "topn",
    .version = "1.0",
    .summary = "example collector: the busiest functions as JSON lines",
    .formats = topn_formats,
    .format_count = sizeof topn_formats / sizeof topn_formats[0],
    .option_count = sizeof topn_options / sizeof topn_options[0],
    .options = topn_options,
    .create = topn_create,
    .on_sample = topn_on_sample,
    .finish = topn_finish,
    .destroy = topn_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &topn_plugin;
}
