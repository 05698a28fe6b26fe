/* Reading tachyon.ini files and command-line overrides into struct settings.
 *
 * Layers, later wins: built-in defaults (settings_init_defaults), the site
 * file (TACHYON_SYSCONFDIR "/tachyon.ini"), the user file
 * ($XDG_CONFIG_HOME/tachyon/tachyon.ini, default ~/.config/...), one explicit
 * file (--config FILE, else $TACHYON_CONFIG), then the command line.
 *
 * Precedence is decided by enum setting_source, not by call order: a value
 * is only replaced by one from the same or a later layer, so the CLI may
 * apply command-line values before or after config_load().
 *
 * Errors are ERR_INVALID (bad content), ERR_IO (unreadable file) or ERR_PERM
 * (refused for safety), each with a one-line diag_set() message naming the
 * file, the line when known, the key and the expected form. */
#ifndef CORE_CONFIG_CONFIG_H
#define CORE_CONFIG_CONFIG_H

#include <stdio.h>

#include "settings.h"

struct config_request {
    const char *explicit_file;   /* --config FILE; may be NULL */
    int use_environment;         /* honour TACHYON_CONFIG and the user file */
    /* Overrides for tests and relocated installs; NULL/0 in normal use. */
    const char *site_file;       /* NULL: TACHYON_SYSCONFDIR "/tachyon.ini" */
    int assume_secure;           /* non-zero: behave as if AT_SECURE were set */
};

/* Load every configuration file that applies into s (which the caller
 * initialised with settings_init_defaults). Missing site and user files
 * are not an error; a missing explicit file is. */
int config_load(struct settings *s, const struct config_request *rq);

/* "NAME.KEY=VALUE" from --plugin-opt; stored with source
 * SRC_COMMAND_LINE. Plugin and key names are case-insensitive (stored in
 * lower case, as in files); the plugin session validates the key later. */
int config_parse_plugin_opt(struct settings *s, const char *arg);

/* Validate text for one scalar key and store it with its source and
 * origin (e.g. "--interval" or "/etc/tachyon.ini:4"). The CLI uses this so
 * that the command line and files accept exactly the same forms. */
int config_set(struct settings *s, enum setting_key key, const char *value,
               enum setting_source src, const char *origin);

/* The key as "section.key", e.g. "sampling.interval". */
const char *config_key_name(enum setting_key key);

/* Print every effective value and where it came from, as a valid
 * tachyon.ini whose comments name the sources (`tachyon config`). */
int config_print(FILE *out, const struct settings *s);

/* Non-zero when the process runs with elevated privileges it did not have
 * at exec time (getauxval(AT_SECURE): setuid, setgid, file capabilities).
 * User-controlled configuration, TACHYON_CONFIG, TACHYON_PLUGIN_PATH and
 * user plugin directories must then be ignored. */
int config_secure_mode(void);

#endif
