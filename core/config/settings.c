#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

#include "../common/err.h"

void settings_init_defaults(struct settings *s)
{
    memset(s, 0, sizeof *s);
    s->interval_us = 100;
    s->duration_s = 0;
    s->mode = TACHYON_MODE_WALL;
    s->gc = 1;
}

static void free_opt(struct plugin_opt *o)
{
    free(o->plugin);
    free(o->key);
    free(o->value);
    free(o->origin);
}

void settings_free(struct settings *s)
{
    size_t i;
    free(s->format);
    free(s->output);
    free(s->python);
    free(s->plugin_path);
    for (i = 0; i < s->n_plugin_opts; i++)
        free_opt(&s->plugin_opts[i]);
    free(s->plugin_opts);
    for (i = 0; i < sizeof s->origin / sizeof s->origin[0]; i++)
        free(s->origin[i]);
    memset(s, 0, sizeof *s);
}

int settings_set_plugin_opt(struct settings *s, const char *plugin, const char *key,
                            const char *value, enum setting_source src, const char *origin)
{
    struct plugin_opt fresh = { 0 }, *grown;
    size_t i;

    fresh.plugin = strdup(plugin);
    fresh.key = strdup(key);
    fresh.value = strdup(value);
    fresh.origin = strdup(origin ? origin : "");
    fresh.source = src;
    if (!fresh.plugin || !fresh.key || !fresh.value || !fresh.origin) {
        free_opt(&fresh);
        return ERR_NOMEM;
    }
    /* The same key again: the later layer wins (see enum setting_source). */
    for (i = 0; i < s->n_plugin_opts; i++) {
        if (strcmp(s->plugin_opts[i].plugin, plugin) == 0 && strcmp(s->plugin_opts[i].key, key) == 0) {
            /* A value from an earlier layer never replaces a later one, so
             * files may be read after the command line was parsed. */
            if (s->plugin_opts[i].source > src) {
                free_opt(&fresh);
                return 0;
            }
            free_opt(&s->plugin_opts[i]);
            s->plugin_opts[i] = fresh;
            return 0;
        }
    }
    grown = realloc(s->plugin_opts, (s->n_plugin_opts + 1) * sizeof *grown);
    if (!grown) {
        free_opt(&fresh);
        return ERR_NOMEM;
    }
    s->plugin_opts = grown;
    s->plugin_opts[s->n_plugin_opts++] = fresh;
    return 0;
}
