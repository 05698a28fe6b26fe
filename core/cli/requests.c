/* What the user asked of the plugins, checked once they are discovered:
 * a plugin file named with --plugin must load, an option set for a plugin
 * must name one that is installed, and a format two plugins declare is
 * resolved visibly. The command line is strict (a typo is an error); the
 * configuration files only warn, because a site file may configure
 * plugins that are not installed on every machine. */
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../config/config.h"
#include "cli.h"

static int plugin_installed(const struct plugin_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->count; i++)
        if (reg->entries[i].desc && strcmp(reg->entries[i].desc->name, name) == 0)
            return 1;
    return 0;
}

int cli_check_plugin_requests(const struct cli_opts *o, const struct plugin_registry *reg)
{
    for (size_t i = 0; i < reg->count; i++) {
        const struct plugin_entry *e = &reg->entries[i];
        if (e->requested && !e->desc)
            return cli_usage_error(o->command, "argument --plugin: %s", e->reason);
    }
    for (size_t i = 0, k; i < o->s.n_plugin_opts; i++) {
        const struct plugin_opt *po = &o->s.plugin_opts[i];
        if (plugin_installed(reg, po->plugin))
            continue;
        if (po->source == SRC_COMMAND_LINE)
            return cli_usage_error(o->command, "argument --plugin-opt: no installed plugin is named '%s' "
                                               "(in %s.%s; see `tachyon plugins`)", po->plugin, po->plugin, po->key);
        for (k = 0; k < i; k++)
            if (strcmp(o->s.plugin_opts[k].plugin, po->plugin) == 0)
                break;
        if (k < i)
            continue;   /* one warning per plugin, not per key */
        fprintf(stderr, "tachyon: warning: %s: [plugin.%s] configures a plugin that is not installed; "
                        "ignored\n", po->origin ? po->origin : "configuration", po->plugin);
    }
    return 0;
}

/* Which plugin provides the selected format, when two declare it. */
void cli_note_format_rival(const struct cli_opts *o, const struct plugin_registry *reg)
{
    const struct plugin_entry *winner, *rival;

    if (!o->s.format)
        return;
    winner = registry_find_format(reg, o->s.format, NULL);
    rival = registry_format_rival(reg, o->s.format);
    if (winner && rival)
        fprintf(stderr, "tachyon: warning: format '%s' is declared by plugins %s (%s) and %s (%s); using %s, "
                        "found first in the plugin search order\n", o->s.format, winner->desc->name, winner->path,
                rival->desc->name, rival->path, winner->desc->name);
}
