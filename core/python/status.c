/* Thread status bits and the state behind <GC> frames.
 *
 * Everything here comes from memory the interpreter keeps anyway:
 *  - GIL: struct _gil_runtime_state's locked flag and last_holder (the
 *    thread state that took it last). A thread holds the GIL when the lock
 *    is taken and it is the last holder. The struct is in _PyRuntime up to
 *    3.11 (read with the runtime), and reached through the interpreter's
 *    ceval.gil pointer from 3.12 on (each interpreter may have its own).
 *  - Exception: a propagating exception is tstate->curexc_type (3.11) or
 *    tstate->current_exception (3.12+). An exception being handled (inside
 *    an except block, or a finally block run while one propagates) is the
 *    exc_value of the topmost _PyErr_StackItem with a value, as
 *    sys.exc_info() sees it: the chain starts at tstate->exc_info and links
 *    generator items to the thread's own item (tstate->exc_state); NULL and
 *    None both mean "no exception".
 *    From 3.15 each thread state says itself: holds_gil, and gil_requested
 *    while it waits for the GIL (TACHYON_THREAD_GIL_REQUESTED).
 *  - GC: the interpreter's gc.collecting flag. 3.11 to 3.14 do not say which
 *    thread collects; the collector runs with the GIL held, so the GIL
 *    holder is the collecting thread, and <GC> goes on top of its stack.
 *    (A finalizer that releases the GIL mid-collection can mislead this
 *    for a moment.) 3.15 records the frame that started the collection
 *    (gc.frame): as upstream, <GC> goes right above that frame, in the
 *    thread whose chain holds it (walk.c places it).
 *  - On CPU: the kernel's task state (core/threads/cpustat), read only when
 *    the caller asks for it (cpu mode, formats that show it), because it
 *    costs a system call per thread; otherwise TACHYON_THREAD_UNKNOWN is set,
 *    as upstream does.
 *  - Waiting for the GIL: no interpreter before 3.15 records it per thread,
 *    so TACHYON_THREAD_GIL_REQUESTED is never set for 3.11 to 3.14.
 *
 * The GC flags, GIL structs and out-of-thread-state exception items the last
 * sample read are read ahead with the rest of the snapshot, so in steady
 * state status costs no extra read; what changed is read in one readv. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../threads/cpustat.h"
#include "py_internal.h"

static uint64_t u64_at(const uint8_t *base, uint32_t off)
{
    uint64_t v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

static int32_t i32_at(const uint8_t *base, uint32_t off)
{
    int32_t v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

static const uint8_t *ts_of(const struct py_target *t, size_t i)
{
    return t->ts_bufs + i * (t->ts_hi - t->ts_lo);
}

/* The GIL struct is reached through the interpreter's pointer (3.12+) and
 * read only where thread states do not say themselves who holds the GIL
 * (before 3.15): its pointer, never read, then stays 0. */
static int gil_struct_needed(const struct py_layout *L)
{
    return L->is_gil_ptr != PY_OFF_NONE && L->ts_holds_gil == PY_OFF_NONE;
}

/* Where interpreter i's GIL struct is this sample (0: unknown). */
static uint64_t gil_address(const struct py_target *t, size_t i)
{
    uint64_t p = u64_at(t->ist[i].gil_ptr, 0);
    return (p & 7) ? 0 : p;
}

void py_status_ahead_spans(struct py_target *t, struct mem_span *spans, size_t *n)
{
    size_t i, j;

    if (!t->spec_status)
        return;
    for (i = 0; i < t->n_spec_interps; i++) {
        spans[(*n)++] = (struct mem_span){ t->spec_interps[i] + t->L.is_gc_collecting, t->ist[i].gc_buf, 4 };
        if (t->L.is_gc_frame != PY_OFF_NONE)
            spans[(*n)++] = (struct mem_span){ t->spec_interps[i] + t->L.is_gc_frame, t->ist[i].gc_frame_buf, 8 };
        if (gil_struct_needed(&t->L))
            spans[(*n)++] = (struct mem_span){ t->spec_interps[i] + t->L.is_gil_ptr, t->ist[i].gil_ptr, 8 };
        if (t->spec_gil[i])
            spans[(*n)++] = (struct mem_span){ t->spec_gil[i] + t->gil_lo, t->ist[i].gil_buf, t->gil_len };
    }
    for (j = 0; j < t->n_spec; j++)
        if (t->spec[j].exc_info)
            spans[(*n)++] = (struct mem_span){ t->spec[j].exc_info, t->spec[j].exc_item, PY_ERR_ITEM };
}

void py_status_remember(struct py_target *t, int used)
{
    size_t i;

    t->spec_status = used;
    for (i = 0; i < t->n_interps; i++)
        t->spec_gil[i] = used ? t->ist[i].gil : 0;
    for (i = 0; i < t->n_thr; i++) {
        const struct py_thr *th = &t->thr[i];
        t->spec[i].exc_info = 0;
        if (used && th->selected && th->exc_info && th->exc_info != th->addr + t->L.ts_exc_state)
            t->spec[i].exc_info = th->exc_info;
    }
}

