/* asyncio task reconstruction on synthetic 3.14 and 3.15 images: layout
 * parsing, running and all modes, upstream's leaf and "(N parents)" rules,
 * and hostile memory (awaiter cycles, freed tasks, looping lists, huge task
 * counts, unmapped pointers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asyncimg.h"
#include "check.h"
#include "common/err.h"
#include "intern/intern.h"
#include "python/asyncio.h"

static struct interner *in;
static struct mem_reader *rd;
static struct py_async *as;
static struct py_async_layout AL;
static const char *code_names[64];

/* Collected stacks, one line each: "thread|frame;frame;..." innermost first. */
static char out[1 << 16];
static size_t out_len;
static size_t n_stacks;
static int collect_lines = 1;

static int frame_cb(void *ctx, uint64_t code, uint64_t instr, uint32_t *id, int *skip)
{
    tachyon_frame fr;
    uint64_t idx = (code - AIMG_CODE_BASE) / 0x1000;
    int rc;
    (void)ctx;
    *skip = 0;
    if (code < AIMG_CODE_BASE || idx >= 64 || !code_names[idx])
        return diag_set(ERR_CORRUPT, "unknown code 0x%llx", (unsigned long long)code);
    memset(&fr, 0, sizeof fr);
    fr.kind = TACHYON_FRAME_PYTHON;
    fr.line = (int32_t)((instr - code) / 2);
    fr.opcode = fr.base_opcode = TACHYON_NO_OPCODE;
    if ((rc = intern_cstring(in, "t.py", &fr.filename)) < 0 ||
        (rc = intern_cstring(in, code_names[idx], &fr.funcname)) < 0)
        return rc;
    return intern_frame(in, &fr, id);
}

static void append(const char *s)
{
    size_t n = strlen(s);
    if (out_len + n + 1 < sizeof out) {
        memcpy(out + out_len, s, n);
        out_len += n;
        out[out_len] = '\0';
    }
}

static int stack_cb(void *ctx, const struct py_async_stack *s)
{
    char buf[64];
    uint32_t i;
    (void)ctx;
    n_stacks++;
    if (!collect_lines)
        return 0;
    snprintf(buf, sizeof buf, "%s|", s->thread ? "T" : "-");
    append(buf);
    for (i = 0; i < s->depth; i++) {
        const tachyon_frame *f = interner_frame(in, s->frames[i]);
        const char *name = interner_string(in, f->funcname, NULL);
        if (i)
            append(";");
        if (f->kind == TACHYON_FRAME_TASK) {
            CHECK_STR(interner_string(in, f->filename, NULL), "<task>");
            CHECK_INT(f->line, 0);
            append("<");
            append(name);
            append(">");
        } else {
            snprintf(buf, sizeof buf, "%s:%d", name, f->line);
            append(buf);
        }
    }
    append("\n");
    return 0;
}

static void setup(int minor)
{
    size_t dl, al;
    const void *d, *a;
    aimg_reset(minor);
    memset(code_names, 0, sizeof code_names);
    d = aimg_debug_block(&dl);
    a = aimg_asyncio_block(&al);
    CHECK_INT(py_async_layout_from_debug(aimg_hexversion(), d, dl, a, al, &AL), 0);
    CHECK_INT(interner_create(&in), 0);
    out_len = 0;
    out[0] = '\0';
    n_stacks = 0;
    collect_lines = 1;
}

/* Open the reconstruction on the image as built so far. */
static void open_image(void)
{
    rd = aimg_reader();
    CHECK_INT(py_async_create(rd, in, aimg_str_layout(), &AL, &as), 0);
}

static void teardown(void)
{
    py_async_destroy(as);
    as = NULL;
    mem_reader_close(rd);
    rd = NULL;
    interner_destroy(in);
    in = NULL;
}

static int sample(int all, struct py_async_thread *th, size_t n, const uint64_t *interps, size_t ni)
{
    out_len = 0;
    out[0] = '\0';
    n_stacks = 0;
    if (!all && py_async_running(as, th, n) < 0)
        return -1;
    return py_async_sample(as, all, th, n, interps, ni, frame_cb, NULL, stack_cb, NULL);
}

