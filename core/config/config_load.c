/* Choosing which configuration files apply, in which order, and which ones
 * a privileged process must not trust. */
#include "config.h"
#include "config_priv.h"

#include <limits.h>
#include <pwd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "../common/err.h"

#ifndef TACHYON_SYSCONFDIR
#define TACHYON_SYSCONFDIR "/etc"
#endif

int config_secure_mode(void)
{
    return getauxval(AT_SECURE) != 0;
}

/* $XDG_CONFIG_HOME/tachyon/tachyon.ini, else ~/.config/tachyon/tachyon.ini.
 * The XDG spec says a relative XDG_CONFIG_HOME is invalid and ignored. */
static int user_file_path(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;

    if (xdg && xdg[0] == '/') {
        n = snprintf(buf, size, "%s/tachyon/tachyon.ini", xdg);
    } else {
        if (!home || home[0] != '/') {
            const struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home || home[0] != '/')
            return ERR_INVALID;
        n = snprintf(buf, size, "%s/.config/tachyon/tachyon.ini", home);
    }
    return n > 0 && (size_t)n < size ? 0 : ERR_INVALID;
}

/* Site and user files are optional: only their absence is not an error. */
static int load_optional(struct settings *s, const char *path, enum setting_source src)
{
    int missing = 0, rc = config_load_file(s, path, src, NULL, &missing);

    if (rc == ERR_IO && missing) {
        diag_clear();
        return 0;
    }
    /* A home directory we may not enter (a service account, a sudo
     * environment) must not stop every command, --help included: the
     * optional file is skipped with a warning. */
    if (rc == ERR_IO && errno == EACCES) {
        fprintf(stderr, "tachyon: warning: %s; skipped\n", diag_message());
        diag_clear();
        return 0;
    }
    return rc;
}

int config_load(struct settings *s, const struct config_request *rq)
{
    static const struct config_request none = { 0 };
    const char *site, *env_file;
    char user[PATH_MAX];
    int secure, use_env, rc;

    if (!rq)
        rq = &none;
    secure = rq->assume_secure || config_secure_mode();
    use_env = rq->use_environment && !secure;
    site = rq->site_file ? rq->site_file : TACHYON_SYSCONFDIR "/tachyon.ini";

    rc = load_optional(s, site, SRC_SITE_FILE);
    if (rc)
        return rc;
    if (use_env && user_file_path(user, sizeof user) == 0) {
        rc = load_optional(s, user, SRC_USER_FILE);
        if (rc)
            return rc;
    }
    /* --config replaces TACHYON_CONFIG: the command line beats the
     * environment, and only one explicit file is ever read. */
    if (rq->explicit_file) {
        if (secure)
            return diag_set(ERR_PERM, "--config %s refused: tachyon runs with elevated "
                            "privileges (setuid/setgid or file capabilities), so only the site "
                            "file %s is read", rq->explicit_file, site);
        return config_load_file(s, rq->explicit_file, SRC_EXPLICIT_FILE, "--config", NULL);
    }
    env_file = use_env ? getenv("TACHYON_CONFIG") : NULL;
    if (env_file && env_file[0])
        return config_load_file(s, env_file, SRC_EXPLICIT_FILE, "TACHYON_CONFIG", NULL);
    return 0;
}
