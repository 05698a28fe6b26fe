/* Checking a plugin's configured options against what it declares, and
 * computing the value each declared option has for this run. */
#ifndef CORE_PLUGIN_OPTIONS_H
#define CORE_PLUGIN_OPTIONS_H

#include <tachyon/plugin.h>

struct settings;

/* On success *values has desc->option_count strings (NULL where neither a
 * setting nor a default gives a value). On a bad setting: ERR_USAGE with a
 * message naming the plugin, key, expected form and origin. */
int options_resolve(const tachyon_plugin *desc, const struct settings *st, char ***values);
void options_free(char **values, uint32_t count);

#endif
