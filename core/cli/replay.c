/* `tachyon replay FILE`: read a binary profile (tachyon's or upstream's)
 * and feed its samples to the selected output plugin through the same
 * session API a live profile uses, with the recorded timestamps, thread
 * ids, status bits and opcodes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../intern/intern.h"
#include "../plugin/session.h"
#include "../replay/replay.h"
#include "../sampler/signals.h"
#include "cli.h"
#include "profile_priv.h"

struct replay {
    struct replay_file *rf;
    const struct bin_profile *bp;
    struct interner *interner;
    struct plugin_session *plugin;
    tachyon_session session;
    tachyon_stats stats;
    char *output_path;
    char command_line[1024];
    uint64_t done;
    int progress;                /* draw the bar (stderr is a terminal) */
    uint64_t next_bar;
};

/* n with thousands separators, as upstream's bar prints counts. */
static const char *grouped(uint64_t n, char *buf, size_t len)
{
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n), i, o = 0;
    for (i = 0; i < nd && (size_t)o + 2 < len; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static void draw_bar(struct replay *r)
{
    char done[32], total_s[32];
    uint64_t total = r->bp->sample_count ? r->bp->sample_count : 1;
    unsigned filled = (unsigned)(40 * r->done / total), i;
    char bar[40 * 3 + 1];
    size_t n = 0;
    for (i = 0; i < 40; i++) {
        const char *c = i < filled ? "\xe2\x96\x88" : "\xe2\x96\x91";
        memcpy(bar + n, c, 3);
        n += 3;
    }
    bar[n] = '\0';
    fprintf(stderr, "\r  [%s] %5.1f%% (%s/%s)", bar, 100.0 * (double)r->done / (double)total,
            grouped(r->done, done, sizeof done), grouped(r->bp->sample_count, total_s, sizeof total_s));
    fflush(stderr);
}

static int on_sample(void *ctx, const tachyon_sample *s)
{
    struct replay *r = ctx;
    r->done++;
    r->stats.samples++;
    r->stats.duration_ns = s->timestamp_ns;
    if (r->progress && r->done >= r->next_bar) {
        draw_bar(r);
        r->next_bar = r->done + (r->bp->sample_count / 200 > 1000 ? r->bp->sample_count / 200 : 1000);
    }
    if (signals_stop_requested())
        return diag_set(ERR_INTERRUPTED, "replay interrupted");
    return plugin_session_sample(r->plugin, s);
}

/* The recorded run's statistics, from the trailer when the file has one. */
static void fill_stats(struct replay *r)
{
    const struct bin_profile *bp = r->bp;
    tachyon_stats *st = &r->stats;
    if (!bp->has_stats)
        return;
    st->duration_ns = (uint64_t)(bp->duration_s * 1e9);
    st->attempts = (uint64_t)llround(bp->sample_rate * bp->duration_s);
    st->failures = (uint64_t)llround((double)st->attempts * bp->error_rate / 100.0);
    st->successes = st->attempts - (st->failures < st->attempts ? st->failures : st->attempts);
    st->expected = st->attempts;
    if (bp->has_missed && bp->missed_pct < 100) {
        st->expected = (uint64_t)llround((double)st->attempts / (1.0 - bp->missed_pct / 100.0));
        st->missed = st->expected - st->attempts;
    }
}

static void release(struct replay *r)
{
    if (r->plugin)
        plugin_session_destroy(r->plugin);
    replay_file_close(r->rf);
    if (r->interner)
        interner_destroy(r->interner);
    free(r->output_path);
}

int cli_replay(struct cli_opts *o, const struct plugin_registry *reg)
{
    struct replay r;
    struct plugin_session_config pc;
    tachyon_finish_info fin;
    const tachyon_format *fmt = NULL;
    const struct plugin_entry *entry;
    const char *input = o->target_argv[0];
    FILE *out = stdout;
    int rc, exit_code = EXIT_FAIL;

    memset(&r, 0, sizeof r);
    signals_install();
    entry = registry_find_format(reg, o->s.format, &fmt);
    if (!entry)
        return EXIT_FAIL;
    rc = interner_create(&r.interner);
    if (!rc)
        rc = replay_file_open(input, r.interner, &r.rf);
    if (!rc)
        rc = profile_output_path(o, fmt, getpid(), &r.output_path);
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    r.bp = replay_file_profile(r.rf);
    replay_file_facts(r.rf, &r.session);
    r.session.struct_size = sizeof r.session;
    r.session.pid = getpid();
    r.session.format = o->s.format;
    r.session.output_path = r.output_path;
    snprintf(r.command_line, sizeof r.command_line, "replay %s", input);
    r.session.command_line = r.command_line;
    r.stats.struct_size = sizeof r.stats;
    memset(&pc, 0, sizeof pc);
    pc.entry = entry;
    pc.format = fmt;
    pc.session = &r.session;
    pc.interner = r.interner;
    pc.settings = &o->s;
    pc.stats = &r.stats;
    rc = plugin_session_create(&pc, &r.plugin);
    if (rc) {
        if (rc != ERR_PLUGIN)
            fprintf(stderr, "Error: %s\n", diag_message());
        exit_code = rc == ERR_USAGE ? EXIT_USAGE : EXIT_FAIL;
        goto out;
    }
    out = profile_report_stream(fmt, r.output_path);
    fprintf(out, "Replaying %u samples from %s\n  Sample interval: %llu us\n  Compression: %s\n",
            r.bp->sample_count, input, (unsigned long long)r.bp->interval_us,
            r.bp->compression == BIN_COMPRESSION_ZSTD ? "zstd" : "none");
    if (r.bp->unfinished)
        fprintf(stderr, "Warning: %s was not finalized (the recording was killed): replaying the %u samples "
                        "of its last checkpoint\n", input, r.bp->sample_count);
    fflush(out);
    r.progress = isatty(STDERR_FILENO) && r.bp->sample_count >= 10000;
    rc = replay_file_run(r.rf, on_sample, &r);
    if (r.progress) {
        draw_bar(&r);
        fputc('\n', stderr);
    }
    if (rc) {
        /* A plugin failure was reported by the session in its own words. */
        if (rc != ERR_PLUGIN)
            fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    fill_stats(&r);
    memset(&fin, 0, sizeof fin);
    fin.struct_size = sizeof fin;
    fin.stats = &r.stats;
    rc = plugin_session_finish(r.plugin, &fin);
    if (rc == 0 && !plugin_session_failed(r.plugin))
        profile_report_output(o, fmt, r.output_path);
    fprintf(out, "Replayed %u samples\n", r.bp->sample_count);
    exit_code = (rc || plugin_session_failed(r.plugin)) ? EXIT_FAIL : 0;
out:
    release(&r);
    return exit_code;
}
