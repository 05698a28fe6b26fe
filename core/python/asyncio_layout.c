/* The layout asyncio reconstruction reads, from the target's own blocks.
 *
 * _PyRuntime starts with _Py_DebugOffsets; the fields needed here sit at
 * fixed word positions of that block, which differ between 3.14 and 3.15
 * (3.15 added thread-state, type and unicode fields before them). The
 * positions below were counted from each version's pycore_debug_offsets.h.
 * The _asyncio module's block (_Py_AsyncioModuleDebugOffsets, 13 words) is
 * the same in both. Facts the blocks do not publish (frame states, the
 * generator owner value, stack-reference tag bits) come from the same
 * headers (pycore_frame.h, pycore_interpframe_structs.h, pycore_stackref.h),
 * and where a suspended coroutine keeps the object it awaits: the top of
 * its value stack in 3.14, the slot below the top in 3.15 (measured on the
 * Debian builds: 3.15 leaves the value sent in on top). */
#include <string.h>

#include "../common/err.h"
#include "asyncio.h"

#define MAJMIN(h) ((h) & 0xffff0000u)
#define V314 0x030e0000u
#define V315 0x030f0000u

/* Word positions in _Py_DebugOffsets (cookie = word 0). */
struct dbg_words {
    uint32_t major_minor;
    uint16_t words;              /* the block's length in words */
    uint16_t free_threaded;
    uint16_t fr_size, fr_executable, fr_instr, fr_owner, fr_stackpointer;
    uint16_t ob_type, tp_size, tp_name, tp_flags;
    uint16_t set_size, set_used, set_table, set_mask;
    uint16_t long_size, long_lv_tag, long_digit;
    uint16_t gen_size, gi_iframe, gi_frame_state;
    uint16_t llist_next, llist_prev;
    int8_t cleared, yield_from, yield_from_locked;
    uint8_t await_slot;
};

static const struct dbg_words tables[] = {
    { V314, 95, 2, 31, 33, 34, 36, 37, 51, 52, 53, 55, 62, 63, 64, 65, 71, 72, 73, 83, 85, 86, 87, 88,
      4, -1, -1, 1 },
    { V315, 111, 2, 39, 41, 42, 44, 45, 59, 60, 61, 63, 74, 75, 76, 77, 83, 84, 85, 99, 101, 102, 103, 104,
      5, 2, 3, 2 },
};

/* _Py_AsyncioModuleDebugOffsets, word by word. */
enum {
    A_TASK_SIZE, A_TASK_NAME, A_TASK_AWAITED_BY, A_TASK_IS_TASK, A_TASK_AB_IS_SET, A_TASK_CORO,
    A_TASK_NODE, A_IS_SIZE, A_IS_TASKS_HEAD, A_TS_SIZE, A_TS_LOOP, A_TS_TASK, A_TS_TASKS_HEAD,
    A_WORDS
};

static const struct dbg_words *find(uint32_t hexversion)
{
    size_t i;
    for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (tables[i].major_minor == MAJMIN(hexversion))
            return &tables[i];
    return NULL;
}

size_t py_async_debug_size(uint32_t hexversion)
{
    const struct dbg_words *w = find(hexversion);
    return w ? (size_t)w->words * 8 : 0;
}

static uint64_t word(const void *block, unsigned i)
{
    uint64_t v;
    memcpy(&v, (const char *)block + (size_t)i * 8, sizeof v);
    return v;
}

/* v must be a field that fits, width bytes wide, in a struct of size bytes. */
static int inside(uint64_t v, unsigned width, uint64_t size)
{
    return size <= (1u << 24) && v + width <= size;
}