static uint64_t code(int i, const char *name)
{
    code_names[i] = name;
    return aimg_code(i);
}

/* --- layout --------------------------------------------------------------- */

static void test_layout(void)
{
    struct py_async_layout L;
    uint8_t d[111 * 8], a[104];
    size_t dl, al;
    const void *dblk, *ablk;
    int minor;

    for (minor = 14; minor <= 15; minor++) {
        setup(minor);
        CHECK_INT(AL.task_name, AT_NAME);
        CHECK_INT(AL.task_node, AT_NODE);
        CHECK_INT(AL.ts_running_task, ATS_TASK);
        CHECK_INT(AL.is_tasks_head, AI_TASKS_HEAD);
        CHECK_INT(AL.gi_iframe, 80);
        CHECK_INT(AL.gi_frame_state, 70);
        CHECK_INT(AL.fr_stackpointer, 64);
        CHECK_INT(AL.set_mask, 32);
        CHECK_INT(AL.state_yield_from, aimg_states()->yield_from);
        CHECK_INT(AL.state_cleared, aimg_states()->cleared);
        CHECK_INT(AL.await_slot, minor == 14 ? 1 : 2);
        dblk = aimg_debug_block(&dl);
        ablk = aimg_asyncio_block(&al);
        memcpy(d, dblk, dl);
        memcpy(a, ablk, al);
        /* A task field outside the task object. */
        memcpy(a + 8, &(uint64_t){ AT_SIZE }, 8);
        CHECK_INT(py_async_layout_from_debug(aimg_hexversion(), d, dl, a, al, &L), ERR_CORRUPT);
        memcpy(a, ablk, al);
        /* Free-threaded builds, and a block of another version. */
        memcpy(d + 16, &(uint64_t){ 1 }, 8);
        CHECK_INT(py_async_layout_from_debug(aimg_hexversion(), d, dl, a, al, &L), ERR_VERSION);
        memcpy(d, dblk, dl);
        CHECK_INT(py_async_layout_from_debug(minor == 14 ? 0x030f02f0u : 0x030e0af0u, d, sizeof d, a, al, &L), ERR_CORRUPT);
        CHECK_INT(py_async_layout_from_debug(aimg_hexversion(), d, dl - 8, a, al, &L), ERR_CORRUPT);
        teardown();
    }
    /* 3.13 publishes no asyncio offsets. */
    CHECK_INT(py_async_debug_size(0x030d00f0u), 0);
    CHECK_INT(py_async_layout_from_debug(0x030d00f0u, d, sizeof d, a, sizeof a, &L), ERR_VERSION);
    CHECK(strstr(diag_message(), "3.14") != NULL);
}

/* --- running mode --------------------------------------------------------- */

/* main (Task-1, an unnamed task) awaits a TaskGroup whose children include
 * tg-awaiter, which awaits the task "inner"; inner runs on the thread. */
