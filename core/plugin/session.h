/* One plugin instance driven through a profiling session.
 *
 * The sampler creates a session for the selected format, feeds it every
 * sample the mode filter kept, ticks it from the sampling loop and finally
 * asks it to finish. The session owns the tachyon_host the plugin sees and
 * contains plugin failures: a callback that returns non-zero is reported
 * once, the plugin gets no further calls except destroy, and the caller
 * learns about it through ERR_PLUGIN / plugin_session_failed() so the run
 * can end with a non-zero status without losing the other outputs.
 * The session prints that one line itself (and leaves the same text in
 * diag), so callers need not print anything more for ERR_PLUGIN. */
#ifndef CORE_PLUGIN_SESSION_H
#define CORE_PLUGIN_SESSION_H

#include <stdint.h>

#include <tachyon/plugin.h>

#include "plugin/registry.h"

struct interner;
struct settings;
struct plugin_session;

struct plugin_session_config {
    const struct plugin_entry *entry; const tachyon_format *format;
    const tachyon_session *session;        /* filled by the caller */
    struct interner *interner;             /* core/intern/intern.h */
    const struct settings *settings;       /* core/config/settings.h: plugin_opts for this plugin */
    const tachyon_stats *stats;            /* updated in place by the sampler; host->stats returns it */
    const char *source_root;               /* e.g. "/proc/PID/root"; read_source prefixes it, NULL = none */
    int (*interrupted)(void);              /* host->stop_requested: did the user interrupt? NULL = never */
    int quiet;                             /* drop the plugin's info messages (--subprocesses children) */
};

/* The config's session, stats and settings are used in place, not copied:
 * they must outlive the plugin session, and updates the caller makes (the
 * start time, the statistics) are what host->session and host->stats show.
 *
 * Validates this plugin's options from settings (ERR_USAGE naming plugin,
 * key, expected form and origin), then calls the plugin's create().
 * Boolean option values reach the plugin as "true" or "false" whatever
 * spelling the user chose (1/0, yes/no, on/off are accepted). */
int plugin_session_create(const struct plugin_session_config *c, struct plugin_session **out);
int plugin_session_sample(struct plugin_session *s, const tachyon_sample *sample);
int plugin_session_tick(struct plugin_session *s, uint64_t now_ns);  /* calls tick at most every tick_interval_ms */
int plugin_session_finish(struct plugin_session *s, const tachyon_finish_info *info);

/* ABI 1.1 plumbing for the sampling loop. */
#define PLUGIN_CTRL_RESET 1u   /* restart the statistics now */
#define PLUGIN_CTRL_STOP 2u    /* end the sampling loop */
/* The requests the plugin made since the last call (PLUGIN_CTRL_* bits);
 * a reset request is consumed, a stop request stays. */
unsigned plugin_session_control(struct plugin_session *s);
/* The fd the plugin asked to watch, or -1. */
int plugin_session_input_fd(const struct plugin_session *s);
/* fd is readable: call on_input (when the plugin's descriptor has it). */
int plugin_session_input(struct plugin_session *s, uint64_t now_ns);
/* How often the plugin wants tick, in ns (0: no tick callback). */
uint64_t plugin_session_tick_ns(const struct plugin_session *s);
int plugin_session_failed(const struct plugin_session *s);
void plugin_session_destroy(struct plugin_session *s);

/* The descriptor an output path such as /dev/stdout or /proc/self/fd/N
 * names (output.c writes to a duplicate of it), or -1. */
int output_fd_alias(const char *path);

/* Only the option check of plugin_session_create, for `tachyon config`
 * and tests: 0 or ERR_USAGE with the message in diag. */
int plugin_session_check_options(const tachyon_plugin *desc, const struct settings *settings);

#endif
