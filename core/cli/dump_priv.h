/* The text layout of `tachyon dump`, separate from taking the snapshot so
 * it can be tested on a synthetic interner. */
#ifndef CORE_CLI_DUMP_PRIV_H
#define CORE_CLI_DUMP_PRIV_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../intern/intern.h"

struct dump_source;   /* a file's lines, read once */

struct dump_printer {
    FILE *out;
    const struct interner *in;
    pid_t pid;
    int color;
    char cwd[4096];
    size_t cwd_len;
    uint32_t first_interp;
    int several_interps;
    int seen_interp;
    struct dump_source *sources;
    size_t n_sources, cap_sources;
    /* Where source files are read: "/proc/PID/root" so a target in a
     * container or chroot finds its own files; "" in tests. */
    char root[64];
};

/* color: decided from out (a terminal, no NO_COLOR, TERM not dumb). */
void dump_printer_init(struct dump_printer *p, FILE *out, const struct interner *in, pid_t pid);
/* Tell the printer every section's interpreter before printing, so the
 * header can name interpreters only when there are several. */
void dump_printer_add(struct dump_printer *p, uint32_t interpreter_id);
void dump_print_empty(struct dump_printer *p);
/* One section: a thread's stack, or with --async-aware a leaf task's
 * (task != 0: the header names the task instead of the thread's status).
 * frames[0] is the innermost frame; they are printed root first. */
struct dump_section {
    uint64_t tid;
    uint64_t task;
    uint32_t interpreter_id;
    uint32_t status;
    uint32_t *frames;
    uint32_t depth;
};
void dump_print_thread(struct dump_printer *p, size_t index, const struct dump_section *s);
void dump_printer_free(struct dump_printer *p);

/* The status labels of a thread header ("main thread, has GIL"), or "" */
void dump_status_text(uint32_t status, char *buf, size_t len);

#endif
