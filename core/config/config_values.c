/* The table of configuration keys and the validation of their values.
 *
 * Files and the command line go through config_set(), so both accept
 * exactly the same forms and produce the same error messages. */
#include "config.h"
#include "config_priv.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tachyon/plugin.h>

#include "../common/err.h"

/* One hour: longer intervals are almost certainly a unit mistake. */
#define MAX_INTERVAL_US 3600000000ULL
/* Keeps duration * 1e9 inside uint64 nanoseconds. */
#define MAX_DURATION_S 1e9
#define MAX_NAME_LEN 64

#define BOOL_FORM "a boolean (true/false, yes/no, on/off, 1/0)"

const struct config_key_info config_keys[KEY__COUNT] = {
    { KEY_INTERVAL, "sampling", "interval",
      "an integer number of microseconds between 1 and 3600000000" },
    { KEY_DURATION, "sampling", "duration",
      "a number of seconds >= 0, integer or decimal like 2.5 (0 = until the target exits)" },
    { KEY_ALL_THREADS, "sampling", "all_threads", BOOL_FORM },
    { KEY_MODE, "sampling", "mode", "one of wall, cpu, gil, exception" },
    { KEY_NATIVE, "sampling", "native", BOOL_FORM },
    { KEY_GC, "sampling", "gc", BOOL_FORM },
    { KEY_OPCODES, "sampling", "opcodes", BOOL_FORM },
    { KEY_ASYNC_AWARE, "sampling", "async_aware", BOOL_FORM },
    { KEY_ASYNC_MODE, "sampling", "async_mode", "one of running, all" },
    { KEY_REALTIME_STATS, "sampling", "realtime_stats", BOOL_FORM },
    { KEY_FORMAT, "output", "format", "a format name made of letters, digits, '_' and '-'" },
    { KEY_OUTPUT, "output", "output", "a file name (empty = the format's default)" },
    { KEY_PYTHON, "run", "python", "an interpreter path or command (empty = python3)" },
    { KEY_PLUGIN_PATH, "plugins", "path", "colon-separated directories" },
};

static char g_key_names[KEY__COUNT][40];

const char *config_key_name(enum setting_key key)
{
    const struct config_key_info *k;

    if ((int)key < 0 || key >= KEY__COUNT)
        return "?";
    k = &config_keys[key];
    if (g_key_names[key][0] == '\0')
        snprintf(g_key_names[key], sizeof g_key_names[key], "%s.%s", k->section, k->key);
    return g_key_names[key];
}

const struct config_key_info *config_key_find(const char *section, const char *key)
{
    size_t i;

    for (i = 0; i < KEY__COUNT; i++) {
        if (strcasecmp(config_keys[i].section, section) == 0 &&
            strcasecmp(config_keys[i].key, key) == 0)
            return &config_keys[i];
    }
    return NULL;
}

int config_valid_name(const char *name)
{
    size_t n = 0;

    for (; name[n]; n++) {
        unsigned char c = (unsigned char)name[n];
        if (!isalnum(c) && c != '_' && c != '-')
            return 0;
    }
    return n > 0 && n <= MAX_NAME_LEN;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    size_t i;

    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return ERR_INVALID;
}

/* Plain decimal digits only: strtoull alone would accept signs, spaces
 * and "0x" prefixes that a config file should not silently reinterpret. */
static int parse_interval(const char *v, uint64_t *out)
{
    unsigned long long n;
    char *end;
    size_t i;

    if (!v[0])
        return ERR_INVALID;
    for (i = 0; v[i]; i++)
        if (!isdigit((unsigned char)v[i]))
            return ERR_INVALID;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno || *end || n == 0 || n > MAX_INTERVAL_US)
        return ERR_INVALID;
    *out = n;
    return 0;
}

