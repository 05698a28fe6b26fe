/* Issue 9: one undecodable thread or object must not cost the whole
 * sample. On the synthetic 3.13 image (tests/harness/pyimage.h): a second
 * thread whose frame is corrupt, a name longer than the decoder copies, a
 * line table over its cap, and a stack deeper than PY_MAX_DEPTH. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "pyimage.h"

static const uint8_t table16[] = { 0x80 | (14 << 3) | 7, 2, 0, 5, 21, 0x80 | (13 << 3) | 7, 4 };

static struct pyimg_proc proc;
static uint64_t chunk, f_main, f_root, code_main, code_root, code_thread;
static struct pyimg_result res;

/* Main thread: main_work (unit 9, line 13) called from <module>; second
 * thread: worker at unit 0. */
static void build(void)
{
    uint64_t filename;

    pyimg_reset();
    filename = pyimg_ascii("/src/app.py");
    code_main = pyimg_code(filename, pyimg_ascii("main_work"), 10, table16, sizeof table16);
    code_root = pyimg_code(filename, pyimg_ascii("<module>"), 1, table16, sizeof table16);
    code_thread = pyimg_code(filename, pyimg_ascii("worker"), 10, table16, sizeof table16);
    chunk = pyimg_chunk(16384);
    f_root = chunk + CHUNK_HDR;
    f_main = f_root + FR_SIZE;
    pyimg_frame(f_root, code_root, 8, 0, 0);
    pyimg_frame(f_main, code_main, 9, f_root, 0);
    pyimg_process(&proc, f_main, chunk, code_thread);
}

static const struct py_thread_failure *failures(struct pyimg_env *e, size_t *n)
{
    const struct py_thread_failure *f = NULL;
    *n = py_target_thread_failures(e->t, &f);
    return f;
}

/* The second thread's code object is not a code object: only that thread
 * is lost, every sample, and it is counted against its thread id. */
static void test_one_thread_fails(void)
{
    struct pyimg_env e;
    const struct py_thread_failure *f;
    size_t n;
    int i;

    build();
    pyimg_put64(code_thread + OB_TYPE, pyimg_type("dict"));
    CHECK_INT(pyimg_open(&e, &proc), 0);
    if (!e.t)
        goto out;
    e.o.all_threads = 1;
    for (i = 0; i < 3; i++) {
        CHECK_INT(pyimg_sample(&e, &res), 0);
        CHECK_INT(res.n, 1);
        CHECK_INT(res.th[0].tid, 0x1111);
        CHECK_INT(res.th[0].depth, 2);
        CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "main_work");
    }
    f = failures(&e, &n);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(f[0].thread_id, 0x2222);
        CHECK_INT(f[0].count, 3);
        CHECK(strstr(f[0].first_error, "code") != NULL);
    }
out:
    pyimg_close(&e);
}

/* A broken frame chain in the main thread while the other thread is fine. */
static void test_main_thread_fails_other_kept(void)
{
    struct pyimg_env e;
    size_t n;

    build();
    pyimg_put64(f_main + FR_PREV, f_main + 3); /* misaligned link */
    CHECK_INT(pyimg_open(&e, &proc), 0);
    if (!e.t)
        goto out;
    e.o.all_threads = 1;
    CHECK_INT(pyimg_sample(&e, &res), 0);
    CHECK_INT(res.n, 1);
    CHECK_INT(res.th[0].tid, 0x2222);
    failures(&e, &n);
    CHECK_INT(n, 1);
    e.o.all_threads = 0;
    CHECK_INT(pyimg_sample(&e, &res), ERR_CORRUPT);
out:
    pyimg_close(&e);
}

/* A 70,000-character name is kept, cut, with a marker saying so. */
static void test_long_name_truncated(void)
{
    enum { LEN = 70000 };
    struct pyimg_env e;
    char *name = malloc(LEN + 1);
    const char *got;

    build();
    if (!name)
        return;
    memset(name, 'x', LEN);
    name[LEN] = '\0';
    pyimg_put64(code_main + CO_QUALNAME, pyimg_ascii(name));
    free(name);
    CHECK_INT(pyimg_open(&e, &proc), 0);
    if (!e.t)
        goto out;
    CHECK_INT(pyimg_sample(&e, &res), 0);
    CHECK_INT(res.n, 1);
    got = pyimg_name_of(&e, res.th[0].frames[0]);
    CHECK(got && strstr(got, "...[truncated, 70000 characters]") != NULL);
    CHECK(got && strncmp(got, "xxxx", 4) == 0 && strlen(got) < LEN);
    CHECK_INT(pyimg_line_of(&e, res.th[0].frames[0]), 13);
out:
    pyimg_close(&e);
}

/* A line table over the cap: the frame stays, its line is unknown. */
static void test_huge_linetable(void)
{
    struct pyimg_env e;

    build();
    pyimg_put64(pyimg_get64(code_main + CO_LINETABLE) + BY_SIZE, 3u << 20);
    CHECK_INT(pyimg_open(&e, &proc), 0);
    if (!e.t)
        goto out;
    CHECK_INT(pyimg_sample(&e, &res), 0);
    CHECK_INT(res.th[0].depth, 2);
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "main_work");
    CHECK_INT(pyimg_line_of(&e, res.th[0].frames[0]), -1);
    CHECK_INT(pyimg_line_of(&e, res.th[0].frames[1]), 4);
out:
    pyimg_close(&e);
}

/* 3000 frames: the innermost 2047 are kept and the root end becomes one
 * <truncated> frame, counted. */
static void test_deep_stack_marked(void)
{
    enum { N = 3000 };
    struct pyimg_env e;
    uint64_t big, f, prev = 0;
    int i;

    build();
    big = pyimg_alloc(CHUNK_HDR + N * FR_SIZE);
    pyimg_put64(big + 8, CHUNK_HDR + N * FR_SIZE);
    for (i = 0; i < N; i++) {
        f = big + CHUNK_HDR + (uint64_t)i * FR_SIZE;
        pyimg_frame(f, i == 0 ? code_root : code_main, i % 16, prev, 0);
        prev = f;
    }
    pyimg_put64(proc.t1 + TS_FRAME, prev);
    pyimg_put64(proc.t1 + TS_CHUNK, big);
    pyimg_put64(proc.t1 + TS_TOP, prev + FR_SIZE);
    CHECK_INT(pyimg_open(&e, &proc), 0);
    if (!e.t)
        goto out;
    CHECK_INT(pyimg_sample(&e, &res), 0);
    CHECK_INT(res.th[0].depth, PY_MAX_DEPTH);
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[0]), "main_work");
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[PY_MAX_DEPTH - 1]), "<truncated>");
    CHECK_INT(py_target_truncated_stacks(e.t), 1);
    CHECK_INT(pyimg_sample(&e, &res), 0);
    CHECK_INT(py_target_truncated_stacks(e.t), 2);
    /* A stack that fits has no marker. */
    pyimg_poke64(&e, proc.t1 + TS_FRAME, big + CHUNK_HDR + 10 * FR_SIZE);
    CHECK_INT(pyimg_sample(&e, &res), 0);
    CHECK_INT(res.th[0].depth, 11);
    CHECK_STR(pyimg_name_of(&e, res.th[0].frames[10]), "<module>");
    CHECK_INT(py_target_truncated_stacks(e.t), 2);
out:
    pyimg_close(&e);
}

int main(void)
{
    RUN(test_one_thread_fails);
    RUN(test_main_thread_fails_other_kept);
    RUN(test_long_name_truncated);
    RUN(test_huge_linetable);
    RUN(test_deep_stack_marked);
    pyimg_free();
    return check_summary();
}
