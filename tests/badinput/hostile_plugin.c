/* Deliberately hostile plugins, built with the SDK: each one misbehaves in
 * exactly one way chosen at compile time, so the bad-input suite can check
 * that tachyon names the plugin and the callback and loses nothing else.
 *   HOSTILE_WHERE: 1 create, 2 on_sample, 3 finish, 4 tick, 5 entry,
 *                  6 constructor (runs at dlopen), 0 nowhere (well-behaved)
 *   HOSTILE_HOW:   1 SIGSEGV, 2 abort(), 3 exit(7), 4 return an error */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <tachyon/plugin.h>

#ifndef HOSTILE_FORMAT
#define HOSTILE_FORMAT HOSTILE_NAME
#endif

static void misbehave(int where)
{
    if (where != HOSTILE_WHERE)
        return;
    switch (HOSTILE_HOW) {
    case 1: {
        /* A real fault, not undefined behaviour a sanitizer would stop at
         * first: a store to a page mapped without any access. */
        volatile int *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED)
            *p = 1;
        break;
    }
    case 2: abort();
    case 3: exit(7);
    default: break;
    }
}

#if HOSTILE_WHERE == 6
__attribute__((constructor)) static void hostile_constructor(void)
{
    misbehave(6);
}
#endif

struct state {
    const tachyon_host *host;
    unsigned long long samples;
};

static int h_create(const tachyon_host *host, const char *format, void **out)
{
    struct state *st;
    (void)format;
    misbehave(1);
    if (HOSTILE_WHERE == 1 && HOSTILE_HOW == 4)
        return TACHYON_ERR_INVALID;
    st = calloc(1, sizeof *st);
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    *out = st;
    return TACHYON_OK;
}

static int h_sample(void *state, const tachyon_sample *s)
{
    struct state *st = state;
    (void)s;
    st->samples++;
    misbehave(2);
    return TACHYON_OK;
}

static int h_tick(void *state, uint64_t now_ns)
{
    (void)state;
    (void)now_ns;
    misbehave(4);
    return TACHYON_OK;
}

static int h_finish(void *state, const tachyon_finish_info *info)
{
    struct state *st = state;
    const tachyon_host *h = st->host;
    tachyon_output *out;
    int rc;

    (void)info;
    misbehave(3);
    if (HOSTILE_WHERE == 3 && HOSTILE_HOW == 4)
        return TACHYON_ERR_IO;
    rc = h->output_open(h, NULL, &out);
    if (rc != TACHYON_OK)
        return rc;
    h->output_printf(out, "%s samples %llu\n", HOSTILE_NAME, st->samples);
    return h->output_close(out, 1);
}

static void h_destroy(void *state)
{
    free(state);
}

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), 0, HOSTILE_FORMAT, "bad-input suite fixture", HOSTILE_NAME ".{pid}.txt"},
};

static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = HOSTILE_NAME,
    .version = "1.0",
    .summary = "bad-input suite fixture",
    .formats = formats,
    .format_count = 1,
    .create = h_create,
    .on_sample = h_sample,
    .tick = h_tick,
    .tick_interval_ms = 1,
    .finish = h_finish,
    .destroy = h_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    misbehave(5);
    return &plugin;
}
