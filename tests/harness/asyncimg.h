/* Synthetic asyncio images (CPython 3.14 and 3.15) for the task
 * reconstruction's unit tests.
 *
 * One zeroed arena holds thread and interpreter states, task objects,
 * coroutines with their embedded frames, awaiter sets and the str and int
 * objects naming tasks; aimg_reader() maps it into a synthetic reader.
 * The debug blocks the reconstruction parses are built with the real word
 * positions of each version, but the _asyncio offsets they publish are
 * deliberately unlike the real ones, so a decoder that hard-coded them
 * fails. Code objects are plain addresses here: the tests' frame callback
 * maps (code, instruction) to a frame named after the code, with line =
 * instruction offset in code units. */
#ifndef TESTS_HARNESS_ASYNCIMG_H
#define TESTS_HARNESS_ASYNCIMG_H

#include <stddef.h>
#include <stdint.h>

#include "mem/reader.h"
#include "python/asyncio.h"
#include "python/layout.h"

#define AIMG_BASE 0x20000000ull
#define AIMG_UNMAPPED 0x7b000000ull
#define AIMG_CODE_BASE 0x60000000ull   /* fake code objects, never read */

/* The _asyncio offsets the synthetic block publishes. */
enum {
    AT_SIZE = 256, AT_NAME = 200, AT_AWAITED_BY = 64, AT_IS_TASK = 90, AT_AB_IS_SET = 91,
    AT_CORO = 120, AT_NODE = 160,
    AI_SIZE = 4096, AI_TASKS_HEAD = 3000,
    ATS_SIZE = 2048, ATS_LOOP = 1500, ATS_TASK = 1520, ATS_TASKS_HEAD = 1800,
};

/* Frame states of the version being built. */
struct aimg_states {
    int8_t created, suspended, yield_from, executing, cleared;
};

/* Start a new image of 3.14 (minor 14) or 3.15 (minor 15). */
void aimg_reset(int minor);
void aimg_free(void);
const struct aimg_states *aimg_states(void);
uint64_t aimg_alloc(size_t n);
uint8_t *aimg_at(uint64_t a);
void aimg_put64(uint64_t a, uint64_t v);

/* The debug-offsets block (for py_async_layout_from_debug) and the
 * AsyncioDebug block of this image. */
const void *aimg_debug_block(size_t *len);
const void *aimg_asyncio_block(size_t *len);
uint32_t aimg_hexversion(void);
/* The str layout the image's names use (3.12's compact str). */
const struct py_layout *aimg_str_layout(void);

/* Objects. */
uint64_t aimg_str(const char *utf8_ascii);
uint64_t aimg_str_ucs2(const uint16_t *units, size_t n);
uint64_t aimg_int(uint64_t v);
uint64_t aimg_code(int index);           /* AIMG_CODE_BASE + index * 0x1000 */
/* A coroutine executing code at line (instruction offset) in state; when
 * awaited is non-zero it sits on top of its value stack (a yield-from). */
uint64_t aimg_coro(uint64_t code, int line, int8_t state, uint64_t awaited);
/* A future (not a coroutine): ends a coroutine chain. */
uint64_t aimg_future(void);
/* The coroutine a task runs. */
uint64_t aimg_get_coro(uint64_t task);
/* The address of a coroutine's embedded frame. */
uint64_t aimg_coro_frame(uint64_t coro);
/* A task named by a str or int object (0: none), running coro. */
uint64_t aimg_task(uint64_t name, uint64_t coro);
/* Awaiters of task: one (n == 1, unless as_set) or a set of them; set
 * slots get dummies (hash -1) in between. */
void aimg_awaited_by(uint64_t task, const uint64_t *awaiters, size_t n, int as_set);
/* A thread state and an interpreter state with empty task lists. */
uint64_t aimg_thread(void);
uint64_t aimg_interp(void);
void aimg_set_running(uint64_t tstate, uint64_t loop, uint64_t task);
/* Append task to the circular list at head (tstate + ATS_TASKS_HEAD or
 * interp + AI_TASKS_HEAD). */
void aimg_list_append(uint64_t head, uint64_t task);

/* A reader over the image as built so far. */
struct mem_reader *aimg_reader(void);

#endif
