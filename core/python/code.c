/* From (code object, instruction pointer) to an interned frame id.
 *
 * A code object is decoded once (names, filename, line table) and cached
 * by address; every sample re-checks its guard (see codecache.h) before
 * trusting the cache. Frame ids are cached per (code entry, code unit,
 * opcode): with --opcodes the instruction at one offset changes when the
 * interpreter specializes or de-optimizes it, and each variant is its own
 * frame. A steady-state sample interns nothing. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "linetable.h"
#include "py_internal.h"

#define PY_MAX_CODE_UNITS (1 << 24)

/* The name of a type object, compared with the expected one; the verified
 * address is remembered so this costs reads once per session. */
static int check_type(struct py_target *t, uint64_t type, const char *want, uint64_t *slot)
{
    char name[16];
    size_t n = strlen(want) + 1;
    uint64_t name_ptr;
    int rc;

    if (*slot)
        return type == *slot ? 0
                             : diag_set(ERR_CORRUPT, "object of type 0x%llx where a %s was expected",
                                        (unsigned long long)type, want);
    if (type == 0 || (type & 7) != 0)
        return diag_set(ERR_CORRUPT, "bad type pointer 0x%llx", (unsigned long long)type);
    rc = mem_read(t->r, type + t->L.tp_name, &name_ptr, sizeof name_ptr);
    if (rc < 0)
        return rc;
    if (name_ptr == 0)
        return diag_set(ERR_CORRUPT, "type without a name");
    rc = mem_read(t->r, name_ptr, name, n);
    if (rc < 0)
        return rc;
    if (memcmp(name, want, n) != 0)
        return diag_set(ERR_CORRUPT, "object of type '%.*s' where a %s was expected",
                        (int)(n - 1), name, want);
    *slot = type;
    return 0;
}

static void parse_print(const struct py_layout *L, const uint8_t *h, struct py_code_print *p)
{
    memcpy(&p->type, h + L->ob_type, 8);
    memcpy(&p->filename, h + L->co_filename, 8);
    memcpy(&p->qualname, h + L->co_qualname, 8);
    memcpy(&p->linetable, h + L->co_linetable, 8);
    memcpy(&p->ncode, h + L->co_size, 8);
    memcpy(&p->firstlineno, h + L->co_firstlineno, 4);
    memcpy(&p->firsttraceable, h + L->co_firsttraceable, 4);
    /* Shim code without a RESUME (3.14+'s __init__ cleanup shim) has its
     * first traceable instruction past its end: none of it is shown, as in
     * 3.13, where the shim's frames are all prologue. */
    if (p->firsttraceable > p->ncode && p->firsttraceable <= p->ncode + 8)
        p->firsttraceable = (int32_t)p->ncode;
}

static int print_equal(const struct py_code_print *a, const struct py_code_print *b)
{
    return a->type == b->type && a->filename == b->filename && a->qualname == b->qualname &&
           a->linetable == b->linetable && a->ncode == b->ncode &&
           a->firstlineno == b->firstlineno && a->firsttraceable == b->firsttraceable;
}

static int loaded(const struct py_code *e)
{
    return e->filename_id != 0 && e->qualname_id != 0;
}

void py_code_check_guard(struct py_target *t, uint64_t addr, const uint8_t *head)
{
    struct py_code *e = py_code_find(&t->codes, addr);
    struct py_code_print p;

    if (!e || !loaded(e))
        return;
    parse_print(&t->L, head, &p);
    if (print_equal(&p, &e->print)) {
        e->checked = t->sample_no;
        e->gen = t->code_gen_known ? t->code_gen : UINT64_MAX;
    }
}

void py_code_check_generation(struct py_target *t, uint64_t addr)
{
    struct py_code *e = py_code_find(&t->codes, addr);

    if (e && loaded(e) && t->code_gen_known && e->gen == t->code_gen)
        e->checked = t->sample_no;
}

int py_code_check_pending(struct py_target *t, size_t from, size_t to)
{
    size_t i, n = 0, k;
    int rc;

    for (i = from; i <= to; i++) {
        struct py_code *e = i < to && !t->raw[i].native ? py_code_find(&t->codes, t->raw[i].code) : NULL;
        if (e && loaded(e) && e->checked != t->sample_no) {
            for (k = 0; k < n; k++)
                if (t->guard_addr[k] == e->addr)
                    break;
            if (k == n) {
                t->guard_addr[n] = e->addr;
                t->spans[n].addr = e->addr;
                t->spans[n].buf = t->guard_bufs + n * t->co_hi;
                t->spans[n].len = t->co_hi;
                n++;
            }
        }
        /* Flush a full batch, and the last one. */
        if (n == PY_MAX_SPEC_CODES || (i == to && n > 0)) {
            rc = mem_readv(t->r, t->spans, n);
            if (rc < 0)
                return rc;
            for (k = 0; k < n; k++)
                py_code_check_guard(t, t->guard_addr[k], t->guard_bufs + k * t->co_hi);
            n = 0;
        }
    }
    return 0;
}

