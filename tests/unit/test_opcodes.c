/* Opcode tables: known mappings of every version, version selection,
 * cache sizes and the cache-skipping walk over synthetic bytecode. The
 * comparison against live interpreters is in test_opcodes_live.c. */
#include <stdio.h>

#include "check.h"
#include "common/err.h"
#include "opcodes/opcodes.h"

#define V311 0x030b07f0u
#define V312 0x030c01f0u
#define V313 0x030d00f0u
#define V314 0x030e00f0u
#define V315 0x030f02f0u   /* 3.15.2, whose live interpreter made the table */

/* Look an opcode up by number and check its name and base name. */
static void expect(uint32_t v, int op, const char *name, const char *base)
{
    struct opcode_info info;
    int rc = opcode_lookup(v, op, &info);

    CHECK_INT(rc, 0);
    if (rc != 0)
        return;
    CHECK_STR(info.name, name);
    CHECK_STR(info.base_name, base);
    CHECK_INT(info.opcode, op);
    CHECK_INT(info.is_specialized, strcmp(name, base) != 0);
}

/* Find the opcode number of a name by scanning the table through the API. */
static int opcode_of(uint32_t v, const char *name)
{
    struct opcode_info info;
    int op;

    for (op = 0; op < 256; op++)
        if (opcode_lookup(v, op, &info) == 0 && strcmp(info.name, name) == 0)
            return op;
    return -1;
}

static void expect_name(uint32_t v, const char *name, const char *base)
{
    int op = opcode_of(v, name);

    if (op < 0) {
        check_fail(__FILE__, __LINE__, "%s missing from 0x%08x", name, (unsigned)v);
        return;
    }
    expect(v, op, name, base);
}

static void test_known_specializations(void)
{
    /* Numbers checked against each version's Include/opcode.h or opcode_ids.h. */
    expect(V311, 106, "LOAD_ATTR", "LOAD_ATTR");
    expect_name(V311, "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR");
    expect_name(V311, "BINARY_OP_ADD_INT", "BINARY_OP");
    expect_name(V311, "LOAD_FAST__LOAD_FAST", "LOAD_FAST");
    expect_name(V311, "PRECALL_BUILTIN_FAST_WITH_KEYWORDS", "PRECALL");
    expect_name(V311, "EXTENDED_ARG_QUICK", "EXTENDED_ARG");

    expect(V312, 106, "LOAD_ATTR", "LOAD_ATTR");
    expect_name(V312, "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR");
    expect_name(V312, "BINARY_OP_ADD_INT", "BINARY_OP");
    expect_name(V312, "INSTRUMENTED_CALL", "CALL");
    expect_name(V312, "INSTRUMENTED_LINE", "INSTRUMENTED_LINE");

    expect(V313, 82, "LOAD_ATTR", "LOAD_ATTR");
    expect_name(V313, "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR");
    expect(V313, 3, "BINARY_OP_INPLACE_ADD_UNICODE", "BINARY_OP");
    expect_name(V313, "TO_BOOL_STR", "TO_BOOL");
    expect_name(V313, "INSTRUMENTED_POP_JUMP_IF_NONE", "POP_JUMP_IF_NONE");
    expect(V313, 70, "ENTER_EXECUTOR", "JUMP_BACKWARD");

    expect(V314, 80, "LOAD_ATTR", "LOAD_ATTR");
    expect(V314, 180, "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR");
    expect(V314, 130, "BINARY_OP_ADD_INT", "BINARY_OP");
    expect(V314, 137, "BINARY_OP_SUBSCR_LIST_INT", "BINARY_OP");
    expect(V314, 86, "LOAD_FAST_BORROW", "LOAD_FAST_BORROW");
    expect(V314, 250, "INSTRUMENTED_CALL", "CALL");
    expect(V314, 255, "ENTER_EXECUTOR", "JUMP_BACKWARD");

    expect(V315, 79, "LOAD_ATTR", "LOAD_ATTR");
    expect(V315, 186, "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR");
    expect(V315, 130, "BINARY_OP_ADD_INT", "BINARY_OP");
    expect(V315, 152, "CALL_EX_PY", "CALL_FUNCTION_EX");
    expect(V315, 249, "INSTRUMENTED_CALL", "CALL");
}

