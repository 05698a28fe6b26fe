/* ABI 1.1 against the real registry, plugin session and sampling loop:
 *  - a plugin with a 1.0-sized descriptor (poison after it) loads, is
 *    ticked, finishes, and is never asked for anything 1.1 added;
 *  - a 1.1 plugin's watched fd reaches on_input between samples, and its
 *    reset and stop requests reach the sampler: statistics restart, no
 *    sample older than the reset is delivered after it, the loop ends early
 *    and finish() is told it was stopped. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config/settings.h"
#include "intern/intern.h"
#include "plugin/registry.h"
#include "plugin/session.h"
#include "sampler/sampler.h"

struct fake {
    uint64_t calls;
};

static int fake_source(void *ctx, const struct py_sample_opts *o, py_thread_cb cb, void *cb_ctx)
{
    struct fake *f = ctx;
    uint32_t frames[2] = {2, 1};
    struct py_thread_sample ts;
    (void)o;
    f->calls++;
    memset(&ts, 0, sizeof ts);
    ts.thread_id = 1;
    ts.depth = 2;
    ts.frames = frames;
    /* Change the stack now and then so merged samples reach the plugin
     * between ticks as well as at them. */
    if ((f->calls / 7) % 2)
        frames[0] = 3;
    return cb(cb_ctx, &ts);
}

/* The same adapters cli/profile.c installs. */
static int s_deliver(void *c, const tachyon_sample *s) { return plugin_session_sample(c, s); }
static int s_tick(void *c, uint64_t now) { return plugin_session_tick(c, now); }
static uint64_t s_tick_ns(void *c) { return plugin_session_tick_ns(c); }
static int s_fd(void *c) { return plugin_session_input_fd(c); }
static int s_input(void *c, uint64_t now) { return plugin_session_input(c, now); }
static unsigned s_control(void *c)
{
    unsigned b = plugin_session_control(c);
    return ((b & PLUGIN_CTRL_RESET) ? SINK_CTRL_RESET : 0) | ((b & PLUGIN_CTRL_STOP) ? SINK_CTRL_STOP : 0);
}

struct run {
    struct plugin_registry reg;
    struct settings st;
    struct interner *in;
    tachyon_session sess;
    tachyon_stats stats;
    struct plugin_session *ps;
    struct sampler_result res;
    struct fake fake;
    char out[256];
    char report[1024];
};

static int run_plugin(struct run *r, const char *format, uint64_t duration_ms)
{
    static const char *const dir[] = {ABI_PLUGIN_DIR};
    struct discovery_opts o;
    struct plugin_session_config cfg;
    struct sampler_config sc;
    const tachyon_format *fmt = NULL;
    const struct plugin_entry *e;
    tachyon_finish_info fi;
    FILE *fp;
    size_t n;

    memset(&o, 0, sizeof o);
    o.explicit_paths = dir;
    o.n_explicit = 1;
    o.skip_builtin_dirs = 1;
    snprintf(r->out, sizeof r->out, "/tmp/tachyon-abi-%d-%s.txt", (int)getpid(), format);
    if (registry_discover(&o, &r->reg) < 0 || interner_create(&r->in) < 0)
        return -1;
    e = registry_find_format(&r->reg, format, &fmt);
    if (!e)
        return -2;
    r->sess.struct_size = sizeof r->sess;
    r->sess.output_path = r->out;
    r->stats.struct_size = sizeof r->stats;
    memset(&cfg, 0, sizeof cfg);
    cfg.entry = e;
    cfg.format = fmt;
    cfg.session = &r->sess;
    cfg.interner = r->in;
    cfg.settings = &r->st;
    cfg.stats = &r->stats;
    if (plugin_session_create(&cfg, &r->ps) != 0)
        return -3;
    if (strcmp(format, "abi10") == 0) {
        /* on_input of a 1.0 descriptor lies in the poison: asked directly,
         * the session must not call it. */
        CHECK_INT(plugin_session_input(r->ps, 0), 0);
        CHECK_INT(plugin_session_input_fd(r->ps), -1);
    }
    memset(&sc, 0, sizeof sc);
    sc.interval_ns = 1000000;
    sc.duration_ns = duration_ms * 1000000ull;
    sc.pid = getpid();
    sc.stats_out = stdout;
    {
        struct sample_sink sink = {s_deliver, s_tick, r->ps, s_tick_ns, s_fd, s_input, s_control};
        if (sampler_run(&sc, fake_source, &r->fake, &sink, &r->stats, &r->res) != 0)
            return -4;
    }
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    fi.stopped = (uint32_t)r->res.stopped;
    fi.stats = &r->stats;
    if (plugin_session_finish(r->ps, &fi) != 0)
        return -5;
    fp = fopen(r->out, "r");
    if (!fp)
        return -6;
    n = fread(r->report, 1, sizeof r->report - 1, fp);
    r->report[n] = '\0';
    fclose(fp);
    unlink(r->out);
    return 0;
}

