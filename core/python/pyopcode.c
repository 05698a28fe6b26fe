/* The executing instruction of each frame, for --opcodes.
 *
 * The opcode is read from a copy of the code object's co_code_adaptive
 * (the bytecode the interpreter specializes in place), so a specialized
 * variant (LOAD_ATTR_INSTANCE_VALUE) is seen as such. Copies live in the
 * code cache entry and are refreshed every sample: the read-ahead fetches
 * the bytecode of the code objects the last sample saw in the same readv as
 * their guards, and py_opcode_prepare() fetches the rest in one more readv,
 * so a steady-state sample still costs a single readv.
 *
 * From 3.13 instr_ptr points at the executing instruction. In 3.11 and 3.12
 * prev_instr may point into the inline cache after it (during a call, for
 * instance), so the instruction start is found by walking the bytecode
 * from the top once per (code object, code unit) and cached; instruction
 * sizes do not change when an instruction is specialized, so the start
 * stays valid for the life of the code object. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../opcodes/opcodes.h"
#include "py_internal.h"

static size_t bc_len(const struct py_code *e)
{
    return (size_t)e->print.ncode * 2;
}

void py_opcode_ahead_spans(struct py_target *t, struct mem_span *spans, size_t *n)
{
    size_t k;

    for (k = 0; k < t->n_spec_codes; k++) {
        struct py_code *e = t->spec_opcodes ? py_code_find(&t->codes, t->spec_codes[k]) : NULL;
        t->spec_bc[k] = 0;
        if (!e || !e->bytecode)
            continue;
        spans[(*n)++] = (struct mem_span){ t->spec_codes[k] + t->L.co_code_adaptive, e->bytecode, bc_len(e) };
        t->spec_bc[k] = 1;
    }
}

void py_opcode_ahead_done(struct py_target *t)
{
    size_t k;

    /* A copy is current only when the guard read in the same readv says
     * the object is still the one the copy was sized for. */
    for (k = 0; k < t->n_spec_codes; k++) {
        struct py_code *e = t->spec_bc[k] ? py_code_find(&t->codes, t->spec_codes[k]) : NULL;
        if (e && e->bytecode && e->checked == t->sample_no)
            e->bc_sample = t->sample_no;
    }
}

int py_opcode_prepare(struct py_target *t, size_t from, size_t to)
{
    struct py_code *e;
    size_t i, n = 0;
    int rc;

    /* Load every code object first: a load may empty the cache, which
     * would free buffers the spans below point into. */
    for (i = from; i < to; i++) {
        if (t->raw[i].native)
            continue;
        rc = py_code_get(t, t->raw[i].code, &e);
        if (rc < 0)
            return rc;
    }
    rc = py_spans_reserve(t, to - from);
    if (rc < 0)
        return rc;
    for (i = from; i < to; i++) {
        e = t->raw[i].native ? NULL : py_code_find(&t->codes, t->raw[i].code);
        if (!e || e->bc_sample == t->sample_no || bc_len(e) > PY_BYTECODE_MAX)
            continue;
        if (!e->bytecode && !(e->bytecode = malloc(bc_len(e))))
            return ERR_NOMEM;
        t->spans[n++] = (struct mem_span){ e->addr + t->L.co_code_adaptive, e->bytecode, bc_len(e) };
        e->bc_sample = t->sample_no;   /* also keeps a code object out of the batch twice */
    }
    return n ? mem_readv(t->r, t->spans, n) : 0;
}

int py_opcode_of(struct py_target *t, struct py_code *e, int64_t unit, int *opcode)
{
    uint32_t start32;
    size_t start;
    int op, rc;

    *opcode = TACHYON_NO_OPCODE;
    if (!e->bytecode || e->bc_sample != t->sample_no || unit < 0)
        return 0;
    if (t->L.instr_mode == PY_INSTR_CURRENT) {
        start = (size_t)unit;
    } else if (py_frame_find(&t->codes, e->serial, unit, PY_FRAME_START, &start32)) {
        start = start32;
    } else {
        rc = opcode_locate(t->hexversion, e->bytecode, (size_t)e->print.ncode, (size_t)unit, &start, &op);
        /* An instruction of unknown size before this one (INSTRUMENTED_LINE
         * while a tracer is active) hides where it starts: no opcode, but
         * the frame itself is fine. */
        if (rc == ERR_UNSUPPORTED || rc == ERR_INVALID)
            return 0;
        if (rc < 0)
            return diag_set(ERR_CORRUPT, "bytecode of code object 0x%llx does not decode",
                            (unsigned long long)e->addr);
        rc = py_frame_store(&t->codes, e->serial, unit, PY_FRAME_START, (uint32_t)start);
        if (rc < 0)
            return rc;
    }
    *opcode = e->bytecode[start * 2];
    return 0;
}

/* Name ids of an opcode, looked up and interned once per target. */
static int opcode_names(struct py_target *t, int op)
{
    struct opcode_info info;
    int rc;

    if (t->op_base[op] >= 0)
        return 0;
    if (opcode_lookup(t->hexversion, op, &info) < 0)
        return diag_set(ERR_CORRUPT, "no instruction has opcode %d in Python %s", op, t->version);
    rc = intern_string(t->in, info.name, strlen(info.name), &t->op_name[op]);
    if (rc == 0)
        rc = intern_string(t->in, info.base_name, strlen(info.base_name), &t->op_base_name[op]);
    if (rc < 0)
        return rc;
    t->op_base[op] = (int16_t)info.base_opcode;
    return 0;
}

int py_opcode_fill(struct py_target *t, int opcode, tachyon_frame *fr)
{
    int rc;

    fr->opcode = fr->base_opcode = TACHYON_NO_OPCODE;
    fr->opcode_name = fr->base_opcode_name = 0;
    if (opcode < 0 || opcode > 255)
        return 0;
    rc = opcode_names(t, opcode);
    if (rc < 0)
        return rc;
    fr->opcode = opcode;
    fr->base_opcode = t->op_base[opcode];
    fr->opcode_name = t->op_name[opcode];
    fr->base_opcode_name = t->op_base_name[opcode];
    return 0;
}
