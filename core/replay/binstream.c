/* The sample stream of a binary profile: decompression and the four record
 * encodings (REPEAT, FULL, SUFFIX, POP_PUSH), rebuilding every thread's
 * stack from the previous one. */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "../common/err.h"
#include "binprofile.h"
#include "binvarint.h"

enum { ENC_REPEAT = 0, ENC_FULL = 1, ENC_SUFFIX = 2, ENC_POP_PUSH = 3 };
#define RECORD_HEADER 13u

struct thread_state {
    uint64_t tid;
    uint32_t iid;
    uint64_t ts;
    uint32_t depth, cap;
    uint32_t *stack;
};

struct stream {
    const struct bin_profile *p;
    const uint8_t *d;
    size_t len, off;
    struct thread_state *threads;
    uint32_t nthreads;
    uint32_t *scratch;       /* the new stack being built */
    uint64_t decoded;
    bin_sample_fn fn;
    void *ctx;
};

/* Inflate every zstd frame of the stream region into one buffer. A frame
 * cut short is reported as truncation, not silently dropped. */
static int inflate(const struct bin_profile *p, size_t max, uint8_t **out, size_t *out_len)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    ZSTD_inBuffer in = { p->data + BIN_HEADER_SIZE, (size_t)p->string_off - BIN_HEADER_SIZE, 0 };
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0, ret = 0;
    int rc = 0;

    if (!ds)
        return diag_set(ERR_NOMEM, "out of memory for the zstd decoder");
    for (;;) {
        ZSTD_outBuffer ob;
        if (cap - len < ZSTD_DStreamOutSize()) {
            size_t ncap = cap ? cap * 2 : (in.size * 4 > (1u << 16) ? in.size * 4 : (1u << 16));
            uint8_t *nb;
            if (max && ncap > max + ZSTD_DStreamOutSize())
                ncap = max + ZSTD_DStreamOutSize();
            if (ncap <= cap) {
                rc = diag_set(ERR_CORRUPT, "binary profile: decompressed samples exceed the %zu-byte limit", max);
                goto out;
            }
            nb = realloc(buf, ncap);
            if (!nb) {
                rc = diag_set(ERR_NOMEM, "out of memory decompressing the samples");
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ob.dst = buf + len;
        ob.size = cap - len;
        ob.pos = 0;
        ret = ZSTD_decompressStream(ds, &ob, &in);
        if (ZSTD_isError(ret)) {
            rc = diag_set(ERR_CORRUPT, "corrupt binary profile: the zstd sample stream is damaged (%s)",
                          ZSTD_getErrorName(ret));
            goto out;
        }
        len += ob.pos;
        if (max && len > max) {
            rc = diag_set(ERR_CORRUPT, "binary profile: decompressed samples exceed the %zu-byte limit", max);
            goto out;
        }
        /* Done once the input is used up and the decoder had room to
         * spare, so it holds nothing more back. */
        if (in.pos == in.size && ob.pos < ob.size)
            break;
    }
    if (ret != 0) {
        rc = diag_set(ERR_CORRUPT, "truncated binary profile: the last zstd frame of the samples is incomplete");
        goto out;
    }
    *out = buf;
    *out_len = len;
    buf = NULL;
out:
    free(buf);
    ZSTD_freeDStream(ds);
    return rc;
}

static int need_varint(struct stream *s, uint64_t *v)
{
    if (bin_varint(s->d, s->len, &s->off, v))
        return diag_set(ERR_CORRUPT, "corrupt binary profile: truncated varint in the samples at byte %zu",
                        s->off);
    return 0;
}

static int need_u32(struct stream *s, uint32_t *v, const char *what)
{
    uint64_t u;
    int rc = need_varint(s, &u);
    if (rc)
        return rc;
    if (u > UINT32_MAX)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: %s %llu is out of range", what,
                        (unsigned long long)u);
    *v = (uint32_t)u;
    return 0;
}

static int need_byte(struct stream *s, uint32_t *v)
{
    if (s->off >= s->len)
        return diag_set(ERR_CORRUPT, "truncated binary profile: the samples end inside a record");
    *v = s->d[s->off++];
    return 0;
}

static int find_thread(struct stream *s, uint64_t tid, uint32_t iid, struct thread_state **out)
{
    uint32_t i;
    for (i = 0; i < s->nthreads; i++)
        if (s->threads[i].tid == tid && s->threads[i].iid == iid) {
            *out = &s->threads[i];
            return 0;
        }
    if (s->nthreads >= s->p->thread_count)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: the samples hold more threads than the %u the "
                                     "header declares", s->p->thread_count);
    *out = &s->threads[s->nthreads++];
    (*out)->tid = tid;
    (*out)->iid = iid;
    (*out)->ts = s->p->start_time_us;
    return 0;
}

static int emit(struct stream *s, struct thread_state *t, uint64_t delta, uint32_t status)
{
    struct bin_sample bs;
    if (t->ts + delta < t->ts)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: timestamp overflow");
    t->ts += delta;
    if (s->decoded >= s->p->sample_count)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: the header declares %u samples but the file holds "
                                     "more", s->p->sample_count);
    s->decoded++;
    bs.thread_id = t->tid;
    bs.interpreter_id = t->iid;
    bs.status = status;
    bs.timestamp_us = t->ts;
    bs.depth = t->depth;
    bs.frames = t->stack;
    return s->fn(s->ctx, &bs);
}

/* Read n frame indices into dst, each checked against the frame table. */
static int read_frames(struct stream *s, uint32_t *dst, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        int rc = need_u32(s, &dst[i], "frame index");
        if (rc)
            return rc;
        if (dst[i] >= s->p->frame_count)
            return diag_set(ERR_CORRUPT, "corrupt binary profile: frame index %u but the table has %u frames",
                            dst[i], s->p->frame_count);
    }
    return 0;
}

