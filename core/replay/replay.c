/* Reading a binary profile for replay and turning its samples into the
 * ABI's tachyon_sample, shared by `tachyon replay` and the host service
 * that lets a plugin read a second profile (the diff flame graph). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../intern/intern.h"
#include "../opcodes/opcodes.h"
#include "replay.h"

/* Files larger than this are refused rather than read into memory. */
#define MAX_INPUT (16ull << 30)

struct replay_file {
    uint8_t *file;
    size_t file_len;
    struct bin_profile bp;
    int bp_open;
    struct interner *interner;
    uint32_t *frame_map;         /* file frame index -> interned id, 0 = hidden */
    tachyon_frame_id *scratch;
    char version[32];
    replay_sample_fn fn;
    void *ctx;
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

static int intern_bytes(struct replay_file *r, uint32_t idx, uint32_t *id)
{
    size_t len;
    const char *s = bin_profile_string(&r->bp, idx, &len);
    return intern_string(r->interner, s, len, id);
}

static uint32_t hexversion_of(const struct bin_profile *bp)
{
    return (uint32_t)bp->py_major << 24 | (uint32_t)bp->py_minor << 16 | (uint32_t)bp->py_micro << 8 | 0xf0;
}

static int intern_opcode(struct replay_file *r, int opcode, tachyon_frame *f)
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

static int build_frames(struct replay_file *r)
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

static int on_bin_sample(void *ctx, const struct bin_sample *bs)
{
    struct replay_file *r = ctx;
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
    return r->fn(r->ctx, &s);
}

int replay_file_open(const char *path, struct interner *in, struct replay_file **out)
{
    struct replay_file *r = calloc(1, sizeof *r);
    int rc;

    if (!r)
        return diag_set(ERR_NOMEM, "out of memory");
    r->interner = in;
    rc = read_input(path, &r->file, &r->file_len);
    if (!rc) {
        rc = bin_profile_open(r->file, r->file_len, &r->bp);
        r->bp_open = rc == 0;
    }
    if (!rc)
        rc = build_frames(r);
    if (rc)
        replay_file_close(r);
    else
        *out = r;
    return rc;
}

const struct bin_profile *replay_file_profile(const struct replay_file *rf)
{
    return &rf->bp;
}

void replay_file_facts(const struct replay_file *rf, tachyon_session *out)
{
    const struct bin_profile *bp = &rf->bp;
    tachyon_session s;
    size_t n = out->struct_size && out->struct_size < sizeof s ? out->struct_size : sizeof s;

    memset(&s, 0, sizeof s);
    s.struct_size = (uint32_t)n;
    s.mode = bp->mode >= 0 ? (uint32_t)bp->mode : TACHYON_MODE_WALL;
    s.python_hexversion = hexversion_of(bp);
    snprintf(((struct replay_file *)rf)->version, sizeof rf->version, "%u.%u.%u", bp->py_major, bp->py_minor,
             bp->py_micro);
    s.python_version = rf->version;
    s.interval_us = bp->interval_us;
    if (bp->features_known) {
        if (bp->features & BIN_FEAT_ALL_THREADS)
            s.flags |= TACHYON_SESSION_ALL_THREADS;
        if (bp->features & BIN_FEAT_NATIVE)
            s.flags |= TACHYON_SESSION_NATIVE;
        if (bp->features & BIN_FEAT_GC)
            s.flags |= TACHYON_SESSION_GC;
        if (bp->features & BIN_FEAT_OPCODES)
            s.flags |= TACHYON_SESSION_OPCODES;
    }
    memcpy(out, &s, n);
}

int replay_file_run(struct replay_file *rf, replay_sample_fn fn, void *ctx)
{
    rf->fn = fn;
    rf->ctx = ctx;
    return bin_profile_replay(&rf->bp, 0, on_bin_sample, rf);
}

void replay_file_close(struct replay_file *r)
{
    if (!r)
        return;
    if (r->bp_open)
        bin_profile_close(&r->bp);
    free(r->frame_map);
    free(r->scratch);
    free(r->file);
    free(r);
}
