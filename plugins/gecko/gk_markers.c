#include "gk_markers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static const struct {
    const char *name;
    int category;
} states[GK_STATE_COUNT] = {
    [GK_HAS_GIL] = {"Has GIL", GK_CAT_GIL},
    [GK_NO_GIL] = {"No GIL", GK_CAT_GIL},
    [GK_ON_CPU] = {"On CPU", GK_CAT_CPU},
    [GK_OFF_CPU] = {"Off CPU", GK_CAT_CPU},
    [GK_PYTHON_CODE] = {"Python Code", GK_CAT_CODE_TYPE},
    [GK_NATIVE_CODE] = {"Native Code", GK_CAT_CODE_TYPE},
    [GK_GIL_WAIT] = {"Waiting for GIL", GK_CAT_GIL},
    [GK_GC] = {"GC Collecting", GK_CAT_GC},
    [GK_HAS_EXC] = {"Has Exception", GK_CAT_EXCEPTION},
    [GK_NO_EXC] = {"No Exception", GK_CAT_EXCEPTION},
};

const char *gk_state_name(int kind)
{
    return kind >= 0 && kind < GK_STATE_COUNT ? states[kind].name : "Opcode";
}

int gk_state_category(int kind)
{
    return kind >= 0 && kind < GK_STATE_COUNT ? states[kind].category : GK_CAT_OPCODES;
}

static int push(struct gk_markers *m, uint32_t name, uint64_t start, uint64_t end, uint32_t frame, int kind)
{
    int rc = pl_grow((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v);
    if (rc)
        return rc;
    m->v[m->n].start_us = start;
    m->v[m->n].end_us = end < start ? start : end;
    m->v[m->n].name = name;
    m->v[m->n].what = kind == GK_OPCODE ? GK_OPCODE_BIT | frame : (uint32_t)kind;
    m->n++;
    return 0;
}

static int is_open(const struct gk_markers *m, int s)
{
    return (m->open >> s) & 1u;
}

static void open_state(struct gk_markers *m, int s, uint64_t t)
{
    if (!is_open(m, s)) {
        m->open |= 1u << s;
        m->start_us[s] = t;
    }
}

static int close_state(struct gk_markers *m, struct gk_strings *str, int s, uint64_t t)
{
    uint32_t name;
    int rc;
    if (!is_open(m, s))
        return 0;
    m->open &= ~(1u << s);
    rc = gk_strings_intern(str, states[s].name, strlen(states[s].name), &name);
    return rc ? rc : push(m, name, m->start_us[s], t, 0, s);
}

/* A two-sided state: exactly one of the pair is open once initialized. */
static int track_pair(struct gk_markers *m, struct gk_strings *str, int cond, int on, int off, uint64_t t)
{
    open_state(m, cond ? on : off, t);
    return m->initialized ? close_state(m, str, cond ? off : on, t) : 0;
}

int gk_markers_status(struct gk_markers *m, struct gk_strings *str, uint32_t status, int in_gc, uint64_t t)
{
    int has_gil = (status & TACHYON_THREAD_HAS_GIL) != 0;
    int on_cpu = (status & TACHYON_THREAD_ON_CPU) != 0;
    int rc;

    if ((rc = track_pair(m, str, has_gil, GK_HAS_GIL, GK_NO_GIL, t)) ||
        (rc = track_pair(m, str, on_cpu, GK_ON_CPU, GK_OFF_CPU, t)))
        return rc;
    /* Python code runs with the GIL; on a CPU without it, a thread runs
     * native code; with neither it runs no code at all. */
    if (has_gil) {
        rc = track_pair(m, str, 1, GK_PYTHON_CODE, GK_NATIVE_CODE, t);
    } else if (on_cpu) {
        rc = track_pair(m, str, 1, GK_NATIVE_CODE, GK_PYTHON_CODE, t);
    } else if (m->initialized) {
        if (!(rc = close_state(m, str, GK_PYTHON_CODE, t)))
            rc = close_state(m, str, GK_NATIVE_CODE, t);
    }
    if (rc)
        return rc;
    if (status & TACHYON_THREAD_GIL_REQUESTED)
        open_state(m, GK_GIL_WAIT, t);
    else if ((rc = close_state(m, str, GK_GIL_WAIT, t)))
        return rc;
    if ((rc = track_pair(m, str, (status & TACHYON_THREAD_HAS_EXCEPTION) != 0, GK_HAS_EXC, GK_NO_EXC, t)))
        return rc;
    if (in_gc)
        open_state(m, GK_GC, t);
    else if ((rc = close_state(m, str, GK_GC, t)))
        return rc;
    m->initialized = 1;
    return 0;
}

/* "LOAD_ATTR_MODULE (LOAD_ATTR)" for a specialized instruction, else its name. */
static int opcode_marker(struct gk_markers *m, struct gk_strings *str, const tachyon_host *host,
                         const struct gk_opstate *op, uint64_t end)
{
    const tachyon_frame *f = host->frame(host, op->frame);
    const char *name, *base;
    char buf[256];
    uint32_t idx;
    int rc, n;

    if (op->opcode == TACHYON_NO_OPCODE || !f || (op->frame & GK_OPCODE_BIT))
        return 0;
    name = f->opcode_name ? host->string(host, f->opcode_name, NULL) : NULL;
    base = f->base_opcode_name ? host->string(host, f->base_opcode_name, NULL) : NULL;
    if (!name)
        name = "<unknown>";
    if (base && f->opcode != f->base_opcode)
        n = snprintf(buf, sizeof buf, "%s (%s)", name, base);
    else
        n = snprintf(buf, sizeof buf, "%s", name);
    if (n < 0)
        return TACHYON_ERR_GENERIC;
    rc = gk_strings_copy(str, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, &idx);
    return rc ? rc : push(m, idx, op->start_us, end, op->frame, GK_OPCODE);
}

int gk_markers_leaf(struct gk_markers *m, struct gk_strings *str, const tachyon_host *host,
                    tachyon_frame_id leaf, uint64_t t)
{
    const tachyon_frame *f = host->frame(host, leaf);
    struct gk_opstate cur;
    int rc;

    if (!f)
        return 0;
    memset(&cur, 0, sizeof cur);
    cur.opcode = f->opcode;
    cur.line = f->line;
    cur.column = f->column;
    cur.funcname = f->funcname;
    cur.filename = f->filename;
    cur.frame = leaf;
    cur.start_us = t;
    if (m->have_op && m->op.opcode == cur.opcode && m->op.line == cur.line && m->op.column == cur.column &&
        m->op.funcname == cur.funcname && m->op.filename == cur.filename)
        return 0;
    if (m->have_op && (rc = opcode_marker(m, str, host, &m->op, t)))
        return rc;
    m->op = cur;
    m->have_op = 1;
    return 0;
}

int gk_markers_close(struct gk_markers *m, struct gk_strings *str, const tachyon_host *host, uint64_t end)
{
    int rc;
    for (int s = 0; s < GK_STATE_COUNT; s++)
        if ((rc = close_state(m, str, s, end)))
            return rc;
    if (m->have_op) {
        m->have_op = 0;
        if ((rc = opcode_marker(m, str, host, &m->op, end)))
            return rc;
    }
    return 0;
}

void gk_markers_free(struct gk_markers *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}
