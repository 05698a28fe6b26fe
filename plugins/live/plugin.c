/* live: upstream's top-like view of the running target, drawn with
 * ncurses from the sampling loop (tick for refreshes, on_input for keys)
 * and frozen with a "PROFILING COMPLETE" banner when the target ends. */
#include <curses.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"
#include "live.h"

#define TICK_MS 50                /* the fastest refresh, 20 Hz */

static int create(const tachyon_host *host, const char *format, void **out)
{
    struct lv_state *st;
    int rc;

    (void)format;
    *out = NULL;
    if (!TACHYON_HAS_FIELD(host, tachyon_host, watch_input)) {
        host->log(host, TACHYON_LOG_ERROR, "needs a tachyon with plugin ABI 1.1 or later");
        return TACHYON_ERR_UNSUPPORTED;
    }
    st = calloc(1, sizeof *st);
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    st->interval_s = (double)host->session->interval_us / 1e6;
    st->ui.sort = LV_SORT_TOTTIME;
    st->ui.trends = 1;
    st->ui.refresh_s = 0.1;
    st->ui.opcodes = (host->session->flags & TACHYON_SESSION_OPCODES) != 0;
    lv_stats_init(&st->stats, host, st->ui.opcodes);
    rc = lv_term_open(st);
    if (rc == 0)
        rc = host->watch_input(host, lv_term_input_fd());
    if (rc) {
        lv_term_close();
        lv_stats_free(&st->stats);
        free(st);
        return rc;
    }
    if (getmaxx(stdscr) < LV_MIN_WIDTH || getmaxy(stdscr) < LV_MIN_HEIGHT) {
        st->ui.size_warning = 1;
        lv_draw_size_warning(getmaxy(stdscr), getmaxx(stdscr));
    }
    *out = st;
    return 0;
}

static int on_sample(void *vst, const tachyon_sample *s)
{
    struct lv_state *st = vst;
    return lv_stats_add(&st->stats, s);
}

/* CPU time, not wall time: on a loaded machine a refresh is often
 * preempted, and that is the scheduler's cost, not the drawing's. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int redraw(struct lv_state *st, int periodic)
{
    uint64_t t0 = cpu_ns(), took;
    int rc = lv_build_rows(st, periodic);
    if (rc)
        return rc;
    lv_draw(st);
    st->last_draw_ns = st->now_ns;
    st->ui.dirty = 0;
    took = cpu_ns() - t0;
    st->draws++;
    st->draw_ns += took;
    if (took > st->draw_max_ns)
        st->draw_max_ns = took;
    return 0;
}

/* With TACHYON_DEBUG set: what the view cost and the rate it reached
 * (bench/live_rate.py reads this line). */
static void log_draw_cost(const struct lv_state *st)
{
    double secs = (double)st->final_duration_ns / 1e9;
    if (st->draws)
        st->host->log(st->host, TACHYON_LOG_DEBUG,
                      "%llu refreshes, %.1f us of CPU each on average, %.1f us at most; "
                      "%llu samples in %.2f seconds (%.2f samples/sec)",
                      (unsigned long long)st->draws, (double)st->draw_ns / (double)st->draws / 1e3,
                      (double)st->draw_max_ns / 1e3, (unsigned long long)st->final_attempts, secs,
                      secs > 0 ? (double)st->final_attempts / secs : 0.0);
}

/* Read every pending key. Returns 1 when the user asked for a reset: the
 * host applies it when this callback returns, so the screen is redrawn at
 * the next tick (ui.dirty) rather than from the stale statistics now. */
static int read_keys(struct lv_state *st, int *draw_now)
{
    int ch, changed = 0, reset = 0;
    while ((ch = getch()) != ERR) {
        int is_reset = (ch == 'r' || ch == 'R') && !st->ui.filter_input && !st->ui.help &&
                       !st->ui.size_warning && !st->ui.finished;
        if (lv_key(st, ch)) {
            changed = 1;
            reset |= is_reset;
        }
        if (st->ui.quit) {
            st->host->request_stop(st->host);
            break;
        }
    }
    *draw_now = changed && !reset && !st->ui.quit;
    if (reset)
        st->ui.dirty = 1;
    return reset;
}

