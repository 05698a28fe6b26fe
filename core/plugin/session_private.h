/* The session internals shared by session.c, host.c and output.c. */
#ifndef CORE_PLUGIN_SESSION_PRIVATE_H
#define CORE_PLUGIN_SESSION_PRIVATE_H

#include "plugin/session.h"

struct plugin_session {
    struct plugin_session_config cfg;
    const tachyon_plugin *desc;
    tachyon_host host;
    void *state;
    int created;                  /* create() succeeded: destroy() is owed */
    int failed;
    int finished;
    uint64_t last_tick_ns;
    char **opt_values;            /* effective value per declared option, or NULL */
    struct tachyon_output *outputs; /* opened and not yet closed */
    tachyon_stats empty_stats;    /* returned when the caller gave no stats */
    int error_logged;             /* an error-level line was printed for this plugin */
    int debug;                    /* TACHYON_DEBUG is set: debug logs shown */
    /* ABI 1.1 requests, collected by plugin_session_control(). */
    int reset_pending;            /* samples are dropped until the sampler resets */
    int stop_pending;
    int input_fd;                 /* watch_input, -1 when none */
};

/* The replay_profile service (host_replay.c). */
int host_replay_profile(const tachyon_host *host, const char *path,
                        int (*on_sample)(void *ctx, const tachyon_sample *sample), void *ctx,
                        tachyon_session *facts);

/* Fill s->host with the service table; host_data points back at s. */
void host_init(struct plugin_session *s);
/* Discard every output the plugin left open (it owes a close). */
void host_abort_outputs(struct plugin_session *s);

/* The output services, installed by host_init. */
int host_output_open(const tachyon_host *host, const char *path, tachyon_output **out);
int host_output_write(tachyon_output *out, const void *data, size_t len);
int host_output_printf(tachyon_output *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int host_output_is_terminal(tachyon_output *out);
int host_output_close(tachyon_output *out, int commit);

/* Log a line for the session's plugin (used by the host itself too). */
void host_logf(const struct plugin_session *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
