/* The command-line front end: `tachyon run|attach|plugins|config`. */
#ifndef CORE_CLI_CLI_H
#define CORE_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "../config/settings.h"
#include "../plugin/registry.h"

enum cli_command { CMD_NONE, CMD_RUN, CMD_ATTACH, CMD_PLUGINS, CMD_CONFIG, CMD_REPLAY, CMD_DUMP };

/* Exit statuses, as upstream: 2 for usage errors, 1 for everything else. */
#define EXIT_USAGE 2
#define EXIT_FAIL 1

struct cli_opts {
    enum cli_command command;
    struct settings s;

    /* Flags the option rules need to know were given explicitly. */
    int module;                  /* run -m */
    int live;
    int subprocesses;
    int blocking;
    int browser;
    int verbose;                 /* -v: say which children --subprocesses skipped, and why */
    const char *format_flag;     /* the --pstats/--collapsed/... alias given, for messages */
    int rate_flag;               /* 'i' or 'r' once one was given: they exclude each other */
    const char *sort;            /* pstats --sort, NULL when not given */
    long limit;                  /* pstats --limit, -1 when not given */
    int no_summary;
    int mode_given;
    const char *compression;     /* --compression, NULL when not given */
    const char *diff_baseline;   /* --diff-flamegraph BASELINE */

    const char *config_file;     /* --config */
    const char **plugin_paths;   /* --plugin PATH (repeatable) */
    size_t n_plugin_paths;

    /* run: the script or module and its arguments; attach: the PID. */
    char **target_argv;
    int target_argc;
    pid_t pid;
};

/* Parse argv (after the subcommand word) into o. Returns 0, or ERR_USAGE
 * with the message already printed together with the usage line. */
int cli_parse(struct cli_opts *o, enum cli_command cmd, int argc, char **argv);
void cli_opts_free(struct cli_opts *o);

/* The option restrictions of the spec (async-aware, live, gecko, opcodes,
 * pstats-only options). fmt_flags are the selected format's
 * TACHYON_FORMAT_* flags. Prints the error with the usage line. */
int cli_validate(const struct cli_opts *o, unsigned fmt_flags);
/* The options given that --async-aware cannot honour, named together in
 * upstream's order (mode: the --mode chosen, NULL for wall or for a
 * command without one): a usage error for cmd, or 0. */
int cli_async_conflicts(enum cli_command cmd, int native, int gc, int binary, const char *mode, int all_threads);

/* Print "usage: ..." and "tachyon CMD: error: MSG" to stderr; returns ERR_USAGE. */
int cli_usage_error(enum cli_command cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_print_usage(FILE *out, enum cli_command cmd);
void cli_print_help(FILE *out, enum cli_command cmd, const struct plugin_registry *reg);
const char *cli_command_name(enum cli_command cmd);

/* Discover plugins honouring --plugin, configuration and the environment. */
int cli_discover(const struct cli_opts *o, struct plugin_registry *reg);
/* --plugin files that did not load and options for plugins not installed:
 * ERR_USAGE (printed with the usage line) from the command line, a warning
 * from a configuration file. */
int cli_check_plugin_requests(const struct cli_opts *o, const struct plugin_registry *reg);
/* follow.c: a fingerprint of the program a process runs, to notice an
 * exec (see the file's comment). */
struct exec_fingerprint {
    unsigned char auxv[1024];
    size_t len;
};
int follow_fingerprint(pid_t pid, struct exec_fingerprint *fp);
int follow_exec_happened(pid_t pid, const struct exec_fingerprint *before);
void follow_program_name(pid_t pid, char *buf, size_t len);

/* Warn when two plugins declare the selected format, naming the one used. */
void cli_note_format_rival(const struct cli_opts *o, const struct plugin_registry *reg);

/* Profile pid (our own child when is_child) with the selected plugin;
 * returns the process exit status. */
int cli_profile(struct cli_opts *o, const struct plugin_registry *reg, pid_t pid, int is_child);

/* `tachyon dump PID`: argv starts at the subcommand word. Returns the exit status. */
int cli_dump(int argc, char **argv);
void cli_dump_usage(FILE *out);

/* --browser: open the report at path in the user's browser when format
 * (or path) is an HTML report; warnings only, never an error. A directory
 * format (heatmap) writes the folder path names without its ".html". */
int cli_open_browser(const char *format, const char *path, int directory);

/* `tachyon run`: check the target, start it, profile it. Returns the exit status. */
int cli_run(struct cli_opts *o, const struct plugin_registry *reg);

/* `tachyon replay FILE`: feed a binary profile to the selected plugin.
 * Returns the exit status. */
int cli_replay(struct cli_opts *o, const struct plugin_registry *reg);

#endif
