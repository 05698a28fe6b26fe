/* The decoder against real interpreters: every CPython present here runs
 * tests/fixtures/py/stack.py and is sampled through proc_find_python, the
 * process reader and py_target_*. Absent interpreters are skipped; the test
 * fails when none is present. Every child is killed before the test ends. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pythons.h"
#include "common/err.h"
#include "intern/intern.h"
#include "mem/reader.h"
#include "proc/process.h"
#include "python/python.h"

/* Every expected interpreter (tests/harness/pythons.c). */
static struct test_python interpreters[TEST_PYTHONS_MAX];
static size_t n_interp;

static char fixture[4096];
static int present;

/* --- the child ----------------------------------------------------------- */

struct child {
    pid_t pid;
};

static void child_kill(struct child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        c->pid = 0;
    }
}

/* Start python on the fixture and wait (up to 20 s) for "ready". */
static int child_start(struct child *c, const char *python, const char *mode, const char *n)
{
    int fds[2];
    char buf[64];
    size_t got = 0;
    struct timespec t0, t1;

    c->pid = 0;
    if (pipe(fds) < 0)
        return -1;
    c->pid = fork();
    if (c->pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (c->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(python, python, "-X", "utf8", fixture, mode, n, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (got < sizeof buf - 1) {
        struct pollfd p = { fds[0], POLLIN, 0 };
        ssize_t k;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 20 || poll(&p, 1, 1000) < 0)
            break;
        if (!(p.revents & (POLLIN | POLLHUP)))
            continue;
        k = read(fds[0], buf + got, sizeof buf - 1 - got);
        if (k <= 0)
            break;
        got += (size_t)k;
        buf[got] = '\0';
        if (strstr(buf, "ready\n")) {
            close(fds[0]);
            return 0;
        }
    }
    close(fds[0]);
    child_kill(c);
    return -1;
}

/* Line number of the line holding "MARK:name" in the fixture. */
static int mark_line(const char *name)
{
    char line[512], want[64];
    int n = 0;
    FILE *f = fopen(fixture, "r");
    if (!f)
        return -1;
    snprintf(want, sizeof want, "MARK:%s\n", name);
    while (fgets(line, sizeof line, f)) {
        n++;
        if (strstr(line, want)) {
            fclose(f);
            return n;
        }
    }
    fclose(f);
    return -1;
}

/* --- sampling ---------------------------------------------------------- */

#define MAX_THREADS 16

struct capture {
    struct interner *in;
    unsigned nthreads;
    struct {
        uint64_t thread_id, native_thread_id;
        uint32_t status, depth;
        uint32_t frames[PY_MAX_DEPTH];
    } th[MAX_THREADS];
};

static int capture_cb(void *ctx, const struct py_thread_sample *s)
{
    struct capture *c = ctx;
    if (c->nthreads == MAX_THREADS)
        return ERR_GENERIC;
    c->th[c->nthreads].thread_id = s->thread_id;
    c->th[c->nthreads].native_thread_id = s->native_thread_id;
    c->th[c->nthreads].status = s->status;
    c->th[c->nthreads].depth = s->depth;
    memcpy(c->th[c->nthreads].frames, s->frames, s->depth * sizeof *s->frames);
    c->nthreads++;
    return 0;
}

struct session {
    struct py_image img;
    struct mem_reader *r;
    struct interner *in;
    struct py_target *t;
};

static void session_close(struct session *s)
{
    py_target_close(s->t);
    if (s->r)
        mem_reader_close(s->r);
    if (s->in)
        interner_destroy(s->in);
    memset(s, 0, sizeof *s);
}

static int session_open(struct session *s, pid_t pid)
{
    int rc;
    memset(s, 0, sizeof *s);
    rc = proc_find_python(pid, &s->img);
    if (rc == 0)
        rc = mem_reader_open_process(pid, MEM_BACKEND_AUTO, &s->r);
    if (rc == 0)
        rc = interner_create(&s->in);
    if (rc == 0)
        rc = py_target_open(s->r, &s->img, s->in, &s->t);
    if (rc < 0) {
        fprintf(stderr, "  open failed: %s\n", diag_message());
        session_close(s);
    }
    return rc;
}

static const char *fname(struct interner *in, uint32_t id);

/* Sample until a whole, consistent snapshot comes back (the target runs
 * while we read, so an attempt may be torn) whose innermost frame in every
 * thread is one of the settled states (the fixture prints "ready" just
 * before it gets there). The last snapshot is kept for the checks. */
static int sample(struct session *s, int all_threads, unsigned want_threads, struct capture *c)
{
    struct py_sample_opts o;
    int i, rc = ERR_GENERIC;
    unsigned k, settled;

    memset(&o, 0, sizeof o);
    o.all_threads = all_threads;
    for (i = 0; i < 300; i++) {
        c->nthreads = 0;
        c->in = s->in;
        rc = py_target_sample(s->t, &o, capture_cb, c);
        if (rc == 0) {
            for (k = settled = 0; k < c->nthreads; k++) {
                const char *top = fname(s->in, c->th[k].frames[0]);
                settled += top && (!strcmp(top, "ñandú_函数") || !strcmp(top, "worker") || !strcmp(top, "main"));
            }
            if (c->nthreads == want_threads && settled == want_threads)
                return 0;
        }
        usleep(10000);
    }
    if (rc < 0)
        fprintf(stderr, "  sampling failed: %s\n", diag_message());
    return 0;
}

static const char *fname(struct interner *in, uint32_t id)
{
    const tachyon_frame *f = interner_frame(in, id);
    return f ? interner_string(in, f->funcname, NULL) : NULL;
}

static int fline(struct interner *in, uint32_t id)
{
    const tachyon_frame *f = interner_frame(in, id);
    return f ? f->line : -2;
}

/* --- tests ------------------------------------------------------------- */

static void deep_stack_on(const char *python)
{
    static struct capture c;
    struct child ch;
    struct session s;
    int leaf = mark_line("leaf"), call_leaf = mark_line("call_leaf"), rec = mark_line("recurse");
    int main_rec = mark_line("main_recurse"), module = mark_line("module");
    uint32_t i, d;
    const tachyon_frame *f;

    CHECK(leaf > 0 && call_leaf > 0 && rec > 0 && main_rec > 0 && module > 0);
    if (child_start(&ch, python, "deep", "200") < 0) {
        check_fail(__FILE__, __LINE__, "%s did not start the fixture", python);
        return;
    }
    if (session_open(&s, ch.pid) < 0) {
        check_fail(__FILE__, __LINE__, "cannot open %s", python);
        child_kill(&ch);
        return;
    }
    if (sample(&s, 0, 1, &c) == 0) {
        CHECK_INT(c.nthreads, 1);
        d = c.th[0].depth;
        /* leaf, recurse(0), 200 x recurse, main, <module> */
        CHECK_INT(d, 204);
        CHECK(c.th[0].status & TACHYON_THREAD_MAIN);
        CHECK_INT(c.th[0].native_thread_id, ch.pid);
        if (d == 204) {
            CHECK_STR(fname(s.in, c.th[0].frames[0]), "ñandú_函数");
            CHECK_INT(fline(s.in, c.th[0].frames[0]), leaf);
            CHECK_STR(fname(s.in, c.th[0].frames[1]), "recurse");
            CHECK_INT(fline(s.in, c.th[0].frames[1]), call_leaf);
            for (i = 2; i < 202; i++) {
                if (strcmp(fname(s.in, c.th[0].frames[i]) ? fname(s.in, c.th[0].frames[i]) : "", "recurse") != 0 ||
                    fline(s.in, c.th[0].frames[i]) != rec) {
                    check_fail(__FILE__, __LINE__, "frame %u is %s:%d", i, fname(s.in, c.th[0].frames[i]),
                               fline(s.in, c.th[0].frames[i]));
                    break;
                }
            }
            CHECK_STR(fname(s.in, c.th[0].frames[202]), "main");
            CHECK_INT(fline(s.in, c.th[0].frames[202]), main_rec);
            CHECK_STR(fname(s.in, c.th[0].frames[203]), "<module>");
            CHECK_INT(fline(s.in, c.th[0].frames[203]), module);
            f = interner_frame(s.in, c.th[0].frames[0]);
            CHECK(f && f->kind == TACHYON_FRAME_PYTHON && f->opcode == TACHYON_NO_OPCODE);
            CHECK(f && strstr(interner_string(s.in, f->filename, NULL), "fixtures/py/stack.py") != NULL);
            /* The leaf line is "        time.sleep(0.05)  # ...": the call
             * expression starts at column 8. */
            CHECK(f && f->column == 8 && f->end_line == leaf && f->end_column > f->column);
        }
    }
    session_close(&s);
    child_kill(&ch);
}

static void threads_on(const char *python)
{
    static struct capture c;
    struct child ch;
    struct session s;
    int worker = mark_line("worker"), main_sleep = mark_line("main_sleep");
    unsigned i, mains = 0, workers = 0;

    if (child_start(&ch, python, "threads", "3") < 0) {
        check_fail(__FILE__, __LINE__, "%s did not start the fixture", python);
        return;
    }
    if (session_open(&s, ch.pid) < 0) {
        check_fail(__FILE__, __LINE__, "cannot open %s", python);
        child_kill(&ch);
        return;
    }
    /* Each thread loops "while True: time.sleep()", so a sample can catch
     * one of them on the loop line between two sleeps; sample again
     * (bounded) until every thread is inside its sleep. */
    for (i = 0; i < 50; i++) {
        unsigned t, settled = 0;
        if (sample(&s, 1, 4, &c) != 0)
            break;
        for (t = 0; t < c.nthreads; t++) {
            int want = (c.th[t].status & TACHYON_THREAD_MAIN) ? main_sleep : worker;
            settled += fline(s.in, c.th[t].frames[0]) == want;
        }
        if (c.nthreads == 4 && settled == 4)
            break;
        usleep(2000);
    }
    if (i == 50)
        check_fail(__FILE__, __LINE__, "%s: threads never all seen inside their sleep", python);
    else {
        CHECK_INT(c.nthreads, 4);
        for (i = 0; i < c.nthreads; i++) {
            const char *top = fname(s.in, c.th[i].frames[0]);
            if (c.th[i].status & TACHYON_THREAD_MAIN) {
                mains++;
                CHECK_STR(top, "main");
                CHECK_INT(fline(s.in, c.th[i].frames[0]), main_sleep);
                CHECK_INT(c.th[i].native_thread_id, ch.pid);
            } else {
                workers++;
                CHECK_STR(top, "worker");
                CHECK_INT(fline(s.in, c.th[i].frames[0]), worker);
                CHECK(c.th[i].native_thread_id != (uint64_t)ch.pid && c.th[i].native_thread_id != 0);
            }
            CHECK(c.th[i].thread_id != 0);
        }
        CHECK_INT(mains, 1);
        CHECK_INT(workers, 3);
    }
    if (sample(&s, 0, 1, &c) == 0) {
        CHECK_INT(c.nthreads, 1);
        CHECK(c.th[0].status & TACHYON_THREAD_MAIN);
        CHECK_STR(fname(s.in, c.th[0].frames[0]), "main");
    }
    session_close(&s);
    child_kill(&ch);
}

/* After the first sample, a sample of an unchanging stack is one readv. */
static void steady_reads_on(const char *python)
{
    static struct capture c;
    struct child ch;
    struct session s;
    uint64_t before;
    int i, ok = 0;

    if (child_start(&ch, python, "deep", "30") < 0) {
        check_fail(__FILE__, __LINE__, "%s did not start the fixture", python);
        return;
    }
    if (session_open(&s, ch.pid) < 0) {
        check_fail(__FILE__, __LINE__, "cannot open %s", python);
        child_kill(&ch);
        return;
    }
    if (sample(&s, 0, 1, &c) == 0) {
        before = s.r->calls;
        for (i = 0; i < 100; i++) {
            struct py_sample_opts o;
            memset(&o, 0, sizeof o);
            c.nthreads = 0;
            if (py_target_sample(s.t, &o, capture_cb, &c) == 0 && c.th[0].depth == 34)
                ok++;
        }
        CHECK(ok >= 95);
        fprintf(stderr, "  %s: %.2f reads per sample\n", py_target_version(s.t),
                (double)(s.r->calls - before) / 100.0);
        CHECK(s.r->calls - before <= 150);
    }
    session_close(&s);
    child_kill(&ch);
}

static void each_interpreter(void (*fn)(const char *))
{
    size_t i;
    for (i = 0; i < n_interp; i++) {
        fprintf(stderr, "  %s (%s)\n", interpreters[i].name, interpreters[i].path);
        fn(interpreters[i].path);
    }
}

static void test_deep_stack(void) { each_interpreter(deep_stack_on); }
static void test_threads(void) { each_interpreter(threads_on); }
static void test_steady_reads(void) { each_interpreter(steady_reads_on); }

static void test_some_interpreter_present(void)
{
    n_interp = test_pythons(interpreters, TEST_PYTHONS_MAX);
    present = (int)n_interp;
    CHECK(present > 0);
}

int main(void)
{
    const char *slash;
    snprintf(fixture, sizeof fixture, "%s", __FILE__);
    slash = strrchr(fixture, '/');
    if (slash)
        snprintf(fixture + (slash - fixture), sizeof fixture - (size_t)(slash - fixture),
                 "/../fixtures/py/stack.py");
    signal(SIGPIPE, SIG_IGN);
    RUN(test_some_interpreter_present);
    RUN(test_deep_stack);
    RUN(test_threads);
    RUN(test_steady_reads);
    return check_summary();
}
