/* Test-only plugin: writes each kept sample as a JSON line,
 *   {"status": S, "weight": W, "frames": [[kind, file, func, line,
 *     opcode, opname, base_opcode, base_name], ...]}
 * innermost frame first, so tests can check status bits, synthetic frames
 * and opcodes without depending on a real format's layout. */
#include <stdint.h>
#include <string.h>

#include <tachyon/plugin.h>

struct state {
    const tachyon_host *host;
    tachyon_output *out;
    int failed;
};

static struct state the_state;

static void put_string(struct state *st, tachyon_str_id id)
{
    size_t len = 0, i;
    const char *s = id ? st->host->string(st->host, id, &len) : NULL;
    if (!s) {
        st->host->output_printf(st->out, "null");
        return;
    }
    st->host->output_write(st->out, "\"", 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            st->host->output_printf(st->out, "\\%c", c);
        else if (c < 0x20)
            st->host->output_printf(st->out, "\\u%04x", c);
        else
            st->host->output_write(st->out, &s[i], 1);
    }
    st->host->output_write(st->out, "\"", 1);
}

static int create(const tachyon_host *host, const char *format, void **state)
{
    struct state *st = &the_state;
    int rc;
    (void)format;
    memset(st, 0, sizeof *st);
    st->host = host;
    rc = host->output_open(host, NULL, &st->out);
    if (rc)
        return rc;
    *state = st;
    return 0;
}

static int on_sample(void *state, const tachyon_sample *s)
{
    struct state *st = state;
    uint32_t i;

    st->host->output_printf(st->out, "{\"status\": %u, \"weight\": %u, \"frames\": [", s->status, s->weight);
    for (i = 0; i < s->depth; i++) {
        const tachyon_frame *f = st->host->frame(st->host, s->frames[i]);
        if (!f)
            return TACHYON_ERR_INVALID;
        st->host->output_printf(st->out, "%s[%u, ", i ? ", " : "", f->kind);
        put_string(st, f->filename);
        st->host->output_printf(st->out, ", ");
        put_string(st, f->funcname);
        st->host->output_printf(st->out, ", %d, %d, ", f->line, f->opcode);
        put_string(st, f->opcode_name);
        st->host->output_printf(st->out, ", %d, ", f->base_opcode);
        put_string(st, f->base_opcode_name);
        st->host->output_printf(st->out, "]");
    }
    return st->host->output_printf(st->out, "]}\n") < 0 ? TACHYON_ERR_IO : 0;
}

static int finish(void *state, const tachyon_finish_info *info)
{
    struct state *st = state;
    int rc;
    (void)info;
    rc = st->host->output_close(st->out, 1);
    st->out = NULL;
    return rc;
}

static void destroy(void *state)
{
    struct state *st = state;
    if (st->out)
        st->host->output_close(st->out, 0);
}

/* modes-all records every status itself, as gecko does: --mode is refused
 * with it and the host reads the on-CPU state for it. */
static const tachyon_format formats[] = {
    { sizeof(tachyon_format), TACHYON_FORMAT_OPCODES, "modes-dump",
      "every sample as a JSON line (tests only)", "modes-{pid}.jsonl" },
    { sizeof(tachyon_format), TACHYON_FORMAT_OPCODES | TACHYON_FORMAT_NO_MODE, "modes-all",
      "every sample as a JSON line, all statuses (tests only)", "modes-{pid}.jsonl" },
};

static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "modes_dump",
    .version = "1",
    .summary = "test-only sample dump",
    .formats = formats,
    .format_count = 2,
    .create = create,
    .on_sample = on_sample,
    .finish = finish,
    .destroy = destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &plugin;
}
