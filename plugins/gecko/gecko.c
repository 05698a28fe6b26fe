/* The gecko collector plugin: a Firefox Profiler profile (the "processed"
 * format upstream writes) with one track per Python thread, its call tree
 * and interval markers for the thread's states over time.
 *
 * Samples are folded into per-thread tables as they arrive (gk_thread,
 * gk_markers); finish() closes the open markers and streams the document
 * (gk_document) through the host's atomic output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tachyon/plugin.h>

#include "array.h"
#include "gk_document.h"

/* Host frame ids whose stacks the per-thread caches may remember in total
 * (4 bytes each): past this the plugin interns stacks level by level. */
#define STACK_CACHE_BUDGET (4u << 20)

struct state {
    struct gk_profile p;
    uint8_t *gc_of_id;           /* host frame id -> 1 not GC, 2 GC, 0 unknown */
    size_t gc_cap;
    struct gk_thread *last;      /* the thread of the previous sample */
    uint64_t last_tick_ns;
    int spinner;                 /* stderr is a terminal: show progress */
    unsigned spin;
};

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), TACHYON_FORMAT_OPCODES | TACHYON_FORMAT_NO_MODE, "gecko",
     "Firefox Profiler profile (JSON): per-thread tracks, call tree, GIL/CPU/GC/exception markers",
     "gecko_{pid}.json"},
};

static int gk_create(const tachyon_host *host, const char *format, void **out)
{
    struct state *st = calloc(1, sizeof *st);
    int rc;
    (void)format;   /* the plugin provides one format */
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->p.host = host;
    st->p.opcodes = (host->session->flags & TACHYON_SESSION_OPCODES) != 0;
    if ((rc = gk_strings_init(&st->p.strings, host))) {
        free(st);
        return rc;
    }
    st->p.ctx.host = host;
    st->p.ctx.strings = &st->p.strings;
    st->p.ctx.cache_budget = STACK_CACHE_BUDGET;
    *out = st;
    return 0;
}

static int th_eq(const void *ctx, uint32_t i)
{
    const struct state *st = ((const void *const *)ctx)[0];
    const uint64_t *id = ((const void *const *)ctx)[1];
    return st->p.threads[i]->thread_id == *id;
}

static int thread_of(struct state *st, const tachyon_sample *s, int create, struct gk_thread **out)
{
    struct gk_profile *p = &st->p;
    const void *ctx[2] = {st, &s->thread_id};
    uint64_t h = pl_hash_mix(0x5448, s->thread_id);
    uint32_t i;
    int rc;

    if (st->last && st->last->thread_id == s->thread_id) {
        *out = st->last;
        return 0;
    }
    if (pl_idxtab_find(&p->thread_idx, h, th_eq, ctx, &i)) {
        *out = st->last = p->threads[i];
        return 0;
    }
    *out = NULL;
    if (!create)
        return 0;
    if ((rc = pl_grow((void **)&p->threads, &p->threads_cap, p->n_threads + 1, sizeof *p->threads)))
        return rc;
    /* The OS thread id is what a user matches with top or gdb; Python's
     * own identifier stands in when the host does not know it. */
    if ((rc = gk_thread_new(s->thread_id, s->native_thread_id ? s->native_thread_id : s->thread_id, out)))
        return rc;
    if ((rc = pl_idxtab_insert(&p->thread_idx, h, (uint32_t)p->n_threads))) {
        gk_thread_free(*out);
        *out = NULL;
        return rc;
    }
    p->threads[p->n_threads++] = *out;
    st->last = *out;
    return 0;
}

/* Is a <GC> frame on the stack (the collector running in this thread)? */
static int stack_in_gc(struct state *st, const tachyon_sample *s)
{
    for (uint32_t i = 0; i < s->depth; i++) {
        tachyon_frame_id id = s->frames[i];
        if (id >= st->gc_cap || !st->gc_of_id[id]) {
            const tachyon_frame *f = st->p.host->frame(st->p.host, id);
            if (pl_grow((void **)&st->gc_of_id, &st->gc_cap, (size_t)id + 1, 1))
                return f && f->kind == TACHYON_FRAME_GC;
            st->gc_of_id[id] = f && f->kind == TACHYON_FRAME_GC ? 2 : 1;
        }
        if (st->gc_of_id[id] == 2)
            return 1;
    }
    return 0;
}

