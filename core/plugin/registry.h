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

#include <tachyon/plugin.h>

struct plugin_entry {
    char *path;
    const tachyon_plugin *desc;  /* NULL when rejected */
    char *reason;                /* why rejected, or NULL */
    int shadowed;                /* same name found earlier in the order */
    void *handle;                /* dl handle */
};

struct plugin_registry {
    struct plugin_entry *entries;
    size_t count;
};

struct discovery_opts {
    const char *const *explicit_paths;   /* files or directories */
    size_t n_explicit;
    const char *config_path;             /* colon-separated, may be NULL */
    int use_environment;                 /* honour TACHYON_PLUGIN_PATH */
};

int registry_discover(const struct discovery_opts *o, struct plugin_registry *reg);
void registry_free(struct plugin_registry *reg);
/* The accepted plugin that provides format, or NULL. */
const struct plugin_entry *registry_find_format(const struct plugin_registry *reg,
                                                const char *format,
                                                const tachyon_format **fmt);

#endif
