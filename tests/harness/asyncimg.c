/* Synthetic asyncio images; see asyncimg.h. */
#include "asyncimg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA (64u << 20)

/* Generic offsets this image publishes (shifted from the real ones where
 * that costs nothing, so hard-coded values would be caught). */
enum {
    OB_TYPE = 8, TP_SIZE = 416, TP_NAME = 24, TP_FLAGS = 168,
    FR_SIZE = 88, FR_EXEC = 0, FR_INSTR = 56, FR_SP = 64, FR_OWNER = 74,
    GEN_SIZE = 176, GI_IFRAME = 80, GI_STATE = 70,
    SET_SIZE = 200, SET_USED = 24, SET_TABLE = 40, SET_MASK = 32,
    LONG_SIZE = 32, LONG_TAG = 16, LONG_DIGIT = 24,
    LL_NEXT = 0, LL_PREV = 8,
};

static uint8_t *arena;
static size_t used;
static int minor_version;
static uint64_t t_str, t_int, t_coro, t_task, t_future, t_set;
static uint64_t dbg[111];
static uint64_t adbg[13];
static struct py_layout str_layout;
static struct aimg_states states;

void aimg_free(void)
{
    free(arena);
    arena = NULL;
}

uint64_t aimg_alloc(size_t n)
{
    uint64_t a;
    used = (used + 15) & ~(size_t)15;
    if (used + n > ARENA) {
        fprintf(stderr, "asyncimg: arena full\n");
        abort();
    }
    a = AIMG_BASE + used;
    used += n;
    return a;
}

uint8_t *aimg_at(uint64_t a)
{
    return arena + (a - AIMG_BASE);
}

void aimg_put64(uint64_t a, uint64_t v)
{
    memcpy(aimg_at(a), &v, 8);
}

static void put32(uint64_t a, uint32_t v)
{
    memcpy(aimg_at(a), &v, 4);
}

static uint64_t type(const char *name, uint64_t flags)
{
    uint64_t t = aimg_alloc(TP_SIZE), n = aimg_alloc(strlen(name) + 1);
    memcpy(aimg_at(n), name, strlen(name) + 1);
    aimg_put64(t + TP_NAME, n);
    aimg_put64(t + TP_FLAGS, flags);
    return t;
}

/* Word positions of the fields read, per version (asyncio_layout.c counts
 * them from the headers; these were counted separately). */
static void build_debug(void)
{
    const int v14[] = { 95, 31, 33, 34, 36, 37, 51, 52, 53, 55, 62, 63, 64, 65, 71, 72, 73, 83, 85, 86, 87, 88 };
    const int v15[] = { 111, 39, 41, 42, 44, 45, 59, 60, 61, 63, 74, 75, 76, 77, 83, 84, 85, 99, 101, 102, 103, 104 };
    const uint64_t val[] = { 0, FR_SIZE, FR_EXEC, FR_INSTR, FR_OWNER, FR_SP, OB_TYPE, TP_SIZE, TP_NAME, TP_FLAGS,
                             SET_SIZE, SET_USED, SET_TABLE, SET_MASK, LONG_SIZE, LONG_TAG, LONG_DIGIT,
                             GEN_SIZE, GI_IFRAME, GI_STATE, LL_NEXT, LL_PREV };
    const int *w = minor_version == 14 ? v14 : v15;
    size_t i;

    memset(dbg, 0, sizeof dbg);
    memcpy(dbg, "xdebugpy", 8);
    dbg[1] = aimg_hexversion();
    /* Every other word gets a value no field should be read from. */
    for (i = 3; i < (size_t)w[0]; i++)
        dbg[i] = 0x5a5a5;
    dbg[2] = 0;
    for (i = 1; i < sizeof val / sizeof val[0]; i++)
        dbg[w[i]] = val[i];
    adbg[0] = AT_SIZE, adbg[1] = AT_NAME, adbg[2] = AT_AWAITED_BY, adbg[3] = AT_IS_TASK;
    adbg[4] = AT_AB_IS_SET, adbg[5] = AT_CORO, adbg[6] = AT_NODE;
    adbg[7] = AI_SIZE, adbg[8] = AI_TASKS_HEAD;
    adbg[9] = ATS_SIZE, adbg[10] = ATS_LOOP, adbg[11] = ATS_TASK, adbg[12] = ATS_TASKS_HEAD;
}

