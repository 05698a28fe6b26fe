/* The plugin session lifecycle: create, sample, tick, finish, destroy, and
 * the containment of a failing plugin. */
#include "session_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "plugin/guard.h"
#include "plugin/options.h"

/* A callback said no: report it once, and from now on the plugin only gets
 * destroy(). The rest of the run is unaffected. */
static int fail(struct plugin_session *s, const char *callback, int code)
{
    s->failed = 1;
    /* The host or the plugin already said what went wrong (a full disk, a
     * bad path): a second line about the return code adds nothing. */
    if (!s->error_logged)
        fprintf(stderr, "tachyon: plugin %s: %s() failed with code %d (%s); %s\n", s->desc->name, callback,
                code, err_name(code),
                strcmp(callback, "finish") == 0 ? "its output was not written" : "it gets no further data");
    return diag_set(ERR_PLUGIN, "plugin %s: %s() failed with code %d (%s)", s->desc->name,
                    callback, code, err_name(code));
}

int plugin_session_create(const struct plugin_session_config *c, struct plugin_session **out)
{
    struct plugin_session *s = NULL;
    int rc;

    *out = NULL;
    if (!c || !c->entry || !c->entry->desc || !c->format || !c->session || !c->interner)
        return diag_set(ERR_INVALID, "plugin session: incomplete configuration");
    s = calloc(1, sizeof *s);
    if (!s)
        return diag_set(ERR_NOMEM, "out of memory creating a plugin session");
    s->cfg = *c;
    s->desc = c->entry->desc;
    s->input_fd = -1;

    rc = options_resolve(s->desc, c->settings, &s->opt_values);
    if (rc < 0)
        goto fail_free;
    host_init(s);

    guard_enter(s->desc->name, "create()");
    rc = s->desc->create(&s->host, c->format->name, &s->state);
    guard_leave();
    if (rc != 0) {
        rc = fail(s, "create", rc);
        /* create() failed, so the plugin owes nothing and gets no destroy();
         * it may still have opened outputs, which must not leak tmp files. */
        host_abort_outputs(s);
        goto fail_free;
    }
    s->created = 1;
    *out = s;
    return 0;
fail_free:
    options_free(s->opt_values, s->desc->option_count);
    free(s);
    return rc;
}

int plugin_session_sample(struct plugin_session *s, const tachyon_sample *sample)
{
    int rc;

    if (s->failed)
        return ERR_PLUGIN;
    if (s->finished)
        return diag_set(ERR_INVALID, "plugin %s: sample after finish", s->desc->name);
    /* The plugin asked for a reset: what is still in flight predates it. */
    if (s->reset_pending)
        return 0;
    guard_enter(s->desc->name, "on_sample()");
    rc = s->desc->on_sample(s->state, sample);
    guard_leave();
    return rc == 0 ? 0 : fail(s, "on_sample", rc);
}

int plugin_session_tick(struct plugin_session *s, uint64_t now_ns)
{
    uint64_t interval_ns;
    int rc;

    if (s->failed)
        return ERR_PLUGIN;
    if (!s->desc->tick || s->finished)
        return 0;
    interval_ns = (uint64_t)s->desc->tick_interval_ms * 1000000u;
    if (now_ns < s->last_tick_ns + interval_ns)
        return 0;
    s->last_tick_ns = now_ns;
    guard_enter(s->desc->name, "tick()");
    rc = s->desc->tick(s->state, now_ns);
    guard_leave();
    return rc == 0 ? 0 : fail(s, "tick", rc);
}

unsigned plugin_session_control(struct plugin_session *s)
{
    unsigned bits = 0;
    if (s->reset_pending)
        bits |= PLUGIN_CTRL_RESET;
    if (s->stop_pending)
        bits |= PLUGIN_CTRL_STOP;
    s->reset_pending = 0;
    return bits;
}

int plugin_session_input_fd(const struct plugin_session *s)
{
    return s->failed || s->finished ? -1 : s->input_fd;
}

int plugin_session_input(struct plugin_session *s, uint64_t now_ns)
{
    int rc;

    if (s->failed)
        return ERR_PLUGIN;
    /* A 1.0 descriptor ends before on_input: never read past it. */
    if (s->finished || !TACHYON_HAS_FIELD(s->desc, tachyon_plugin, on_input) || !s->desc->on_input)
        return 0;
    guard_enter(s->desc->name, "on_input()");
    rc = s->desc->on_input(s->state, now_ns);
    guard_leave();
    return rc == 0 ? 0 : fail(s, "on_input", rc);
}

uint64_t plugin_session_tick_ns(const struct plugin_session *s)
{
    uint64_t ms;
    if (!s->desc->tick)
        return 0;
    ms = s->desc->tick_interval_ms ? s->desc->tick_interval_ms : 100;
    return (ms < 10 ? 10 : ms) * 1000000ull;
}

int plugin_session_finish(struct plugin_session *s, const tachyon_finish_info *info)
{
    tachyon_finish_info fi;
    int rc;

    if (s->failed)
        return ERR_PLUGIN;
    if (s->finished)
        return diag_set(ERR_INVALID, "plugin %s: finish called twice", s->desc->name);
    s->finished = 1;
    memset(&fi, 0, sizeof fi);
    if (info) {
        /* Copy only what the caller's struct holds; an unset size means the
         * caller used this very header. */
        size_t n = info->struct_size ? info->struct_size : sizeof fi;
        memcpy(&fi, info, n < sizeof fi ? n : sizeof fi);
    }
    fi.struct_size = sizeof fi;
    if (!fi.stats)
        fi.stats = s->host.stats(&s->host);
    guard_enter(s->desc->name, "finish()");
    rc = s->desc->finish(s->state, &fi);
    guard_leave();
    if (rc != 0) {
        /* Whatever the plugin had open is incomplete; drop it now rather
         * than at destroy, so no caller sees the temporary files. */
        host_abort_outputs(s);
        return fail(s, "finish", rc);
    }
    if (s->outputs) {
        /* An output left open after finish() would never be renamed into
         * place; treat it as the plugin's bug, not a silent success. */
        host_logf(s, TACHYON_LOG_ERROR, "finish() left an output open; it was discarded");
        host_abort_outputs(s);
        return fail(s, "finish", TACHYON_ERR_GENERIC);
    }
    return 0;
}

int plugin_session_failed(const struct plugin_session *s)
{
    return s && s->failed;
}

void plugin_session_destroy(struct plugin_session *s)
{
    if (!s)
        return;
    if (s->created) {
        guard_enter(s->desc->name, "destroy()");
        s->desc->destroy(s->state);
        guard_leave();
    }
    host_abort_outputs(s);
    options_free(s->opt_values, s->desc->option_count);
    free(s);
}