/* DIGITS[.DIGITS]: no exponents, "inf" or "nan", which strtod accepts. */
static int parse_duration(const char *v, double *out)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;
    double d;
    char *end;

    while (isdigit((unsigned char)v[i])) {
        i++;
        int_digits++;
    }
    if (v[i] == '.') {
        i++;
        while (isdigit((unsigned char)v[i])) {
            i++;
            frac_digits++;
        }
        if (!frac_digits)
            return ERR_INVALID;
    }
    if (v[i] != '\0' || (!int_digits && !frac_digits))
        return ERR_INVALID;
    errno = 0;
    d = strtod(v, &end);
    if (errno || *end || !(d >= 0) || d > MAX_DURATION_S)
        return ERR_INVALID;
    *out = d;
    return 0;
}

static int parse_mode(const char *v, int *out)
{
    static const struct { const char *name; int mode; } modes[] = {
        { "wall", TACHYON_MODE_WALL }, { "cpu", TACHYON_MODE_CPU },
        { "gil", TACHYON_MODE_GIL }, { "exception", TACHYON_MODE_EXCEPTION },
    };
    size_t i;

    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcasecmp(v, modes[i].name) == 0) {
            *out = modes[i].mode;
            return 0;
        }
    }
    return ERR_INVALID;
}

/* Replace *slot with a copy of v, or NULL when v is empty (meaning "use the
 * built-in choice"). */
