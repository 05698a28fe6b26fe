/* Plugin option validation (--plugin-opt PLUGIN.KEY=VALUE and config files). */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/settings.h"
#include "plugin/descriptor.h"
#include "plugin/session.h"

static const char *expected_form(const tachyon_option *o, char *buf, size_t len)
{
    switch (o->type) {
    case TACHYON_OPT_INT: return "an integer";
    case TACHYON_OPT_FLOAT: return "a number";
    case TACHYON_OPT_BOOL: return "true or false (or yes/no, on/off, 1/0)";
    case TACHYON_OPT_CHOICE:
        snprintf(buf, len, "one of %s", o->choices);
        return buf;
    default: return "a string";
    }
}

static const char *origin_of(const struct plugin_opt *po)
{
    if (po->origin && *po->origin)
        return po->origin;
    return po->source == SRC_COMMAND_LINE ? "command line" : "configuration";
}

static int unknown_key(const tachyon_plugin *desc, const struct plugin_opt *po)
{
    char known[512];
    size_t used = 0;

    known[0] = '\0';
    for (uint32_t i = 0; i < desc->option_count && used < sizeof known; i++) {
        int n = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                         descriptor_option(desc, i)->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (desc->option_count == 0)
        return diag_set(ERR_USAGE, "plugin %s: unknown option \"%s\" (from %s); it takes no options",
                        desc->name, po->key, origin_of(po));
    return diag_set(ERR_USAGE, "plugin %s: unknown option \"%s\" (from %s); known options: %s",
                    desc->name, po->key, origin_of(po), known);
}

/* The spelling handed to the plugin: booleans are canonical so a plugin
 * needs one strcmp, everything else is passed through as written. */
static char *canonical(const tachyon_option *o, const char *value)
{
    int b;

    if (o->type == TACHYON_OPT_BOOL && option_parse_bool(value, &b) == 0)
        return strdup(b ? "true" : "false");
    return strdup(value);
}

int options_resolve(const tachyon_plugin *desc, const struct settings *st, char ***out)
{
    const char **chosen = NULL;
    char **values = NULL;
    char form[256];
    uint32_t n = desc->option_count;
    int rc = 0;

    *out = NULL;
    chosen = calloc(n ? n : 1, sizeof *chosen);
    values = calloc(n ? n : 1, sizeof *values);
    if (!chosen || !values) {
        rc = diag_set(ERR_NOMEM, "out of memory resolving options of plugin %s", desc->name);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        chosen[i] = descriptor_option(desc, i)->default_value;

    for (size_t k = 0; st && k < st->n_plugin_opts; k++) {
        const struct plugin_opt *po = &st->plugin_opts[k];
        const tachyon_option *o;
        uint32_t idx;

        if (!po->plugin || strcmp(po->plugin, desc->name) != 0)
            continue;
        for (idx = 0; idx < n; idx++)
            if (strcmp(descriptor_option(desc, idx)->name, po->key) == 0)
                break;
        if (idx == n) {
            rc = unknown_key(desc, po);
            goto out;
        }
        o = descriptor_option(desc, idx);
        if (!option_value_valid(o, po->value)) {
            rc = diag_set(ERR_USAGE, "plugin %s: option \"%s\" expects %s, got \"%s\" (from %s)",
                          desc->name, po->key, expected_form(o, form, sizeof form),
                          po->value ? po->value : "", origin_of(po));
            goto out;
        }
        /* Settings keep one value per key with later sources already
         * winning, but if a key appears twice the last one counts. */
        chosen[idx] = po->value;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!chosen[i])
            continue;
        values[i] = canonical(descriptor_option(desc, i), chosen[i]);
        if (!values[i]) {
            rc = diag_set(ERR_NOMEM, "out of memory resolving options of plugin %s", desc->name);
            goto out;
        }
    }
    *out = values;
    values = NULL;
out:
    options_free(values, n);
    free(chosen);
    return rc;
}

void options_free(char **values, uint32_t count)
{
    if (!values)
        return;
    for (uint32_t i = 0; i < count; i++)
        free(values[i]);
    free(values);
}

int plugin_session_check_options(const tachyon_plugin *desc, const struct settings *settings)
{
    char **values = NULL;
    int rc = options_resolve(desc, settings, &values);

    options_free(values, desc->option_count);
    return rc;
}
