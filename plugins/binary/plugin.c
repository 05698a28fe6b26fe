/* The binary output plugin (`--binary`): streams every sample to disk in
 * the sample-log format of CPython 3.15's profiling.sampling, so the file
 * can be replayed into any format later, by tachyon or by upstream.
 *
 * Memory stays flat however long the recording: the encoded records are
 * written (compressed with zstd unless told otherwise) at every
 * checkpoint, about once a second or every megabyte; what grows is only
 * the string and frame tables, which are as large as the code seen. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tachyon/plugin.h>

#include "bw_file.h"
#include "bw_stream.h"
#include "bw_tables.h"

#define CHECKPOINT_BYTES (1u << 20)
#define CHECKPOINT_US 1000000ull
#define MAX_SAMPLES 0xffffffffull

struct binary_state {
    const tachyon_host *host;
    struct bw_tables tables;
    struct bw_stream stream;
    struct bw_file *file;
    struct bw_header header;
    uint32_t *scratch;
    size_t scratch_cap;
    uint64_t last_checkpoint_us;
    int full;                 /* the format's sample limit was reached */
    int failed;
};

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000ull;
}

/* Bits 0-2 mode + 1, bit 3 "features known", bits 4-8 the features. */
static uint32_t config_word(const tachyon_session *s)
{
    uint32_t features = 0;
    if (s->flags & TACHYON_SESSION_ALL_THREADS)
        features |= 1;
    if (s->flags & TACHYON_SESSION_NATIVE)
        features |= 2;
    if (s->flags & TACHYON_SESSION_GC)
        features |= 4;
    if (s->flags & TACHYON_SESSION_OPCODES)
        features |= 8;
    return (s->mode <= TACHYON_MODE_EXCEPTION ? s->mode + 1 : 0) | (1u << 3) | features << 4;
}

static void fill_stats(struct bw_stats *out, const tachyon_stats *st)
{
    double secs = st ? (double)st->duration_ns / 1e9 : 0;
    memset(out, 0, sizeof *out);
    if (!st)
        return;
    out->duration_s = secs;
    out->sample_rate = secs > 0 ? (double)st->attempts / secs : 0;
    out->error_rate = st->attempts ? 100.0 * (double)st->failures / (double)st->attempts : 0;
    out->missed_pct = st->expected ? 100.0 * (double)st->missed / (double)st->expected : 0;
}

static int checkpoint(struct binary_state *st, const tachyon_stats *stats, int final)
{
    struct bw_stats bs;
    int rc = bw_stream_flush_repeats(&st->stream);
    if (rc)
        return rc;
    fill_stats(&bs, stats);
    st->header.samples = st->stream.samples;
    st->header.threads = (uint32_t)st->stream.n_threads;
    st->header.n_strings = st->tables.n_strings;
    st->header.n_frames = st->tables.n_frames;
    rc = bw_file_checkpoint(st->file, &st->stream.raw, &st->tables.strings, &st->tables.frames, &st->header, &bs,
                            final);
    if (rc) {
        st->host->log(st->host, TACHYON_LOG_ERROR, "cannot write %s: the disk may be full or the file gone",
                      st->host->session->output_path);
        return rc;
    }
    st->stream.raw.len = 0;
    return 0;
}

static int binary_create(const tachyon_host *host, const char *format, void **state)
{
    const tachyon_session *s = host->session;
    const char *comp = host->option(host, "compression");
    struct binary_state *st;
    int rc;
    (void)format;

    if (!s->output_path) {
        host->log(host, TACHYON_LOG_ERROR,
                  "the binary format is written to a file, not to standard output: give -o FILE");
        return TACHYON_ERR_INVALID;
    }
    st = calloc(1, sizeof *st);
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    bw_tables_init(&st->tables, host);
    st->header.hexversion = s->python_hexversion;
    st->header.start_us = monotonic_us();
    st->header.interval_us = s->interval_us;
    st->header.config = config_word(s);
    st->last_checkpoint_us = st->header.start_us;
    bw_stream_init(&st->stream, st->header.start_us);
    /* auto means zstd: libzstd is always linked in. */
    rc = bw_file_open(s->output_path, !(comp && strcmp(comp, "none") == 0), &st->file);
    if (rc) {
        host->log(host, TACHYON_LOG_ERROR, "cannot create %s", s->output_path);
        free(st);
        return rc;
    }
    *state = st;
    return 0;
}

