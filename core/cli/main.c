/* tachyon: a sampling profiler for CPython. Entry point and dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../config/config.h"
#include "../plugin/session.h"
#include "../proc/process.h"
#include "cli.h"
#include "profile_priv.h"

#ifndef TACHYON_VERSION
#define TACHYON_VERSION "0.0.0"
#endif

/* upstream's pstats display flags are options the pstats plugin declares;
 * the option rules already refused them with any other format. */
static int map_pstats_flags(struct cli_opts *o)
{
    char limit[24];
    int rc = 0;
    if (o->sort)
        rc = settings_set_plugin_opt(&o->s, "pstats", "sort", o->sort, SRC_COMMAND_LINE, "--sort");
    if (!rc && o->limit >= 0) {
        snprintf(limit, sizeof limit, "%ld", o->limit);
        rc = settings_set_plugin_opt(&o->s, "pstats", "limit", limit, SRC_COMMAND_LINE, "--limit");
    }
    if (!rc && o->no_summary)
        rc = settings_set_plugin_opt(&o->s, "pstats", "summary", "false", SRC_COMMAND_LINE, "--no-summary");
    if (!rc && o->diff_baseline)
        rc = settings_set_plugin_opt(&o->s, "flamegraph", "baseline", o->diff_baseline, SRC_COMMAND_LINE,
                                     "--diff-flamegraph");
    if (!rc && o->compression)
        rc = settings_set_plugin_opt(&o->s, "binary", "compression", o->compression, SRC_COMMAND_LINE,
                                     "--compression");
    return rc ? diag_set(rc, "out of memory") : 0;
}

/* `tachyon plugins` and `tachyon config` take only --plugin/--config/-h. */
static int parse_simple(struct cli_opts *o, enum cli_command cmd, int argc, char **argv, int *help)
{
    int i;
    o->command = cmd;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = 1;
        } else if ((strcmp(argv[i], "--plugin") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            if (argv[i][2] == 'p') {
                const char **grown = realloc(o->plugin_paths, (o->n_plugin_paths + 1) * sizeof *grown);
                if (!grown)
                    return ERR_NOMEM;
                o->plugin_paths = grown;
                o->plugin_paths[o->n_plugin_paths++] = argv[++i];
            } else {
                o->config_file = argv[++i];
            }
        } else {
            return cli_usage_error(cmd, "unrecognized arguments: %s", argv[i]);
        }
    }
    return 0;
}

static enum cli_command command_of(const char *word)
{
    if (strcmp(word, "run") == 0)
        return CMD_RUN;
    if (strcmp(word, "attach") == 0)
        return CMD_ATTACH;
    if (strcmp(word, "replay") == 0)
        return CMD_REPLAY;
    if (strcmp(word, "plugins") == 0)
        return CMD_PLUGINS;
    if (strcmp(word, "config") == 0)
        return CMD_CONFIG;
    return CMD_NONE;
}

static int list_formats(const struct plugin_registry *reg, char *buf, size_t len)
{
    size_t i, n = 0;
    uint32_t f;
    buf[0] = '\0';
    for (i = 0; i < reg->count && n < len; i++) {
        const struct plugin_entry *e = &reg->entries[i];
        if (!e->desc || e->shadowed)
            continue;
        for (f = 0; f < e->desc->format_count && n < len; f++)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", e->desc->formats[f].name);
    }
    return (int)n;
}