static int tick(void *vst, uint64_t now_ns)
{
    struct lv_state *st = vst;
    int draw_now;

    st->now_ns = now_ns;
    if (read_keys(st, &draw_now) || st->ui.quit)
        return 0;
    if (draw_now || st->ui.dirty)
        return redraw(st, !draw_now);
    if (!st->ui.paused && (double)(now_ns - st->last_draw_ns) / 1e9 >= st->ui.refresh_s - 0.001)
        return redraw(st, 1);
    return 0;
}

/* The terminal hung up (its window closed, tmux killed): nothing will be
 * read or seen any more, and a hung-up fd is always "readable". */
static int tty_gone(void)
{
    struct pollfd pfd;
    pfd.fd = lv_term_input_fd();
    pfd.events = POLLIN;
    pfd.revents = 0;
    return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static int on_input(void *vst, uint64_t now_ns)
{
    struct lv_state *st = vst;
    int draw_now;

    st->now_ns = now_ns;
    read_keys(st, &draw_now);
    if (!draw_now && !st->ui.quit && tty_gone()) {
        /* Stop watching, or the loop would be woken for ever; end the run
         * as 'q' would. */
        st->host->watch_input(st->host, -1);
        st->ui.quit = 1;
        st->host->request_stop(st->host);
        return 0;
    }
    return draw_now ? redraw(st, 0) : 0;
}

/* The target is gone: keep the last picture, with the banner, until 'q'
 * (or Ctrl-C, which the host sees). */
static void wait_for_quit(struct lv_state *st)
{
    struct pollfd pfd;
    int draw_now;

    pfd.fd = lv_term_input_fd();
    pfd.events = POLLIN;
    while (!st->ui.quit && !st->host->stop_requested(st->host)) {
        pfd.revents = 0;
        poll(&pfd, 1, 100);
        if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
            break;
        read_keys(st, &draw_now);
        /* A window change arrives as KEY_RESIZE with the next read. */
        if (draw_now || st->ui.dirty)
            redraw(st, 0);
    }
}

static int finish(void *vst, const tachyon_finish_info *info)
{
    struct lv_state *st = vst;
    const tachyon_stats *hs = info->stats;
    uint64_t good = hs ? hs->successes : 0;
    int stopped = TACHYON_HAS_FIELD(info, tachyon_finish_info, stopped) && info->stopped;

    if (hs) {
        st->final_attempts = hs->attempts;
        st->final_duration_ns = hs->duration_ns;
    }
    if (!st->tui)
        return 0;
    if (info->interrupted || stopped || st->ui.quit) {
        lv_term_close();
        st->tui = 0;
        return 0;
    }
    if (info->target_exited && good < LV_MIN_SAMPLES_FOR_TUI) {
        lv_term_close();
        st->tui = 0;
        if (good == 0)
            fprintf(stderr, "No samples collected - process %lld exited before profiling could begin.\n",
                    (long long)st->host->session->pid);
        else
            fprintf(stderr,
                    "Only %llu sample(s) collected (minimum %d required for TUI) - process %lld exited too "
                    "quickly.\n",
                    (unsigned long long)good, LV_MIN_SAMPLES_FOR_TUI, (long long)st->host->session->pid);
        return 0;
    }
    st->ui.finished = 1;
    st->ui.paused = 0;
    st->ui.size_warning = 0;
    st->finish_duration_ns = hs ? hs->duration_ns : 0;
    st->finish_wall = time(NULL);
    redraw(st, 1);
    wait_for_quit(st);
    lv_term_close();
    st->tui = 0;
    return 0;
}

static void destroy(void *vst)
{
    struct lv_state *st = vst;
    if (!st)
        return;
    if (st->tui)
        lv_term_close();
    log_draw_cost(st);
    lv_stats_free(&st->stats);
    free(st->rows);
    free(st);
}

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), TACHYON_FORMAT_INTERACTIVE | TACHYON_FORMAT_OPCODES | TACHYON_FORMAT_STDOUT,
     "live", "interactive top-like view while the target runs (press 'q' to quit)", NULL},
};

static const tachyon_plugin descriptor = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "live",
    .version = "1.0",
    .summary = "Live terminal view of the hottest functions (ncurses)",
    .formats = formats,
    .format_count = 1,
    .create = create,
    .on_sample = on_sample,
    .tick = tick,
    .tick_interval_ms = TICK_MS,
    .finish = finish,
    .destroy = destroy,
    .on_input = on_input,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &descriptor;
}