static void run_free(struct run *r)
{
    plugin_session_destroy(r->ps);
    interner_destroy(r->in);
    registry_free(&r->reg);
    settings_free(&r->st);
}

static unsigned long long field(const char *report, const char *key)
{
    char want[64];
    const char *p;
    snprintf(want, sizeof want, "%s ", key);
    p = strstr(report, want);
    return p ? strtoull(p + strlen(want), NULL, 10) : ~0ull;
}

static void test_v10_descriptor(void)
{
    struct run r;
    memset(&r, 0, sizeof r);
    settings_init_defaults(&r.st);
    CHECK_INT(run_plugin(&r, "abi10", 300), 0);
    CHECK(field(r.report, "ticks") >= 3);
    CHECK(field(r.report, "weight") > 0);
    CHECK_INT(field(r.report, "weight"), r.stats.samples);
    CHECK_INT(field(r.report, "stats.samples"), r.stats.samples);
    CHECK_INT(field(r.report, "host_minor"), TACHYON_ABI_MINOR);
    CHECK_INT(r.res.stopped, 0);
    run_free(&r);
}

struct writer {
    int fd;
    useconds_t reset_after, stop_after;
};

static void *write_keys(void *arg)
{
    struct writer *w = arg;
    usleep(w->reset_after);
    if (write(w->fd, "r", 1) != 1)
        return NULL;
    usleep(w->stop_after);
    if (write(w->fd, "s", 1) != 1)
        return NULL;
    return NULL;
}

static void test_v11_input_reset_stop(void)
{
    struct run r;
    struct writer w;
    pthread_t t;
    int p[2];
    char fd[16];
    struct timespec t0, t1;
    double secs;

    memset(&r, 0, sizeof r);
    settings_init_defaults(&r.st);
    CHECK_INT(pipe(p), 0);
    snprintf(fd, sizeof fd, "%d", p[0]);
    CHECK_INT(settings_set_plugin_opt(&r.st, "abi11", "fd", fd, SRC_COMMAND_LINE, "test"), 0);
    w.fd = p[1];
    w.reset_after = 400000;
    w.stop_after = 400000;
    CHECK_INT(pthread_create(&t, NULL, write_keys, &w), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(run_plugin(&r, "abi11", 20000), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(t, NULL);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    /* Stopped by the plugin long before the 20 s duration. */
    CHECK(secs < 10.0);
    CHECK_INT(r.res.stopped, 1);
    CHECK_INT(r.res.interrupted, 0);
    CHECK_INT(field(r.report, "stopped"), 1);
    CHECK_INT(field(r.report, "inputs"), 2);
    CHECK_INT(field(r.report, "resets"), 1);
    /* Counters restarted at the reset: fewer attempts than source calls,
     * and exactly the samples since the reset reached the plugin. */
    CHECK(r.stats.attempts > 0 && r.stats.attempts < r.fake.calls);
    CHECK(r.stats.duration_ns < 4000000000ull);
    CHECK_INT(field(r.report, "weight"), r.stats.samples);
    CHECK(field(r.report, "ticks") >= 3);
    close(p[0]);
    close(p[1]);
    run_free(&r);
}

int main(void)
{
    RUN(test_v10_descriptor);
    RUN(test_v11_input_reset_stop);
    return check_summary();
}
