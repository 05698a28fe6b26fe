/* Private interface shared by the files of core/config. */
#ifndef CORE_CONFIG_CONFIG_PRIV_H
#define CORE_CONFIG_CONFIG_PRIV_H

#include <stddef.h>

#include "settings.h"

/* One scalar key: its place in the file and what it accepts. */
struct config_key_info {
    enum setting_key id;
    const char *section;
    const char *key;
    const char *expected;    /* the accepted form, for error messages */
};

extern const struct config_key_info config_keys[KEY__COUNT];

/* The key in section, or NULL. Names are compared case-insensitively
 * because iniparser folds file names to lower case. */
const struct config_key_info *config_key_find(const char *section, const char *key);

/* Non-zero for a plugin or option name: [A-Za-z0-9_-]+, not too long. */
int config_valid_name(const char *name);

/* settings_set_plugin_opt() that keeps a value from a later layer. */
int config_store_plugin_opt(struct settings *s, const char *plugin, const char *key,
                            const char *value, enum setting_source src, const char *origin);

/* "default", "site file", ... for config_print. */
const char *config_source_name(enum setting_source src);

/* The effective value of key as text for config_print; NULL when unset. */
const char *config_value_text(const struct settings *s, enum setting_key key,
                              char *buf, size_t size);

/* Load one file as layer src. via names how it was chosen (for messages),
 * e.g. "TACHYON_CONFIG"; may be NULL. A missing file is ERR_IO with errno
 * ENOENT left in *missing when missing is not NULL. */
int config_load_file(struct settings *s, const char *path, enum setting_source src,
                     const char *via, int *missing);

#endif
