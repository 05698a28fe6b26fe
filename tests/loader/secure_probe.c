/* Helper for the secure-execution test: test_loader installs a copy of
 * this program setuid to an unprivileged user and runs it as root, which
 * makes the kernel set AT_SECURE. It discovers plugins from the explicit
 * path in argv[1] and TACHYON_PLUGIN_PATH, and prints the listing, which
 * must show both ignored. */
#include <stdio.h>
#include <string.h>

#include "plugin/registry.h"
#include "plugin/trust.h"

/* LeakSanitizer cannot run in a setuid process (it is not dumpable and
 * cannot be inspected), and would abort the probe in the sanitizer build.
 * This hook is how a program opts out; without the sanitizer it is unused. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
    return 1;
}

int main(int argc, char **argv)
{
    struct plugin_registry reg;
    struct discovery_opts o;
    const char *paths[1];

    if (argc != 2)
        return 2;
    paths[0] = argv[1];
    memset(&o, 0, sizeof o);
    o.explicit_paths = paths;
    o.n_explicit = 1;
    o.use_environment = 1;
    o.config_path = argv[1];
    o.skip_builtin_dirs = 1;
    printf("secure=%d\n", trust_secure_mode());
    if (registry_discover(&o, &reg) < 0)
        return 1;
    registry_print(&reg, stdout);
    registry_free(&reg);
    return 0;
}