/* Decide, per interpreter and selected thread, which copies the read-ahead
 * already holds, and read the others: one readv, and a second one only for
 * a GIL struct whose pointer was not known before. */
static int gather(struct py_target *t, int exceptions)
{
    const struct py_layout *L = &t->L;
    int ahead = t->ahead_ok && t->spec_status;
    size_t i, n = 0;
    int rc;

    rc = py_spans_reserve(t, 3 * t->n_interps + t->n_thr);
    if (rc < 0)
        return rc;
    for (i = 0; i < t->n_interps && !ahead; i++) {
        t->spans[n++] = (struct mem_span){ t->interps[i] + L->is_gc_collecting, t->ist[i].gc_buf, 4 };
        if (L->is_gc_frame != PY_OFF_NONE)
            t->spans[n++] = (struct mem_span){ t->interps[i] + L->is_gc_frame, t->ist[i].gc_frame_buf, 8 };
        if (gil_struct_needed(L))
            t->spans[n++] = (struct mem_span){ t->interps[i] + L->is_gil_ptr, t->ist[i].gil_ptr, 8 };
    }
    for (i = 0; exceptions && i < t->n_thr; i++) {
        struct py_thr *th = &t->thr[i];
        if (!th->selected)
            continue;
        th->exc_info = u64_at(ts_of(t, i), L->ts_exc_info - t->ts_lo);
        th->exc_item = NULL;
        if (th->exc_info == 0 || (th->exc_info & 7))
            continue;
        if (th->exc_info == th->addr + L->ts_exc_state) {
            th->exc_item = ts_of(t, i) + (L->ts_exc_state - t->ts_lo);
        } else if (ahead && i < t->n_spec && t->spec[i].exc_info == th->exc_info) {
            th->exc_item = t->spec[i].exc_item;
        } else {
            th->exc_item = th->exc_tmp;
            t->spans[n++] = (struct mem_span){ th->exc_info, th->exc_tmp, PY_ERR_ITEM };
        }
    }
    rc = n ? mem_readv(t->r, t->spans, n) : 0;
    if (rc < 0)
        return rc;

    n = 0;
    for (i = 0; i < t->n_interps; i++) {
        struct py_interp_status *st = &t->ist[i];
        st->have_gc = 1;
        st->gil = 0;
        st->gil_data = NULL;
        if (L->rt_gil != PY_OFF_NONE) {
            st->gil_data = t->rt_buf + (L->rt_gil + t->gil_lo - t->rt_lo);
            continue;
        }
        st->gil = gil_address(t, i);
        if (!st->gil)
            continue;
        st->gil_data = st->gil_buf;
        if (!ahead || t->spec_gil[i] != st->gil)
            t->spans[n++] = (struct mem_span){ st->gil + t->gil_lo, st->gil_buf, t->gil_len };
    }
    return n ? mem_readv(t->r, t->spans, n) : 0;
}

/* Is v an exception object rather than NULL or None? Py_None's address is
 * found from the symbol table when the target is opened; when it is not
 * (a synthetic image), the object's type is checked by name once and
 * Py_None learnt from it. */
static int is_exception(struct py_target *t, uint64_t v, int *out)
{
    uint64_t type, name;
    char buf[9];
    int rc;

    *out = 0;
    if (v == 0 || v == t->none_addr)
        return 0;
    if (t->none_addr) {
        *out = 1;
        return 0;
    }
    if (v & 7)
        return diag_set(ERR_CORRUPT, "exception pointer 0x%llx", (unsigned long long)v);
    rc = mem_read(t->r, v + t->L.ob_type, &type, sizeof type);
    if (rc < 0)
        return rc;
    if (t->none_type == 0) {
        if (type == 0 || (type & 7))
            return diag_set(ERR_CORRUPT, "bad type pointer 0x%llx", (unsigned long long)type);
        rc = mem_read(t->r, type + t->L.tp_name, &name, sizeof name);
        if (rc == 0 && name)
            rc = mem_read(t->r, name, buf, sizeof buf);
        if (rc < 0)
            return rc;
        if (name == 0 || memcmp(buf, "NoneType", 9) != 0) {
            *out = 1;
            return 0;
        }
        t->none_type = type;
    }
    if (type == t->none_type)
        t->none_addr = v;
    else
        *out = 1;
    return 0;
}

/* The topmost handled exception, following previous_item past items
 * without one (a generator that handles nothing, inside an except block). */
static int handled_exception(struct py_target *t, struct py_thr *th, int *out)
{
    const struct py_layout *L = &t->L;
    uint8_t item[PY_ERR_ITEM];
    const uint8_t *p = th->exc_item;
    uint64_t next;
    int rc, k;

    *out = 0;
    for (k = 0; p && k < PY_MAX_EXC_ITEMS; k++) {
        rc = is_exception(t, u64_at(p, L->err_exc_value), out);
        if (rc < 0 || *out)
            return rc;
        next = u64_at(p, L->err_previous);
        if (next == 0)
            return 0;
        if (next & 7)
            return diag_set(ERR_CORRUPT, "exception stack broken at 0x%llx", (unsigned long long)next);
        rc = mem_read(t->r, next, item, sizeof item);
        if (rc < 0)
            return rc;
        p = item;
    }
    return 0;
}

