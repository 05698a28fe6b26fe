/* Fixture plugin for the ABI 1.1 tests, built twice:
 *  - ABI_V10: a descriptor exactly as large as ABI 1.0's, with the bytes
 *    after it poisoned, as a plugin compiled against the 1.0 header looks
 *    to a newer host. It uses 1.0 services only.
 *  - otherwise: a 1.1 plugin that watches the fd named by its "fd" option
 *    and reacts to one byte per on_input: 'r' requests a reset, 's' a stop.
 * finish() writes what the plugin saw to the session output, one
 * "key value" per line, for the test to check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tachyon/plugin.h>

struct state {
    const tachyon_host *host;
    uint64_t weight, ticks, inputs, resets;
    int fd;
};

static int create(const tachyon_host *host, const char *format, void **out)
{
    struct state *st = calloc(1, sizeof *st);
    (void)format;
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    st->fd = -1;
#ifndef ABI_V10
    {
        const char *fd = host->option(host, "fd");
        if (fd && TACHYON_HAS_FIELD(host, tachyon_host, watch_input)) {
            st->fd = (int)strtol(fd, NULL, 10);
            if (st->fd >= 0 && host->watch_input(host, st->fd) != 0) {
                free(st);
                return TACHYON_ERR_INVALID;
            }
        }
    }
#endif
    *out = st;
    return 0;
}

static int on_sample(void *vst, const tachyon_sample *s)
{
    struct state *st = vst;
    st->weight += s->weight;
    return 0;
}

static int tick(void *vst, uint64_t now_ns)
{
    struct state *st = vst;
    (void)now_ns;
    st->ticks++;
    return 0;
}

#ifndef ABI_V10
static int on_input(void *vst, uint64_t now_ns)
{
    struct state *st = vst;
    char c;
    (void)now_ns;
    if (read(st->fd, &c, 1) != 1)
        return st->host->watch_input(st->host, -1);
    st->inputs++;
    if (c == 'r' && st->host->request_reset(st->host) == 0) {
        st->weight = 0;
        st->resets++;
    } else if (c == 's') {
        st->host->request_stop(st->host);
    }
    return 0;
}
#endif

static int finish(void *vst, const tachyon_finish_info *info)
{
    struct state *st = vst;
    tachyon_output *out;
    int stopped = -1, rc;
    if (TACHYON_HAS_FIELD(info, tachyon_finish_info, stopped))
        stopped = (int)info->stopped;
    rc = st->host->output_open(st->host, NULL, &out);
    if (rc)
        return rc;
    st->host->output_printf(out,
                            "weight %llu\nticks %llu\ninputs %llu\nresets %llu\nstopped %d\n"
                            "stats.samples %llu\nhost_minor %u\n",
                            (unsigned long long)st->weight, (unsigned long long)st->ticks,
                            (unsigned long long)st->inputs, (unsigned long long)st->resets, stopped,
                            (unsigned long long)info->stats->samples, st->host->abi_minor);
    return st->host->output_close(out, 1);
}

static void destroy(void *vst)
{
    free(vst);
}

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), 0, ABI_NAME, "ABI fixture", "abi.txt"},
};

#ifndef ABI_V10
static const tachyon_option options[] = {
    {sizeof(tachyon_option), TACHYON_OPT_INT, "fd", "-1", "fd to watch", NULL},
};
#endif

/* Room for the descriptor and poison after the 1.0 part. */
static union {
    tachyon_plugin p;
    unsigned char raw[sizeof(tachyon_plugin) + 64];
} desc;

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    tachyon_plugin *p = &desc.p;
    p->abi_version = TACHYON_ABI_VERSION;
    p->name = ABI_NAME;
    p->version = "1.0";
    p->summary = "ABI fixture";
    p->formats = formats;
    p->format_count = 1;
    p->create = create;
    p->on_sample = on_sample;
    p->tick = tick;
    p->tick_interval_ms = 20;
    p->finish = finish;
    p->destroy = destroy;
#ifdef ABI_V10
    p->struct_size = (uint32_t)TACHYON_PLUGIN_SIZE_1_0;
    p->abi_minor = 0;
    /* Whatever follows a 1.0 descriptor in memory is not the host's. */
    memset(desc.raw + TACHYON_PLUGIN_SIZE_1_0, 0xA5, sizeof desc.raw - TACHYON_PLUGIN_SIZE_1_0);
#else
    p->struct_size = sizeof(tachyon_plugin);
    p->abi_minor = TACHYON_ABI_MINOR;
    p->option_count = 1;
    p->options = options;
    p->on_input = on_input;
#endif
    return p;
}
