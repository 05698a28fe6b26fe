/* One sample: thread states, their frame chains, and frame ids.
 *
 * The cost of a sample is the number of reads, so the walk is organised
 * around a read-ahead: the previous sample's interpreter and thread-state
 * addresses, each selected thread's _PyCFrame and data-stack chunk, and the
 * heads of the code objects it saw are all fetched in ONE readv. The data
 * read ahead is only used after checking it still describes the current
 * state (the runtime's interpreter list and every thread list link the same
 * addresses, each thread still points at the same cframe and chunk, every
 * code guard matches); what does not match is read again the slow way. In
 * steady state a sample is that single readv.
 *
 * Frames are resolved from the copy of the chunk; frames elsewhere
 * (generators, the C-stack entry frames, earlier chunks) are read one by
 * one, earlier chunks whole on first use.
 *
 * Thread status (status.c) and opcodes (pyopcode.c) add their own spans to
 * the same read-ahead. The stack handed to the callback is assembled here:
 * a <GC> frame on top while the thread collects, and with --native a
 * <native> frame wherever C code sits between two Python frames (a
 * C-stack entry frame in 3.12+, an entry frame's caller in 3.11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../intern/intern.h"
#include "../common/grow.h"
#include "py_internal.h"

#define VISITED_SIZE PY_VISITED_SIZE
#define CHUNK_SLACK 2048    /* read-ahead beyond the last top seen */