static int set_stack(struct thread_state *t, const uint32_t *frames, uint32_t depth)
{
    if (depth > t->cap) {
        uint32_t ncap = depth < 16 ? 16 : depth;
        uint32_t *ns = realloc(t->stack, (size_t)ncap * sizeof *ns);
        if (!ns)
            return diag_set(ERR_NOMEM, "out of memory rebuilding a stack");
        t->stack = ns;
        t->cap = ncap;
    }
    if (depth)
        memmove(t->stack, frames, (size_t)depth * sizeof *frames);
    t->depth = depth;
    return 0;
}

/* One record after its header. SUFFIX keeps the outermost `keep` frames
 * of the previous stack; POP_PUSH drops the innermost `pop` frames. Both
 * then put the new frames in front. */
static int record(struct stream *s, struct thread_state *t, uint32_t enc)
{
    uint64_t delta = 0;
    uint32_t status = 0, a = 0, b = 0, i;
    int rc;

    if (enc == ENC_REPEAT) {
        if ((rc = need_u32(s, &a, "repeat count")))
            return rc;
        for (i = 0; i < a; i++)
            if ((rc = need_varint(s, &delta)) || (rc = need_byte(s, &status)) || (rc = emit(s, t, delta, status)))
                return rc;
        return 0;
    }
    if (enc > ENC_POP_PUSH)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: unknown stack encoding %u", enc);
    if ((rc = need_varint(s, &delta)) || (rc = need_byte(s, &status)) || (rc = need_u32(s, &a, "stack count")))
        return rc;
    if (enc == ENC_FULL) {
        if (a > BIN_MAX_DEPTH)
            return diag_set(ERR_CORRUPT, "corrupt binary profile: stack depth %u exceeds the limit of %u", a,
                            BIN_MAX_DEPTH);
        rc = read_frames(s, s->scratch, a);
        if (!rc)
            rc = set_stack(t, s->scratch, a);
        return rc ? rc : emit(s, t, delta, status);
    }
    if ((rc = need_u32(s, &b, "stack count")))
        return rc;
    if (a > t->depth)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: %s %u exceeds the current stack depth %u",
                        enc == ENC_SUFFIX ? "shared count" : "pop count", a, t->depth);
    {
        uint32_t kept = enc == ENC_SUFFIX ? a : t->depth - a;
        if ((uint64_t)kept + b > BIN_MAX_DEPTH)
            return diag_set(ERR_CORRUPT, "corrupt binary profile: stack depth %llu exceeds the limit of %u",
                            (unsigned long long)kept + b, BIN_MAX_DEPTH);
        if ((rc = read_frames(s, s->scratch, b)))
            return rc;
        /* A thread's first record may keep nothing of a stack it never had
         * (t->stack is still NULL then). */
        if (kept)
            memcpy(s->scratch + b, t->stack + (t->depth - kept), (size_t)kept * sizeof *t->stack);
        rc = set_stack(t, s->scratch, b + kept);
    }
    return rc ? rc : emit(s, t, delta, status);
}

static int decode(struct stream *s)
{
    while (s->off < s->len) {
        struct thread_state *t = NULL;
        uint64_t tid;
        uint32_t iid, enc;
        int rc;
        if (s->len - s->off < RECORD_HEADER)
            return diag_set(ERR_CORRUPT, "truncated binary profile: %zu trailing bytes in the samples",
                            s->len - s->off);
        tid = bin_rd64(s->d + s->off, s->p->big_endian);
        iid = bin_rd32(s->d + s->off + 8, s->p->big_endian);
        enc = s->d[s->off + 12];
        s->off += RECORD_HEADER;
        if ((rc = find_thread(s, tid, iid, &t)) || (rc = record(s, t, enc)))
            return rc;
    }
    if (s->decoded != s->p->sample_count)
        return diag_set(ERR_CORRUPT, "truncated or corrupt binary profile: the header declares %u samples but "
                                     "the file holds %llu", s->p->sample_count, (unsigned long long)s->decoded);
    return 0;
}

int bin_profile_replay(const struct bin_profile *p, size_t max_stream, bin_sample_fn fn, void *ctx)
{
    struct stream s;
    uint8_t *inflated = NULL;
    uint32_t i;
    int rc;

    memset(&s, 0, sizeof s);
    s.p = p;
    s.fn = fn;
    s.ctx = ctx;
    if (p->compression == BIN_COMPRESSION_ZSTD) {
        rc = inflate(p, max_stream, &inflated, &s.len);
        if (rc)
            return rc;
        s.d = inflated;
    } else {
        s.d = p->data + BIN_HEADER_SIZE;
        s.len = (size_t)p->string_off - BIN_HEADER_SIZE;
    }
    /* Each thread needs a record of at least RECORD_HEADER bytes, so a
     * larger declared count is a lie we need not allocate for. */
    if (p->thread_count > s.len / RECORD_HEADER + 1) {
        rc = diag_set(ERR_CORRUPT, "corrupt binary profile: %u threads declared for %zu bytes of samples",
                      p->thread_count, s.len);
        goto out;
    }
    s.threads = calloc(p->thread_count ? p->thread_count : 1, sizeof *s.threads);
    s.scratch = malloc((size_t)BIN_MAX_DEPTH * 2 * sizeof *s.scratch);
    if (!s.threads || !s.scratch) {
        rc = diag_set(ERR_NOMEM, "out of memory replaying the samples");
        goto out;
    }
    rc = decode(&s);
out:
    for (i = 0; i < s.nthreads; i++)
        free(s.threads[i].stack);
    free(s.threads);
    free(s.scratch);
    free(inflated);
    return rc;
}
