#include <stdlib.h>

#include "../config/config.h"
#include "cli.h"

int cli_discover(const struct cli_opts *o, struct plugin_registry *reg)
{
    struct discovery_opts d = { 0 };
    d.explicit_paths = o->plugin_paths;
    d.n_explicit = o->n_plugin_paths;
    d.config_path = o->s.plugin_path;
    /* Under secure execution (setuid, file capabilities) the caller's
     * environment must not choose code for us to load. */
    d.use_environment = !config_secure_mode();
    return registry_discover(&d, reg);
}