int py_async_layout_from_debug(uint32_t hexversion, const void *dbg, size_t dlen, const void *adbg,
                               size_t alen, struct py_async_layout *out)
{
    const struct dbg_words *w = find(hexversion);
    uint64_t a[A_WORDS], fr_size, gen_size, set_size, long_size, tp_size;
    const char *bad = NULL;
    unsigned i;

    memset(out, 0, sizeof *out);
    if (!w)
        return diag_set(ERR_VERSION, "asyncio debug offsets are published from Python 3.14 on; "
                        "the target runs %u.%u", hexversion >> 24, (hexversion >> 16) & 0xff);
    if (dlen < (size_t)w->words * 8 || memcmp(dbg, "xdebugpy", 8) != 0 ||
        MAJMIN((uint32_t)word(dbg, 1)) != MAJMIN(hexversion))
        return diag_set(ERR_CORRUPT, "the debug-offsets block does not describe Python %u.%u",
                        hexversion >> 24, (hexversion >> 16) & 0xff);
    if (word(dbg, w->free_threaded) != 0)
        return diag_set(ERR_VERSION, "async-aware profiling of free-threaded builds is not supported");
    if (alen < sizeof a)
        return diag_set(ERR_CORRUPT, "the AsyncioDebug block is truncated");
    memcpy(a, adbg, sizeof a);

    fr_size = word(dbg, w->fr_size);
    gen_size = word(dbg, w->gen_size);
    set_size = word(dbg, w->set_size);
    long_size = word(dbg, w->long_size);
    tp_size = word(dbg, w->tp_size);
    out->hexversion_major_minor = w->major_minor;
    out->task_size = (uint32_t)a[A_TASK_SIZE];
    out->task_name = (uint32_t)a[A_TASK_NAME];
    out->task_awaited_by = (uint32_t)a[A_TASK_AWAITED_BY];
    out->task_is_task = (uint32_t)a[A_TASK_IS_TASK];
    out->task_awaited_by_is_set = (uint32_t)a[A_TASK_AB_IS_SET];
    out->task_coro = (uint32_t)a[A_TASK_CORO];
    out->task_node = (uint32_t)a[A_TASK_NODE];
    out->is_tasks_head = (uint32_t)a[A_IS_TASKS_HEAD];
    out->ts_running_loop = (uint32_t)a[A_TS_LOOP];
    out->ts_running_task = (uint32_t)a[A_TS_TASK];
    out->ts_tasks_head = (uint32_t)a[A_TS_TASKS_HEAD];
    out->ob_type = (uint32_t)word(dbg, w->ob_type);
    out->tp_flags = (uint32_t)word(dbg, w->tp_flags);
    out->tp_name = (uint32_t)word(dbg, w->tp_name);
    out->gen_size = (uint32_t)gen_size;
    out->gi_iframe = (uint32_t)word(dbg, w->gi_iframe);
    out->gi_frame_state = (uint32_t)word(dbg, w->gi_frame_state);
    out->fr_size = (uint32_t)fr_size;
    out->fr_executable = (uint32_t)word(dbg, w->fr_executable);
    out->fr_instr = (uint32_t)word(dbg, w->fr_instr);
    out->fr_owner = (uint32_t)word(dbg, w->fr_owner);
    out->fr_stackpointer = (uint32_t)word(dbg, w->fr_stackpointer);
    out->set_size = (uint32_t)set_size;
    out->set_used = (uint32_t)word(dbg, w->set_used);
    out->set_table = (uint32_t)word(dbg, w->set_table);
    out->set_mask = (uint32_t)word(dbg, w->set_mask);
    out->long_size = (uint32_t)long_size;
    out->long_lv_tag = (uint32_t)word(dbg, w->long_lv_tag);
    out->long_digit = (uint32_t)word(dbg, w->long_digit);
    out->llist_next = (uint32_t)word(dbg, w->llist_next);
    out->llist_prev = (uint32_t)word(dbg, w->llist_prev);
    out->state_cleared = w->cleared;
    out->state_yield_from = w->yield_from;
    out->state_yield_from_locked = w->yield_from_locked;
    out->owner_generator = 1;
    out->await_slot = w->await_slot;
    /* Stack references carry tag bits in their low bits; objects are at
     * least 8-byte aligned, so clearing three bits is exact. */
    out->tag_mask = 7;

    for (i = 0; i < A_WORDS; i++)
        if (a[i] > (1u << 24))
            bad = "AsyncioDebug";
    if (bad)
        return diag_set(ERR_CORRUPT, "implausible AsyncioDebug block in Python %u.%u",
                        hexversion >> 24, (hexversion >> 16) & 0xff);
    if (a[A_TASK_SIZE] > PY_ASYNC_BLOCK_MAX || !inside(a[A_TASK_NAME], 8, a[A_TASK_SIZE]) ||
        !inside(a[A_TASK_AWAITED_BY], 8, a[A_TASK_SIZE]) || !inside(a[A_TASK_IS_TASK], 1, a[A_TASK_SIZE]) ||
        !inside(a[A_TASK_AB_IS_SET], 1, a[A_TASK_SIZE]) || !inside(a[A_TASK_CORO], 8, a[A_TASK_SIZE]) ||
        !inside(a[A_TASK_NODE], 16, a[A_TASK_SIZE]) || !inside(out->ob_type, 8, a[A_TASK_SIZE]))
        bad = "task object";
    else if (!inside(a[A_IS_TASKS_HEAD], 16, a[A_IS_SIZE]) || !inside(a[A_TS_LOOP], 8, a[A_TS_SIZE]) ||
             !inside(a[A_TS_TASK], 8, a[A_TS_SIZE]) || !inside(a[A_TS_TASKS_HEAD], 16, a[A_TS_SIZE]))
        bad = "asyncio thread or interpreter state";
    else if (fr_size > 512 || !inside(out->fr_executable, 8, fr_size) || !inside(out->fr_instr, 8, fr_size) ||
             !inside(out->fr_owner, 1, fr_size) || !inside(out->fr_stackpointer, 8, fr_size))
        bad = "interpreter frame";
    else if (gen_size > 1024 || out->gi_iframe + fr_size > gen_size || !inside(out->gi_frame_state, 1, gen_size) ||
             !inside(out->ob_type, 8, gen_size))
        bad = "generator";
    else if (set_size > 1024 || !inside(out->set_used, 8, set_size) || !inside(out->set_table, 8, set_size) ||
             !inside(out->set_mask, 8, set_size))
        bad = "set";
    else if (long_size > 64 || !inside(out->long_lv_tag, 8, long_size) || out->long_digit > long_size ||
             tp_size > 4096 || !inside(out->tp_flags, 8, tp_size) || !inside(out->tp_name, 8, tp_size))
        bad = "int or type";
    else if (out->llist_next > 8 || out->llist_prev > 8 || out->llist_next == out->llist_prev)
        bad = "list node";
    if (bad)
        return diag_set(ERR_CORRUPT, "implausible %s offsets in the asyncio debug offsets of Python %u.%u", bad,
                        hexversion >> 24, (hexversion >> 16) & 0xff);
    return 0;
}