static uint64_t u64_at(const uint8_t *base, uint32_t off)
{
    uint64_t v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

static int copy_reserve(struct py_copy *c, size_t n)
{
    uint8_t *p;
    size_t cap;
    if (n <= c->cap)
        return 0;
    cap = c->cap ? c->cap : 4096;
    while (cap < n)
        cap *= 2;
    p = realloc(c->data, cap);
    if (!p)
        return ERR_NOMEM;
    c->data = p;
    c->cap = cap;
    return 0;
}

int py_spans_reserve(struct py_target *t, size_t n)
{
    return grow_array((void **)&t->spans, &t->cap_spans, n, sizeof *t->spans);
}

/* Room for n thread records, their state copies and chunk copies. */
static int ensure_threads(struct py_target *t, size_t n)
{
    size_t old = t->cap_thr, cap_copies = t->cap_copies;
    uint8_t *b;
    int rc;

    if (n <= old)
        return 0;
    rc = grow_array((void **)&t->thr, &t->cap_thr, n, sizeof *t->thr);
    if (rc < 0)
        return rc;
    b = realloc(t->ts_bufs, t->cap_thr * (t->ts_hi - t->ts_lo));
    if (!b)
        return ERR_NOMEM;
    t->ts_bufs = b;
    rc = grow_array((void **)&t->copies, &cap_copies, t->cap_thr + PY_MAX_CHUNKS, sizeof *t->copies);
    t->cap_copies = cap_copies;
    if (rc == 0)
        rc = grow_array((void **)&t->spec, &old, t->cap_thr, sizeof *t->spec);
    return rc;
}

static uint8_t *ts_buf(struct py_target *t, size_t i)
{
    return t->ts_bufs + i * (t->ts_hi - t->ts_lo);
}

static uint8_t *is_buf(struct py_target *t, size_t i)
{
    return t->is_bufs + i * (t->is_hi - t->is_lo);
}

/* Insert addr in the visited set of the current generation; 0 when it was
 * already there. */
static int visit(struct py_target *t, uint64_t addr)
{
    size_t i = (size_t)((addr >> 3) * 0x9e3779b97f4a7c15ULL >> 51) & (VISITED_SIZE - 1);
    for (;;) {
        if (t->visited_gen[i] != t->gen) {
            t->visited_gen[i] = t->gen;
            t->visited[i] = addr;
            return 1;
        }
        if (t->visited[i] == addr)
            return 0;
        i = (i + 1) & (VISITED_SIZE - 1);
    }
}

static void new_generation(struct py_target *t)
{
    if (++t->gen == 0) {
        memset(t->visited_gen, 0, VISITED_SIZE * sizeof *t->visited_gen);
        t->gen = 1;
    }
}

static void parse_thread(struct py_target *t, size_t i, uint64_t addr, uint64_t interp,
                         uint32_t interp_id)
{
    const struct py_layout *L = &t->L;
    /* b holds the thread state's bytes from offset ts_lo on. */
    const uint8_t *b = ts_buf(t, i);
    struct py_thr *th = &t->thr[i];

    memset(th, 0, sizeof *th);
    th->addr = addr;
    th->interp = interp;
    th->interp_id = interp_id;
    th->thread_id = u64_at(b, L->ts_thread_id - t->ts_lo);
    th->native_thread_id = u64_at(b, L->ts_native_thread_id - t->ts_lo);
    th->chunk = u64_at(b, L->ts_datastack_chunk - t->ts_lo);
    th->top = u64_at(b, L->ts_datastack_top - t->ts_lo);
    if (L->ts_cframe_frame == PY_OFF_NONE) {
        th->frame = u64_at(b, L->ts_frame - t->ts_lo);
        th->have_frame = 1;
    } else {
        th->cframe = u64_at(b, L->ts_frame - t->ts_lo);
    }
}

static int thread_link_ok(struct py_target *t, size_t i, uint64_t interp)
{
    return u64_at(ts_buf(t, i), t->L.ts_interp - t->ts_lo) == interp;
}

/* Mark the main thread and the threads this sample reports. */
static void select_threads(struct py_target *t, const struct py_sample_opts *o)
{
    const struct py_layout *L = &t->L;
    uint64_t main_ident = 0;
    size_t i, k;

    if (L->main_mode == PY_MAIN_BY_RUNTIME_IDENT)
        main_ident = u64_at(t->rt_buf, L->rt_main_thread - t->rt_lo);
    for (i = 0; i < t->n_thr; i++) {
        struct py_thr *th = &t->thr[i];
        if (L->main_mode == PY_MAIN_BY_RUNTIME_IDENT) {
            th->is_main = main_ident != 0 && th->thread_id == main_ident;
        } else {
            for (k = 0; k < t->n_interps; k++)
                if (t->interps[k] == th->interp)
                    th->is_main = u64_at(is_buf(t, k), L->is_threads_main - t->is_lo) == th->addr;
        }
        th->selected = o->all_threads || th->is_main;
    }
}

/* The slow path: follow the runtime's interpreter list and each thread
 * list with one read per struct. */
static int discover(struct py_target *t)
{
    const struct py_layout *L = &t->L;
    uint64_t ia;
    int rc;

    t->n_interps = t->n_thr = 0;
    rc = mem_read(t->r, t->runtime + t->rt_lo, t->rt_buf, t->rt_hi - t->rt_lo);
    if (rc < 0)
        return rc;
    ia = u64_at(t->rt_buf, L->rt_interpreters_head - t->rt_lo);
    if (ia == 0)
        return diag_set(ERR_NOTREADY, "no interpreter yet");
    new_generation(t);
    while (ia) {
        const uint8_t *ib;
        uint64_t ta;
        uint32_t id;
        if ((ia & 7) || t->n_interps == PY_MAX_INTERPRETERS || !visit(t, ia))
            return diag_set(ERR_CORRUPT, "interpreter list broken at 0x%llx", (unsigned long long)ia);
        rc = mem_read(t->r, ia + t->is_lo, is_buf(t, t->n_interps), t->is_hi - t->is_lo);
        if (rc < 0)
            return rc;
        ib = is_buf(t, t->n_interps);
        t->interps[t->n_interps++] = ia;
        id = (uint32_t)u64_at(ib, L->is_id - t->is_lo);
        for (ta = u64_at(ib, L->is_threads_head - t->is_lo); ta;
             ta = u64_at(ts_buf(t, t->n_thr - 1), L->ts_next - t->ts_lo)) {
            if ((ta & 7) || t->n_thr == PY_MAX_THREADS || !visit(t, ta))
                return diag_set(ERR_CORRUPT, "thread list broken at 0x%llx", (unsigned long long)ta);
            rc = ensure_threads(t, t->n_thr + 1);
            if (rc < 0)
                return rc;
            rc = mem_read(t->r, ta + t->ts_lo, ts_buf(t, t->n_thr), t->ts_hi - t->ts_lo);
            if (rc < 0)
                return rc;
            if (!thread_link_ok(t, t->n_thr, ia))
                return diag_set(ERR_CORRUPT, "thread state 0x%llx not of its interpreter",
                                (unsigned long long)ta);
            parse_thread(t, t->n_thr, ta, ia, id);
            t->n_thr++;
        }
        ia = u64_at(ib, L->is_next - t->is_lo);
    }
    return 0;
}

/* The fast path: one readv of everything the last sample found, then a
 * check that it still holds. Returns 0 when the thread list is confirmed,
 * 1 when the slow path must run, or a fatal error (ERR_NOPROC). */
static int read_ahead(struct py_target *t)
{
    const struct py_layout *L = &t->L;
    size_t n = 0, i, j, k;
    /* One interpreter's generation speaks for every cached code object only
     * when it is the only interpreter. */
    int by_gen = L->is_code_generation != PY_OFF_NONE && t->n_spec_interps == 1;
    int rc;

    if (t->n_spec_interps == 0)
        return 1;
    rc = grow_array((void **)&t->spans, &t->cap_spans,
              1 + 5 * t->n_spec_interps + 4 * t->n_spec + 2 * t->n_spec_codes + t->n_blobs, sizeof *t->spans);
    if (rc < 0)
        return rc;
    t->spans[n++] = (struct mem_span){ t->runtime + t->rt_lo, t->rt_buf, t->rt_hi - t->rt_lo };
    for (i = 0; i < t->n_spec_interps; i++)
        t->spans[n++] = (struct mem_span){ t->spec_interps[i] + t->is_lo, is_buf(t, i), t->is_hi - t->is_lo };
    for (j = 0; j < t->n_spec; j++) {
        struct py_spec_thread *s = &t->spec[j];
        t->spans[n++] = (struct mem_span){ s->tstate + t->ts_lo, ts_buf(t, j), t->ts_hi - t->ts_lo };
        if (s->cframe)
            t->spans[n++] = (struct mem_span){ s->cframe + L->ts_cframe_frame, &t->thr[j].frame, 8 };
        if (s->chunk) {
            rc = copy_reserve(&t->copies[j], s->chunk_len);
            if (rc < 0)
                return rc;
            t->spans[n++] = (struct mem_span){ s->chunk, t->copies[j].data, s->chunk_len };
        }
    }
    if (by_gen)
        t->spans[n++] = (struct mem_span){ t->spec_interps[0] + L->is_code_generation, t->code_gen_buf, 8 };
    for (k = 0; !by_gen && k < t->n_spec_codes; k++)
        t->spans[n++] = (struct mem_span){ t->spec_codes[k], t->guard_bufs + k * t->co_hi, t->co_hi };
    for (k = 0; k < t->n_blobs; k++)
        t->spans[n++] = (struct mem_span){ t->blobs[k].addr, t->blobs[k].data, t->blobs[k].len };
    py_status_ahead_spans(t, t->spans, &n);
    py_opcode_ahead_spans(t, t->spans, &n);
    rc = mem_readv(t->r, t->spans, n);
    if (rc == ERR_NOPROC)
        return rc;
    if (rc < 0)
        return 1;
    t->blobs_valid = 1;
    for (k = 0; !by_gen && k < t->n_spec_codes; k++)
        py_code_check_guard(t, t->spec_codes[k], t->guard_bufs + k * t->co_hi);

    /* The interpreter list must link exactly the addresses read. */
    if (u64_at(t->rt_buf, L->rt_interpreters_head - t->rt_lo) != t->spec_interps[0])
        return 1;
    j = 0;
    for (i = 0; i < t->n_spec_interps; i++) {
        const uint8_t *ib = is_buf(t, i);
        uint64_t next = i + 1 < t->n_spec_interps ? t->spec_interps[i + 1] : 0;
        uint64_t ta = u64_at(ib, L->is_threads_head - t->is_lo);
        uint32_t id = (uint32_t)u64_at(ib, L->is_id - t->is_lo);
        if (u64_at(ib, L->is_next - t->is_lo) != next)
            return 1;
        while (ta) {
            struct py_spec_thread *s;
            uint64_t frame;
            if (j >= t->n_spec)
                return 1;
            s = &t->spec[j];
            frame = t->thr[j].frame;
            if (s->tstate != ta || s->interp != t->spec_interps[i] || !thread_link_ok(t, j, s->interp))
                return 1;
            parse_thread(t, j, ta, s->interp, id);
            if (s->cframe && t->thr[j].cframe == s->cframe) {
                t->thr[j].frame = frame;
                t->thr[j].have_frame = 1;
            }
            if (s->chunk && t->thr[j].chunk == s->chunk && t->thr[j].top >= s->chunk + L->chunk_data &&
                t->thr[j].top - s->chunk <= s->chunk_len) {
                t->copies[j].addr = s->chunk;
                t->copies[j].len = t->thr[j].top - s->chunk;
                t->thr[j].have_chunk = 1;
            }
            ta = u64_at(ts_buf(t, j), L->ts_next - t->ts_lo);
            j++;
        }
    }
    if (j != t->n_spec)
        return 1;
    /* Only now is the generation known to be the interpreter's. Code
     * objects last checked at another generation get their guard read
     * (py_code_check_pending), which records this one. */
    if (by_gen) {
        t->code_gen = u64_at(t->code_gen_buf, 0);
        t->code_gen_known = 1;
        for (k = 0; k < t->n_spec_codes; k++)
            py_code_check_generation(t, t->spec_codes[k]);
    }
    py_opcode_ahead_done(t);
    memcpy(t->interps, t->spec_interps, t->n_spec_interps * sizeof *t->interps);
    t->n_interps = t->n_spec_interps;
    t->n_thr = j;
    return 0;
}

/* Read what the read-ahead did not cover for a selected thread. */
static int complete_thread(struct py_target *t, size_t i)
{
    const struct py_layout *L = &t->L;
    struct py_thr *th = &t->thr[i];
    struct py_copy *c = &t->copies[i];
    int rc;

    if (!th->have_frame) {
        if (th->cframe == 0 || (th->cframe & 7))
            return diag_set(ERR_CORRUPT, "bad cframe pointer 0x%llx", (unsigned long long)th->cframe);
        rc = mem_read(t->r, th->cframe + L->ts_cframe_frame, &th->frame, 8);
        if (rc < 0)
            return rc;
        th->have_frame = 1;
    }
    if (!th->have_chunk && th->chunk) {
        size_t used;
        if ((th->chunk & 7) || th->top < th->chunk + L->chunk_data)
            return diag_set(ERR_CORRUPT, "data stack top 0x%llx below chunk 0x%llx",
                            (unsigned long long)th->top, (unsigned long long)th->chunk);
        used = (size_t)(th->top - th->chunk);
        c->addr = th->chunk;
        c->len = 0;
        if (used <= PY_CHUNK_MAX) {
            rc = copy_reserve(c, used);
            if (rc < 0)
                return rc;
            rc = mem_read(t->r, th->chunk, c->data, used);
            if (rc < 0)
                return rc;
            c->len = used;
        }
        th->have_chunk = 1;
    }
    return 0;
}

/* Copy the data-stack chunk at addr (header, then the part in use) into
 * the scratch copy c. 0, or a negative code; c->len stays 0 for a chunk
 * too large to copy. */
static int fetch_chunk(struct py_target *t, uint64_t addr, struct py_copy *c, uint64_t *previous)
{
    const struct py_layout *L = &t->L;
    uint8_t hdr[PY_LAYOUT_MAX_HEADER];
    uint64_t size, top, used;
    int rc;

    if (addr & 7)
        return diag_set(ERR_CORRUPT, "bad chunk pointer 0x%llx", (unsigned long long)addr);
    rc = mem_read(t->r, addr, hdr, L->chunk_data);
    if (rc < 0)
        return rc;
    size = u64_at(hdr, L->chunk_size);
    top = u64_at(hdr, L->chunk_top);
    *previous = u64_at(hdr, L->chunk_previous);
    if (size < L->chunk_data || size > (1ull << 32) || top > (size - L->chunk_data) / 8)
        return diag_set(ERR_CORRUPT, "chunk 0x%llx of size %llu with top %llu", (unsigned long long)addr,
                        (unsigned long long)size, (unsigned long long)top);
    used = L->chunk_data + top * 8;
    c->addr = addr;
    c->len = 0;
    if (used > PY_CHUNK_MAX)
        return 0;
    rc = copy_reserve(c, used);
    if (rc < 0)
        return rc;
    rc = mem_read(t->r, addr, c->data, used);
    if (rc < 0)
        return rc;
    c->len = used;
    return 0;
}

/* Ask for [addr, addr + len) to be read ahead by the next sample. */
static void note_blob(struct py_target *t, uint64_t addr, size_t len)
{
    size_t k;
    if (len == 0 || t->n_next_blobs == PY_MAX_BLOBS || t->next_blob_bytes + len > PY_BLOB_BYTES)
        return;
    for (k = 0; k < t->n_next_blobs; k++)
        if (t->next_blob_addr[k] == addr)
            return;
    t->next_blob_addr[t->n_next_blobs] = addr;
    t->next_blob_len[t->n_next_blobs++] = len;
    t->next_blob_bytes += len;
}

static const uint8_t *in_copy(const struct py_copy *c, uint64_t frame, size_t need)
{
    if (c->len && frame >= c->addr && frame - c->addr <= c->len && c->len - (frame - c->addr) >= need)
        return c->data + (frame - c->addr);
    return NULL;
}

static int push_raw(struct py_target *t, const struct py_raw *f)
{
    int rc = grow_array((void **)&t->raw, &t->cap_raw, t->n_raw + 1, sizeof *t->raw);
    if (rc < 0)
        return rc;
    t->raw[t->n_raw++] = *f;
    return 0;
}

static int push_native(struct py_target *t)
{
    struct py_raw r;
    memset(&r, 0, sizeof r);
    r.native = 1;
    return push_raw(t, &r);
}

/* Follow thread i's frame chain into raw frames, innermost first; with
 * native set, a marker where C code called the frame before it. */
static int walk_thread(struct py_target *t, size_t i, int native)
{
    const struct py_layout *L = &t->L;
    struct py_thr *th = &t->thr[i];
    struct py_copy *scratch = &t->copies[t->cap_thr];
    size_t nscratch = 0, k, steps = 0, depth = 0;
    uint64_t frame = th->frame, prev_chunk = 0;
    uint8_t fbuf[PY_LAYOUT_MAX_FRAME];
    int rc;

    if (t->copies[i].len >= L->chunk_data && th->have_chunk)
        prev_chunk = u64_at(t->copies[i].data, L->chunk_previous);
    th->raw_start = t->n_raw;
    new_generation(t);
    while (frame && depth < PY_MAX_DEPTH && steps++ < PY_MAX_STEPS) {
        const uint8_t *fp = NULL;
        struct py_raw r;

        if ((frame & 7) || !visit(t, frame))
            return diag_set(ERR_CORRUPT, "frame chain broken at 0x%llx", (unsigned long long)frame);
        if (th->have_chunk)
            fp = in_copy(&t->copies[i], frame, t->fr_hi);
        for (k = 0; !fp && k < nscratch; k++)
            fp = in_copy(&scratch[k], frame, t->fr_hi);
        for (k = 0; !fp && t->blobs_valid && k < t->n_blobs; k++)
            if ((fp = in_copy(&t->blobs[k], frame, t->fr_hi)) != NULL)
                note_blob(t, t->blobs[k].addr, t->blobs[k].len);
        /* A frame past the copies is either in an earlier chunk (copied
         * whole the first time one is needed) or elsewhere in the heap. */
        while (!fp && prev_chunk && nscratch < PY_MAX_CHUNKS) {
            uint64_t addr = prev_chunk;
            if (!visit(t, addr))
                return diag_set(ERR_CORRUPT, "chunk list cycle at 0x%llx", (unsigned long long)addr);
            rc = fetch_chunk(t, addr, &scratch[nscratch], &prev_chunk);
            if (rc < 0)
                return rc;
            note_blob(t, addr, scratch[nscratch].len);
            fp = in_copy(&scratch[nscratch++], frame, t->fr_hi);
        }
        if (!fp) {
            rc = mem_read(t->r, frame, fbuf, t->fr_hi);
            if (rc < 0)
                return rc;
            fp = fbuf;
            note_blob(t, frame, t->fr_hi);
        }
        r.addr = frame;
        r.owner = fp[L->fr_owner];
        r.code = u64_at(fp, L->fr_executable) & ~L->fr_executable_tag_mask;
        r.instr = u64_at(fp, L->fr_instr);
        r.id = 0;
        r.skip = 0;
        r.native = 0;
        frame = u64_at(fp, L->fr_previous);
        if (native && L->fr_owner_cstack != PY_OFF_NONE && r.owner == L->fr_owner_cstack) {
            rc = push_native(t);
            if (rc < 0)
                return rc;
            continue;
        }
        if (r.owner < 32 && ((L->fr_owner_skip_mask >> r.owner) & 1))
            continue;
        /* From 3.14 a frame being cleared has a NULL executable; upstream
         * skips it too. */
        if (r.code == 0 && L->fr_executable_tag_mask != 0)
            continue;
        if (r.code == 0 || (r.code & 7))
            return diag_set(ERR_CORRUPT, "frame with code pointer 0x%llx", (unsigned long long)r.code);
        rc = push_raw(t, &r);
        if (rc == 0 && native && L->fr_is_entry != PY_OFF_NONE && fp[L->fr_is_entry])
            rc = push_native(t);
        if (rc < 0)
            return rc;
        depth++;
    }
    th->truncated = frame != 0;
    th->raw_count = t->n_raw - th->raw_start;
    return 0;
}

/* The frame that stands for the part of a stack cut at PY_MAX_DEPTH, in
 * the style of upstream's synthetic frames (file "~", line 0). */
static int truncated_frame(struct py_target *t, uint32_t *id)
{
    static const char name[] = "<truncated>";
    tachyon_frame fr;
    int rc;

    if (!t->truncated_frame) {
        memset(&fr, 0, sizeof fr);
        fr.struct_size = sizeof fr;
        fr.kind = TACHYON_FRAME_PYTHON;
        rc = intern_string(t->in, "~", 1, &fr.filename);
        if (rc == 0)
            rc = intern_string(t->in, name, sizeof name - 1, &fr.funcname);
        if (rc < 0)
            return rc;
        fr.column = fr.end_column = TACHYON_NO_LOCATION;
        fr.opcode = fr.base_opcode = TACHYON_NO_OPCODE;
        rc = intern_frame(t->in, &fr, &t->truncated_frame);
        if (rc < 0)
            return rc;
    }
    *id = t->truncated_frame;
    return 0;
}

/* Errors that end the whole sample; anything else is one thread's
 * problem (a stack freed under us, one undecodable object). */
static int fatal_error(int rc)
{
    return rc == ERR_NOPROC || rc == ERR_NOMEM || rc == ERR_PERM || rc == ERR_INTERRUPTED;
}

static void thread_failed(struct py_target *t, struct py_thr *th)
{
    if (!t->sample_error[0])
        snprintf(t->sample_error, sizeof t->sample_error, "%s", diag_message());
    th->failed = 1;
}

/* Count this sample's failed threads, once it is known that the sample
 * itself survived (a sample where every thread failed is a failed sample,
 * counted by the sampler's error rate instead). */
static void count_thread_failures(struct py_target *t)
{
    size_t i, k;

    for (i = 0; i < t->n_thr; i++) {
        const struct py_thr *th = &t->thr[i];
        if (!th->selected || !th->failed)
            continue;
        for (k = 0; k < t->n_failures; k++)
            if (t->failures[k].thread_id == th->thread_id)
                break;
        if (k == t->n_failures) {
            if (k == PY_MAX_FAILURE_THREADS)
                k--;   /* the last slot stands for every further thread */
            else
                t->n_failures++;
            t->failures[k].thread_id = th->thread_id;
            t->failures[k].count = 0;
            snprintf(t->failures[k].first_error, sizeof t->failures[k].first_error, "%s", t->sample_error);
        }
        t->failures[k].count++;
    }
}

size_t py_target_thread_failures(const struct py_target *t, const struct py_thread_failure **out)
{
    *out = t->failures;
    return t->n_failures;
}

void py_target_reset_losses(struct py_target *t)
{
    t->n_failures = 0;
    t->truncated_stacks = 0;
}

uint64_t py_target_truncated_stacks(const struct py_target *t)
{
    return t->truncated_stacks;
}

/* Remember what this sample found for the next read-ahead. */
static int remember(struct py_target *t, const struct py_sample_opts *o)
{
    const struct py_layout *L = &t->L;
    size_t i, k, n = 0;

    memcpy(t->spec_interps, t->interps, t->n_interps * sizeof *t->interps);
    t->n_spec_interps = t->n_interps;
    for (i = 0; i < t->n_thr; i++) {
        struct py_spec_thread *s = &t->spec[i];
        const struct py_thr *th = &t->thr[i];
        const struct py_copy *c = &t->copies[i];
        memset(s, 0, sizeof *s);
        s->tstate = th->addr;
        s->interp = th->interp;
        if (!th->selected)
            continue;
        s->cframe = th->cframe;
        if (th->have_chunk && c->len >= L->chunk_data) {
            uint64_t size = u64_at(c->data, L->chunk_size);
            size_t len = c->len + CHUNK_SLACK;
            if (size >= L->chunk_data && len > size)
                len = (size_t)size;
            if (len <= PY_CHUNK_MAX) {
                s->chunk = th->chunk;
                s->chunk_len = len;
            }
        }
    }
    t->n_spec = t->n_thr;
    for (i = 0; i < t->n_raw && n < PY_MAX_SPEC_CODES; i++) {
        if (t->raw[i].native)
            continue;
        for (k = 0; k < n; k++)
            if (t->spec_codes[k] == t->raw[i].code)
                break;
        if (k == n)
            t->spec_codes[n++] = t->raw[i].code;
    }
    t->n_spec_codes = n;
    for (i = 0; i < t->n_next_blobs; i++) {
        int rc = copy_reserve(&t->blobs[i], t->next_blob_len[i]);
        if (rc < 0) {
            t->n_next_blobs = i;
            break;
        }
        t->blobs[i].addr = t->next_blob_addr[i];
        t->blobs[i].len = t->next_blob_len[i];
    }
    t->n_blobs = t->n_next_blobs;
    py_status_remember(t, o->thread_status || o->gc);
    t->spec_opcodes = o->opcodes;
    return 0;
}

static void forget(struct py_target *t)
{
    t->n_spec = t->n_spec_interps = t->n_spec_codes = t->n_blobs = 0;
    t->spec_status = t->spec_opcodes = 0;
}

/* Thread th's stack into t->ids, innermost first: <GC> while it collects
 * (on top up to 3.14; from 3.15 right above the frame that started the
 * collection, as upstream, and *in_gc says it was found), <native> between
 * two Python frames where C code sits (never at either end, as upstream).
 * Returns the depth, 0 without Python frames. */
static int assemble(struct py_target *t, const struct py_thr *th, const struct py_sample_opts *o,
                    uint32_t *depth_out, int *in_gc)
{
    uint32_t depth = 0, python = 0, limit;
    int pending = 0, rc;
    size_t j;

    *depth_out = 0;
    *in_gc = 0;
    if (th->in_gc && o->gc) {
        rc = py_special_frame(t, TACHYON_FRAME_GC, &t->ids[depth++]);
        if (rc < 0)
            return rc;
    }
    /* A truncated stack keeps its innermost frames and one marker slot. */
    limit = th->truncated ? PY_MAX_DEPTH - 1 : PY_MAX_DEPTH;
    for (j = th->raw_start; j < th->raw_start + th->raw_count && depth < limit; j++) {
        const struct py_raw *r = &t->raw[j];
        if (r->skip)
            continue;
        if (r->native) {
            pending = python > 0;
            continue;
        }
        if (pending && depth + 1 < limit) {
            rc = py_special_frame(t, TACHYON_FRAME_NATIVE, &t->ids[depth++]);
            if (rc < 0)
                return rc;
        }
        pending = 0;
        if (th->gc_frame && r->addr == th->gc_frame && !*in_gc && depth + 1 < limit) {
            *in_gc = 1;
            if (o->gc) {
                rc = py_special_frame(t, TACHYON_FRAME_GC, &t->ids[depth++]);
                if (rc < 0)
                    return rc;
            }
        }
        t->ids[depth++] = r->id;
        python++;
    }
    if (python && th->truncated) {
        rc = truncated_frame(t, &t->ids[depth]);
        if (rc < 0)
            return rc;
        depth++;
        t->truncated_stacks++;
    }
    *depth_out = python ? depth : 0;
    return 0;
}

static int sample_once(struct py_target *t, const struct py_sample_opts *o, py_thread_cb cb, void *ctx)
{
    size_t i, k;
    int rc, any = 0, last_error = 0;

    t->sample_no++;
    if (t->sample_no == 0)
        t->sample_no = 1;
    t->n_raw = 0;
    t->blobs_valid = 0;
    t->n_next_blobs = t->next_blob_bytes = 0;
    t->ahead_ok = 0;
    t->code_gen_known = 0;
    rc = read_ahead(t);
    if (rc == 0)
        t->ahead_ok = 1;
    if (rc == 1) {
        rc = discover(t);
    }
    if (rc < 0)
        goto fail;
    if (t->n_thr == 0) {
        rc = diag_set(ERR_NOTREADY, "no thread state yet");
        goto fail;
    }
    select_threads(t, o);
    if (o->async_mode && (rc = py_async_prepare(t, o)) < 0)
        goto fail;
    t->sample_error[0] = '\0';
    /* A thread whose stack cannot be read or decoded loses its own sample
     * only: the other threads of this sample are still delivered. */
    for (i = 0; i < t->n_thr; i++) {
        struct py_thr *th = &t->thr[i];
        th->failed = th->truncated = 0;
        if (!th->selected)
            continue;
        th->raw_start = t->n_raw;
        th->raw_count = 0;
        rc = complete_thread(t, i);
        if (rc == 0)
            rc = walk_thread(t, i, o->native);
        if (rc < 0 && fatal_error(rc))
            goto fail;
        if (rc < 0) {
            last_error = rc;
            t->n_raw = th->raw_start;
            th->raw_count = 0;
            thread_failed(t, th);
        }
    }
    rc = py_status_sample(t, o);
    if (rc < 0)
        goto fail;
    /* What a failed thread read may be what broke it: read it afresh. */
    if (last_error)
        forget(t);
    else
        remember(t, o);
    rc = py_code_check_pending(t, 0, t->n_raw);
    if (rc == 0 && o->opcodes)
        rc = py_opcode_prepare(t, 0, t->n_raw);
    if (rc < 0)
        goto fail;
    for (k = 0; k < t->n_thr; k++) {
        struct py_thr *th = &t->thr[k];
        if (!th->selected || th->failed)
            continue;
        for (i = th->raw_start; i < th->raw_start + th->raw_count; i++) {
            int skip;
            if (t->raw[i].native)
                continue;
            rc = py_code_frame_id(t, &t->raw[i], o->opcodes, &t->raw[i].id, &skip);
            if (rc < 0 && fatal_error(rc))
                goto fail;
            if (rc < 0) {
                last_error = rc;
                thread_failed(t, th);
                break;
            }
            t->raw[i].skip = (uint8_t)skip;
        }
    }
    if (o->async_mode) {
        /* Tasks are stitched across threads: a sample with a thread that
         * failed is not split, it fails as a whole. */
        if (last_error) {
            rc = last_error;
            goto fail;
        }
        return py_async_deliver(t, o, cb, ctx);
    }
    for (i = 0; i < t->n_thr; i++) {
        const struct py_thr *th = &t->thr[i];
        struct py_thread_sample s;
        uint32_t depth = 0;
        int gc_here = 0;
        if (!th->selected || th->failed)
            continue;
        rc = assemble(t, th, o, &depth, &gc_here);
        if (rc < 0)
            return rc;
        if (depth == 0)
            continue;
        s.thread_id = th->thread_id;
        s.native_thread_id = th->native_thread_id;
        s.interpreter_id = th->interp_id;
        s.status = th->status | (gc_here ? TACHYON_THREAD_IN_GC : 0);
        s.depth = depth;
        s.frames = t->ids;
        s.task = 0;
        any = 1;
        rc = cb(ctx, &s);
        if (rc != 0)
            return rc;
    }
    if (any && last_error)
        count_thread_failures(t);
    if (!any && last_error) {
        /* Every thread failed: the sample failed, for the first reason. */
        forget(t);
        return last_error;
    }
    if (!any)
        return diag_set(ERR_NOTREADY, "no thread is running Python code");
    return 0;
fail:
    /* Whatever was read ahead may be what broke the sample. */
    forget(t);
    return rc;
}

int py_target_sample(struct py_target *t, const struct py_sample_opts *o, py_thread_cb cb, void *ctx)
{
    int rc = sample_once(t, o, cb, ctx);
    /* An event loop switched tasks between reading its running task and
     * its frames: one more try, then the sample fails. */
    if (rc == PY_ASYNC_RETRY)
        rc = sample_once(t, o, cb, ctx);
    if (rc == PY_ASYNC_RETRY)
        rc = diag_set(ERR_CORRUPT, "an event loop switched tasks while its thread was read");
    return rc;
}

void py_walk_free(struct py_target *t)
{
    size_t i;
    for (i = 0; t->copies && i < t->cap_copies; i++)
        free(t->copies[i].data);
    for (i = 0; i < PY_MAX_BLOBS; i++)
        free(t->blobs[i].data);
    free(t->copies);
    free(t->thr);
    free(t->ts_bufs);
    free(t->spec);
    free(t->raw);
    free(t->spans);
}
