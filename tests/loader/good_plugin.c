/* The well-behaved fixture plugin: counts samples and weight, remembers
 * the innermost frame of the last sample, and writes a small text report
 * through the host's atomic output. Its options cover every option type so
 * the validation tests have something to validate against. */
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

struct state {
    const tachyon_host *host;
    unsigned long long samples, weight, frames;
    unsigned long long kinds[4];     /* frames seen per enum tachyon_frame_kind */
    tachyon_frame_id last_top;
};

static int good_create(const tachyon_host *host, const char *format, void **out)
{
    struct state *st = calloc(1, sizeof *st);
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    host->log(host, TACHYON_LOG_DEBUG, "created for format %s", format);
    *out = st;
    return TACHYON_OK;
}

static int good_sample(void *state, const tachyon_sample *s)
{
    struct state *st = state;
    st->samples++;
    st->weight += s->weight;
    st->frames += s->depth;
    for (uint32_t i = 0; i < s->depth; i++) {
        const tachyon_frame *f = st->host->frame(st->host, s->frames[i]);
        if (!f || f->kind > TACHYON_FRAME_TASK)
            return TACHYON_ERR_INVALID;
        st->kinds[f->kind]++;
    }
    if (s->depth > 0)
        st->last_top = s->frames[0];
    return TACHYON_OK;
}

static int good_finish(void *state, const tachyon_finish_info *info)
{
    struct state *st = state;
    const tachyon_host *h = st->host;
    const tachyon_frame *top = h->frame(h, st->last_top);
    tachyon_output *out;
    int rc = h->output_open(h, NULL, &out);

    if (rc != TACHYON_OK)
        return rc;
    h->output_printf(out, "samples %llu\nweight %llu\nframes %llu\n", st->samples, st->weight,
                     st->frames);
    h->output_printf(out, "stats.samples %llu\n", (unsigned long long)info->stats->samples);
    h->output_printf(out, "title %s\nlimit %s\nverbose %s\n", h->option(h, "title"),
                     h->option(h, "limit"), h->option(h, "verbose"));
    h->output_printf(out, "kinds python=%llu gc=%llu native=%llu task=%llu\n", st->kinds[0],
                     st->kinds[1], st->kinds[2], st->kinds[3]);
    if (top)
        h->output_printf(out, "top %s:%s:%d\n", h->string(h, top->filename, NULL),
                         h->string(h, top->funcname, NULL), top->line);
    if (top && top->opcode != TACHYON_NO_OPCODE)
        h->output_printf(out, "opcode %d %s base %d %s\n", top->opcode,
                         h->string(h, top->opcode_name, NULL), top->base_opcode,
                         h->string(h, top->base_opcode_name, NULL));
    return h->output_close(out, 1);
}

static void good_destroy(void *state)
{
    free(state);
}

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), 0, "loadergood", "Fixture: a text summary of the samples",
     "loadergood.{pid}.txt"},
};

static const tachyon_option options[] = {
    {sizeof(tachyon_option), TACHYON_OPT_STRING, "title", "untitled", "Report title", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_INT, "limit", "10", "How many entries", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_BOOL, "verbose", "false", "More detail", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_FLOAT, "ratio", NULL, "A fraction", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_CHOICE, "style", "plain", "Look", "plain|fancy"},
};

static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "loadergood",
    .version = "1.0",
    .summary = "Loader test fixture that works",
    .formats = formats,
    .format_count = 1,
    .options = options,
    .option_count = sizeof options / sizeof options[0],
    .create = good_create,
    .on_sample = good_sample,
    .finish = good_finish,
    .destroy = good_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &plugin;
}
