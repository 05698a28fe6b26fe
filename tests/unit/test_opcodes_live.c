/* Cross-checks the opcode tables against every expected CPython 3.11-3.15
 * (tests/harness/pythons.c: the integration tests' list, release and debug
 * builds, the Debian unstable root's through their chroot launchers):
 *
 *  1. the whole table against the interpreter's own `dis`/`opcode` data;
 *  2. real quickened bytecode: a helper script warms functions up until the
 *     interpreter specializes them (and, on 3.12+, instruments one with
 *     sys.monitoring), then prints co_code_adaptive (what a profiler reads)
 *     next to co_code (the generic form). Walking both with our cache sizes
 *     must land on the same instruction starts, every cache unit in co_code
 *     must be CACHE, and every executing opcode must map to the generic
 *     opcode at the same place. A wrong number, base or cache size fails.
 *
 * An expected interpreter that is absent fails the test. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "pythons.h"
#include "common/err.h"
#include "opcodes/opcodes.h"

static const char SCRIPT[] =
    "import sys, dis, opcode\n"
    "ce = opcode._inline_cache_entries\n"
    "def caches(name):\n"
    "    if hasattr(ce, 'get'): return ce.get(name, 0)\n"
    "    return ce[dis._all_opmap[name]]\n"
    "print('V', sys.hexversion)\n"
    "for op, name in enumerate(dis._all_opname[:256]):\n"
    "    if name.startswith('<'): continue\n"
    "    base = dis.deoptmap.get(name, name)\n"
    "    plain = name[len('INSTRUMENTED_'):]\n"
    "    if name.startswith('INSTRUMENTED_') and plain in dis._all_opmap: base = plain\n"
    "    if name == 'ENTER_EXECUTOR': base = 'JUMP_BACKWARD'\n"
    "    print('O', op, name, base, caches(base) if base in dis._all_opmap else -1)\n"
    "class P:\n"
    "    def __init__(self): self.x = 1; self.y = 2.0\n"
    "    def m(self, a): return a + self.x\n"
    "G = 7\n"
    "def hot(n):\n"
    "    p = P(); s = 0; t = 1.0; l = [1, 2, 3]; d = {'a': 1}; u = 'ab'\n"
    "    for i in range(n):\n"
    "        s = s + p.x\n"
    "        t = t * p.y\n"
    "        s += l[1] + d['a'] + len(l) + G + p.m(1)\n"
    "        a, b = l[0], l[1]\n"
    "        u2 = u + 'c'\n"
    "        if s > 10 ** 9: s = 0\n"
    "        if i in d: s -= 1\n"
    "    return s\n"
    "def dump(tag, f):\n"
    "    c = f.__code__\n"
    "    print(tag, c._co_code_adaptive.hex(), c.co_code.hex())\n"
    "for _ in range(4): hot(3000)\n"
    "dump('C', hot)\n"
    "if hasattr(sys, 'monitoring'):\n"
    "    M = sys.monitoring; E = M.events; tool = 3\n"
    "    M.use_tool_id(tool, 'tachyon-test')\n"
    "    def mon(n):\n"
    "        s = 0\n"
    "        for i in range(n):\n"
    "            s += len([i])\n"
    "            if s is None: s = 0\n"
    "        return s\n"
    "    M.set_local_events(tool, mon.__code__, E.CALL | E.BRANCH | E.JUMP | E.PY_RETURN | E.PY_START)\n"
    "    mon(50)\n"
    "    dump('I', mon)\n"
    "    M.set_local_events(tool, hot.__code__, E.LINE)\n"
    "    hot(5)\n"
    "    dump('L', hot)\n";

struct run_stats {
    int table_rows;
    int specialized;     /* executing opcodes that differed from co_code */
    int instrumented;
    int indirect;
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode a hex string into a new buffer; returns the byte count or -1. */
static long unhex(const char *s, size_t len, uint8_t **out)
{
    size_t i;
    uint8_t *b;

    if (len % 2)
        return -1;
    b = malloc(len / 2 + 1);
    if (!b)
        return -1;
    for (i = 0; i < len / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return -1;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    return (long)(len / 2);
}

static void check_table_row(uint32_t v, char *line, struct run_stats *st)
{
    int op, caches;
    char name[96], base[96];
    struct opcode_info info;

    if (sscanf(line, "O %d %95s %95s %d", &op, name, base, &caches) != 4) {
        check_fail(__FILE__, __LINE__, "bad row: %s", line);
        return;
    }
    st->table_rows++;
    if (opcode_lookup(v, op, &info) != 0) {
        check_fail(__FILE__, __LINE__, "0x%08x: opcode %d (%s) missing", (unsigned)v, op, name);
        return;
    }
    CHECK_STR(info.name, name);
    CHECK_STR(info.base_name, base);
    if (!info.is_indirect || info.cache_entries >= 0)
        CHECK_INT(info.cache_entries, caches);
}

/* Walk adaptive and generic bytecode side by side; see the file comment. */
static void check_code(uint32_t v, char tag, const uint8_t *ad, const uint8_t *gen,
                       size_t n_units, struct run_stats *st)
{
    size_t i = 0, u;

    while (i < n_units) {
        struct opcode_info ai, gi;
        int k;

        if (opcode_lookup(v, gen[2 * i], &gi) != 0 || gi.is_specialized || gi.cache_entries < 0) {
            check_fail(__FILE__, __LINE__, "%c: generic opcode %d at %zu unknown, specialized or "
                       "of unknown size", tag, gen[2 * i], i);
            return;
        }
        if (opcode_lookup(v, ad[2 * i], &ai) != 0) {
            check_fail(__FILE__, __LINE__, "%c: executing opcode %d at %zu unknown", tag,
                       ad[2 * i], i);
            return;
        }
        if (ai.is_indirect && ai.base_opcode == ai.opcode) {
            st->indirect++;          /* the real opcode is in monitoring data */
        } else if (ai.base_opcode != gi.opcode) {
            check_fail(__FILE__, __LINE__, "%c: %s at %zu maps to %s, code has %s", tag,
                       ai.name, i, ai.base_name, gi.name);
        } else if (ai.is_instrumented) {
            st->instrumented++;
        } else if (ai.is_specialized) {
            st->specialized++;
        }
        for (k = 1; k <= gi.cache_entries; k++)
            if (i + (size_t)k >= n_units || gen[2 * (i + (size_t)k)] != 0)
                check_fail(__FILE__, __LINE__, "%c: cache unit %zu of %s is not CACHE", tag,
                           i + (size_t)k, gi.name);
        /* Every unit of this instruction must locate back to it, unless an
         * indirect opcode earlier in the code hides the layout. */
        for (u = i; u <= i + (size_t)gi.cache_entries && u < n_units; u++) {
            size_t start = 0;
            int op = -1, rc = opcode_locate(v, ad, n_units, u, &start, &op);
            if (rc == ERR_UNSUPPORTED && st->indirect > 0)
                continue;
            CHECK_INT(rc, 0);
            CHECK_INT(start, i);
        }
        i += 1 + (size_t)gi.cache_entries;
    }
    CHECK_INT(i, n_units);
}

static void check_code_row(uint32_t v, char *line, struct run_stats *st)
{
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    uint8_t *ad = NULL, *gen = NULL;
    long na, ng;

    if (!sp2) {
        check_fail(__FILE__, __LINE__, "bad code row");
        return;
    }
    na = unhex(sp1 + 1, (size_t)(sp2 - sp1 - 1), &ad);
    ng = unhex(sp2 + 1, strcspn(sp2 + 1, "\n"), &gen);
    if (na <= 0 || na != ng || na % 2) {
        check_fail(__FILE__, __LINE__, "%c: bad code bytes (%ld, %ld)", line[0], na, ng);
    } else {
        int before = st->indirect;
        if (line[0] != 'L')
            st->indirect = 0;
        check_code(v, line[0], ad, gen, (size_t)na / 2, st);
        if (line[0] != 'L')
            st->indirect = before;
    }
    free(ad);
    free(gen);
}

static void check_interpreter(const char *python)
{
    char cmd[1024];
    char *line = NULL;
    size_t cap = 0;
    uint32_t v = 0;
    int n_code = 0, status;
    struct run_stats st = {0, 0, 0, 0};
    FILE *p;

    /* The script goes through an environment variable, so no quoting of
     * its text is needed on the command line. */
    if (setenv("TACHYON_OPCODE_SCRIPT", SCRIPT, 1) != 0) {
        check_fail(__FILE__, __LINE__, "setenv failed");
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "'%s' -I -c 'import os; exec(os.environ[\"TACHYON_OPCODE_SCRIPT\"])'", python);
    p = popen(cmd, "r");
    if (!p) {
        check_fail(__FILE__, __LINE__, "cannot run %s", python);
        return;
    }
    while (getline(&line, &cap, p) > 0) {
        if (line[0] == 'V')
            v = (uint32_t)strtoul(line + 2, NULL, 10);
        else if (line[0] == 'O' && v)
            check_table_row(v, line, &st);
        else if ((line[0] == 'C' || line[0] == 'I' || line[0] == 'L') && v) {
            check_code_row(v, line, &st);
            n_code++;
        }
    }
    free(line);
    status = pclose(p);
    CHECK_INT(status, 0);
    printf("     %s (0x%08x): %d table rows, %d code objects, %d specialized, "
           "%d instrumented, %d indirect\n", python, (unsigned)v, st.table_rows, n_code,
           st.specialized, st.instrumented, st.indirect);
    CHECK(v != 0);
    CHECK(st.table_rows > 100);
    /* Without these the run would not have exercised what it claims to. */
    CHECK(st.specialized >= 8);
    if (v >= 0x030c0000u) {
        CHECK_INT(n_code, 3);
        CHECK(st.instrumented >= 4);
        CHECK(st.indirect >= 1);
    }
}

static int found;

static void run_all(void)
{
    struct test_python py[TEST_PYTHONS_MAX];
    size_t i, n = test_pythons(py, TEST_PYTHONS_MAX);

    for (i = 0; i < n; i++) {
        fprintf(stderr, "  %s (%s)\n", py[i].name, py[i].path);
        check_interpreter(py[i].path);
        found++;
    }
}

static void test_live_interpreters(void)
{
    run_all();
    CHECK(found > 0);
}

int main(void)
{
    RUN(test_live_interpreters);
    return check_summary();
}
