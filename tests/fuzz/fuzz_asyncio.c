/* Fuzz target: asyncio task reconstruction on hostile memory.
 *
 * A small valid 3.14 or 3.15 image (a task tree with a TaskGroup-like
 * parent, an awaiter set, await chains, a thread list and an interpreter
 * list) is built, then patched by the input:
 *   byte 0: bit 0 selects 3.15, bit 1 all mode, bit 2 patches the debug
 *           blocks instead of the image;
 *   then records: offset (2 bytes, little endian, taken modulo the size),
 *           length (1 byte), that many bytes.
 * Whatever the bytes, parsing the layout and a sample must return 0 or a
 * negative code, and every stack must be made of interned frames. */
#include <stdlib.h>
#include <string.h>

#include "asyncimg.h"
#include "common/err.h"
#include "fuzz.h"
#include "intern/intern.h"
#include "python/asyncio.h"

static struct interner *in;

static int frame_cb(void *ctx, uint64_t code, uint64_t instr, uint32_t *id, int *skip)
{
    tachyon_frame fr;
    int rc;
    (void)ctx;
    *skip = (instr & 0xff) == 0x7e;
    memset(&fr, 0, sizeof fr);
    fr.line = (int32_t)((instr - code) & 0xffff);
    fr.opcode = fr.base_opcode = TACHYON_NO_OPCODE;
    if ((rc = intern_cstring(in, "f.py", &fr.filename)) < 0 || (rc = intern_cstring(in, "f", &fr.funcname)) < 0)
        return rc;
    return intern_frame(in, &fr, id);
}

static int stack_cb(void *ctx, const struct py_async_stack *s)
{
    uint32_t i;
    (void)ctx;
    for (i = 0; i < s->depth; i++)
        if (!interner_frame(in, s->frames[i]))
            abort();
    return 0;
}

static void build(uint64_t *th, uint64_t *ip)
{
    const struct aimg_states *S = aimg_states();
    uint64_t fut = aimg_future(), root, a, b, leaf, aw[2];
    root = aimg_task(aimg_int(1), aimg_coro(aimg_code(1), 10, S->yield_from,
                                            aimg_coro(aimg_code(2), 20, S->yield_from, fut)));
    a = aimg_task(aimg_str("a"), aimg_coro(aimg_code(3), 30, S->yield_from, fut));
    b = aimg_task(aimg_str("b"), aimg_coro(aimg_code(4), 40, S->suspended, 0));
    leaf = aimg_task(aimg_str("leaf"), aimg_coro(aimg_code(5), 50, S->executing, 0));
    aw[0] = a;
    aw[1] = b;
    aimg_awaited_by(leaf, aw, 2, 1);
    aimg_awaited_by(a, &root, 1, 0);
    aimg_awaited_by(b, &root, 1, 1);
    *th = aimg_thread();
    *ip = aimg_interp();
    aimg_set_running(*th, 1, leaf);
    aimg_list_append(*th + ATS_TASKS_HEAD, root);
    aimg_list_append(*th + ATS_TASKS_HEAD, a);
    aimg_list_append(*th + ATS_TASKS_HEAD, leaf);
    aimg_list_append(*ip + AI_TASKS_HEAD, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t dbg[111 * 8], adbg[PY_ASYNC_DEBUG_BLOCK], *region;
    struct py_async_layout L;
    struct py_async_thread t;
    struct py_async *a = NULL;
    struct mem_reader *r;
    uint64_t th, ip, addr;
    const void *blk;
    uint32_t ids[2];
    size_t dl, al, used, i;
    int flags, all;

    if (size < 1)
        return 0;
    flags = data[0];
    all = (flags & 2) != 0;
    aimg_reset(flags & 1 ? 15 : 14);
    build(&th, &ip);
    blk = aimg_debug_block(&dl);
    memcpy(dbg, blk, dl);
    blk = aimg_asyncio_block(&al);
    memcpy(adbg, blk, al);
    used = (size_t)(aimg_alloc(0) - AIMG_BASE);
    for (i = 1; i + 3 <= size;) {
        size_t off = (size_t)(data[i] | data[i + 1] << 8), len = data[i + 2], room;
        i += 3;
        if (len > size - i)
            len = size - i;
        if (flags & 4) {
            region = off & 1 ? adbg : dbg;
            room = off & 1 ? al : dl;
        } else {
            region = aimg_at(AIMG_BASE);
            room = used;
        }
        off %= room;
        if (len > room - off)
            len = room - off;
        memcpy(region + off, data + i, len);
        i += len;
    }
    if (interner_create(&in) < 0)
        return 0;
    if (py_async_layout_from_debug(aimg_hexversion(), dbg, dl, adbg, al, &L) == 0) {
        r = aimg_reader();
        if (py_async_create(r, in, aimg_str_layout(), &L, &a) == 0) {
            memset(&t, 0, sizeof t);
            t.tstate = th;
            addr = aimg_coro_frame(AIMG_BASE);   /* not a task's frame */
            frame_cb(NULL, aimg_code(9), aimg_code(9) + 2, &ids[0], &(int){0});
            t.frames = ids;
            t.frame_addrs = &addr;
            t.n_frames = 1;
            if (all || py_async_running(a, &t, 1) == 0) {
                int rc = py_async_sample(a, all, &t, 1, &ip, 1, frame_cb, NULL, stack_cb, NULL);
                if (rc > 0)
                    abort();
            }
            py_async_destroy(a);
        }
        mem_reader_close(r);
    }
    interner_destroy(in);
    return 0;
}
