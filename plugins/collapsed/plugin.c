/* The collapsed-stacks output plugin: one line per unique stack and
 * thread, in the format Brendan Gregg's flamegraph.pl reads. */
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

#include "buf.h"
#include "labels.h"
#include "render.h"
#include "stacks.h"

struct collapsed_state {
    const tachyon_host *host;
    struct col_labels labels;
    struct col_stacks stacks;
    uint32_t *scratch;        /* the current sample's labels, root first */
    size_t scratch_cap;
};

static int collapsed_create(const tachyon_host *host, const char *format, void **state)
{
    (void)format;   /* the plugin provides one format only */
    struct collapsed_state *st = calloc(1, sizeof *st);
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    col_labels_init(&st->labels, host);
    *state = st;
    return 0;
}

static int collapsed_on_sample(void *state, const tachyon_sample *sample)
{
    struct collapsed_state *st = state;
    if (sample->depth == 0 || !sample->frames)
        return 0;
    if (sample->depth > st->scratch_cap) {
        uint32_t *p = realloc(st->scratch, (size_t)sample->depth * sizeof *p);
        if (!p)
            return TACHYON_ERR_NOMEM;
        st->scratch = p;
        st->scratch_cap = sample->depth;
    }
    /* frames[0] is the innermost frame; the line reads root first. */
    for (uint32_t i = 0; i < sample->depth; i++) {
        int rc = col_label_of(&st->labels, sample->frames[sample->depth - 1 - i], &st->scratch[i]);
        if (rc)
            return rc;
    }
    /* A weight of 0 would be a host bug; count the observation once. */
    uint64_t weight = sample->weight ? sample->weight : 1;
    /* Lines are keyed by the OS thread id, as upstream's (the main
     * thread's equals the PID); hosts that do not know it give 0. */
    uint64_t tid = sample->native_thread_id ? sample->native_thread_id : sample->thread_id;
    return col_stacks_add(&st->stacks, tid, st->scratch, sample->depth, weight);
}

static int collapsed_finish(void *state, const tachyon_finish_info *info)
{
    struct collapsed_state *st = state;
    const tachyon_host *host = st->host;
    (void)info;     /* the output is the same however the session ended */
    if (st->stacks.n == 0) {
        /* Like the reference profiler: nothing to write, say so. */
        host->log(host, TACHYON_LOG_WARNING, "No stack data to export");
        return 0;
    }
    struct pl_buf text = {0};
    tachyon_output *out = NULL;
    int rc = col_render(&st->stacks, &st->labels, &text);
    if (!rc)
        rc = host->output_open(host, NULL, &out);
    if (!rc)
        rc = host->output_write(out, text.data, text.len);
    if (out) {
        int crc = host->output_close(out, rc == 0);
        if (!rc)
            rc = crc;
    }
    if (!rc && host->session->output_path)
        host->log(host, TACHYON_LOG_INFO, "Collapsed stack output written to %s",
                  host->session->output_path);
    pl_buf_free(&text);
    return rc;
}

static void collapsed_destroy(void *state)
{
    struct collapsed_state *st = state;
    if (!st)
        return;
    col_labels_free(&st->labels);
    col_stacks_free(&st->stacks);
    free(st->scratch);
    free(st);
}

static const tachyon_format formats[] = {
    {
        .struct_size = sizeof(tachyon_format),
        .flags = 0,
        .name = "collapsed",
        .description = "Collapsed stacks for flamegraph.pl and similar tools",
        .default_output = "collapsed_{pid}.txt",
    },
};

static const tachyon_plugin descriptor = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "collapsed",
    .version = "1.0.0",
    .summary = "Collapsed stack lines (tid:N;file:func:line;... count)",
    .formats = formats,
    .format_count = sizeof formats / sizeof formats[0],
    .option_count = 0,
    .options = NULL,
    .create = collapsed_create,
    .on_sample = collapsed_on_sample,
    .finish = collapsed_finish,
    .destroy = collapsed_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &descriptor;
}