static int add_one(struct binary_state *st, const tachyon_sample *smp, uint64_t ts_us)
{
    struct bw_sample b;
    if (st->stream.samples >= MAX_SAMPLES) {
        if (!st->full)
            st->host->log(st->host, TACHYON_LOG_WARNING,
                          "too many samples for binary format; keeping the data collected so far");
        st->full = 1;
        return 0;
    }
    b.tid = smp->native_thread_id ? smp->native_thread_id : smp->thread_id;
    b.iid = smp->interpreter_id;
    b.status = (uint8_t)smp->status;
    b.ts_us = ts_us;
    b.frames = st->scratch;
    b.depth = smp->depth;
    return bw_stream_add(&st->stream, &b);
}

static int binary_on_sample(void *state, const tachyon_sample *smp)
{
    struct binary_state *st = state;
    uint64_t ts_us = st->header.start_us + smp->timestamp_ns / 1000ull;
    uint32_t i, w = smp->weight ? smp->weight : 1;
    int rc = 0;

    if (smp->depth > st->scratch_cap) {
        uint32_t *grown = realloc(st->scratch, (size_t)smp->depth * sizeof *grown);
        if (!grown)
            return TACHYON_ERR_NOMEM;
        st->scratch = grown;
        st->scratch_cap = smp->depth;
    }
    for (i = 0; i < smp->depth && !rc; i++)
        rc = bw_frame_index(&st->tables, smp->frames[i], &st->scratch[i]);
    /* A merged sample stands for `weight` observations one interval
     * apart: the file has one entry per observation, as upstream's. */
    for (i = 0; i < w && !rc; i++)
        rc = add_one(st, smp, ts_us + (uint64_t)i * st->header.interval_us);
    if (!rc && (st->stream.raw.len >= CHECKPOINT_BYTES || ts_us - st->last_checkpoint_us >= CHECKPOINT_US)) {
        st->last_checkpoint_us = ts_us;
        rc = checkpoint(st, st->host->stats(st->host), 0);
    }
    return rc;
}

/* An idle target sends few samples: checkpoint on the clock as well. */
static int binary_tick(void *state, uint64_t now_ns)
{
    struct binary_state *st = state;
    uint64_t now_us = st->header.start_us + now_ns / 1000ull;
    if (now_us - st->last_checkpoint_us < CHECKPOINT_US)
        return 0;
    st->last_checkpoint_us = now_us;
    return checkpoint(st, st->host->stats(st->host), 0);
}

static int binary_finish(void *state, const tachyon_finish_info *info)
{
    struct binary_state *st = state;
    int rc = checkpoint(st, info ? info->stats : NULL, 1);
    if (!rc)
        st->host->log(st->host, TACHYON_LOG_INFO, "Binary profile written to %s (%llu samples)",
                      st->host->session->output_path, (unsigned long long)st->stream.samples);
    return rc;
}

static void binary_destroy(void *state)
{
    struct binary_state *st = state;
    if (!st)
        return;
    bw_file_close(st->file);
    bw_stream_free(&st->stream);
    bw_tables_free(&st->tables);
    free(st->scratch);
    free(st);
}

static const tachyon_format formats[] = {
    {
        .struct_size = sizeof(tachyon_format),
        .flags = TACHYON_FORMAT_OPCODES,
        .name = "binary",
        .description = "Compact sample log (CPython 3.15 --binary format) for `tachyon replay`",
        .default_output = "binary_{pid}.bin",
    },
};

static const tachyon_option options[] = {
    {
        .struct_size = sizeof(tachyon_option),
        .type = TACHYON_OPT_CHOICE,
        .name = "compression",
        .default_value = "auto",
        .help = "compression of the sample stream: auto (zstd), zstd or none",
        .choices = "auto|zstd|none",
    },
};

static const tachyon_plugin descriptor = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "binary",
    .version = "1.0.0",
    .summary = "Binary sample log, replayable into every format (upstream-compatible)",
    .formats = formats,
    .format_count = sizeof formats / sizeof formats[0],
    .option_count = sizeof options / sizeof options[0],
    .options = options,
    .create = binary_create,
    .on_sample = binary_on_sample,
    .tick = binary_tick,
    .tick_interval_ms = 250,
    .finish = binary_finish,
    .destroy = binary_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &descriptor;
}
