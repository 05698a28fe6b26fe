#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

#include "bw_stream.h"
#include "bw_tables.h"

enum { ENC_REPEAT = 0, ENC_FULL = 1, ENC_SUFFIX = 2, ENC_POP_PUSH = 3 };

/* A long run of one stack is written in pieces so the pending entries of
 * a thread never hold more than this many samples. */
#define MAX_REPEAT 4096u

void bw_stream_init(struct bw_stream *s, uint64_t start_us)
{
    memset(s, 0, sizeof *s);
    s->start_us = start_us;
}

void bw_stream_free(struct bw_stream *s)
{
    size_t i;
    for (i = 0; i < s->n_threads; i++) {
        free(s->threads[i].stack);
        pl_buf_free(&s->threads[i].rep);
    }
    free(s->threads);
    pl_buf_free(&s->raw);
    memset(s, 0, sizeof *s);
}

static int put_le(struct pl_buf *b, uint64_t v, unsigned bytes)
{
    uint8_t tmp[8];
    unsigned i;
    for (i = 0; i < bytes; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    return pl_buf_put(b, tmp, bytes);
}

static int record_header(struct bw_stream *s, const struct bw_thread *t, uint8_t enc)
{
    int rc = put_le(&s->raw, t->tid, 8);
    if (!rc)
        rc = put_le(&s->raw, t->iid, 4);
    return rc ? rc : pl_buf_byte(&s->raw, enc);
}

static int flush_thread(struct bw_stream *s, struct bw_thread *t)
{
    int rc;
    if (!t->rep_count)
        return 0;
    if ((rc = record_header(s, t, ENC_REPEAT)) || (rc = bw_put_varint(&s->raw, t->rep_count)) ||
        (rc = pl_buf_put(&s->raw, t->rep.data, t->rep.len)))
        return rc;
    t->rep.len = 0;
    t->rep_count = 0;
    return 0;
}

int bw_stream_flush_repeats(struct bw_stream *s)
{
    size_t i;
    int rc = 0;
    for (i = 0; i < s->n_threads && !rc; i++)
        rc = flush_thread(s, &s->threads[i]);
    return rc;
}

static int find_thread(struct bw_stream *s, uint64_t tid, uint32_t iid, struct bw_thread **out)
{
    size_t i;
    if (s->last < s->n_threads && s->threads[s->last].tid == tid && s->threads[s->last].iid == iid) {
        *out = &s->threads[s->last];
        return 0;
    }
    for (i = 0; i < s->n_threads; i++)
        if (s->threads[i].tid == tid && s->threads[i].iid == iid) {
            s->last = i;
            *out = &s->threads[i];
            return 0;
        }
    if (s->n_threads == UINT32_MAX)
        return TACHYON_ERR_UNSUPPORTED;
    if (s->n_threads == s->cap_threads) {
        size_t n = s->cap_threads ? s->cap_threads * 2 : 8;
        struct bw_thread *grown = realloc(s->threads, n * sizeof *grown);
        if (!grown)
            return TACHYON_ERR_NOMEM;
        s->threads = grown;
        s->cap_threads = n;
    }
    *out = &s->threads[s->n_threads];
    memset(*out, 0, sizeof **out);
    (*out)->tid = tid;
    (*out)->iid = iid;
    (*out)->last_ts = s->start_us;
    s->last = s->n_threads++;
    return 0;
}

static int varint_len(uint64_t v)
{
    int n = 1;
    while (v >>= 7)
        n++;
    return n;
}

/* Write the new stack relative to the thread's previous one: the frames
 * both share at the outer end are kept, the rest is pushed. SUFFIX names
 * the kept count and POP_PUSH the dropped one; whichever is shorter wins,
 * and a stack sharing nothing is written in FULL. */
static int encode_stack(struct bw_stream *s, struct bw_thread *t, const struct bw_sample *smp, uint64_t delta)
{
    uint32_t shared = 0, push, i;
    uint8_t enc;
    int rc;

    if (t->has_stack)
        while (shared < t->depth && shared < smp->depth &&
               t->stack[t->depth - 1 - shared] == smp->frames[smp->depth - 1 - shared])
            shared++;
    push = smp->depth - shared;
    if (shared == 0)
        enc = ENC_FULL;
    else
        enc = varint_len(t->depth - shared) <= varint_len(shared) ? ENC_POP_PUSH : ENC_SUFFIX;
    if ((rc = record_header(s, t, enc)) || (rc = bw_put_varint(&s->raw, delta)) ||
        (rc = pl_buf_byte(&s->raw, smp->status)))
        return rc;
    if (enc == ENC_FULL)
        rc = bw_put_varint(&s->raw, smp->depth);
    else if (enc == ENC_SUFFIX)
        rc = bw_put_varint(&s->raw, shared);
    else
        rc = bw_put_varint(&s->raw, t->depth - shared);
    if (!rc && enc != ENC_FULL)
        rc = bw_put_varint(&s->raw, push);
    for (i = 0; i < push && !rc; i++)
        rc = bw_put_varint(&s->raw, smp->frames[i]);
    if (rc)
        return rc;
    if (smp->depth > t->cap) {
        uint32_t *grown = realloc(t->stack, (size_t)smp->depth * sizeof *grown);
        if (!grown)
            return TACHYON_ERR_NOMEM;
        t->stack = grown;
        t->cap = smp->depth;
    }
    if (smp->depth)
        memcpy(t->stack, smp->frames, (size_t)smp->depth * sizeof *smp->frames);
    t->depth = smp->depth;
    t->has_stack = 1;
    return 0;
}

int bw_stream_add(struct bw_stream *s, const struct bw_sample *smp)
{
    struct bw_thread *t;
    uint64_t delta;
    int rc = find_thread(s, smp->tid, smp->iid, &t);
    if (rc)
        return rc;
    /* Samples of one thread arrive in time order; never go backwards. */
    delta = smp->ts_us > t->last_ts ? smp->ts_us - t->last_ts : 0;
    t->last_ts += delta;
    s->samples++;
    if (t->has_stack && t->depth == smp->depth &&
        (smp->depth == 0 || memcmp(t->stack, smp->frames, (size_t)smp->depth * sizeof *smp->frames) == 0)) {
        if ((rc = bw_put_varint(&t->rep, delta)) || (rc = pl_buf_byte(&t->rep, smp->status)))
            return rc;
        if (++t->rep_count >= MAX_REPEAT)
            return flush_thread(s, t);
        return 0;
    }
    /* The run (if any) precedes the new stack in this thread's history. */
    if ((rc = flush_thread(s, t)))
        return rc;
    return encode_stack(s, t, smp, delta);
}