static int interp_index(const struct py_target *t, uint64_t interp)
{
    size_t k;
    for (k = 0; k < t->n_interps; k++)
        if (t->interps[k] == interp)
            return (int)k;
    return -1;
}

static uint32_t cpu_bits(struct py_target *t, const struct py_thr *th)
{
    int rc;

    if (!t->cpu && !t->cpu_failed && cpustat_open(t->pid, &t->cpu) < 0)
        t->cpu_failed = 1;
    if (!t->cpu || th->native_thread_id == 0 || th->native_thread_id > INT32_MAX)
        return TACHYON_THREAD_UNKNOWN;
    rc = cpustat_on_cpu(t->cpu, (pid_t)th->native_thread_id);
    if (rc < 0)
        return TACHYON_THREAD_UNKNOWN;
    return rc ? TACHYON_THREAD_ON_CPU : 0;
}

int py_status_sample(struct py_target *t, const struct py_sample_opts *o)
{
    const struct py_layout *L = &t->L;
    size_t i;
    int rc, memory = o->thread_status || o->gc;

    for (i = 0; i < t->n_thr; i++) {
        t->thr[i].status = t->thr[i].is_main ? TACHYON_THREAD_MAIN : 0;
        t->thr[i].in_gc = 0;
        t->thr[i].gc_frame = 0;
        t->thr[i].exc_info = 0;
    }
    if (!memory)
        return 0;
    rc = gather(t, o->thread_status);
    if (rc < 0)
        return rc;
    for (i = 0; i < t->n_thr; i++) {
        struct py_thr *th = &t->thr[i];
        const struct py_interp_status *st;
        int k = interp_index(t, th->interp), exc = 0;
        if (!th->selected || k < 0)
            continue;
        st = &t->ist[k];
        if (L->ts_holds_gil != PY_OFF_NONE) {
            if (i32_at(ts_of(t, i), L->ts_holds_gil - t->ts_lo) != 0)
                th->status |= TACHYON_THREAD_HAS_GIL;
            else if (L->ts_gil_requested != PY_OFF_NONE &&
                     i32_at(ts_of(t, i), L->ts_gil_requested - t->ts_lo) != 0)
                th->status |= TACHYON_THREAD_GIL_REQUESTED;
        } else if (st->gil_data && i32_at(st->gil_data, L->gil_locked - t->gil_lo) > 0 &&
                   u64_at(st->gil_data, L->gil_last_holder - t->gil_lo) == th->addr) {
            th->status |= TACHYON_THREAD_HAS_GIL;
        }
        if (L->is_gc_frame != PY_OFF_NONE) {
            /* The thread whose chain holds the frame is marked by walk.c. */
            if (st->have_gc && i32_at(st->gc_buf, 0) > 0)
                th->gc_frame = u64_at(st->gc_frame_buf, 0);
        } else if ((th->status & TACHYON_THREAD_HAS_GIL) && st->have_gc && i32_at(st->gc_buf, 0) > 0) {
            th->in_gc = 1;
            th->status |= TACHYON_THREAD_IN_GC;
        }
        if (!o->thread_status)
            continue;
        rc = is_exception(t, u64_at(ts_of(t, i), L->ts_curexc - t->ts_lo), &exc);
        if (rc == 0 && !exc)
            rc = handled_exception(t, th, &exc);
        if (rc < 0)
            return rc;
        if (exc)
            th->status |= TACHYON_THREAD_HAS_EXCEPTION;
        th->status |= o->cpu_status ? cpu_bits(t, th) : TACHYON_THREAD_UNKNOWN;
    }
    if (t->cpu && o->cpu_status)
        cpustat_sweep(t->cpu);
    return 0;
}

int py_special_frame(struct py_target *t, int kind, uint32_t *id)
{
    uint32_t *slot = kind == TACHYON_FRAME_GC ? &t->gc_frame : &t->native_frame;
    const char *name = kind == TACHYON_FRAME_GC ? "<GC>" : "<native>";
    tachyon_frame fr;
    int rc;

    if (*slot) {
        *id = *slot;
        return 0;
    }
    /* Upstream's synthetic frames: file "~", line 0, no columns. */
    memset(&fr, 0, sizeof fr);
    fr.struct_size = sizeof fr;
    fr.kind = (uint32_t)kind;
    rc = intern_string(t->in, "~", 1, &fr.filename);
    if (rc == 0)
        rc = intern_string(t->in, name, strlen(name), &fr.funcname);
    if (rc < 0)
        return rc;
    fr.line = fr.end_line = 0;
    fr.column = fr.end_column = TACHYON_NO_LOCATION;
    fr.opcode = fr.base_opcode = TACHYON_NO_OPCODE;
    rc = intern_frame(t->in, &fr, slot);
    if (rc < 0)
        return rc;
    *id = *slot;
    return 0;
}

void py_status_free(struct py_target *t)
{
    if (t->cpu)
        cpustat_close(t->cpu);
    t->cpu = NULL;
}