static int gk_on_sample(void *state, const tachyon_sample *s)
{
    struct state *st = state;
    struct gk_profile *p = &st->p;
    struct gk_thread *t;
    uint64_t t_us = (s->timestamp_ns + 500) / 1000;
    int rc, has_frames = s->depth > 0 && s->frames;

    /* A thread seen only without Python frames (starting or exiting) gets
     * no track: it would be empty. */
    if ((rc = thread_of(st, s, has_frames, &t)) || !t)
        return rc;
    if (!p->ticks || s->timestamp_ns != st->last_tick_ns) {
        if (!p->ticks)
            p->first_tick_us = t_us;
        p->ticks++;
        st->last_tick_ns = s->timestamp_ns;
        if (t_us > p->last_tick_us)
            p->last_tick_us = t_us;
    }
    if (t_us > p->last_us)
        p->last_us = t_us;
    if (s->status & TACHYON_THREAD_MAIN)
        t->is_main = 1;
    if ((rc = gk_markers_status(&t->markers, &p->strings, s->status, has_frames && stack_in_gc(st, s), t_us)))
        return rc;
    if (!has_frames)
        return 0;
    if ((rc = gk_thread_sample(t, &p->ctx, s, t_us)))
        return rc;
    if (p->opcodes)
        rc = gk_markers_leaf(&t->markers, &p->strings, p->host, s->frames[0], t_us);
    return rc;
}

static const char *const spin_glyphs[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

static void spin(void *arg)
{
    struct state *st = arg;
    fprintf(stderr, "\r%s Building Gecko profile...", spin_glyphs[st->spin++ % 10]);
    fflush(stderr);
}

static int gk_finish(void *state, const tachyon_finish_info *info)
{
    struct state *st = state;
    struct gk_profile *p = &st->p;
    const tachyon_host *host = p->host;
    struct gk_writer *w;
    int rc = 0;
    (void)info;     /* the profile is the same however the session ended */

    for (size_t i = 0; i < p->n_threads && !rc; i++)
        rc = gk_markers_close(&p->threads[i]->markers, &p->strings, host, p->last_us);
    if (rc)
        return rc;
    w = calloc(1, sizeof *w);
    if (!w)
        return TACHYON_ERR_NOMEM;
    w->host = host;
    st->spinner = isatty(STDERR_FILENO);
    if (st->spinner) {
        p->progress = spin;
        p->progress_arg = st;
        spin(st);
    }
    rc = host->output_open(host, NULL, &w->out);
    if (!rc)
        rc = gk_document_write(p, w);
    if (w->out) {
        int crc = host->output_close(w->out, rc == 0);
        if (!rc)
            rc = crc;
    }
    if (st->spinner) {
        fprintf(stderr, "\r%28s\r", "");
        fflush(stderr);
    }
    free(w);
    if (rc) {
        host->log(host, TACHYON_LOG_ERROR, "could not write the Gecko profile (error %d)", rc);
        return rc;
    }
    /* Upstream's closing lines, on standard output like its own, unless
     * the profile itself went there (-o -). */
    const char *path = host->session->output_path;
    if (path && strcmp(path, TACHYON_OUTPUT_STDOUT) != 0) {
        printf("Gecko profile written to %s\nOpen in Firefox Profiler: https://profiler.firefox.com/\n",
               path);
        fflush(stdout);
    }
    return 0;
}

static void gk_destroy(void *state)
{
    struct state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->p.n_threads; i++)
        gk_thread_free(st->p.threads[i]);
    free(st->p.threads);
    pl_idxtab_free(&st->p.thread_idx);
    gk_strings_free(&st->p.strings);
    free(st->gc_of_id);
    free(st);
}

static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "gecko",
    .version = "1.0.0",
    .summary = "Firefox Profiler profile with thread-state markers",
    .formats = formats,
    .format_count = sizeof(formats) / sizeof(formats[0]),
    .option_count = 0,
    .options = NULL,
    .create = gk_create,
    .on_sample = gk_on_sample,
    .tick = NULL,
    .finish = gk_finish,
    .destroy = gk_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &plugin;
}
