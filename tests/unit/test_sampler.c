/* The sampling loop against a fake source: schedule, mode filter,
 * merging of identical stacks, failure counting and the duration limit. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/err.h"
#include "sampler/aggregate.h"
#include "sampler/sampler.h"

struct fake {
    int calls;
    int fail_every;          /* every Nth call fails */
    int change_every;        /* the stack changes every Nth call */
    uint32_t status_main, status_other;
};

static int fake_source(void *ctx, const struct py_sample_opts *o, py_thread_cb cb, void *cb_ctx)
{
    struct fake *f = ctx;
    uint32_t frames[3] = { 3, 2, 1 };
    struct py_thread_sample ts;
    int rc;

    f->calls++;
    if (f->fail_every && f->calls % f->fail_every == 0)
        return ERR_CORRUPT;
    memset(&ts, 0, sizeof ts);
    ts.thread_id = 1;
    ts.status = f->status_main;
    ts.depth = 3;
    ts.frames = frames;
    if (f->change_every && (f->calls / f->change_every) % 2)
        frames[0] = 4;
    rc = cb(cb_ctx, &ts);
    if (rc || !o->all_threads)
        return rc;
    ts.thread_id = 2;
    ts.status = f->status_other;
    ts.depth = 1;
    return cb(cb_ctx, &ts);
}

struct collected {
    uint64_t weight_by_thread[3];
    int deliveries;
    int top4;
    int fail_after;
};

static int collect(void *ctx, const tachyon_sample *s)
{
    struct collected *c = ctx;
    c->deliveries++;
    if (s->thread_id < 3)
        c->weight_by_thread[s->thread_id] += s->weight;
    if (s->depth && s->frames[0] == 4)
        c->top4 += (int)s->weight;
    if (c->fail_after && c->deliveries >= c->fail_after)
        return ERR_PLUGIN;
    return 0;
}

static void run(struct sampler_config *cfg, struct fake *f, struct collected *c, tachyon_stats *st,
                struct sampler_result *res)
{
    struct sample_sink sink = { .deliver = collect, .ctx = c };
    memset(st, 0, sizeof *st);
    cfg->pid = getpid();
    cfg->stats_out = stdout;
    CHECK_INT(sampler_run(cfg, fake_source, f, &sink, st, res), 0);
}

static void test_schedule_and_merge(void)
{
    struct sampler_config cfg = { 0 };
    struct fake f = { 0 };
    struct collected c = { 0 };
    struct sampler_result res;
    tachyon_stats st;

    cfg.interval_ns = 1000000;       /* 1 ms */
    cfg.duration_ns = 200000000;     /* 200 ms */
    cfg.mode = TACHYON_MODE_WALL;
    cfg.opts.all_threads = 1;
    f.status_main = TACHYON_THREAD_ON_CPU;
    run(&cfg, &f, &c, &st, &res);
    /* About 200 slots. A loaded machine may starve the loop, but every slot
     * it could not serve must be counted as missed, and a loop that ignores
     * its schedule would attempt more than 201. */
    CHECK(st.attempts >= 20 && st.attempts <= 201);
    CHECK(st.attempts + st.missed >= 190 && st.attempts + st.missed <= 201);
    CHECK(st.duration_ns >= 200000000 && st.duration_ns < 400000000);
    CHECK_INT(st.successes, st.attempts);
    CHECK_INT(st.failures, 0);
    CHECK_INT(st.samples, 2 * st.attempts);
    /* Identical stacks merge: far fewer deliveries than samples, no weight lost. */
    CHECK_INT(c.weight_by_thread[1], st.attempts);
    CHECK_INT(c.weight_by_thread[2], st.attempts);
    CHECK(c.deliveries < (int)st.attempts);
    CHECK(!res.interrupted && !res.target_exited);
}

static void test_mode_filter_and_failures(void)
{
    struct sampler_config cfg = { 0 };
    struct fake f = { 0 };
    struct collected c = { 0 };
    struct sampler_result res;
    tachyon_stats st;

    cfg.interval_ns = 1000000;
    cfg.duration_ns = 100000000;
    cfg.mode = TACHYON_MODE_CPU;
    cfg.opts.all_threads = 1;
    f.status_main = TACHYON_THREAD_ON_CPU | TACHYON_THREAD_HAS_GIL;
    f.status_other = 0;              /* idle: filtered out in cpu mode */
    f.fail_every = 4;
    run(&cfg, &f, &c, &st, &res);
    CHECK(st.attempts > 20);
    CHECK_INT(st.failures, st.attempts / 4);
    CHECK_INT(st.successes + st.failures, st.attempts);
    CHECK_INT(c.weight_by_thread[2], 0);
    CHECK_INT(c.weight_by_thread[1], st.successes);
    CHECK_INT(st.filtered, st.successes);
    CHECK(sampler_mode_keeps(TACHYON_MODE_GIL, TACHYON_THREAD_HAS_GIL));
    CHECK(!sampler_mode_keeps(TACHYON_MODE_GIL, TACHYON_THREAD_ON_CPU));
    CHECK(sampler_mode_keeps(TACHYON_MODE_EXCEPTION, TACHYON_THREAD_HAS_EXCEPTION));
    CHECK(!sampler_mode_keeps(TACHYON_MODE_EXCEPTION, TACHYON_THREAD_HAS_GIL));
    CHECK(sampler_mode_keeps(TACHYON_MODE_WALL, 0));
}

static void test_stack_changes_are_kept_apart(void)
{
    struct sampler_config cfg = { 0 };
    struct fake f = { 0 };
    struct collected c = { 0 };
    struct sampler_result res;
    tachyon_stats st;

    cfg.interval_ns = 500000;
    cfg.duration_ns = 100000000;
    f.change_every = 10;
    run(&cfg, &f, &c, &st, &res);
    CHECK(c.top4 > 0);
    CHECK(c.top4 < (int)st.attempts);
    CHECK_INT(c.weight_by_thread[1], st.attempts);
}

static void test_sink_failure_stops_loop(void)
{
    struct sampler_config cfg = { 0 };
    struct fake f = { 0 };
    struct collected c = { 0 };
    struct sampler_result res;
    tachyon_stats st;

    cfg.interval_ns = 1000000;
    cfg.duration_ns = 2000000000;
    cfg.max_weight = 1;              /* deliver every sample */
    c.fail_after = 5;
    run(&cfg, &f, &c, &st, &res);
    CHECK(res.sink_failed);
    CHECK(st.attempts < 50);
}

static void test_aggregator_cap(void)
{
    struct aggregator a;
    struct collected c = { 0 };
    uint32_t frames[1] = { 7 };
    tachyon_sample s;
    int i;

    CHECK_INT(aggregator_init(&a, 10), 0);
    memset(&s, 0, sizeof s);
    s.thread_id = 1;
    s.depth = 1;
    s.frames = frames;
    s.weight = 1;
    for (i = 0; i < 25; i++)
        CHECK_INT(aggregator_add(&a, &s, collect, &c), 0);
    CHECK_INT(c.deliveries, 2);
    CHECK_INT(aggregator_flush(&a, collect, &c), 0);
    CHECK_INT(c.deliveries, 3);
    CHECK_INT(c.weight_by_thread[1], 25);
    aggregator_free(&a);
}

int main(void)
{
    RUN(test_schedule_and_merge);
    RUN(test_mode_filter_and_failures);
    RUN(test_stack_changes_are_kept_apart);
    RUN(test_sink_failure_stops_loop);
    RUN(test_aggregator_cap);
    return check_summary();
}
