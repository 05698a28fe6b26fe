/* `tachyon config`: the effective configuration, printed as a tachyon.ini
 * that could be saved and loaded again, with a comment on every line
 * saying where the value came from. */
#include "config.h"
#include "config_priv.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

#define VALUE_COLUMN 36

/* What an unset string key means, for its comment. */
static const char *unset_meaning(enum setting_key key)
{
    switch (key) {
    case KEY_FORMAT: return "pstats";
    case KEY_OUTPUT: return "the format's default output";
    case KEY_PYTHON: return "python3 on PATH";
    case KEY_PLUGIN_PATH: return "only the built-in plugin directories";
    default: return "unset";
    }
}

static void describe(char *buf, size_t size, enum setting_source src, const char *origin)
{
    switch (src) {
    case SRC_DEFAULT:
        snprintf(buf, size, "default");
        break;
    case SRC_COMMAND_LINE:
        if (origin && origin[0] && strcmp(origin, "command line") != 0)
            snprintf(buf, size, "command line (%s)", origin);
        else
            snprintf(buf, size, "command line");
        break;
    case SRC_EXPLICIT_FILE:
        snprintf(buf, size, "--config/TACHYON_CONFIG file %s", origin ? origin : "?");
        break;
    default:
        snprintf(buf, size, "%s %s", config_source_name(src), origin ? origin : "?");
        break;
    }
}

/* Quote values iniparser would otherwise trim or cut at a comment mark. */
static void print_assignment(FILE *out, const char *key, const char *value, const char *comment)
{
    size_t n = strlen(value);
    int width, need_quotes = n && (strpbrk(value, ";#") || value[0] == ' ' || value[n - 1] == ' ' ||
                                   value[0] == '"' || value[0] == '\'');
    char q = strchr(value, '"') ? '\'' : '"';

    if (need_quotes)
        width = fprintf(out, "%s = %c%s%c", key, q, value, q);
    else
        width = fprintf(out, "%s = %s", key, value);
    if (width < 0)
        width = 0;
    fprintf(out, "%*s; %s\n", width < VALUE_COLUMN ? VALUE_COLUMN - width : 1, "", comment);
}

static void print_section(FILE *out, const struct settings *s, const char *section)
{
    char value[64], comment[4200];
    size_t i;

    fprintf(out, "\n[%s]\n", section);
    for (i = 0; i < KEY__COUNT; i++) {
        const struct config_key_info *k = &config_keys[i];
        const char *text;

        if (strcmp(k->section, section) != 0)
            continue;
        describe(comment, sizeof comment, s->source[k->id], s->origin[k->id]);
        text = config_value_text(s, k->id, value, sizeof value);
        if (!text && k->id == KEY_FORMAT)
            text = unset_meaning(k->id);
        if (text) {
            print_assignment(out, k->key, text, comment);
        } else {
            size_t len = strlen(comment);
            snprintf(comment + len, sizeof comment - len, ": %s", unset_meaning(k->id));
            print_assignment(out, k->key, "", comment);
        }
    }
}

int config_print(FILE *out, const struct settings *s)
{
    static const char *const sections[] = { "sampling", "output", "run", "plugins" };
    const char *env_path = config_secure_mode() ? NULL : getenv("TACHYON_PLUGIN_PATH");
    char comment[4200];
    size_t i, j;

    fprintf(out, "# Effective tachyon configuration; each comment names the source of the value.\n");
    for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
        print_section(out, s, sections[i]);
    if (env_path && env_path[0])
        fprintf(out, "; environment: TACHYON_PLUGIN_PATH=%s is searched before path\n", env_path);

    /* Plugin options, grouped by plugin in the order first set. */
    for (i = 0; i < s->n_plugin_opts; i++) {
        const char *plugin = s->plugin_opts[i].plugin;
        int seen = 0;

        for (j = 0; j < i && !seen; j++)
            seen = strcmp(s->plugin_opts[j].plugin, plugin) == 0;
        if (seen)
            continue;
        fprintf(out, "\n[plugin.%s]\n", plugin);
        for (j = i; j < s->n_plugin_opts; j++) {
            const struct plugin_opt *o = &s->plugin_opts[j];
            if (strcmp(o->plugin, plugin) != 0)
                continue;
            describe(comment, sizeof comment, o->source, o->origin);
            print_assignment(out, o->key, o->value, comment);
        }
    }
    if (fflush(out) != 0 || ferror(out))
        return diag_set(ERR_IO, "cannot write the configuration listing");
    return 0;
}
