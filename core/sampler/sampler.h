/* The sampling loop: a fixed-rate schedule of sample attempts against a
 * sample source (the CPython decoder in production, a fake in tests), the
 * mode filter, merging of consecutive identical stacks into one weighted
 * sample, and the statistics every report prints. */
#ifndef CORE_SAMPLER_SAMPLER_H
#define CORE_SAMPLER_SAMPLER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <tachyon/plugin.h>

#include "../python/python.h"
#include "aggregate.h"
#include "rtstats.h"

/* Takes one snapshot, calling cb once per thread (see py_target_sample). */
typedef int (*sample_source_fn)(void *src, const struct py_sample_opts *o, py_thread_cb cb, void *ctx);

/* Where kept samples go (a plugin session in production). */
struct sample_sink {
    int (*deliver)(void *ctx, const tachyon_sample *s);
    int (*tick)(void *ctx, uint64_t now_ns);   /* may be NULL */
    void *ctx;
    /* Optional (NULL): the rest serves interactive plugins (ABI 1.1). */
    uint64_t (*tick_ns)(void *ctx);            /* wanted tick period; 0 = default */
    int (*input_fd)(void *ctx);                /* fd to wait on between samples, or -1 */
    int (*input)(void *ctx, uint64_t now_ns);  /* that fd is readable */
    unsigned (*control)(void *ctx);            /* SINK_CTRL_* requests since the last call */
};

#define SINK_CTRL_RESET 1u   /* restart the statistics */
#define SINK_CTRL_STOP 2u    /* end the loop (sampler_result.stopped) */

struct sampler_config {
    uint64_t interval_ns;
    uint64_t duration_ns;        /* 0: until the target exits or Ctrl-C */
    int mode;                    /* enum tachyon_mode */
    struct py_sample_opts opts;
    int realtime_stats;
    FILE *stats_out;             /* where --realtime-stats lines go */
    pid_t pid;                   /* the target */
    int is_child;                /* we started it: reap it to see it exit */
    uint32_t max_weight;         /* cap for merged identical samples; 0 = default */
};

struct sampler_result {
    int interrupted;             /* Ctrl-C or a termination signal */
    int target_exited;
    int child_reaped;            /* is_child and waitpid collected it */
    int child_status;            /* raw waitpid status when child_reaped */
    int sink_failed;             /* the sink returned an error */
    int stopped;                 /* the sink asked to stop (SINK_CTRL_STOP) */
    uint64_t start_realtime_ns;
};

/* The loop as a state machine, so one thread can serve several targets
 * (--subprocesses): each target has its own state, and a driver calls
 * sampler_step whenever sampler_next_due says one is due. The fields are
 * private to sampler.c. */
struct sampler_state {
    const struct sampler_config *cfg;
    sample_source_fn src;
    void *src_ctx;
    const struct sample_sink *sink;
    tachyon_stats *stats;
    struct sampler_result *res;
    struct aggregator agg;
    struct rtstats rt;
    uint64_t now_rel_ns;
    uint64_t interval, start, next, last_tick, last_child_poll, last_attempt;
    uint64_t stats_start;        /* where the statistics restart (a reset request) */
    uint64_t tick_ns;            /* the sink's tick period */
    int sink_failed;
    int done;
};

/* Start the clock at now. res is cleared and filled as the loop ends. */
int sampler_begin(struct sampler_state *st, const struct sampler_config *c, sample_source_fn src, void *src_ctx,
                  const struct sample_sink *sink, tachyon_stats *stats, struct sampler_result *res, uint64_t now);
/* Take the sample due at now, if any. 0: keep going; 1: the loop ended
 * (duration, target exit, stop signal or sink failure: see res). */
int sampler_step(struct sampler_state *st, uint64_t now);
/* Sleep until the next attempt is due, serving the sink's input (an
 * interactive plugin's keys) meanwhile: the single-target driver's wait. */
int sampler_wait(struct sampler_state *st);
/* When the next attempt is due (CLOCK_MONOTONIC ns). */
uint64_t sampler_next_due(const struct sampler_state *st);
/* Final statistics and flush; call once, after the last step. */
void sampler_end(struct sampler_state *st);

/* Runs until the duration elapses, the target exits, a stop signal arrives
 * or the sink fails. stats is updated in place as the loop runs so plugins
 * can read it live. Returns 0, or a negative code when the loop could not
 * run at all. */
int sampler_run(const struct sampler_config *c, sample_source_fn src, void *src_ctx,
                const struct sample_sink *sink, tachyon_stats *stats, struct sampler_result *res);

/* Does the thread status pass the mode's filter? */
int sampler_mode_keeps(int mode, uint32_t status);

/* Final lines as upstream prints them ("Captured N samples in X seconds",
 * sample rate, error rate, missed-samples warning). */
void sampler_print_summary(FILE *out, const tachyon_stats *st, uint64_t interval_ns, int interrupted);

#endif