static void test_running_chain(void)
{
    int minor;
    for (minor = 14; minor <= 15; minor++) {
        const struct aimg_states *S;
        uint64_t th, root, awaiter, inner, c_main, c_aexit, c_aw, c_inner, fut;
        uint64_t loop_frame = 0x7000, frames_addr[5];
        uint32_t ids[5];
        struct py_async_thread t;

        setup(minor);
        S = aimg_states();
        fut = aimg_future();
        c_aexit = aimg_coro(code(2, "TaskGroup._aexit"), 125, S->yield_from, fut);
        c_main = aimg_coro(code(1, "main"), 41, S->yield_from, c_aexit);
        c_aw = aimg_coro(code(3, "awaits_other_task"), 35, S->yield_from, fut);
        c_inner = aimg_coro(code(4, "inner_task"), 29, S->executing, 0);
        root = aimg_task(aimg_int(1), c_main);
        awaiter = aimg_task(aimg_str("tg-awaiter"), c_aw);
        inner = aimg_task(aimg_str("inner"), c_inner);
        aimg_awaited_by(inner, &awaiter, 1, 0);
        aimg_awaited_by(awaiter, &root, 1, 1);   /* a set of one, as TaskGroup makes */
        th = aimg_thread();
        aimg_set_running(th, 0x4444, inner);
        open_image();

        /* The thread's frames: busy() above the task's coroutine frame, the
         * event loop below it. */
        CHECK_INT(frame_cb(NULL, code(5, "busy"), aimg_code(5) + 18, &ids[0], &(int){0}), 0);
        CHECK_INT(frame_cb(NULL, aimg_code(4), aimg_code(4) + 58, &ids[1], &(int){0}), 0);
        CHECK_INT(frame_cb(NULL, code(6, "_run_once"), aimg_code(6) + 4, &ids[2], &(int){0}), 0);
        CHECK_INT(frame_cb(NULL, code(7, "run"), aimg_code(7) + 4, &ids[3], &(int){0}), 0);
        frames_addr[0] = loop_frame;
        frames_addr[1] = aimg_coro_frame(c_inner);
        frames_addr[2] = loop_frame + 0x100;
        frames_addr[3] = loop_frame + 0x200;
        memset(&t, 0, sizeof t);
        t.tstate = th;
        t.frames = ids;
        t.frame_addrs = frames_addr;
        t.n_frames = 4;

        CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
        CHECK_INT(t.running_task, inner);
        CHECK_STR(out, "T|busy:9;inner_task:29;<inner>;awaits_other_task:35;<tg-awaiter>;"
                       "TaskGroup._aexit:125;main:41;<Task-1>\n");

        /* The loop runs no task (between callbacks): nothing, no failure. */
        aimg_set_running(th, 0x4444, 0);
        mem_reader_close(rd);
        py_async_destroy(as);
        open_image();
        CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
        CHECK_INT(n_stacks, 0);
        CHECK_INT(py_async_counters(as)->no_task, 1);
        /* No loop at all: nothing either. */
        aimg_set_running(th, 0, inner);
        mem_reader_close(rd);
        py_async_destroy(as);
        open_image();
        CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
        CHECK_INT(n_stacks, 0);
        teardown();
    }
}

/* One task awaited by two: the marker says so and the lower address is
 * followed, as upstream 3.15.2 does. */
static void test_several_awaiters(void)
{
    const struct aimg_states *S;
    uint64_t th, main_t, w1, w2, shared, c_main, c_w1, c_w2, c_sh, fut, aw[2];
    struct py_async_thread t;

    setup(15);
    S = aimg_states();
    fut = aimg_future();
    c_main = aimg_coro(code(1, "main"), 29, S->yield_from, fut);
    c_w1 = aimg_coro(code(2, "waiter"), 20, S->yield_from, fut);
    c_w2 = aimg_coro(code(2, "waiter"), 20, S->yield_from, fut);
    c_sh = aimg_coro(code(3, "shared_work"), 16, S->yield_from, fut);
    main_t = aimg_task(aimg_int(1), c_main);
    w1 = aimg_task(aimg_str("waiter-1"), c_w1);
    w2 = aimg_task(aimg_str("waiter-2"), c_w2);
    shared = aimg_task(aimg_str("shared"), c_sh);
    aw[0] = w2;   /* set order is not address order */
    aw[1] = w1;
    aimg_awaited_by(shared, aw, 2, 1);
    aimg_awaited_by(w1, &main_t, 1, 0);
    aimg_awaited_by(w2, &main_t, 1, 0);
    th = aimg_thread();
    aimg_list_append(th + ATS_TASKS_HEAD, main_t);
    aimg_list_append(th + ATS_TASKS_HEAD, w1);
    aimg_list_append(th + ATS_TASKS_HEAD, w2);
    aimg_list_append(th + ATS_TASKS_HEAD, shared);
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;

    /* all mode: one leaf, the shared task, followed to waiter-1 (the lower
     * address); the waiters await it, so they are no leaves. */
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK(w1 < w2);
    CHECK_STR(out, "T|shared_work:16;<shared (2 parents)>;waiter:20;<waiter-1>;main:29;<Task-1>\n");
    teardown();
}

/* all mode: waiting tasks with their await chains, the interpreter's list of
 * tasks whose thread exited, names in UCS-2 and cut at 255 characters. */
