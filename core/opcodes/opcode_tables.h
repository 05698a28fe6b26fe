/* Private to core/opcodes: the layout of the generated per-version tables
 * (opcodes_3XX.c, written by tools/gen_opcodes.py). Only opcodes.c reads
 * them; everyone else goes through opcodes.h. */
#ifndef CORE_OPCODES_OPCODE_TABLES_H
#define CORE_OPCODES_OPCODE_TABLES_H

#include <stdint.h>

#define OPCODE_F_SPECIALIZED 1u   /* a quickened form or superinstruction of base */
#define OPCODE_F_INSTRUMENTED 2u  /* an INSTRUMENTED_* form of base */
#define OPCODE_F_INDIRECT 4u      /* the real instruction is kept outside the bytecode */
#define OPCODE_CACHES_UNKNOWN 0xFFu

struct opcode_entry {
    const char *name;   /* NULL: the opcode is unused in this version */
    uint8_t base;       /* the generic instruction; itself when generic */
    uint8_t caches;     /* inline cache units after it, or OPCODE_CACHES_UNKNOWN */
    uint8_t flags;      /* OPCODE_F_* */
};

struct opcode_table {
    int major, minor;
    int provisional;    /* derived from a moving development branch */
    struct opcode_entry ops[256];
};

extern const struct opcode_table opcode_table_311;
extern const struct opcode_table opcode_table_312;
extern const struct opcode_table opcode_table_313;
extern const struct opcode_table opcode_table_314;
extern const struct opcode_table opcode_table_315;

#endif
