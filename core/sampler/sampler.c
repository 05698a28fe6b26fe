#include "sampler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../common/err.h"
#include "../proc/process.h"
#include "aggregate.h"
#include "clock.h"
#include "rtstats.h"
#include "signals.h"

#define TICK_NS (100ull * 1000000ull)      /* flush merged samples and tick plugins */
#define CHILD_POLL_NS (10ull * 1000000ull) /* how often we look for our child's exit */
/* The longest single sleep: a long interval is slept in slices, so the
 * end of the target, the duration and Ctrl-C are noticed promptly. */
#define SLEEP_SLICE_NS (50ull * 1000000ull)
#define INPUT_WAIT_MIN_NS (2ull * 1000000ull) /* waits shorter than this do not watch input */

struct loop_ctx {
    const struct sampler_config *cfg;
    const struct sample_sink *sink;
    tachyon_stats *stats;
    struct aggregator agg;
    uint64_t now_rel_ns;
    int sink_failed;
};

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
    struct loop_ctx *lc = vctx;
    int rc = lc->sink->deliver(lc->sink->ctx, s);
    if (rc)
        lc->sink_failed = 1;
    return rc;
}

static int on_thread(void *vctx, const struct py_thread_sample *ts)
{
    struct loop_ctx *lc = vctx;
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
static int apply_control(struct loop_ctx *lc, uint64_t now, uint64_t *stats_start)
{
    unsigned bits;
    uint32_t size;

    if (!lc->sink->control)
        return 0;
    bits = lc->sink->control(lc->sink->ctx);
    if (bits & SINK_CTRL_RESET) {
        aggregator_discard(&lc->agg);
        size = lc->stats->struct_size;
        memset(lc->stats, 0, sizeof *lc->stats);
        lc->stats->struct_size = size;
        *stats_start = now;
    }
    return (bits & SINK_CTRL_STOP) != 0;
}

/* The watched fd is readable: let the sink read it, then act on what it
 * asked for. Returns 1 when the loop must end. */
static int handle_input(struct loop_ctx *lc, uint64_t now, uint64_t start, uint64_t *stats_start,
                        struct sampler_result *res)
{
    if (lc->sink->input && lc->sink->input(lc->sink->ctx, now - start)) {
        lc->sink_failed = 1;
        return 1;
    }
    if (apply_control(lc, now, stats_start)) {
        res->stopped = 1;
        return 1;
    }
    return 0;
}

int sampler_run(const struct sampler_config *c, sample_source_fn src, void *src_ctx,
                const struct sample_sink *sink, tachyon_stats *stats, struct sampler_result *res)
{
    struct loop_ctx lc;
    struct rtstats rt;
    uint64_t start, next, now, last_tick, last_child_poll, last_attempt = 0, stats_start;
    uint64_t interval = c->interval_ns ? c->interval_ns : 100000;
    uint64_t tick_ns = tick_period(sink);
    int rc, fd;

    memset(res, 0, sizeof *res);
    memset(&lc, 0, sizeof lc);
    lc.cfg = c;
    lc.sink = sink;
    lc.stats = stats;
    rc = aggregator_init(&lc.agg, c->max_weight);
    if (rc)
        return rc;
    rtstats_init(&rt);

    res->start_realtime_ns = clock_realtime_ns();
    start = next = last_tick = last_child_poll = stats_start = clock_now_ns();
    /* A plugin may ask to stop (or reset) in create(), before any sample. */
    if (apply_control(&lc, start, &stats_start))
        res->stopped = 1;
    for (; !res->stopped;) {
        if (signals_stop_requested()) {
            res->interrupted = 1;
            break;
        }
        if (lc.sink_failed)
            break;
        now = clock_now_ns();
        if (c->duration_ns && now - start >= c->duration_ns)
            break;
        if (now < next) {
            uint64_t wake = next;
            if (wake - now > SLEEP_SLICE_NS)
                wake = now + SLEEP_SLICE_NS;
            if (c->duration_ns && wake > start + c->duration_ns)
                wake = start + c->duration_ns;
            /* Between samples, an interactive plugin's input (keys) is
             * served at once instead of at the next tick. A ppoll costs
             * more than a plain sleep, so short waits (fast sampling)
             * leave the fd to the tick, which comes soon anyway. */
            fd = input_fd_of(sink);
            if (fd < 0 || wake - now < INPUT_WAIT_MIN_NS)
                clock_sleep_until(wake);
            else if (clock_wait_fd(wake, fd) && handle_input(&lc, clock_now_ns(), start, &stats_start, res))
                break;
            /* Between two samples far apart, look whether the target is
             * still there, as a failed sample would otherwise tell us only
             * at the next slot. */
            if (next - now > SLEEP_SLICE_NS && clock_now_ns() < next && target_gone(c, res)) {
                res->target_exited = 1;
                break;
            }
            continue;
        }
        /* Behind schedule by one interval or more: skip the slots we can no
         * longer honour instead of bursting, and count them as missed. */
        if (now - next >= interval) {
            uint64_t skipped = (now - next) / interval;
            stats->missed += skipped;
            next += skipped * interval;
        }

        lc.now_rel_ns = now - start;
        stats->attempts++;
        rc = src(src_ctx, &c->opts, on_thread, &lc);
        if (rc == 0) {
            stats->successes++;
        } else if (lc.sink_failed) {
            break;
        } else if (rc == ERR_NOPROC) {
            res->target_exited = 1;
            stats->attempts--;
            break;
        } else {
            stats->failures++;
            /* A run of failures usually means the target is exiting. */
            if (target_gone(c, res)) {
                res->target_exited = 1;
                stats->attempts--;
                stats->failures--;
                break;
            }
        }
        if (c->realtime_stats && last_attempt)
            rtstats_record(&rt, now - last_attempt);
        last_attempt = now;
        next += interval;

        if (c->is_child && now - last_child_poll >= CHILD_POLL_NS) {
            last_child_poll = now;
            if (child_gone(c, res)) {
                res->target_exited = 1;
                break;
            }
        }
        if (now - last_tick >= tick_ns) {
            last_tick = now;
            stats->duration_ns = now - stats_start;
            stats->expected = stats->duration_ns / interval;
            if (aggregator_flush(&lc.agg, deliver, &lc))
                break;
            if (sink->tick && sink->tick(sink->ctx, now - start)) {
                lc.sink_failed = 1;
                break;
            }
            /* A loop that is behind schedule never sleeps: look for input
             * here too, so keys still work when sampling saturates. */
            fd = input_fd_of(sink);
            if (fd >= 0 && clock_wait_fd(0, fd) && handle_input(&lc, now, start, &stats_start, res))
                break;
            if (apply_control(&lc, now, &stats_start)) {
                res->stopped = 1;
                break;
            }
            tick_ns = tick_period(sink);
            if (c->realtime_stats)
                rtstats_maybe_print(&rt, c->stats_out, stats, now);
        }
    }
    now = clock_now_ns();
    stats->duration_ns = now - stats_start;
    stats->expected = stats->duration_ns / interval;
    if (!lc.sink_failed)
        aggregator_flush(&lc.agg, deliver, &lc);
    if (c->realtime_stats && rt.printed)
        fputc('\n', c->stats_out);
    aggregator_free(&lc.agg);
    res->sink_failed = lc.sink_failed;
    return 0;
}
