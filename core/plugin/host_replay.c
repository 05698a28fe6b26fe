/* The replay_profile host service: a plugin reads a second binary profile
 * (the diff flame graph's baseline) through the core's checked reader, with
 * its frames interned next to the session's own. */
#include "session_private.h"

#include "common/err.h"
#include "replay/replay.h"

struct relay {
    int (*fn)(void *ctx, const tachyon_sample *s);
    void *ctx;
    int plugin_rc;       /* what the plugin's callback returned, if it stopped us */
};

static int relay_sample(void *ctx, const tachyon_sample *s)
{
    struct relay *r = ctx;
    int rc = r->fn(r->ctx, s);
    if (rc) {
        r->plugin_rc = rc;
        /* Any non-zero code stops the reader; the plugin's own comes back. */
        return ERR_GENERIC;
    }
    return 0;
}

int host_replay_profile(const tachyon_host *host, const char *path,
                        int (*on_sample)(void *ctx, const tachyon_sample *sample), void *ctx,
                        tachyon_session *facts)
{
    struct plugin_session *s = (struct plugin_session *)host->host_data;
    struct replay_file *rf = NULL;
    struct relay r = { on_sample, ctx, 0 };
    int rc;

    if (!path || !on_sample)
        return TACHYON_ERR_INVALID;
    rc = replay_file_open(path, s->cfg.interner, &rf);
    if (!rc) {
        if (facts)
            replay_file_facts(rf, facts);
        rc = replay_file_run(rf, relay_sample, &r);
    }
    replay_file_close(rf);
    if (r.plugin_rc)
        return r.plugin_rc;
    if (rc) {
        host->log(host, TACHYON_LOG_ERROR, "%s", diag_message());
        return rc == ERR_IO ? TACHYON_ERR_IO : rc == ERR_NOMEM ? TACHYON_ERR_NOMEM : TACHYON_ERR_INVALID;
    }
    return 0;
}
