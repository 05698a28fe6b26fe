/* The whole collection of one session and how it becomes a Firefox
 * Profiler "processed" profile (meta.preprocessedProfileVersion 57, the
 * layout upstream writes), streamed onto a writer. */
#ifndef PLUGINS_GECKO_GK_DOCUMENT_H
#define PLUGINS_GECKO_GK_DOCUMENT_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "gk_strings.h"
#include "gk_thread.h"
#include "gk_writer.h"
#include "idxtab.h"

struct gk_profile {
    const tachyon_host *host;
    struct gk_strings strings;
    struct gk_ctx ctx;
    struct gk_thread **threads;  /* in order of first appearance */
    size_t n_threads, threads_cap;
    struct pl_idxtab thread_idx;
    int opcodes;

    uint64_t last_us;            /* latest sample time of any thread */
    uint64_t first_tick_us, last_tick_us;
    uint64_t ticks;              /* distinct sampling instants seen */
    uint64_t rows_total;         /* samples + table rows, for progress */

    /* Called now and then while writing (a progress display); may be NULL. */
    void (*progress)(void *arg);
    void *progress_arg;
};

int gk_document_write(struct gk_profile *p, struct gk_writer *w);

#endif