int main(int argc, char **argv)
{
    struct cli_opts o;
    struct plugin_registry reg = { 0 };
    struct config_request rq = { 0 };
    const tachyon_format *fmt = NULL;
    enum cli_command cmd;
    int rc, help = 0, exit_code = EXIT_FAIL;
    char formats[512];

    memset(&o, 0, sizeof o);
    settings_init_defaults(&o.s);
    if (argc < 2) {
        cli_usage_error(CMD_NONE, "the following arguments are required: command");
        exit_code = EXIT_USAGE;
        goto out;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        cli_print_help(stdout, CMD_NONE, NULL);
        exit_code = 0;
        goto out;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tachyon %s (plugin ABI %d.%d)\n", TACHYON_VERSION, TACHYON_ABI_VERSION, TACHYON_ABI_MINOR);
        exit_code = 0;
        goto out;
    }
    /* dump needs no plugins or configuration: it only reads and prints. */
    if (strcmp(argv[1], "dump") == 0) {
        exit_code = cli_dump(argc - 1, argv + 1);
        goto out;
    }
    cmd = command_of(argv[1]);
    if (cmd == CMD_NONE) {
        cli_usage_error(CMD_NONE, "argument command: invalid choice: '%s' (choose from run, attach, dump, replay, plugins, "
                                  "config)",
                        argv[1]);
        exit_code = EXIT_USAGE;
        goto out;
    }
    if (cmd == CMD_RUN || cmd == CMD_ATTACH || cmd == CMD_REPLAY)
        rc = cli_parse(&o, cmd, argc - 1, argv + 1);
    else
        rc = parse_simple(&o, cmd, argc - 1, argv + 1, &help);
    if (rc == 1) {
        help = 1;
    } else if (rc) {
        exit_code = EXIT_USAGE;
        goto out;
    }

    rq.explicit_file = o.config_file;
    rq.use_environment = 1;
    rc = config_load(&o.s, &rq);
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    if (cmd == CMD_REPLAY) {
        /* The recording fixed how it was sampled; configured sampling
         * settings do not apply to a replay. */
        o.s.mode = TACHYON_MODE_WALL;
        o.s.opcodes = o.s.async_aware = o.s.async_all = 0;
    }
    if (!o.s.format) {
        o.s.format = strdup("pstats");
        if (!o.s.format)
            goto out;
    }
    rc = cli_discover(&o, &reg);
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    if (cli_check_plugin_requests(&o, &reg)) {
        exit_code = EXIT_USAGE;
        goto out;
    }
    if (help) {
        cli_print_help(stdout, cmd, &reg);
        exit_code = 0;
        goto out;
    }
    if (cmd == CMD_PLUGINS) {
        registry_print(&reg, stdout);
        exit_code = 0;
        goto out;
    }
    if (cmd == CMD_CONFIG) {
        exit_code = config_print(stdout, &o.s) ? EXIT_FAIL : 0;
        goto out;
    }

    /* --pstats is the default format, so --live --pstats is still live;
     * --format=live is --live spelt as a format. */
    if (o.format_flag && strcmp(o.s.format, "live") == 0)
        o.live = 1;
    if (o.live && (!o.format_flag || strcmp(o.s.format, "pstats") == 0)) {
        free(o.s.format);
        o.s.format = strdup("live");
        if (!o.s.format)
            goto out;
    }
    if (!registry_find_format(&reg, o.s.format, &fmt)) {
        list_formats(&reg, formats, sizeof formats);
        /* A format from tachyon.ini is that file's error, not a usage error. */
        if (!o.live && o.s.source[KEY_FORMAT] != SRC_COMMAND_LINE && o.s.source[KEY_FORMAT] != SRC_DEFAULT) {
            fprintf(stderr, "Error: %s: [output] format = %s: no installed plugin provides this format "
                            "(installed: %s; see `tachyon plugins`)\n",
                    o.s.origin[KEY_FORMAT] ? o.s.origin[KEY_FORMAT] : "configuration", o.s.format,
                    formats[0] ? formats : "none");
            goto out;
        }
        /* Still apply the option rules first: a rule violation is the
         * clearer message when both apply. */
        if (cli_validate(&o, 0) == 0)
            cli_usage_error(cmd, "no installed plugin provides the output format '%s' (installed: %s; see "
                                 "`tachyon plugins`)", o.live ? "live" : o.s.format, formats[0] ? formats : "none");
        exit_code = EXIT_USAGE;
        goto out;
    }
    /* A live format chosen through tachyon.ini gets --live's rules too. */
    if (fmt->flags & TACHYON_FORMAT_INTERACTIVE)
        o.live = 1;
    if (cli_validate(&o, fmt->flags)) {
        exit_code = EXIT_USAGE;
        goto out;
    }

    if (o.blocking && o.s.interval_us < 100)
        fprintf(stderr, "Warning: --blocking with a %llu \xc2\xb5" "s interval will stop all threads %llu times per second. "
                        "Consider using --sampling-rate 1khz or lower to reduce overhead.\n",
                (unsigned long long)o.s.interval_us, 1000000ull / (unsigned long long)o.s.interval_us);
    if (profile_check_output_location(&o, fmt)) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    if (map_pstats_flags(&o)) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    /* Every option of the selected plugin is checked before a target is
     * started: a typo must not cost the run. */
    {
        const struct plugin_entry *pe = registry_find_format(&reg, o.s.format, NULL);
        if (pe && plugin_session_check_options(pe->desc, &o.s)) {
            cli_usage_error(cmd, "%s", diag_message());
            exit_code = EXIT_USAGE;
            goto out;
        }
    }
    cli_note_format_rival(&o, &reg);
    if (cmd == CMD_REPLAY) {
        exit_code = cli_replay(&o, &reg);
    } else if (cmd == CMD_RUN) {
        exit_code = cli_run(&o, &reg);
    } else {
        if (!proc_alive(o.pid)) {
            fprintf(stderr, "Error: Process with PID '%d' does not exist.\n", (int)o.pid);
            goto out;
        }
        exit_code = cli_profile(&o, &reg, o.pid, 0);
    }
out:
    registry_free(&reg);
    cli_opts_free(&o);
    return exit_code;
}
