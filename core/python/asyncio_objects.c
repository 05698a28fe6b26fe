/* Reading the objects a task points to: its name (a str or the counter of
 * an unnamed task), its coroutine chain (each coroutine's embedded frame and
 * the object it awaits), its awaiters (one task or a set of them), and the
 * type of each, through running mode's read-ahead. asyncio.c builds the task
 * graph from them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "asyncio_priv.h"

#define TPFLAGS_LONG_SUBCLASS (1ul << 24)
#define TPFLAGS_UNICODE_SUBCLASS (1ul << 28)

static uint64_t u64_at(const uint8_t *p, uint32_t off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

/* --- running mode's read-ahead ---------------------------------------------- */

static void memo_note(struct py_async *a, uint64_t addr, size_t len)
{
    size_t i;
    if (a->n_next == PY_ASYNC_MEMO || a->next_bytes + len > PY_ASYNC_MEMO_BYTES)
        return;
    for (i = 0; i < a->n_next; i++)
        if (a->next[i].addr == addr && a->next[i].len >= len)
            return;
    a->next[a->n_next].addr = addr;
    a->next[a->n_next].len = (uint32_t)len;
    a->next[a->n_next++].off = (uint32_t)a->next_bytes;
    a->next_bytes += len;
}

/* Read what the last sample read, in one readv; when any of it is gone the
 * sample reads everything itself. */
void py_async_memo_prefetch(struct py_async *a)
{
    size_t i;
    a->ahead_ok = 0;
    a->n_ahead = a->n_next;
    memcpy(a->ahead, a->next, a->n_next * sizeof *a->next);
    a->n_next = a->next_bytes = 0;
    if (a->n_ahead == 0 || (!a->ahead_buf && !(a->ahead_buf = malloc(PY_ASYNC_MEMO_BYTES))) ||
        grow_array((void **)&a->spans, &a->cap_spans, a->n_ahead, sizeof *a->spans) < 0)
        return;
    for (i = 0; i < a->n_ahead; i++)
        a->spans[i] = (struct mem_span){ a->ahead[i].addr, a->ahead_buf + a->ahead[i].off, a->ahead[i].len };
    a->ahead_ok = mem_readv(a->r, a->spans, a->n_ahead) == 0;
}

int py_async_read(struct py_async *a, uint64_t addr, void *buf, size_t len)
{
    size_t i;
    int rc;
    for (i = 0; a->ahead_ok && i < a->n_ahead; i++)
        if (a->ahead[i].addr == addr && a->ahead[i].len >= len) {
            memcpy(buf, a->ahead_buf + a->ahead[i].off, len);
            memo_note(a, addr, len);
            return 0;
        }
    rc = mem_read(a->r, addr, buf, len);
    if (rc == 0)
        memo_note(a, addr, len);
    return rc;
}

/* --- objects ------------------------------------------------------------- */

int py_async_bad_ptr(uint64_t p)
{
    return p == 0 || (p & 7) != 0 || p >= (1ull << 56);
}

/* What the type at addr is, by its flags or name, cached by address. */
int py_async_type_kind(struct py_async *a, uint64_t type, int *kind)
{
    uint64_t flags = 0, name_ptr = 0;
    char name[12];
    size_t i;
    int rc;

    for (i = 0; i < a->n_types; i++)
        if (a->type_addr[i] == type) {
            *kind = a->type_kind[i];
            return 0;
        }
    if (py_async_bad_ptr(type))
        return diag_set(ERR_CORRUPT, "bad type pointer 0x%llx", (unsigned long long)type);
    if ((rc = mem_read(a->r, type + a->L.tp_flags, &flags, sizeof flags)) < 0 ||
        (rc = mem_read(a->r, type + a->L.tp_name, &name_ptr, sizeof name_ptr)) < 0)
        return rc;
    memset(name, 0, sizeof name);
    if (name_ptr && mem_read(a->r, name_ptr, name, 10) < 0)
        name[0] = '\0';
    if (flags & TPFLAGS_LONG_SUBCLASS)
        *kind = TYPE_LONG;
    else if (flags & TPFLAGS_UNICODE_SUBCLASS)
        *kind = TYPE_STR;
    else if (memcmp(name, "coroutine", 10) == 0 || memcmp(name, "generator", 10) == 0)
        *kind = TYPE_CORO;
    else
        *kind = TYPE_OTHER;
    /* Types outlive their objects; a full cache simply stops caching. */
    if (a->n_types < PY_ASYNC_TYPE_CACHE) {
        a->type_addr[a->n_types] = type;
        a->type_kind[a->n_types++] = (uint8_t)*kind;
    }
    return 0;
}

/* The name of a task: a str (cut at PY_ASYNC_NAME_MAX characters), or the
 * counter of an unnamed task, shown "Task-N" as asyncio names it. buf holds
 * len bytes read at obj. */