void aimg_reset(int minor)
{
    if (!arena)
        arena = calloc(1, ARENA);
    else
        memset(arena, 0, used);
    if (!arena)
        abort();
    used = 0;
    minor_version = minor;
    if (minor == 14)
        states = (struct aimg_states){ -3, -2, -1, 0, 4 };
    else
        states = (struct aimg_states){ 0, 1, 2, 4, 5 };
    py_layout_builtin(0x030c00f0u, &str_layout);
    t_str = type("str", 1ul << 28);
    t_int = type("int", 1ul << 24);
    t_coro = type("coroutine", 0);
    t_task = type("_asyncio.Task", 0);
    t_future = type("_asyncio.Future", 0);
    t_set = type("set", 0);
    build_debug();
}

const struct aimg_states *aimg_states(void)
{
    return &states;
}

uint32_t aimg_hexversion(void)
{
    return minor_version == 14 ? 0x030e0af0u : 0x030f02f0u;
}

const void *aimg_debug_block(size_t *len)
{
    *len = (minor_version == 14 ? 95 : 111) * 8;
    return dbg;
}

const void *aimg_asyncio_block(size_t *len)
{
    *len = sizeof adbg;
    return adbg;
}

const struct py_layout *aimg_str_layout(void)
{
    return &str_layout;
}

uint64_t aimg_str(const char *s)
{
    size_t n = strlen(s);
    uint64_t o = aimg_alloc(str_layout.uni_ascii_size + n + 1);
    aimg_put64(o + OB_TYPE, t_str);
    aimg_put64(o + str_layout.uni_length, n);
    put32(o + str_layout.uni_state, (1u << 2) | (1u << 5) | (1u << 6));
    memcpy(aimg_at(o + str_layout.uni_ascii_size), s, n);
    return o;
}

uint64_t aimg_str_ucs2(const uint16_t *units, size_t n)
{
    uint64_t o = aimg_alloc(str_layout.uni_compact_size + 2 * n + 2);
    aimg_put64(o + OB_TYPE, t_str);
    aimg_put64(o + str_layout.uni_length, n);
    put32(o + str_layout.uni_state, (2u << 2) | (1u << 5));
    memcpy(aimg_at(o + str_layout.uni_compact_size), units, 2 * n);
    return o;
}

uint64_t aimg_int(uint64_t v)
{
    uint64_t o = aimg_alloc(LONG_SIZE + 8);
    uint32_t d0 = (uint32_t)(v & 0x3fffffff), d1 = (uint32_t)(v >> 30);
    aimg_put64(o + OB_TYPE, t_int);
    aimg_put64(o + LONG_TAG, v == 0 ? 1 : ((uint64_t)(d1 ? 2 : 1) << 3));
    put32(o + LONG_DIGIT, d0);
    put32(o + LONG_DIGIT + 4, d1);
    return o;
}

uint64_t aimg_code(int index)
{
    return AIMG_CODE_BASE + (uint64_t)index * 0x1000;
}

uint64_t aimg_coro(uint64_t code, int line, int8_t state, uint64_t awaited)
{
    uint64_t g = aimg_alloc(GEN_SIZE), f = g + GI_IFRAME, stack = aimg_alloc(32);
    aimg_put64(g + OB_TYPE, t_coro);
    memcpy(aimg_at(g + GI_STATE), &state, 1);
    /* f_executable is a stack reference: tag bit set, as CPython does for
     * deferred references. */
    aimg_put64(f + FR_EXEC, code | 1);
    aimg_put64(f + FR_INSTR, code + 2 * (uint64_t)line);
    aimg_at(f)[FR_OWNER] = 1;
    /* 3.14 keeps the awaited object on top of the stack, 3.15 below the
     * top; the other slot holds a decoy. */
    aimg_put64(stack + (minor_version == 14 ? 0 : 8), 0x1230);
    aimg_put64(stack + (minor_version == 14 ? 8 : 0), awaited ? awaited | 1 : 0);
    aimg_put64(f + FR_SP, stack + 16);
    return g;
}

