#include "sampler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../common/err.h"
#include "../proc/process.h"
#include "clock.h"
#include "signals.h"

#define TICK_NS (100ull * 1000000ull)      /* flush merged samples and tick plugins */
#define CHILD_POLL_NS (10ull * 1000000ull) /* how often we look for our child's exit */
/* The longest single sleep: a long interval is slept in slices, so the
 * end of the target, the duration and Ctrl-C are noticed promptly. */
#define SLEEP_SLICE_NS (50ull * 1000000ull)
#define INPUT_WAIT_MIN_NS (2ull * 1000000ull) /* waits shorter than this do not watch input */

int sampler_mode_keeps(int mode, uint32_t status)
{
    switch (mode) {
    case TACHYON_MODE_CPU: return (status & TACHYON_THREAD_ON_CPU) != 0;
    case TACHYON_MODE_GIL: return (status & TACHYON_THREAD_HAS_GIL) != 0;
    case TACHYON_MODE_EXCEPTION: return (status & TACHYON_THREAD_HAS_EXCEPTION) != 0;
    default: return 1;
    }
}

static int deliver(void *vctx, const tachyon_sample *s)
{
    struct sampler_state *lc = vctx;
    int rc = lc->sink->deliver(lc->sink->ctx, s);
    if (rc)
        lc->sink_failed = 1;
    return rc;
}

static int on_thread(void *vctx, const struct py_thread_sample *ts)
{
    struct sampler_state *lc = vctx;
    tachyon_sample s;

    if (!sampler_mode_keeps(lc->cfg->mode, ts->status)) {
        lc->stats->filtered++;
        return 0;
    }
    lc->stats->samples++;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.status = ts->status;
    s.thread_id = ts->thread_id;
    s.native_thread_id = ts->native_thread_id;
    s.timestamp_ns = lc->now_rel_ns;
    s.weight = 1;
    s.depth = ts->depth;
    s.frames = ts->frames;
    s.interpreter_id = ts->interpreter_id;
    return aggregator_add(&lc->agg, &s, deliver, lc);
}

/* Did our own child exit? Reaps it so the exit status can be returned. */
static int child_gone(const struct sampler_config *c, struct sampler_result *res)
{
    int status;
    pid_t r;
    if (!c->is_child || res->child_reaped)
        return res->child_reaped;
    r = waitpid(c->pid, &status, WNOHANG);
    if (r == c->pid) {
        res->child_reaped = 1;
        res->child_status = status;
        return 1;
    }
    return r < 0 && errno == ECHILD;
}

static int target_gone(const struct sampler_config *c, struct sampler_result *res)
{
    if (c->is_child)
        return child_gone(c, res);
    return !proc_alive(c->pid);
}

static uint64_t tick_period(const struct sample_sink *sink)
{
    uint64_t t = sink->tick_ns ? sink->tick_ns(sink->ctx) : 0;
    return t && t < TICK_NS ? t : TICK_NS;
}

static int input_fd_of(const struct sample_sink *sink)
{
    return sink->input_fd ? sink->input_fd(sink->ctx) : -1;
}

/* Apply what the sink asked for since the last call. A reset drops the
 * merged samples not yet delivered (they predate it) and restarts every
 * counter; returns 1 when the sink asked to stop. */
static int apply_control(struct sampler_state *st, uint64_t now)
{
    unsigned bits;
    uint32_t size;

    if (!st->sink->control)
        return 0;
    bits = st->sink->control(st->sink->ctx);
    if (bits & SINK_CTRL_RESET) {
        aggregator_discard(&st->agg);
        size = st->stats->struct_size;
        memset(st->stats, 0, sizeof *st->stats);
        st->stats->struct_size = size;
        st->stats_start = now;
    }
    return (bits & SINK_CTRL_STOP) != 0;
}

/* The watched fd is readable: let the sink read it, then act on what it
 * asked for. Returns 1 when the loop must end. */
static int handle_input(struct sampler_state *st, uint64_t now)
{
    if (st->sink->input && st->sink->input(st->sink->ctx, now - st->start)) {
        st->sink_failed = 1;
        return 1;
    }
    if (apply_control(st, now)) {
        st->res->stopped = 1;
        return 1;
    }
    return 0;
}

int sampler_begin(struct sampler_state *st, const struct sampler_config *c, sample_source_fn src, void *src_ctx,
                  const struct sample_sink *sink, tachyon_stats *stats, struct sampler_result *res, uint64_t now)
{
    int rc;

    memset(res, 0, sizeof *res);
    memset(st, 0, sizeof *st);
    st->cfg = c;
    st->src = src;
    st->src_ctx = src_ctx;
    st->sink = sink;
    st->stats = stats;
    st->res = res;
    st->interval = c->interval_ns ? c->interval_ns : 100000;
    rc = aggregator_init(&st->agg, c->max_weight);
    if (rc)
        return rc;
    rtstats_init(&st->rt);
    res->start_realtime_ns = clock_realtime_ns();
    st->start = st->next = st->last_tick = st->last_child_poll = st->stats_start = now;
    st->tick_ns = tick_period(sink);
    /* A plugin may ask to stop (or reset) in create(), before any sample. */
    if (apply_control(st, now)) {
        res->stopped = 1;
        st->done = 1;
    }
    return 0;
}

uint64_t sampler_next_due(const struct sampler_state *st)
{
    uint64_t due = st->next;
    if (st->cfg->duration_ns && st->start + st->cfg->duration_ns < due)
        due = st->start + st->cfg->duration_ns;
    return due;
}

