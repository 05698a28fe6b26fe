/* A test plugin written only against the public SDK, like a third-party
 * one: it prints the session facts and every sample exactly as it receives
 * them (thread ids, status bits, timestamps, frames with their kind,
 * location and opcodes), so a test can check that `tachyon replay` hands a
 * plugin the same thing a live session did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

struct dump {
    const tachyon_host *host;
    tachyon_output *out;
};

static const char *str(const tachyon_host *h, tachyon_str_id id)
{
    const char *s = id ? h->string(h, id, NULL) : NULL;
    return s ? s : "-";
}

static int dump_create(const tachyon_host *host, const char *format, void **state)
{
    struct dump *d = calloc(1, sizeof *d);
    const tachyon_session *s = host->session;
    int rc;
    (void)format;
    if (!d)
        return TACHYON_ERR_NOMEM;
    d->host = host;
    rc = host->output_open(host, NULL, &d->out);
    if (!rc)
        rc = host->output_printf(d->out, "session mode=%u interval=%llu flags=%#x python=%s hex=%#x\n", s->mode,
                                 (unsigned long long)s->interval_us, s->flags,
                                 s->python_version ? s->python_version : "-", s->python_hexversion);
    if (rc) {
        if (d->out)
            host->output_close(d->out, 0);
        free(d);
        return rc;
    }
    *state = d;
    return 0;
}

static int dump_sample(void *state, const tachyon_sample *s)
{
    struct dump *d = state;
    const tachyon_host *h = d->host;
    uint64_t tid = s->native_thread_id ? s->native_thread_id : s->thread_id;
    uint32_t i, w = s->weight ? s->weight : 1;
    int rc = 0;
    /* One line per observation: a merged sample stands for `weight`. */
    for (uint32_t k = 0; k < w && !rc; k++) {
        rc = h->output_printf(d->out, "tid=%llu iid=%u status=%#x t=%llu depth=%u",
                              (unsigned long long)tid, s->interpreter_id, s->status,
                              (unsigned long long)s->timestamp_ns + (uint64_t)k * h->session->interval_us * 1000,
                              s->depth);
        for (i = 0; i < s->depth && !rc; i++) {
            const tachyon_frame *f = h->frame(h, s->frames[i]);
            if (!f)
                return TACHYON_ERR_INVALID;
            rc = h->output_printf(d->out, " | k%u %s:%s:%d-%d:%d-%d op=%d/%d %s/%s", f->kind, str(h, f->filename),
                                  str(h, f->funcname), f->line, f->end_line, f->column, f->end_column, f->opcode,
                                  f->base_opcode, str(h, f->opcode_name), str(h, f->base_opcode_name));
        }
        if (!rc)
            rc = h->output_printf(d->out, "\n");
    }
    return rc;
}

static int dump_finish(void *state, const tachyon_finish_info *info)
{
    struct dump *d = state;
    (void)info;
    int rc = d->host->output_close(d->out, 1);
    d->out = NULL;
    return rc;
}

static void dump_destroy(void *state)
{
    struct dump *d = state;
    if (d && d->out)
        d->host->output_close(d->out, 0);
    free(d);
}

static const tachyon_format formats[] = {
    { sizeof(tachyon_format), TACHYON_FORMAT_OPCODES, "sampledump", "every sample as text (tests)", "dump_{pid}.txt" },
};

static const tachyon_plugin descriptor = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "sampledump",
    .version = "1.0.0",
    .summary = "test plugin: prints every sample",
    .formats = formats,
    .format_count = 1,
    .create = dump_create,
    .on_sample = dump_sample,
    .finish = dump_finish,
    .destroy = dump_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &descriptor;
}