uint64_t aimg_future(void)
{
    uint64_t o = aimg_alloc(GEN_SIZE);
    aimg_put64(o + OB_TYPE, t_future);
    return o;
}

uint64_t aimg_get_coro(uint64_t task)
{
    uint64_t c;
    memcpy(&c, aimg_at(task + AT_CORO), 8);
    return c;
}

uint64_t aimg_coro_frame(uint64_t coro)
{
    return coro + GI_IFRAME;
}

uint64_t aimg_task(uint64_t name, uint64_t coro)
{
    uint64_t t = aimg_alloc(AT_SIZE);
    aimg_put64(t + OB_TYPE, t_task);
    aimg_put64(t + AT_NAME, name);
    aimg_put64(t + AT_CORO, coro);
    aimg_at(t)[AT_IS_TASK] = 1;
    return t;
}

void aimg_awaited_by(uint64_t task, const uint64_t *aw, size_t n, int as_set)
{
    uint64_t set, table;
    size_t slots = 8, i;

    if (n == 1 && !as_set) {
        aimg_put64(task + AT_AWAITED_BY, aw[0]);
        aimg_at(task)[AT_AB_IS_SET] = 0;
        return;
    }
    while (slots < 2 * n + 2)
        slots *= 2;
    set = aimg_alloc(SET_SIZE);
    table = aimg_alloc(slots * 16);
    aimg_put64(set + OB_TYPE, t_set);
    aimg_put64(set + SET_USED, n);
    aimg_put64(set + SET_MASK, slots - 1);
    aimg_put64(set + SET_TABLE, table);
    /* Live entries at odd slots, a removed one (dummy key, hash -1) before each. */
    for (i = 0; i < n; i++) {
        aimg_put64(table + (2 * i) * 16, t_set);
        aimg_put64(table + (2 * i) * 16 + 8, (uint64_t)-1);
        aimg_put64(table + (2 * i + 1) * 16, aw[i]);
        aimg_put64(table + (2 * i + 1) * 16 + 8, aw[i] >> 4);
    }
    aimg_put64(task + AT_AWAITED_BY, set);
    aimg_at(task)[AT_AB_IS_SET] = 1;
}

static void list_init(uint64_t head)
{
    aimg_put64(head + LL_NEXT, head);
    aimg_put64(head + LL_PREV, head);
}

uint64_t aimg_thread(void)
{
    uint64_t t = aimg_alloc(ATS_SIZE);
    list_init(t + ATS_TASKS_HEAD);
    return t;
}

uint64_t aimg_interp(void)
{
    uint64_t i = aimg_alloc(AI_SIZE);
    list_init(i + AI_TASKS_HEAD);
    return i;
}

void aimg_set_running(uint64_t tstate, uint64_t loop, uint64_t task)
{
    aimg_put64(tstate + ATS_LOOP, loop);
    aimg_put64(tstate + ATS_TASK, task);
}

void aimg_list_append(uint64_t head, uint64_t task)
{
    uint64_t node = task + AT_NODE, last;
    memcpy(&last, aimg_at(head + LL_PREV), 8);
    aimg_put64(node + LL_NEXT, head);
    aimg_put64(node + LL_PREV, last);
    aimg_put64(last + LL_NEXT, node);
    aimg_put64(head + LL_PREV, node);
}

struct mem_reader *aimg_reader(void)
{
    struct mem_reader *r = NULL;
    if (mem_reader_open_synthetic(&r) < 0 || mem_synth_map(r, AIMG_BASE, arena, used ? used : 16) < 0)
        abort();
    return r;
}
