/* Discovering, validating and loading collector plugins.
 *
 * Discovery order, first match of a plugin name wins:
 *   1. explicit paths (a file or a directory) given by the caller,
 *   2. directories in TACHYON_PLUGIN_PATH (colon-separated),
 *   3. directories from configuration ([plugins] path),
 *   4. directories relative to the executable (build tree, relocated install),
 *   5. the compiled-in install directory.
 * Every candidate file is recorded, accepted or rejected with a reason, so
 * `tachyon plugins` can explain what it saw. */
#ifndef CORE_PLUGIN_REGISTRY_H
#define CORE_PLUGIN_REGISTRY_H

#include <stddef.h>
#include <stdio.h>

#include <tachyon/plugin.h>

struct plugin_entry {
    char *path;
    const tachyon_plugin *desc;  /* NULL when rejected */
    char *reason;                /* why rejected, or NULL */
    int shadowed;                /* same name found earlier in the order */
    void *handle;                /* dl handle */
    int requested;               /* a file (or missing path) named by --plugin:
                                  * its rejection is the user's error */
};

struct plugin_registry {
    struct plugin_entry *entries;
    size_t count;
    /* Locations skipped as a whole, with why (e.g. TACHYON_PLUGIN_PATH in
     * secure-execution mode), for `tachyon plugins`. */
    char **notes;
    size_t n_notes;
};

struct discovery_opts {
    const char *const *explicit_paths;   /* files or directories */
    size_t n_explicit;
    const char *config_path;             /* colon-separated, may be NULL */
    int use_environment;                 /* honour TACHYON_PLUGIN_PATH */
    int skip_builtin_dirs;               /* only explicit, environment and config
                                          * locations (tests, the feed tool) */
};

int registry_discover(const struct discovery_opts *o, struct plugin_registry *reg);
void registry_free(struct plugin_registry *reg);
/* The accepted plugin that provides format, or NULL. */
const struct plugin_entry *registry_find_format(const struct plugin_registry *reg,
                                                const char *format,
                                                const tachyon_format **fmt);

/* The other accepted plugin providing format besides the one that wins
 * (first in discovery order), or NULL when only one does. */
const struct plugin_entry *registry_format_rival(const struct plugin_registry *reg, const char *format);

/* Write the `tachyon plugins` listing: accepted plugins with their formats
 * and options, then rejected files with reasons, shadowed ones, and notes. */
void registry_print(const struct plugin_registry *reg, FILE *fp);

#endif
