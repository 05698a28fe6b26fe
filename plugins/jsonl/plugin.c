/* The JSONL output plugin (`--jsonl`): upstream 3.15.2's record stream for
 * programs (schema version 0): a meta record, the string and frame tables,
 * per-frame aggregates and an end record, one compact JSON object a line.
 * Records are written one by one through the host output. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tachyon/plugin.h>

#include "announce.h"
#include "buf.h"
#include "jl_frames.h"
#include "jl_json.h"

#define CHUNK 256

struct jsonl_state {
    const tachyon_host *host;
    struct jl_frames frames;
    char run_id[33];
};

/* A random (version 4) UUID as 32 hex digits, like uuid.uuid4().hex. */
static void make_run_id(char out[33])
{
    uint8_t r[16];
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), i;
    if (fd >= 0) {
        ssize_t n = read(fd, r, sizeof r);
        got = n > 0 ? (size_t)n : 0;
        close(fd);
    }
    if (got < sizeof r) {
        struct timespec ts;
        uint64_t x;
        clock_gettime(CLOCK_REALTIME, &ts);
        x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() << 32;
        for (i = 0; i < 16; i++) {
            x ^= x >> 33;
            x *= 0xff51afd7ed558ccdull;
            r[i] = (uint8_t)(x >> 56);
        }
    }
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    for (i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static const char *mode_name(uint32_t mode)
{
    switch (mode) {
    case TACHYON_MODE_WALL: return "wall";
    case TACHYON_MODE_CPU: return "cpu";
    case TACHYON_MODE_GIL: return "gil";
    case TACHYON_MODE_ALL: return "all";
    case TACHYON_MODE_EXCEPTION: return "exception";
    default: return NULL;
    }
}

static int jsonl_create(const tachyon_host *host, const char *format, void **state)
{
    struct jsonl_state *st = calloc(1, sizeof *st);
    (void)format;
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    jl_frames_init(&st->frames, host);
    make_run_id(st->run_id);
    *state = st;
    return 0;
}

static int jsonl_on_sample(void *state, const tachyon_sample *s)
{
    struct jsonl_state *st = state;
    return jl_frames_add_sample(&st->frames, s);
}

static int begin(struct jsonl_state *st, struct pl_buf *b, const char *type)
{
    b->len = 0;
    return pl_buf_printf(b, "{\"type\":\"%s\",\"v\":0,\"run_id\":\"%s\"", type, st->run_id);
}

static int emit(struct jsonl_state *st, tachyon_output *out, struct pl_buf *b)
{
    int rc = pl_buf_put(b, "}\n", 2);
    return rc ? rc : st->host->output_write(out, b->data, b->len);
}

/* One table entry (index j, the first of its chunk when j == first). */
typedef int (*entry_fn)(struct jsonl_state *st, struct pl_buf *b, size_t j, size_t first);

/* Writes n entries as records of kind, CHUNK entries each, as upstream does:
 * the record header, head (the fields before the entries, opening the
 * array), the entries, then the closing bracket. */
static int write_chunked(struct jsonl_state *st, tachyon_output *out, struct pl_buf *b, size_t n,
                         const char *kind, const char *head, entry_fn entry)
{
    size_t i, j;
    int rc = 0;
    for (i = 0; i < n && !rc; i += CHUNK) {
        rc = begin(st, b, kind);
        if (!rc)
            rc = pl_buf_put(b, head, strlen(head));
        for (j = i; j < n && j < i + CHUNK && !rc; j++)
            rc = entry(st, b, j, i);
        if (!rc)
            rc = pl_buf_byte(b, ']');
        if (!rc)
            rc = emit(st, out, b);
    }
    return rc;
}

static int string_entry(struct jsonl_state *st, struct pl_buf *b, size_t j, size_t first)
{
    size_t len = 0;
    const char *text = st->host->string(st->host, st->frames.strings[j], &len);
    int rc = pl_buf_printf(b, "%s{\"str_id\":%zu,\"value\":", j > first ? "," : "", j);
    if (!rc)
        rc = jl_put_string(b, text ? text : "", text ? len : 0);
    return rc ? rc : pl_buf_byte(b, '}');
}

static int frame_entry(struct jsonl_state *st, struct pl_buf *b, size_t j, size_t first)
{
    const struct jl_frame *fr = &st->frames.frames[j];
    int rc = pl_buf_printf(b, "%s{\"frame_id\":%zu,\"path_str_id\":%u,\"func_str_id\":%u,\"line\":%d",
                           j > first ? "," : "", j, fr->path, fr->func, fr->line);
    /* As upstream: end_line only when positive, columns when known. */
    if (!rc && fr->end_line > 0)
        rc = pl_buf_printf(b, ",\"end_line\":%d", fr->end_line);
    if (!rc && fr->col >= 0)
        rc = pl_buf_printf(b, ",\"col\":%d", fr->col);
    if (!rc && fr->end_col >= 0)
        rc = pl_buf_printf(b, ",\"end_col\":%d", fr->end_col);
    return rc ? rc : pl_buf_byte(b, '}');
}

static int agg_entry(struct jsonl_state *st, struct pl_buf *b, size_t j, size_t first)
{
    const struct jl_frame *fr = &st->frames.frames[j];
    return pl_buf_printf(b, "%s{\"frame_id\":%zu,\"self\":%llu,\"cumulative\":%llu}", j > first ? "," : "", j,
                         (unsigned long long)fr->self, (unsigned long long)fr->cumulative);
}

static int write_strings(struct jsonl_state *st, tachyon_output *out, struct pl_buf *b)
{
    return write_chunked(st, out, b, st->frames.n_strings, "string_table", ",\"strings\":[", string_entry);
}

static int write_frames(struct jsonl_state *st, tachyon_output *out, struct pl_buf *b)
{
    return write_chunked(st, out, b, st->frames.n_frames, "frame_table", ",\"frames\":[", frame_entry);
}

static int write_aggregates(struct jsonl_state *st, tachyon_output *out, struct pl_buf *b)
{
    char head[128];
    int n = snprintf(head, sizeof head,
                     ",\"kind\":\"frame\",\"scope\":\"final\",\"samples_total\":%llu,\"entries\":[",
                     (unsigned long long)st->frames.samples_total);
    if (n < 0 || (size_t)n >= sizeof head)
        return TACHYON_ERR_GENERIC;
    return write_chunked(st, out, b, st->frames.n_frames, "agg", head, agg_entry);
}

static int jsonl_finish(void *state, const tachyon_finish_info *info)
{
    struct jsonl_state *st = state;
    const tachyon_host *host = st->host;
    const char *mode = mode_name(host->session->mode);
    tachyon_output *out = NULL;
    struct pl_buf b = { 0 };
    int rc;
    (void)info;

    rc = host->output_open(host, NULL, &out);
    if (!rc)
        rc = begin(st, &b, "meta");
    if (!rc)
        rc = pl_buf_printf(&b, ",\"sample_interval_usec\":%llu", (unsigned long long)host->session->interval_us);
    if (!rc && mode)
        rc = pl_buf_printf(&b, ",\"mode\":\"%s\"", mode);
    if (!rc)
        rc = emit(st, out, &b);
    if (!rc)
        rc = write_strings(st, out, &b);
    if (!rc)
        rc = write_frames(st, out, &b);
    if (!rc)
        rc = write_aggregates(st, out, &b);
    if (!rc)
        rc = begin(st, &b, "end");
    if (!rc)
        rc = pl_buf_printf(&b, ",\"samples_total\":%llu", (unsigned long long)st->frames.samples_total);
    if (!rc)
        rc = emit(st, out, &b);
    if (out) {
        int crc = host->output_close(out, rc == 0);
        if (!rc)
            rc = crc;
    }
    if (!rc && host->session->output_path)
        rc = pl_announce(host, "JSONL profile written to %s", host->session->output_path);
    pl_buf_free(&b);
    return rc;
}

static void jsonl_destroy(void *state)
{
    struct jsonl_state *st = state;
    if (!st)
        return;
    jl_frames_free(&st->frames);
    free(st);
}

static const tachyon_format formats[] = {
    {
        .struct_size = sizeof(tachyon_format),
        .flags = TACHYON_FORMAT_ANNOUNCES,
        .name = "jsonl",
        .description = "JSON Lines records (string and frame tables, per-frame aggregates) for programs",
        .default_output = "jsonl_{pid}.jsonl",
    },
};

static const tachyon_plugin descriptor = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "jsonl",
    .version = "1.0.0",
    .summary = "JSONL records in upstream 3.15's schema (version 0)",
    .formats = formats,
    .format_count = sizeof formats / sizeof formats[0],
    .create = jsonl_create,
    .on_sample = jsonl_on_sample,
    .finish = jsonl_finish,
    .destroy = jsonl_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &descriptor;
}