static void test_flags(void)
{
    struct opcode_info info;

    CHECK_INT(opcode_lookup(V312, opcode_of(V312, "INSTRUMENTED_CALL"), &info), 0);
    CHECK(info.is_instrumented);
    CHECK(!info.is_indirect);
    CHECK_INT(info.cache_entries, 3);

    CHECK_INT(opcode_lookup(V313, opcode_of(V313, "INSTRUMENTED_LINE"), &info), 0);
    CHECK(info.is_indirect);
    CHECK_INT(info.cache_entries, -1);

    CHECK_INT(opcode_lookup(V313, 70, &info), 0);   /* ENTER_EXECUTOR */
    CHECK(info.is_indirect);
    CHECK_INT(info.cache_entries, 1);               /* that of JUMP_BACKWARD */

    CHECK_INT(opcode_lookup(V314, 180, &info), 0);
    CHECK(!info.provisional);
    CHECK_INT(opcode_lookup(V315, 186, &info), 0);
    CHECK(!info.provisional);
    CHECK_INT(opcode_lookup(V315, 254, &info), 0);   /* ENTER_EXECUTOR */
    CHECK(info.is_indirect);
    CHECK_STR(info.base_name, "JUMP_BACKWARD");
    CHECK_INT(opcode_lookup(V315, 255, &info), 0);   /* TRACE_RECORD */
    CHECK(info.is_indirect);
}

static void test_rejects(void)
{
    struct opcode_info info;

    /* Unused slots of each table. */
    CHECK_INT(opcode_lookup(V311, 255, &info), ERR_INVALID);
    CHECK_INT(opcode_lookup(V313, 230, &info), ERR_INVALID);
    CHECK_INT(opcode_lookup(V314, 121, &info), ERR_INVALID);
    CHECK_INT(opcode_lookup(V315, 120, &info), ERR_INVALID);
    /* Out of the byte range: pseudo opcodes never reach bytecode. */
    CHECK_INT(opcode_lookup(V313, 256, &info), ERR_INVALID);
    CHECK_INT(opcode_lookup(V313, -1, &info), ERR_INVALID);
    /* Versions without a table, and pre-releases that renumber opcodes. */
    CHECK_INT(opcode_lookup(0x030a0cf0u, 1, &info), ERR_INVALID);
    CHECK_INT(opcode_lookup(0x031000f0u, 1, &info), ERR_INVALID);
    CHECK_INT(opcode_lookup(0x030d00b1u, 1, &info), ERR_INVALID);
    CHECK(!opcode_version_supported(0x030e00a7u));
    CHECK(opcode_version_supported(0x030e00c1u));
    CHECK(opcode_version_supported(V315));
    CHECK(!opcode_version_supported(0x030f00a1u));   /* an alpha may renumber */
    CHECK_INT(opcode_cache_entries(0x020707f0u, 1), ERR_INVALID);
}

static void test_cache_entries(void)
{
    CHECK_INT(opcode_cache_entries(V311, opcode_of(V311, "LOAD_GLOBAL")), 5);
    CHECK_INT(opcode_cache_entries(V311, opcode_of(V311, "CALL")), 4);
    CHECK_INT(opcode_cache_entries(V312, opcode_of(V312, "LOAD_ATTR")), 9);
    CHECK_INT(opcode_cache_entries(V313, opcode_of(V313, "POP_JUMP_IF_TRUE")), 1);
    /* A specialized form answers with its base's layout. */
    CHECK_INT(opcode_cache_entries(V313, opcode_of(V313, "LOAD_ATTR_SLOT")), 9);
    CHECK_INT(opcode_cache_entries(V314, 44), 5);   /* BINARY_OP */
    CHECK_INT(opcode_cache_entries(V314, 31), 0);   /* POP_TOP */
    CHECK_INT(opcode_cache_entries(V315, 70), 1);   /* GET_ITER, specialized from 3.15 */
    CHECK_INT(opcode_cache_entries(V313, opcode_of(V313, "INSTRUMENTED_LINE")), ERR_UNSUPPORTED);
}

