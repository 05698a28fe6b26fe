/* `tachyon replay FILE`: read a binary profile (tachyon's or upstream's)
 * and feed its samples to the selected output plugin through the same
 * session API a live profile uses, with the recorded timestamps, thread
 * ids, status bits and opcodes. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../intern/intern.h"
#include "../opcodes/opcodes.h"
#include "../plugin/session.h"
#include "../replay/binprofile.h"
#include "../sampler/signals.h"
#include "cli.h"
#include "profile_priv.h"

/* Files larger than this are refused rather than read into memory. */
#define MAX_INPUT (16ull << 30)

struct replay {
    uint8_t *file;
    size_t file_len;
    struct bin_profile bp;
    int bp_open;
    struct interner *interner;
    uint32_t *frame_map;         /* file frame index -> interned id, 0 = hidden */
    tachyon_frame_id *scratch;
    struct plugin_session *plugin;
    tachyon_session session;
    tachyon_stats stats;
    char *output_path;
    char command_line[1024];
    char version[32];
    uint64_t done;
    int progress;                /* draw the bar (stderr is a terminal) */
    uint64_t next_bar;
};

static int read_input(const char *path, uint8_t **out, size_t *len)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return diag_set(ERR_IO, "Input file not found: %s", path);
        return diag_set(ERR_IO, "Could not read input file %s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        rc = diag_set(ERR_IO, "Could not read input file %s: %s", path,
                      S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
        goto out;
    }
    if ((unsigned long long)st.st_size > MAX_INPUT) {
        rc = diag_set(ERR_IO, "Input file %s is too large to replay (%lld bytes)", path, (long long)st.st_size);
        goto out;
    }
    buf = malloc((size_t)st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        rc = diag_set(ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = diag_set(ERR_IO, "Could not read input file %s: %s", path, n ? strerror(errno) : "short read");
            goto out;
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

/* Upstream's `run` executes the target inside its own coordinator module;
 * its frames are in the recording but are not the user's code, and every
 * output of upstream's replay leaves them out. */
static int is_internal_file(const char *file, size_t len)
{
    static const char suffix[] = "profiling/sampling/_sync_coordinator.py";
    size_t sl = sizeof suffix - 1;
    return len >= sl && memcmp(file + len - sl, suffix, sl) == 0;
}

static int intern_bytes(struct replay *r, uint32_t idx, uint32_t *id)
{
    size_t len;
    const char *s = bin_profile_string(&r->bp, idx, &len);
    return intern_string(r->interner, s, len, id);
}

static uint32_t hexversion_of(const struct bin_profile *bp)
{
    return (uint32_t)bp->py_major << 24 | (uint32_t)bp->py_minor << 16 | (uint32_t)bp->py_micro << 8 | 0xf0;
}

static int intern_opcode(struct replay *r, int opcode, tachyon_frame *f)
{
    struct opcode_info info;
    char name[32];
    int rc;

    f->opcode = opcode;
    if (opcode_lookup(hexversion_of(&r->bp), opcode, &info) == 0) {
        f->base_opcode = info.base_opcode;
        rc = intern_cstring(r->interner, info.name, &f->opcode_name);
        return rc ? rc : intern_cstring(r->interner, info.base_name, &f->base_opcode_name);
    }
    /* A Python version we have no table for: keep the number. */
    diag_clear();
    snprintf(name, sizeof name, "<%d>", opcode);
    f->base_opcode = opcode;
    rc = intern_cstring(r->interner, name, &f->opcode_name);
    f->base_opcode_name = f->opcode_name;
    return rc;
}

static int build_frames(struct replay *r)
{
    uint32_t i;
    int rc = 0;

    r->frame_map = calloc(r->bp.frame_count ? r->bp.frame_count : 1, sizeof *r->frame_map);
    r->scratch = malloc((size_t)BIN_MAX_DEPTH * sizeof *r->scratch);
    if (!r->frame_map || !r->scratch)
        return diag_set(ERR_NOMEM, "out of memory");
    for (i = 0; i < r->bp.frame_count && !rc; i++) {
        const struct bin_frame *bf = &r->bp.frames[i];
        tachyon_frame f;
        size_t flen, nlen;
        const char *file = bin_profile_string(&r->bp, bf->filename, &flen);
        const char *func = bin_profile_string(&r->bp, bf->funcname, &nlen);

        if (is_internal_file(file, flen))
            continue;
        memset(&f, 0, sizeof f);
        f.kind = TACHYON_FRAME_PYTHON;
        if (flen == 1 && file[0] == '~') {
            if (nlen == 4 && memcmp(func, "<GC>", 4) == 0)
                f.kind = TACHYON_FRAME_GC;
            else if (nlen == 8 && memcmp(func, "<native>", 8) == 0)
                f.kind = TACHYON_FRAME_NATIVE;
        } else if (flen == 6 && memcmp(file, "<task>", 6) == 0) {
            f.kind = TACHYON_FRAME_TASK;
        }
        f.line = bf->line;
        f.end_line = bf->end_line;
        f.column = bf->col;
        f.end_column = bf->end_col;
        f.opcode = TACHYON_NO_OPCODE;
        f.base_opcode = TACHYON_NO_OPCODE;
        rc = intern_bytes(r, bf->filename, &f.filename);
        if (!rc)
            rc = intern_bytes(r, bf->funcname, &f.funcname);
        if (!rc && bf->opcode >= 0)
            rc = intern_opcode(r, bf->opcode, &f);
        if (!rc)
            rc = intern_frame(r->interner, &f, &r->frame_map[i]);
    }
    return rc ? diag_set(rc, "out of memory interning the frame table") : 0;
}

static void draw_bar(struct replay *r)
{
    uint64_t total = r->bp.sample_count ? r->bp.sample_count : 1;
    unsigned filled = (unsigned)(40 * r->done / total), i;
    char bar[40 * 3 + 1];
    size_t n = 0;
    for (i = 0; i < 40; i++) {
        const char *c = i < filled ? "\xe2\x96\x88" : "\xe2\x96\x91";
        memcpy(bar + n, c, 3);
        n += 3;
    }
    bar[n] = '\0';
    fprintf(stderr, "\r  [%s] %5.1f%% (%llu/%u)", bar, 100.0 * (double)r->done / (double)total,
            (unsigned long long)r->done, r->bp.sample_count);
    fflush(stderr);
}

static int on_sample(void *ctx, const struct bin_sample *bs)
{
    struct replay *r = ctx;
    tachyon_sample s;
    uint32_t i, depth = 0;

    for (i = 0; i < bs->depth; i++)
        if (r->frame_map[bs->frames[i]])
            r->scratch[depth++] = r->frame_map[bs->frames[i]];
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.status = bs->status;
    /* The file keeps one id per thread, the OS thread id (what upstream
     * records); both fields carry it. */
    s.thread_id = bs->thread_id;
    s.native_thread_id = bs->thread_id;
    s.timestamp_ns = (bs->timestamp_us - r->bp.start_time_us) * 1000ull;
    s.weight = 1;
    s.depth = depth;
    s.frames = r->scratch;
    s.interpreter_id = bs->interpreter_id;
    r->done++;
    r->stats.samples++;
    r->stats.duration_ns = s.timestamp_ns;
    if (r->progress && r->done >= r->next_bar) {
        draw_bar(r);
        r->next_bar = r->done + (r->bp.sample_count / 200 > 1000 ? r->bp.sample_count / 200 : 1000);
    }
    if (signals_stop_requested())
        return diag_set(ERR_INTERRUPTED, "replay interrupted");
    return plugin_session_sample(r->plugin, &s);
}

/* The session facts a live profile would have had, from the header. */
static void fill_session(struct replay *r, const struct cli_opts *o)
{
    const struct bin_profile *bp = &r->bp;
    tachyon_session *s = &r->session;

    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    s->mode = bp->mode >= 0 ? (uint32_t)bp->mode : TACHYON_MODE_WALL;
    s->pid = getpid();
    s->python_hexversion = hexversion_of(bp);
    snprintf(r->version, sizeof r->version, "%u.%u.%u", bp->py_major, bp->py_minor, bp->py_micro);
    s->python_version = r->version;
    s->interval_us = bp->interval_us;
    s->format = o->s.format;
    s->output_path = r->output_path;
    snprintf(r->command_line, sizeof r->command_line, "replay %s", o->target_argv[0]);
    s->command_line = r->command_line;
    if (bp->features_known) {
        if (bp->features & BIN_FEAT_ALL_THREADS)
            s->flags |= TACHYON_SESSION_ALL_THREADS;
        if (bp->features & BIN_FEAT_NATIVE)
            s->flags |= TACHYON_SESSION_NATIVE;
        if (bp->features & BIN_FEAT_GC)
            s->flags |= TACHYON_SESSION_GC;
        if (bp->features & BIN_FEAT_OPCODES)
            s->flags |= TACHYON_SESSION_OPCODES;
    }
}

/* The recorded run's statistics, from the trailer when the file has one. */
static void fill_stats(struct replay *r)
{
    const struct bin_profile *bp = &r->bp;
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
    if (r->interner)
        interner_destroy(r->interner);
    if (r->bp_open)
        bin_profile_close(&r->bp);
    free(r->frame_map);
    free(r->scratch);
    free(r->file);
    free(r->output_path);
}

int cli_replay(struct cli_opts *o, const struct plugin_registry *reg)
{
    struct replay r;
    struct plugin_session_config pc;
    tachyon_finish_info fin;
    const tachyon_format *fmt = NULL;
    const struct plugin_entry *entry;
    FILE *out = stdout;
    int rc, exit_code = EXIT_FAIL;

    memset(&r, 0, sizeof r);
    signals_install();
    entry = registry_find_format(reg, o->s.format, &fmt);
    if (!entry)
        return EXIT_FAIL;
    rc = read_input(o->target_argv[0], &r.file, &r.file_len);
    if (!rc) {
        rc = bin_profile_open(r.file, r.file_len, &r.bp);
        r.bp_open = rc == 0;
    }
    if (!rc)
        rc = interner_create(&r.interner);
    if (!rc)
        rc = build_frames(&r);
    if (!rc)
        rc = profile_output_path(o, fmt, getpid(), &r.output_path);
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    fill_session(&r, o);
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
    /* Data written to standard output must not be mixed with our report. */
    if (!r.output_path && !(fmt->flags & TACHYON_FORMAT_STDOUT))
        out = stderr;
    fprintf(out, "Replaying %u samples from %s\n  Sample interval: %llu us\n  Compression: %s\n",
            r.bp.sample_count, o->target_argv[0], (unsigned long long)r.bp.interval_us,
            r.bp.compression == BIN_COMPRESSION_ZSTD ? "zstd" : "none");
    if (r.bp.unfinished)
        fprintf(stderr, "Warning: %s was not finalized (the recording was killed): replaying the %u samples "
                        "of its last checkpoint\n", o->target_argv[0], r.bp.sample_count);
    fflush(out);
    r.progress = isatty(STDERR_FILENO) && r.bp.sample_count >= 10000;
    rc = bin_profile_replay(&r.bp, 0, on_sample, &r);
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
    if (rc == 0 && !plugin_session_failed(r.plugin) && r.output_path)
        fprintf(stderr, "Profile written to %s\n", r.output_path);
    fprintf(out, "Replayed %u samples\n", r.bp.sample_count);
    exit_code = (rc || plugin_session_failed(r.plugin)) ? EXIT_FAIL : 0;
out:
    release(&r);
    return exit_code;
}