int sampler_step(struct sampler_state *st, uint64_t now)
{
    const struct sampler_config *c = st->cfg;
    struct sampler_result *res = st->res;
    tachyon_stats *stats = st->stats;
    int rc;

    if (st->done)
        return 1;
    if (signals_stop_requested()) {
        res->interrupted = 1;
        return st->done = 1;
    }
    if (st->sink_failed || (c->duration_ns && now - st->start >= c->duration_ns))
        return st->done = 1;
    if (now < st->next)
        return 0;
    /* Behind schedule by one interval or more: skip the slots we can no
     * longer honour instead of bursting, and count them as missed. */
    if (now - st->next >= st->interval) {
        uint64_t skipped = (now - st->next) / st->interval;
        stats->missed += skipped;
        st->next += skipped * st->interval;
    }

    st->now_rel_ns = now - st->start;
    stats->attempts++;
    rc = st->src(st->src_ctx, &c->opts, on_thread, st);
    if (rc == 0) {
        stats->successes++;
    } else if (st->sink_failed) {
        return st->done = 1;
    } else if (rc == ERR_NOPROC) {
        res->target_exited = 1;
        stats->attempts--;
        return st->done = 1;
    } else {
        stats->failures++;
        /* A run of failures usually means the target is exiting. */
        if (target_gone(c, res)) {
            res->target_exited = 1;
            stats->attempts--;
            stats->failures--;
            return st->done = 1;
        }
    }
    if (c->realtime_stats && st->last_attempt)
        rtstats_record(&st->rt, now - st->last_attempt);
    st->last_attempt = now;
    st->next += st->interval;

    if (c->is_child && now - st->last_child_poll >= CHILD_POLL_NS) {
        st->last_child_poll = now;
        if (child_gone(c, res)) {
            res->target_exited = 1;
            return st->done = 1;
        }
    }
    if (now - st->last_tick >= st->tick_ns) {
        int fd;
        st->last_tick = now;
        stats->duration_ns = now - st->stats_start;
        stats->expected = stats->duration_ns / st->interval;
        if (aggregator_flush(&st->agg, deliver, st))
            return st->done = 1;
        if (st->sink->tick && st->sink->tick(st->sink->ctx, now - st->start)) {
            st->sink_failed = 1;
            return st->done = 1;
        }
        /* A loop that is behind schedule never sleeps: look for input
         * here too, so keys still work when sampling saturates. */
        fd = input_fd_of(st->sink);
        if (fd >= 0 && clock_wait_fd(0, fd) && handle_input(st, now))
            return st->done = 1;
        if (apply_control(st, now)) {
            res->stopped = 1;
            return st->done = 1;
        }
        st->tick_ns = tick_period(st->sink);
        if (c->realtime_stats)
            rtstats_maybe_print(&st->rt, c->stats_out, stats, now);
    }
    return 0;
}

void sampler_end(struct sampler_state *st)
{
    uint64_t now = clock_now_ns();
    tachyon_stats *stats = st->stats;

    stats->duration_ns = now - st->stats_start;
    stats->expected = stats->duration_ns / st->interval;
    if (!st->sink_failed)
        aggregator_flush(&st->agg, deliver, st);
    if (st->cfg->realtime_stats && st->rt.printed)
        fputc('\n', st->cfg->stats_out);
    aggregator_free(&st->agg);
    st->res->sink_failed = st->sink_failed;
}

int sampler_wait(struct sampler_state *st)
{
    uint64_t due = sampler_next_due(st), now = clock_now_ns(), wake = due;
    int fd;

    if (st->done || now >= due)
        return 0;
    if (wake - now > SLEEP_SLICE_NS)
        wake = now + SLEEP_SLICE_NS;
    /* Between samples, an interactive plugin's input (keys) is served at
     * once instead of at the next tick. A ppoll costs more than a plain
     * sleep, so short waits (fast sampling) leave the fd to the tick,
     * which comes soon anyway. */
    fd = input_fd_of(st->sink);
    if (fd < 0 || wake - now < INPUT_WAIT_MIN_NS) {
        clock_sleep_until(wake);
    } else if (clock_wait_fd(wake, fd) && handle_input(st, clock_now_ns())) {
        st->done = 1;
        return 0;
    }
    /* Between two samples far apart, look whether the target is still
     * there, as a failed sample would otherwise tell us only at the next
     * slot. */
    if (due - now > SLEEP_SLICE_NS && clock_now_ns() < due && target_gone(st->cfg, st->res)) {
        st->res->target_exited = 1;
        st->done = 1;
    }
    return 0;
}

int sampler_run(const struct sampler_config *c, sample_source_fn src, void *src_ctx,
                const struct sample_sink *sink, tachyon_stats *stats, struct sampler_result *res)
{
    struct sampler_state *st;
    uint64_t now;
    int rc;

    /* The aggregator is large: keep it off the stack. */
    st = malloc(sizeof *st);
    if (!st)
        return ERR_NOMEM;
    rc = sampler_begin(st, c, src, src_ctx, sink, stats, res, clock_now_ns());
    if (rc) {
        free(st);
        return rc;
    }
    for (;;) {
        now = clock_now_ns();
        if (sampler_step(st, now))
            break;
        sampler_wait(st);
    }
    sampler_end(st);
    free(st);
    return 0;
}