int py_async_name_from(struct py_async *a, uint64_t obj, const uint8_t *buf, size_t len, uint32_t *id)
{
    const struct py_layout *pl = a->pl;
    size_t nchars;
    uint64_t type, data;
    unsigned ukind;
    int kind, ascii, rc;

    *id = 0;
    if (len < pl->uni_ascii_size || len < a->L.long_size)
        return diag_set(ERR_CORRUPT, "task name read short");
    type = u64_at(buf, a->L.ob_type);
    if ((rc = py_async_type_kind(a, type, &kind)) < 0)
        return rc;
    if (kind == TYPE_LONG) {
        uint64_t tag = u64_at(buf, a->L.long_lv_tag), v = 0, ndigits = tag >> 3;
        uint32_t d[2] = { 0, 0 };
        char text[32];
        int n;
        if (ndigits > 2 || (tag & 3) == 2 || a->L.long_digit + 8 > len)
            return diag_set(ERR_CORRUPT, "task counter with lv_tag 0x%llx", (unsigned long long)tag);
        memcpy(d, buf + a->L.long_digit, ndigits * 4);
        v = (uint64_t)d[0] | ((uint64_t)d[1] << 30);
        n = snprintf(text, sizeof text, "Task-%llu", (unsigned long long)v);
        return intern_string(a->in, text, (size_t)n, id);
    }
    if (kind != TYPE_STR)
        return diag_set(ERR_CORRUPT, "task name is neither a str nor an int");
    rc = py_str_header(pl, buf, obj, &ukind, &ascii, &nchars, &data);
    if (rc < 0)
        return rc;
    if (nchars > PY_ASYNC_NAME_MAX)
        nchars = PY_ASYNC_NAME_MAX;
    if (data >= obj && data - obj + nchars * ukind <= len) {
        rc = py_ucs_to_utf8(buf + (data - obj), nchars, ukind, ascii, &a->sbuf);
    } else {
        uint8_t text[PY_ASYNC_NAME_MAX * 4];
        rc = mem_read(a->r, data, text, nchars * ukind);
        if (rc == 0)
            rc = py_ucs_to_utf8(text, nchars, ukind, ascii, &a->sbuf);
    }
    if (rc < 0)
        return rc;
    return intern_string(a->in, a->sbuf.data ? a->sbuf.data : "", a->sbuf.len, id);
}

size_t py_async_name_want(const struct py_async *a)
{
    return a->pl->uni_compact_size + 64;
}

int py_async_read_name(struct py_async *a, uint64_t obj, uint32_t *id)
{
    const struct py_layout *pl = a->pl;
    size_t want = py_async_name_want(a);
    int rc;

    *id = 0;
    if (obj == 0)
        return 0;
    if (py_async_bad_ptr(obj))
        return diag_set(ERR_CORRUPT, "bad task name pointer 0x%llx", (unsigned long long)obj);
    /* One read usually covers the header and the text of a short name; an
     * object near the end of a mapping is read again with its header only. */
    if (py_async_read(a, obj, a->name_buf, want) < 0) {
        want = pl->uni_ascii_size > a->L.long_size ? pl->uni_ascii_size : a->L.long_size;
        if ((rc = mem_read(a->r, obj, a->name_buf, want)) < 0)
            return rc;
    }
    return py_async_name_from(a, obj, a->name_buf, want, id);
}

int py_async_push_frame(struct py_async *a, uint32_t id)
{
    int rc;
    if (a->n_frames >= PY_ASYNC_MAX_FRAMES) {
        a->cnt.too_many++;
        return diag_set(ERR_CORRUPT, "more than %u coroutine frames in one sample", PY_ASYNC_MAX_FRAMES);
    }
    rc = grow_array((void **)&a->frames, &a->cap_frames, a->n_frames + 1, sizeof *a->frames);
    if (rc == 0)
        a->frames[a->n_frames++] = id;
    return rc;
}

static int in_chain(const struct py_async *a, size_t n, uint64_t coro)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (a->chain[i] == coro)
            return 1;
    return 0;
}

/* The frames of a task's coroutine and of the coroutines it awaits in turn,
 * innermost first. The chain ends at a finished coroutine, at an awaited
 * object of another type (a future, an iterator) or at a frame not shown. */