static void test_deopt_table(void)
{
    const struct opcode_deopt *d = NULL;
    int op = opcode_of(V312, "LOAD_ATTR_SLOT");

    CHECK_INT(opcode_deopt_table(V312, &d), 0);
    if (!d)
        return;
    CHECK_INT(d->base[op], 106);
    CHECK_INT(d->units[op], 10);
    CHECK_INT(d->units[0], 1);                       /* CACHE itself is one unit */
    CHECK_INT(d->units[opcode_of(V312, "INSTRUMENTED_LINE")], 0);
    CHECK_INT(opcode_deopt_table(0x03090ff0u, &d), ERR_INVALID);
}

/* Append one instruction (plus zeroed caches) to a synthetic code buffer. */
static size_t emit(uint8_t *code, size_t at, int op, int caches)
{
    int k;

    code[2 * at] = (uint8_t)op;
    code[2 * at + 1] = 0;
    for (k = 1; k <= caches; k++) {
        code[2 * (at + (size_t)k)] = 0xAB;   /* cache data is arbitrary */
        code[2 * (at + (size_t)k) + 1] = 0xCD;
    }
    return at + 1 + (size_t)caches;
}

static void test_locate(void)
{
    uint8_t code[64];
    size_t n = 0, start = 99;
    int op = -1;
    int resume = opcode_of(V312, "RESUME");
    int load_global = opcode_of(V312, "LOAD_GLOBAL_BUILTIN");   /* 4 caches */
    int call = opcode_of(V312, "CALL_PY_EXACT_ARGS");           /* 3 caches */
    int line = opcode_of(V312, "INSTRUMENTED_LINE");

    memset(code, 0, sizeof(code));
    n = emit(code, n, resume, 0);          /* unit 0 */
    n = emit(code, n, load_global, 4);     /* units 1..5 */
    n = emit(code, n, call, 3);            /* units 6..9 */
    CHECK_INT(n, 10);

    /* A pointer at the last cache unit of CALL belongs to CALL. */
    CHECK_INT(opcode_locate(V312, code, n, 9, &start, &op), 0);
    CHECK_INT(start, 6);
    CHECK_INT(op, call);
    CHECK_INT(opcode_locate(V312, code, n, 3, &start, &op), 0);
    CHECK_INT(start, 1);
    CHECK_INT(opcode_locate(V312, code, n, 0, &start, &op), 0);
    CHECK_INT(start, 0);
    CHECK_INT(opcode_locate(V312, code, n, 10, &start, &op), ERR_INVALID);

    /* A truncated buffer: CALL's caches run past the end. */
    CHECK_INT(opcode_locate(V312, code, 8, 7, &start, &op), ERR_CORRUPT);
    /* An unused opcode in the walk is a bad read, never a guess. */
    code[2 * 1] = 255;
    CHECK_INT(opcode_locate(V312, code, n, 9, &start, &op), ERR_CORRUPT);
    /* An instruction whose size lives in monitoring data stops the walk... */
    code[2 * 1] = (uint8_t)line;
    CHECK_INT(opcode_locate(V312, code, n, 9, &start, &op), ERR_UNSUPPORTED);
    /* ...but is itself found when it is the target. */
    CHECK_INT(opcode_locate(V312, code, n, 1, &start, &op), 0);
    CHECK_INT(op, line);
    CHECK_INT(opcode_locate(V312, NULL, n, 1, &start, &op), ERR_INVALID);
}

int main(void)
{
    RUN(test_known_specializations);
    RUN(test_flags);
    RUN(test_rejects);
    RUN(test_cache_entries);
    RUN(test_deopt_table);
    RUN(test_locate);
    return check_summary();
}
