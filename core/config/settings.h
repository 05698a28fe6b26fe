/* The effective configuration of one tachyon invocation.
 *
 * Values are layered: built-in defaults, then configuration files (a later
 * module), then the command line. Each setting remembers where its value
 * came from so `tachyon config` can explain it. */
#ifndef CORE_CONFIG_SETTINGS_H
#define CORE_CONFIG_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

enum setting_source {
    SRC_DEFAULT = 0,
    SRC_SITE_FILE,
    SRC_USER_FILE,
    SRC_EXPLICIT_FILE,   /* TACHYON_CONFIG or --config */
    SRC_COMMAND_LINE,
};

/* A plugin option set by a file or --plugin-opt NAME.KEY=VALUE. */
struct plugin_opt {
    char *plugin;
    char *key;
    char *value;
    enum setting_source source;
    char *origin;        /* file:line or "command line" */
};

struct settings {
    /* [sampling] */
    uint64_t interval_us;        /* default 100 */
    double duration_s;           /* 0: until the target exits */
    int all_threads;
    int mode;                    /* enum tachyon_mode */
    int native;
    int gc;                      /* default 1 */
    int opcodes;
    int async_aware;
    int async_all;               /* --async-mode=all */
    int realtime_stats;
    /* [output] */
    char *format;                /* default "pstats" */
    char *output;                /* NULL: the format's default */
    /* [run] */
    char *python;                /* NULL: python3 on PATH */
    /* [plugins] */
    char *plugin_path;           /* colon-separated, searched before built-in dirs */

    struct plugin_opt *plugin_opts;
    size_t n_plugin_opts;

    /* Where each scalar above came from, indexed by enum setting_key. */
    enum setting_source source[32];
    char *origin[32];
};

enum setting_key {
    KEY_INTERVAL, KEY_DURATION, KEY_ALL_THREADS, KEY_MODE, KEY_NATIVE, KEY_GC,
    KEY_OPCODES, KEY_ASYNC_AWARE, KEY_ASYNC_MODE, KEY_REALTIME_STATS,
    KEY_FORMAT, KEY_OUTPUT, KEY_PYTHON, KEY_PLUGIN_PATH,
    KEY__COUNT
};

void settings_init_defaults(struct settings *s);
void settings_free(struct settings *s);
/* Add or replace a plugin option (later sources win). */
int settings_set_plugin_opt(struct settings *s, const char *plugin, const char *key,
                            const char *value, enum setting_source src, const char *origin);

#endif
