/* Helpers of cli/profile.c: where the output goes and the session facts
 * handed to plugins. */
#ifndef CORE_CLI_PROFILE_PRIV_H
#define CORE_CLI_PROFILE_PRIV_H

#include <sys/types.h>

#include <tachyon/plugin.h>

#include "../proc/process.h"
#include "../python/python.h"
#include "../sampler/sampler.h"
#include "cli.h"

struct mem_reader;
struct interner;
struct plugin_session;
struct proc_pause;

/* Everything one profiled process needs: the parent of a run, or each
 * child with --subprocesses. */
struct profile {
    struct py_image img;
    struct mem_reader *reader;
    struct interner *interner;
    struct py_target *target;
    struct plugin_session *plugin;
    struct proc_pause *pause;    /* --blocking */
    tachyon_session session;
    tachyon_stats stats;
    char *output_path;
    char command_line[1024];
    char source_root[64];
    /* Following an exec of the target (follow.c); pid is 0 for
     * --subprocesses children, whose execs cli/tree.c follows. */
    pid_t pid;
    int is_child;
    struct exec_fingerprint program;
    unsigned failures_in_row;
    int exec_stopped;            /* it exec'd something we cannot profile */
    int status, reaped;          /* the child, when reaped while following */
};

void profile_release(struct profile *p);
void profile_read_command_line(pid_t pid, char *buf, size_t len);

/* The sample source (the decoder, with --blocking's stop around it) and
 * the sink (the plugin session) of a profile. */
int profile_source_sample(void *ctx, const struct py_sample_opts *o, py_thread_cb cb, void *cb_ctx);
int profile_sink_deliver(void *ctx, const tachyon_sample *s);
int profile_sink_tick(void *ctx, uint64_t now_ns);

/* The sampling loop's configuration for pid from the options. */
void profile_sampler_config(const struct cli_opts *o, const tachyon_format *fmt, pid_t pid, int is_child,
                            struct sampler_config *sc);

/* --subprocesses (cli/tree.c): the parent's loop also serves every Python
 * descendant, each with its own profile and plugin session. */
struct tree;
int tree_create(const struct cli_opts *o, const struct plugin_registry *reg, const struct plugin_entry *entry,
                const tachyon_format *fmt, pid_t root, struct tree **out);
/* Sample the parent p (configured by sc) and the children until the
 * parent's loop ends; res is the parent's. */
int tree_run_parent(struct tree *t, const struct sampler_config *sc, struct profile *p,
                    const struct sample_sink *sink, struct sampler_result *res);
/* After the parent's output: keep sampling the children still running
 * (bounded), then write every child's output. */
void tree_finish(struct tree *t);
void tree_destroy(struct tree *t);

/* The output path for format: -o as given ("-" means standard output, an
 * existing directory gets the default name inside it), else the format's
 * default with {pid} replaced, else NULL for stdout formats. */
int profile_output_path(const struct cli_opts *o, const tachyon_format *fmt, pid_t pid, char **out);

/* 0 when the output's directory exists and is writable, else ERR_IO with
 * a message; stdout outputs always pass. */
int profile_check_output_location(const struct cli_opts *o, const tachyon_format *fmt);

/* Where run, attach and replay print their own report: standard error when
 * it would mix with data on standard output (`-o -` for a data format, or -o
 * naming our own standard output: /dev/stdout, /proc/self/fd/1); standard
 * output otherwise, beside a text report such as the pstats table. */
FILE *profile_report_stream(const tachyon_format *fmt, const char *output_path);

/* Once the plugin wrote output_path: say so (unless the format names its
 * output itself: a directory format drops ".html", an announcing format
 * uses upstream's words), and open it with --browser. */
void profile_report_output(const struct cli_opts *o, const tachyon_format *fmt, const char *output_path);

void profile_fill_session(const struct cli_opts *o, tachyon_session *s, pid_t pid, uint32_t hexversion,
                          const char *version, const char *output_path, const char *command_line);

#endif
