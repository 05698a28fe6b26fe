/* CPython opcode names, per interpreter version, for --opcodes.
 *
 * The decoder reads the byte at a frame's instruction pointer. Since 3.11
 * that byte is often a *specialized* opcode (LOAD_ATTR_INSTANCE_VALUE), an
 * instrumented one (INSTRUMENTED_CALL, 3.12+) or a superinstruction; this
 * module names it and the generic instruction it stands for (LOAD_ATTR).
 * Tables exist for 3.11 to 3.15, each generated from the real interpreter
 * (tools/gen_opcodes.py live; 3.14.10 and 3.15.2 from Debian unstable) and
 * checked against it by unit.test_opcodes_live.
 *
 * Versions: only the major.minor of hexversion selects a table, but alphas
 * and betas are refused (they renumber opcodes). Everything returns ERR_INVALID for an
 * unknown version or opcode, with a diag message saying which.
 *
 * Instruction layout, for stepping over inline caches: an instruction is one
 * 16-bit code unit (opcode byte, then oparg byte) followed by
 * cache_entries() more units that belong to it. In 3.11 and 3.12 a frame's
 * prev_instr may point at one of those cache units (for instance during a
 * call, at the last cache unit of CALL), so the decoder must find the
 * instruction that owns it: opcode_locate() walks a local copy of the
 * adaptive bytecode from the start. From 3.13 on, instr_ptr points at the
 * instruction itself and no walk is needed.
 *
 * Indirect opcodes: INSTRUMENTED_LINE and INSTRUMENTED_INSTRUCTION (3.12+)
 * keep the real opcode in the code object's monitoring data, and
 * ENTER_EXECUTOR (3.13+) in the attached executor. Their base is reported
 * as themselves (or, for 3.13/3.14 ENTER_EXECUTOR, JUMP_BACKWARD, the only
 * instruction executors replace there) with is_indirect set; their size is
 * unknown unless the base is known. */
#ifndef CORE_OPCODES_OPCODES_H
#define CORE_OPCODES_OPCODES_H

#include <stddef.h>
#include <stdint.h>

struct opcode_info {
    const char *name;       /* executing opcode, e.g. "BINARY_OP_ADD_INT" (static storage) */
    const char *base_name;  /* its generic instruction, e.g. "BINARY_OP" */
    int opcode;
    int base_opcode;
    int is_specialized;     /* name differs from base: quickened, instrumented or executor form */
    int is_instrumented;    /* an INSTRUMENTED_* form */
    int is_indirect;        /* the real instruction is stored outside the bytecode */
    int cache_entries;      /* inline cache units after the instruction; -1 when unknown */
    int provisional;        /* the version's table is best-effort (none today) */
};

/* 1 when a table exists for this hexversion (major, minor and release level). */
int opcode_version_supported(uint32_t hexversion);

/* Describe opcode (0..255) as executed by the given CPython version. */
int opcode_lookup(uint32_t hexversion, int opcode, struct opcode_info *out);

/* Inline cache units that follow an instruction whose opcode is base_opcode
 * (any form may be passed; the count is that of its base). ERR_INVALID for
 * an unknown opcode or version, ERR_UNSUPPORTED when the size is unknown
 * (indirect opcodes, 3.15 families whose layout is not established). */
int opcode_cache_entries(uint32_t hexversion, int base_opcode);

/* Flat per-version arrays for a decoder's inner loop: base[op] is the
 * generic instruction of op, units[op] the code units the instruction
 * occupies (1 + caches), 0 for an unused opcode or an unknown size. The
 * table is static and valid for the life of the program. */
struct opcode_deopt {
    uint8_t base[256];
    uint8_t units[256];
};
int opcode_deopt_table(uint32_t hexversion, const struct opcode_deopt **out);

/* Find the instruction that owns code unit `unit` of code, a copy of a code
 * object's adaptive bytecode holding n_units 16-bit units (2 * n_units
 * bytes; each unit is the opcode byte then the oparg byte, as in
 * _Py_CODEUNIT on every platform).
 * *start receives the unit index of that instruction, *opcode its byte.
 * ERR_INVALID for bad arguments or unit >= n_units; ERR_CORRUPT when the
 * walk meets an unused opcode or an instruction running past the buffer
 * (a torn or wrong read); ERR_UNSUPPORTED when an instruction of unknown
 * size precedes unit. */
int opcode_locate(uint32_t hexversion, const uint8_t *code, size_t n_units,
                  size_t unit, size_t *start, int *opcode);

#endif