static void test_all_mode(void)
{
    int minor;
    for (minor = 14; minor <= 15; minor++) {
        const struct aimg_states *S;
        uint64_t th, ip, root, sleeper, orphan, fresh, done, c_root, c_sl, c_sleep, c_or, c_fresh, c_done, fut;
        uint16_t ucs2[] = { 0x3042, 'x', 0x20ac };
        char longname[400], expect[1024];
        struct py_async_thread t;

        setup(minor);
        S = aimg_states();
        fut = aimg_future();
        c_root = aimg_coro(code(1, "main"), 41, S->yield_from, fut);
        c_sleep = aimg_coro(code(2, "sleep"), 725, S->yield_from, fut);
        c_sl = aimg_coro(code(3, "sleeper_task"), 20, S->yield_from, c_sleep);
        c_or = aimg_coro(code(4, "orphan"), 7, S->suspended, 0);
        c_fresh = aimg_coro(code(5, "not_started"), 3, S->created, 0);
        c_done = aimg_coro(code(6, "finished"), 9, S->cleared, 0);
        memset(longname, 'n', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        root = aimg_task(aimg_int(1), c_root);
        sleeper = aimg_task(aimg_str_ucs2(ucs2, 3), c_sl);
        orphan = aimg_task(aimg_str(longname), c_or);
        fresh = aimg_task(aimg_int((1ull << 31) + 5), c_fresh);
        done = aimg_task(aimg_str("done"), c_done);
        aimg_awaited_by(sleeper, &root, 1, 0);
        aimg_awaited_by(fresh, &root, 1, 0);
        aimg_awaited_by(done, &root, 1, 0);
        th = aimg_thread();
        ip = aimg_interp();
        aimg_list_append(th + ATS_TASKS_HEAD, root);
        aimg_list_append(th + ATS_TASKS_HEAD, sleeper);
        aimg_list_append(th + ATS_TASKS_HEAD, fresh);
        aimg_list_append(th + ATS_TASKS_HEAD, done);
        aimg_list_append(ip + AI_TASKS_HEAD, orphan);
        open_image();
        memset(&t, 0, sizeof t);
        t.tstate = th;

        CHECK_INT(sample(1, &t, 1, &ip, 1), 0);
        snprintf(expect, sizeof expect,
                 "T|sleep:725;sleeper_task:20;<\xe3\x81\x82x\xe2\x82\xac>;main:41;<Task-1>\n"
                 "T|not_started:3;<Task-2147483653>;main:41;<Task-1>\n"
                 "T|<done>;main:41;<Task-1>\n"
                 "-|orphan:7;<%.255s>\n", longname);
        CHECK_STR(out, expect);
        teardown();
    }
}

/* --- hostile memory -------------------------------------------------------- */

/* A awaits B and B awaits A (a deadlock, or corrupt memory) above the
 * running leaf: the chain is cut where it comes back, nothing loops. */
static void test_awaiter_cycle(void)
{
    const struct aimg_states *S;
    uint64_t th, a, b, leaf, fut;
    uint64_t addr;
    uint32_t id;
    struct py_async_thread t;

    setup(14);
    S = aimg_states();
    fut = aimg_future();
    a = aimg_task(aimg_str("A"), aimg_coro(code(1, "fa"), 1, S->yield_from, fut));
    b = aimg_task(aimg_str("B"), aimg_coro(code(2, "fb"), 2, S->yield_from, fut));
    leaf = aimg_task(aimg_str("L"), aimg_coro(code(3, "fl"), 3, S->executing, 0));
    aimg_awaited_by(leaf, &a, 1, 0);
    aimg_awaited_by(a, &b, 1, 0);
    aimg_awaited_by(b, &a, 1, 0);
    th = aimg_thread();
    aimg_set_running(th, 1, leaf);
    aimg_list_append(th + ATS_TASKS_HEAD, a);
    aimg_list_append(th + ATS_TASKS_HEAD, b);
    aimg_list_append(th + ATS_TASKS_HEAD, leaf);
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    CHECK_INT(frame_cb(NULL, aimg_code(3), aimg_code(3) + 6, &id, &(int){0}), 0);
    addr = 0x9000;   /* not the task's frame: every thread frame is kept */
    t.frames = &id;
    t.frame_addrs = &addr;
    t.n_frames = 1;

    CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
    CHECK_STR(out, "T|fl:3;<L>;fa:1;<A>;fb:2;<B>\n");
    CHECK(py_async_counters(as)->cycles >= 1);
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_STR(out, "T|fl:3;<L>;fa:1;<A>;fb:2;<B>\n");

    /* The loop switched to task A after the running task was read and
     * before the frames were: without L's coroutine frame in them the
     * frames cannot be trusted to be L's. */
    CHECK_INT(py_async_running(as, &t, 1), 0);
    mem_synth_poke(rd, th + ATS_TASK, &a, 8);
    n_stacks = 0;
    CHECK_INT(py_async_sample(as, 0, &t, 1, NULL, 0, frame_cb, NULL, stack_cb, NULL), ERR_CORRUPT);
    CHECK_INT(n_stacks, 0);
    CHECK_INT(py_async_counters(as)->torn, 1);
    teardown();
}

/* A coroutine awaiting itself (corrupt) ends its chain. */
static void test_coro_cycle(void)
{
    const struct aimg_states *S;
    uint64_t th, c, task;
    struct py_async_thread t;

    setup(15);
    S = aimg_states();
    c = aimg_coro(code(1, "self"), 4, S->yield_from, 0);
    task = aimg_task(aimg_str("T"), c);
    th = aimg_thread();
    aimg_list_append(th + ATS_TASKS_HEAD, task);
    {
        /* Point the stack top (frame offset 64) at the coroutine itself. */
        uint64_t sp;
        memcpy(&sp, aimg_at(aimg_coro_frame(c) + 64), 8);
        aimg_put64(sp - 16, c);
    }
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_STR(out, "T|self:4;<T>\n");
    CHECK(py_async_counters(as)->cycles >= 1);
    teardown();
}

/* Freed or torn tasks fail the sample (counted), never give a stack. */
static void test_freed_task(void)
{
    const struct aimg_states *S;
    uint64_t th, t1, t2, t3;
    struct py_async_thread t;

    setup(14);
    S = aimg_states();
    t1 = aimg_task(aimg_str("one"), aimg_coro(code(1, "f"), 1, S->suspended, 0));
    t2 = aimg_task(aimg_str("two"), aimg_coro(code(1, "f"), 1, S->suspended, 0));
    t3 = aimg_task(aimg_str("three"), aimg_coro(code(1, "f"), 1, S->suspended, 0));
    th = aimg_thread();
    aimg_list_append(th + ATS_TASKS_HEAD, t1);
    aimg_list_append(th + ATS_TASKS_HEAD, t2);
    aimg_list_append(th + ATS_TASKS_HEAD, t3);
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_INT(n_stacks, 3);

    /* t2 unlinked and its memory reused between the reads: its node no
     * longer points back at t1. */
    mem_synth_poke(rd, t2 + AT_NODE + 8, &(uint64_t){ 0xdead0 }, 8);
    CHECK_INT(sample(1, &t, 1, NULL, 0), ERR_CORRUPT);
    CHECK_INT(py_async_counters(as)->freed, 1);
    mem_synth_poke(rd, t2 + AT_NODE + 8, &(uint64_t){ t1 + AT_NODE }, 8);
    /* t3 overwritten: its flags are no longer 0 or 1. */
    mem_synth_poke(rd, t3 + AT_IS_TASK, &(uint8_t){ 0x7f }, 1);
    CHECK_INT(sample(1, &t, 1, NULL, 0), ERR_CORRUPT);
    CHECK_INT(py_async_counters(as)->freed, 2);
    mem_synth_poke(rd, t3 + AT_IS_TASK, &(uint8_t){ 1 }, 1);
    /* A coroutine pointer into unmapped memory. */
    mem_synth_poke(rd, t1 + AT_CORO, &(uint64_t){ AIMG_UNMAPPED }, 8);
    CHECK(sample(1, &t, 1, NULL, 0) < 0);
    mem_synth_poke(rd, t1 + AT_CORO, &(uint64_t){ 0 }, 8);
    /* A list that loops back to a node other than its head. */
    mem_synth_poke(rd, t3 + AT_NODE, &(uint64_t){ t1 + AT_NODE }, 8);
    CHECK_INT(sample(1, &t, 1, NULL, 0), ERR_CORRUPT);
    CHECK(strstr(diag_message(), "loops") != NULL);
    CHECK_INT(py_async_counters(as)->failed, 4);
    teardown();
}

/* 100,000 live tasks are read in one sample; more than the bound fail it
 * with a count, after bounded work. */
static void test_many_tasks(void)
{
    const struct aimg_states *S;
    uint64_t th, name, coro, root, *tasks;
    struct py_async_thread t;
    size_t i, n = 100000;

    setup(15);
    S = aimg_states();
    name = aimg_str("w");
    coro = aimg_coro(code(1, "work"), 5, S->suspended, 0);
    root = aimg_task(aimg_int(1), aimg_coro(code(2, "main"), 9, S->yield_from, aimg_future()));
    th = aimg_thread();
    aimg_list_append(th + ATS_TASKS_HEAD, root);
    tasks = malloc(n * sizeof *tasks);
    CHECK(tasks != NULL);
    for (i = 0; i < n - 1; i++) {
        tasks[i] = aimg_task(name, coro);
        aimg_awaited_by(tasks[i], &root, 1, 0);
        aimg_list_append(th + ATS_TASKS_HEAD, tasks[i]);
    }
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    collect_lines = 0;
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_INT(n_stacks, n - 1);
    teardown();

    /* The same image with every task listed: one more than the bound. */
    setup(15);
    S = aimg_states();
    name = aimg_str("w");
    coro = aimg_coro(code(1, "work"), 5, S->suspended, 0);
    th = aimg_thread();
    for (i = 0; i <= PY_ASYNC_MAX_TASKS; i++)
        aimg_list_append(th + ATS_TASKS_HEAD, aimg_task(name, coro));
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    collect_lines = 0;
    CHECK_INT(sample(1, &t, 1, NULL, 0), ERR_CORRUPT);
    CHECK_INT(n_stacks, 0);
    CHECK_INT(py_async_counters(as)->too_many, 1);
    free(tasks);
    teardown();
}

/* A huge awaiter set is refused rather than read. */
static void test_bad_set(void)
{
    const struct aimg_states *S;
    uint64_t th, task, set;
    struct py_async_thread t;

    setup(14);
    S = aimg_states();
    task = aimg_task(aimg_str("x"), aimg_coro(code(1, "f"), 1, S->suspended, 0));
    aimg_awaited_by(task, (uint64_t[]){ 0x1000, 0x2000 }, 2, 1);
    th = aimg_thread();
    aimg_list_append(th + ATS_TASKS_HEAD, task);
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    memcpy(&set, aimg_at(task + AT_AWAITED_BY), 8);
    mem_synth_poke(rd, set + 32, &(uint64_t){ (1ull << 40) - 1 }, 8);
    CHECK_INT(sample(1, &t, 1, NULL, 0), ERR_CORRUPT);
    mem_synth_poke(rd, set + 32, &(uint64_t){ 6 }, 8);   /* not a power of two minus one */
    CHECK_INT(sample(1, &t, 1, NULL, 0), ERR_CORRUPT);
    teardown();
}

/* all mode reads last sample's lists ahead: few reads when nothing
 * changed, and a list changed in between is followed again, never served
 * stale. */
static void test_read_ahead(void)
{
    const struct aimg_states *S;
    uint64_t th, tasks[50], calls;
    struct py_async_thread t;
    size_t i;

    setup(15);
    S = aimg_states();
    th = aimg_thread();
    for (i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%zu", i);
        tasks[i] = aimg_task(aimg_str(name), aimg_coro(code(1, "w"), 2, S->yield_from,
                                                      aimg_coro(code(2, "sleep"), 7, S->yield_from, aimg_future())));
        aimg_list_append(th + ATS_TASKS_HEAD, tasks[i]);
    }
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    calls = rd->calls;
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_INT(n_stacks, 50);
    CHECK(rd->calls - calls >= 50);
    CHECK(strstr(out, "T|sleep:7;w:2;<t49>\n") != NULL);
    calls = rd->calls;
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_INT(n_stacks, 50);
    CHECK(rd->calls - calls <= 10);

    /* t10 finishes: unlinked between the samples. */
    mem_synth_poke(rd, tasks[9] + AT_NODE, &(uint64_t){ tasks[11] + AT_NODE }, 8);
    mem_synth_poke(rd, tasks[11] + AT_NODE + 8, &(uint64_t){ tasks[9] + AT_NODE }, 8);
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_INT(n_stacks, 49);
    CHECK(strstr(out, "<t10>") == NULL);
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK_INT(n_stacks, 49);
    /* A task renamed (set_name) between samples: the new name at once. */
    {
        uint64_t name0;
        memcpy(&name0, aimg_at(tasks[0] + AT_NAME), 8);
        mem_synth_poke(rd, tasks[3] + AT_NAME, &name0, 8);
    }
    CHECK_INT(sample(1, &t, 1, NULL, 0), 0);
    CHECK(strstr(out, "<t3>") == NULL);
    CHECK(strstr(strstr(out, "<t0>") + 1, "<t0>") != NULL);
    teardown();
}

/* Running mode reads last sample's objects ahead in one readv: far fewer
 * reads, and what changed in between is what the sample shows. */
static void test_running_read_ahead(void)
{
    const struct aimg_states *S;
    uint64_t th, root, mid, leaf, fut, calls, first, name2, addr;
    uint32_t id;
    struct py_async_thread t;

    setup(14);
    S = aimg_states();
    fut = aimg_future();
    root = aimg_task(aimg_int(1), aimg_coro(code(1, "main"), 4, S->yield_from,
                                            aimg_coro(code(2, "helper"), 6, S->yield_from, fut)));
    mid = aimg_task(aimg_str("mid"), aimg_coro(code(3, "middle"), 8, S->yield_from, fut));
    leaf = aimg_task(aimg_str("leaf"), aimg_coro(code(4, "work"), 10, S->executing, 0));
    name2 = aimg_str("renamed");
    aimg_awaited_by(leaf, &mid, 1, 0);
    aimg_awaited_by(mid, &root, 1, 0);
    th = aimg_thread();
    aimg_set_running(th, 1, leaf);
    open_image();
    memset(&t, 0, sizeof t);
    t.tstate = th;
    CHECK_INT(frame_cb(NULL, aimg_code(4), aimg_code(4) + 20, &id, &(int){0}), 0);
    addr = aimg_coro_frame(aimg_get_coro(leaf));
    t.frames = &id;
    t.frame_addrs = &addr;
    t.n_frames = 1;
    t.coroutine_frames = 1;

    calls = rd->calls;
    CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
    first = rd->calls - calls;
    CHECK_STR(out, "T|work:10;<leaf>;middle:8;<mid>;helper:6;main:4;<Task-1>\n");
    calls = rd->calls;
    CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
    CHECK_STR(out, "T|work:10;<leaf>;middle:8;<mid>;helper:6;main:4;<Task-1>\n");
    CHECK(rd->calls - calls <= 3);
    CHECK(first >= 8);
    /* mid renamed and its coroutine suspended elsewhere between samples. */
    mem_synth_poke(rd, mid + AT_NAME, &name2, 8);
    mem_synth_poke(rd, leaf + AT_AWAITED_BY, &root, 8);
    CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
    CHECK_STR(out, "T|work:10;<leaf>;helper:6;main:4;<Task-1>\n");
    mem_synth_poke(rd, leaf + AT_AWAITED_BY, &mid, 8);
    CHECK_INT(sample(0, &t, 1, NULL, 0), 0);
    CHECK_STR(out, "T|work:10;<leaf>;middle:8;<renamed>;helper:6;main:4;<Task-1>\n");
    teardown();
}

int main(void)
{
    RUN(test_layout);
    RUN(test_running_chain);
    RUN(test_several_awaiters);
    RUN(test_all_mode);
    RUN(test_awaiter_cycle);
    RUN(test_coro_cycle);
    RUN(test_freed_task);
    RUN(test_many_tasks);
    RUN(test_bad_set);
    RUN(test_read_ahead);
    RUN(test_running_read_ahead);
    aimg_free();
    return check_summary();
}