static int set_string(char **slot, const char *v)
{
    char *copy = NULL;

    if (v[0]) {
        copy = strdup(v);
        if (!copy)
            return ERR_NOMEM;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

static int invalid(const struct config_key_info *k, const char *value, const char *origin)
{
    return diag_set(ERR_INVALID, "%s: invalid value '%s' for %s.%s: expected %s",
                    origin && origin[0] ? origin : "configuration", value, k->section,
                    k->key, k->expected);
}

int config_set(struct settings *s, enum setting_key key, const char *value,
               enum setting_source src, const char *origin)
{
    const struct config_key_info *k;
    uint64_t interval = 0;
    double duration = 0;
    int b = 0, mode = 0, rc = 0;
    char *origin_copy = NULL;

    if ((int)key < 0 || key >= KEY__COUNT || !value)
        return diag_set(ERR_INVALID, "internal error: bad configuration key %d", (int)key);
    k = &config_keys[key];

    /* Validate before the precedence check so that a bad value in a file
     * is reported even when a later layer overrides it. */
    switch (key) {
    case KEY_INTERVAL: rc = parse_interval(value, &interval); break;
    case KEY_DURATION: rc = parse_duration(value, &duration); break;
    case KEY_MODE: rc = parse_mode(value, &mode); break;
    case KEY_ASYNC_MODE:
        if (strcasecmp(value, "running") == 0)
            b = 0;
        else if (strcasecmp(value, "all") == 0)
            b = 1;
        else
            rc = ERR_INVALID;
        break;
    case KEY_FORMAT: rc = config_valid_name(value) ? 0 : ERR_INVALID; break;
    case KEY_OUTPUT:
    case KEY_PYTHON:
    case KEY_PLUGIN_PATH:
        break;
    default: rc = parse_bool(value, &b); break;
    }
    if (rc)
        return invalid(k, value, origin);
    if (src < s->source[key])
        return 0;

    if (origin && origin[0]) {
        origin_copy = strdup(origin);
        if (!origin_copy)
            return ERR_NOMEM;
    }
    switch (key) {
    case KEY_INTERVAL: s->interval_us = interval; break;
    case KEY_DURATION: s->duration_s = duration; break;
    case KEY_ALL_THREADS: s->all_threads = b; break;
    case KEY_MODE: s->mode = mode; break;
    case KEY_NATIVE: s->native = b; break;
    case KEY_GC: s->gc = b; break;
    case KEY_OPCODES: s->opcodes = b; break;
    case KEY_ASYNC_AWARE: s->async_aware = b; break;
    case KEY_ASYNC_MODE: s->async_all = b; break;
    case KEY_REALTIME_STATS: s->realtime_stats = b; break;
    case KEY_FORMAT: rc = set_string(&s->format, value); break;
    case KEY_OUTPUT: rc = set_string(&s->output, value); break;
    case KEY_PYTHON: rc = set_string(&s->python, value); break;
    case KEY_PLUGIN_PATH: rc = set_string(&s->plugin_path, value); break;
    default: break;
    }
    if (rc) {
        free(origin_copy);
        return rc;
    }
    s->source[key] = src;
    free(s->origin[key]);
    s->origin[key] = origin_copy;
    return 0;
}

int config_store_plugin_opt(struct settings *s, const char *plugin, const char *key,
                            const char *value, enum setting_source src, const char *origin)
{
    size_t i;

    for (i = 0; i < s->n_plugin_opts; i++) {
        const struct plugin_opt *o = &s->plugin_opts[i];
        if (strcmp(o->plugin, plugin) == 0 && strcmp(o->key, key) == 0 && src < o->source)
            return 0;
    }
    return settings_set_plugin_opt(s, plugin, key, value, src, origin);
}

static void lower_in_place(char *p)
{
    for (; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

int config_parse_plugin_opt(struct settings *s, const char *arg)
{
    char *copy = NULL, *eq, *dot;
    int rc;

    copy = strdup(arg ? arg : "");
    if (!copy)
        return ERR_NOMEM;
    eq = strchr(copy, '=');
    dot = strchr(copy, '.');
    if (!eq || !dot || dot > eq) {
        rc = diag_set(ERR_INVALID, "--plugin-opt '%s': expected NAME.KEY=VALUE", arg ? arg : "");
        goto out;
    }
    *eq = '\0';
    *dot = '\0';
    lower_in_place(copy);
    lower_in_place(dot + 1);
    if (!config_valid_name(copy) || !config_valid_name(dot + 1)) {
        rc = diag_set(ERR_INVALID,
                      "--plugin-opt '%s': plugin and option names are letters, digits, '_' and '-'",
                      arg);
        goto out;
    }
    rc = config_store_plugin_opt(s, copy, dot + 1, eq + 1, SRC_COMMAND_LINE, "command line");
out:
    free(copy);
    return rc;
}

const char *config_source_name(enum setting_source src)
{
    switch (src) {
    case SRC_DEFAULT: return "default";
    case SRC_SITE_FILE: return "site file";
    case SRC_USER_FILE: return "user file";
    case SRC_EXPLICIT_FILE: return "explicit file";
    case SRC_COMMAND_LINE: return "command line";
    }
    return "?";
}

const char *config_value_text(const struct settings *s, enum setting_key key, char *buf,
                              size_t size)
{
    static const char *const mode_names[] = { "wall", "cpu", "gil", "all", "exception" };

    switch (key) {
    case KEY_INTERVAL: snprintf(buf, size, "%" PRIu64, s->interval_us); return buf;
    case KEY_DURATION: snprintf(buf, size, "%.15g", s->duration_s); return buf;
    case KEY_ALL_THREADS: return s->all_threads ? "true" : "false";
    case KEY_MODE:
        return s->mode >= 0 && (size_t)s->mode < sizeof mode_names / sizeof mode_names[0]
                   ? mode_names[s->mode] : "?";
    case KEY_NATIVE: return s->native ? "true" : "false";
    case KEY_GC: return s->gc ? "true" : "false";
    case KEY_OPCODES: return s->opcodes ? "true" : "false";
    case KEY_ASYNC_AWARE: return s->async_aware ? "true" : "false";
    case KEY_ASYNC_MODE: return s->async_all ? "all" : "running";
    case KEY_REALTIME_STATS: return s->realtime_stats ? "true" : "false";
    case KEY_FORMAT: return s->format;
    case KEY_OUTPUT: return s->output;
    case KEY_PYTHON: return s->python;
    case KEY_PLUGIN_PATH: return s->plugin_path;
    default: return NULL;
    }
}
