/* Deliberately broken fixture plugins, one per compile definition:
 *   BROKEN_NO_ENTRY     exports no entry symbol
 *   BROKEN_ABI2         claims a future ABI major version
 *   BROKEN_SMALL        a descriptor shorter than ABI 1.0's
 *   BROKEN_CREATE_FAIL  create() fails
 *   BROKEN_SAMPLE_FAIL  on_sample() fails on the third sample
 *   BROKEN_FINISH_FAIL  finish() fails after opening an output
 * BROKEN_NAME is the plugin and format name. */
#include <stddef.h>
#include <stdlib.h>

#include <tachyon/plugin.h>

struct state {
    const tachyon_host *host;
    unsigned calls;
};

static int b_create(const tachyon_host *host, const char *format, void **out)
{
    struct state *st;
#ifdef BROKEN_CREATE_FAIL
    (void)host;
    (void)out;
    return TACHYON_ERR_INVALID;
#endif
    st = calloc(1, sizeof *st);
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    *out = st;
    return TACHYON_OK;
}

static int b_sample(void *state, const tachyon_sample *s)
{
    struct state *st = state;
    (void)s;
    st->calls++;
#ifdef BROKEN_SAMPLE_FAIL
    if (st->calls == 3)
        return TACHYON_ERR_IO;
#endif
    return TACHYON_OK;
}

static int b_finish(void *state, const tachyon_finish_info *info)
{
    struct state *st = state;
    tachyon_output *out;
    int rc;

    (void)info;
    rc = st->host->output_open(st->host, NULL, &out);
    if (rc != TACHYON_OK)
        return rc;
    st->host->output_printf(out, "calls %u\n", st->calls);
#ifdef BROKEN_FINISH_FAIL
    /* Leaves the output open on purpose: the host must discard it. */
    return TACHYON_ERR_GENERIC;
#endif
    return st->host->output_close(out, 1);
}

static void b_destroy(void *state)
{
    free(state);
}

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), 0, BROKEN_NAME, "Broken fixture", NULL},
};

static const tachyon_plugin plugin = {
#ifdef BROKEN_SMALL
    /* What a plugin compiled against a shorter, pre-release header sends. */
    .struct_size = offsetof(tachyon_plugin, finish),
#else
    .struct_size = sizeof(tachyon_plugin),
#endif
#ifdef BROKEN_ABI2
    .abi_version = 2,
#else
    .abi_version = TACHYON_ABI_VERSION,
#endif
    .abi_minor = TACHYON_ABI_MINOR,
    .name = BROKEN_NAME,
    .version = "0.0",
    .formats = formats,
    .format_count = 1,
    .create = b_create,
    .on_sample = b_sample,
    .finish = b_finish,
    .destroy = b_destroy,
};

#ifdef BROKEN_NO_ENTRY
TACHYON_EXPORT const tachyon_plugin *not_the_entry_point(void)
#else
TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
#endif
{
    return &plugin;
}