int py_async_read_coro_chain(struct py_async *a, uint64_t coro)
{
    const struct py_async_layout *L = &a->L;
    size_t depth = 0, first = a->n_frames, i, j;
    uint64_t gen_type = 0;
    int rc, kind;

    while (coro && depth < PY_ASYNC_MAX_CORO_DEPTH) {
        const uint8_t *fp = a->gen + L->gi_iframe;
        int8_t state;
        uint64_t code, instr, sp, awaited = 0, type;
        uint32_t id;
        int skip;

        if (py_async_bad_ptr(coro))
            return diag_set(ERR_CORRUPT, "bad coroutine pointer 0x%llx", (unsigned long long)coro);
        if (in_chain(a, depth, coro)) {
            a->cnt.cycles++;
            break;
        }
        a->chain[depth] = coro;
        if ((rc = py_async_read(a, coro, a->gen, L->gi_iframe + L->fr_size)) < 0)
            return rc;
        type = u64_at(a->gen, L->ob_type);
        if (depth == 0) {
            /* A task may wrap any awaitable; only native coroutines and
             * generators have a frame to show. */
            if ((rc = py_async_type_kind(a, type, &kind)) < 0)
                return rc;
            if (kind != TYPE_CORO)
                break;
            gen_type = type;
        } else if (type != gen_type) {
            break;
        }
        memcpy(&state, a->gen + L->gi_frame_state, 1);
        if (state == L->state_cleared)
            break;
        if ((uint8_t)fp[L->fr_owner] != L->owner_generator)
            return diag_set(ERR_CORRUPT, "coroutine 0x%llx does not own its frame", (unsigned long long)coro);
        code = u64_at(fp, L->fr_executable) & ~L->tag_mask;
        instr = u64_at(fp, L->fr_instr);
        if ((rc = a->frame_id(a->frame_ctx, code, instr, &id, &skip)) < 0)
            return rc;
        if (skip)
            break;
        if ((rc = py_async_push_frame(a, id)) < 0)
            return rc;
        depth++;
        if (state != L->state_yield_from && state != L->state_yield_from_locked)
            break;
        /* Suspended in await: the awaited object is on its value stack. */
        sp = u64_at(fp, L->fr_stackpointer);
        if (sp < 8u * L->await_slot || (sp & 7))
            break;
        if ((rc = py_async_read(a, sp - 8u * L->await_slot, &awaited, 8)) < 0)
            return rc;
        awaited &= ~L->tag_mask;
        if (awaited == 0)
            break;
        coro = awaited;
    }
    /* Outermost was read first; stacks are innermost first. */
    for (i = first, j = a->n_frames; i + 1 < j; i++, j--) {
        uint32_t t = a->frames[i];
        a->frames[i] = a->frames[j - 1];
        a->frames[j - 1] = t;
    }
    return 0;
}

static int push_link(struct py_async *a, uint64_t addr)
{
    int rc;
    if (a->n_links >= PY_ASYNC_MAX_LINKS) {
        a->cnt.too_many++;
        return diag_set(ERR_CORRUPT, "more than %u awaiter links in one sample", PY_ASYNC_MAX_LINKS);
    }
    rc = grow_array((void **)&a->links, &a->cap_links, a->n_links + 1, sizeof *a->links);
    if (rc == 0)
        a->links[a->n_links++] = addr;
    return rc;
}

/* The awaiters of a task: one object, or the live entries of a set. */
int py_async_read_awaiters(struct py_async *a, uint64_t ab, int is_set)
{
    const struct py_async_layout *L = &a->L;
    uint8_t set[1024];
    uint64_t used, mask, table, found = 0, i;
    int rc;

    if (ab == 0)
        return 0;
    if (py_async_bad_ptr(ab))
        return diag_set(ERR_CORRUPT, "bad awaiter pointer 0x%llx", (unsigned long long)ab);
    if (!is_set)
        return push_link(a, ab);
    if ((rc = py_async_read(a, ab, set, L->set_size)) < 0)
        return rc;
    used = u64_at(set, L->set_used);
    mask = u64_at(set, L->set_mask);
    table = u64_at(set, L->set_table);
    if (mask >= PY_ASYNC_MAX_SET_SLOTS || ((mask + 1) & mask) != 0 || used > mask + 1 || py_async_bad_ptr(table))
        return diag_set(ERR_CORRUPT, "awaiter set 0x%llx with mask %llu and %llu entries",
                        (unsigned long long)ab, (unsigned long long)mask, (unsigned long long)used);
    rc = grow_array((void **)&a->table, &a->cap_table, (size_t)(mask + 1) * 16, 1);
    if (rc == 0)
        rc = mem_read(a->r, table, a->table, (size_t)(mask + 1) * 16);
    for (i = 0; rc == 0 && i <= mask && found < used; i++) {
        uint64_t key = u64_at(a->table, (uint32_t)(i * 16));
        int64_t hash = (int64_t)u64_at(a->table, (uint32_t)(i * 16 + 8));
        /* Removed entries keep the dummy key with hash -1. */
        if (key == 0 || hash == -1)
            continue;
        found++;
        rc = push_link(a, key);
    }
    return rc;
}