/* Decode the code object at addr into a fresh cache entry. */
static int load_code(struct py_target *t, uint64_t addr, struct py_code **out)
{
    const struct py_layout *L = &t->L;
    uint8_t head[PY_LAYOUT_MAX_CODE];
    struct py_code_print p;
    struct py_code *e;
    uint64_t type;
    uint32_t fid, qid;
    int rc, no_lines = 0;

    rc = mem_read(t->r, addr, head, t->co_hi);
    if (rc < 0)
        return rc;
    parse_print(L, head, &p);
    rc = check_type(t, p.type, "code", &t->code_type);
    if (rc < 0)
        return rc;
    if (p.ncode <= 0 || p.ncode > PY_MAX_CODE_UNITS || p.firsttraceable < 0 ||
        p.firsttraceable > p.ncode || p.firstlineno < 0)
        return diag_set(ERR_CORRUPT, "implausible code object at 0x%llx", (unsigned long long)addr);

    rc = py_read_str(t->r, L, p.filename, &t->sbuf, &type);
    if (rc == 0)
        rc = check_type(t, type, "str", &t->str_type);
    if (rc == 0)
        rc = intern_string(t->in, t->sbuf.data, t->sbuf.len, &fid);
    if (rc == 0)
        rc = py_read_str(t->r, L, p.qualname, &t->sbuf, &type);
    if (rc == 0)
        rc = check_type(t, type, "str", &t->str_type);
    if (rc == 0)
        rc = intern_string(t->in, t->sbuf.data, t->sbuf.len, &qid);
    if (rc == 0)
        rc = py_read_bytes(t->r, L, p.linetable, &t->sbuf, &type);
    /* A line table too large to copy (a generated module of hundreds of
     * thousands of lines) costs the line numbers, not the frame. */
    if (rc == 1)
        no_lines = 1;
    if (rc >= 0)
        rc = check_type(t, type, "bytes", &t->bytes_type);
    if (rc < 0)
        return rc;

    rc = py_code_claim(&t->codes, addr, &e);
    if (rc < 0)
        return rc;
    e->linetable = malloc(t->sbuf.len ? t->sbuf.len : 1);
    if (!e->linetable)
        return ERR_NOMEM;
    memcpy(e->linetable, t->sbuf.data, t->sbuf.len);
    e->linetable_len = t->sbuf.len;
    e->no_lines = no_lines;
    e->print = p;
    e->filename_id = fid;
    e->qualname_id = qid;
    e->checked = t->sample_no;
    e->gen = t->code_gen_known ? t->code_gen : UINT64_MAX;
    *out = e;
    return 0;
}

int py_code_get(struct py_target *t, uint64_t addr, struct py_code **out)
{
    struct py_code *e = py_code_find(&t->codes, addr);

    if (e && loaded(e) && e->checked == t->sample_no) {
        *out = e;
        return 0;
    }
    return load_code(t, addr, out);
}

int py_code_frame_id(struct py_target *t, const struct py_raw *f, int opcodes, uint32_t *id, int *skip)
{
    struct py_code *e;
    struct py_location loc;
    tachyon_frame fr;
    int64_t diff, unit;
    int rc, opcode = TACHYON_NO_OPCODE;

    *skip = 0;
    rc = py_code_get(t, f->code, &e);
    if (rc < 0)
        return rc;
    diff = (int64_t)(f->instr - (f->code + t->L.co_code_adaptive));
    if (diff & 1)
        return diag_set(ERR_CORRUPT, "instruction pointer 0x%llx not on a code unit",
                        (unsigned long long)f->instr);
    unit = diff / 2;
    /* prev_instr sits one unit before the code while a 3.11/3.12 frame is
     * being set up; instr_ptr never does. */
    if (unit < (t->L.instr_mode == PY_INSTR_PREV ? -1 : 0) || unit >= e->print.ncode)
        return diag_set(ERR_CORRUPT, "instruction offset %lld outside code of %lld units",
                        (long long)unit, (long long)e->print.ncode);
    /* Frames still running their prologue (before _co_firsttraceable) are
     * not shown, as CPython itself hides them from tracebacks. */
    if (f->owner != t->L.fr_owner_generator && unit < e->print.firsttraceable) {
        *skip = 1;
        return 0;
    }
    if (opcodes) {
        rc = py_opcode_of(t, e, unit, &opcode);
        if (rc < 0)
            return rc;
    }
    if (py_frame_find(&t->codes, e->serial, unit, opcode, id))
        return 0;

    if (e->no_lines) {
        loc.line = loc.end_line = loc.column = loc.end_column = -1;
    } else {
        rc = py_linetable_lookup(e->linetable, e->linetable_len, e->print.firstlineno, unit, &loc);
        if (rc < 0)
            return rc;
    }
    memset(&fr, 0, sizeof fr);
    fr.struct_size = sizeof fr;
    fr.kind = TACHYON_FRAME_PYTHON;
    fr.filename = e->filename_id;
    fr.funcname = e->qualname_id;
    fr.line = loc.line;
    fr.end_line = loc.end_line;
    fr.column = loc.column;
    fr.end_column = loc.end_column;
    rc = py_opcode_fill(t, opcode, &fr);
    if (rc == 0)
        rc = intern_frame(t->in, &fr, id);
    if (rc < 0)
        return rc;
    return py_frame_store(&t->codes, e->serial, unit, opcode, *id);
}
