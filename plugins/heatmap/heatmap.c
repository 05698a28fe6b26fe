/* The heatmap collector plugin: descriptor and callbacks. Samples are kept
 * as distinct stacks while profiling (hm_stacks); finish() turns them into
 * per-line heat (hm_model) and writes a directory of pages (hm_report). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tachyon/plugin.h>

#include "hm_model.h"
#include "hm_paths.h"
#include "hm_report.h"
#include "hm_source.h"
#include "hm_stacks.h"

struct state {
    const tachyon_host *host;
    struct hm_stacks stacks;
    char cwd[PATH_MAX];
    int have_cwd;
};

static const tachyon_format formats[] = {
    {sizeof(tachyon_format), TACHYON_FORMAT_DIRECTORY | TACHYON_FORMAT_OPCODES, "heatmap",
     "line-level heat over the program's source: a directory of offline HTML pages", "heatmap_{pid}"},
};

static int hm_create(const tachyon_host *host, const char *format, void **out)
{
    (void)format;
    struct state *st = calloc(1, sizeof(*st));
    if (!st)
        return TACHYON_ERR_NOMEM;
    st->host = host;
    /* Files under the profiler's working directory are the project's own,
     * as upstream files them by its sys.path (which starts there). */
    st->have_cwd = getcwd(st->cwd, sizeof st->cwd) != NULL;
    *out = st;
    return 0;
}

static int hm_on_sample(void *state, const tachyon_sample *sample)
{
    struct state *st = state;
    return hm_stacks_add(&st->stacks, sample);
}

/* The hottest lines of the whole run by self samples (then cumulative). */
static void pick_hot(struct hm_report *r)
{
    const struct hm_model *m = r->m;
    r->n_hot = 0;
    for (size_t i = 0; i < m->n_lines; i++) {
        const struct hm_line *l = &m->lines[i];
        if (l->self == 0)
            continue;
        size_t at = r->n_hot;
        while (at > 0) {
            const struct hm_line *o = &m->lines[r->hot[at - 1]];
            if (o->self > l->self || (o->self == l->self && o->cum >= l->cum))
                break;
            at--;
        }
        if (at >= HM_HOT_LINES)
            continue;
        size_t n = r->n_hot < HM_HOT_LINES ? r->n_hot : HM_HOT_LINES - 1;
        memmove(&r->hot[at + 1], &r->hot[at], (n - at) * sizeof(r->hot[0]));
        r->hot[at] = (uint32_t)i;
        if (r->n_hot < HM_HOT_LINES)
            r->n_hot++;
    }
}

static int write_report(struct state *st, const tachyon_finish_info *info, const struct hm_model *m,
                        const char *dir)
{
    const tachyon_host *host = st->host;
    struct hm_report r;
    int rc;

    memset(&r, 0, sizeof r);
    r.host = host;
    r.m = m;
    r.stats = info && info->stats ? info->stats : host->stats(host);
    r.dir = dir;
    r.cwd = st->have_cwd ? st->cwd : NULL;
    r.snapshots = st->stacks.samples;
    r.notes = calloc(m->n_files ? m->n_files : 1, sizeof(*r.notes));
    if (!r.notes)
        return TACHYON_ERR_NOMEM;
    pick_hot(&r);
    if ((rc = host->make_directory(host, dir)) == 0 && (rc = hm_write_file_pages(&r)) == 0)
        rc = hm_write_index(&r);
    for (size_t i = 0; i < m->n_files; i++)
        free(r.notes[i]);
    free(r.notes);
    for (size_t i = 0; i < r.n_hot; i++)
        free(r.hot_text[i]);
    return rc;
}

/* The end-of-run lines, on standard output after the run summary, worded
 * as upstream's. */
static int announce(const tachyon_host *host, const char *dir, size_t files)
{
    tachyon_output *out = NULL;
    int rc = host->output_open(host, TACHYON_OUTPUT_STDOUT, &out);
    if (rc < 0)
        return rc;
    rc = host->output_printf(out, "Heatmap output written to %s/\n  - Index: %s/index.html\n"
                                  "  - %zu source file%s analyzed\n",
                             dir, dir, files, files == 1 ? "" : "s");
    int crc = host->output_close(out, rc >= 0);
    return rc < 0 ? rc : crc;
}

static int hm_finish(void *state, const tachyon_finish_info *info)
{
    struct state *st = state;
    const tachyon_host *host = st->host;
    const char *out = host->session->output_path;
    struct hm_model m;
    char *dir = NULL;
    int rc;

    if (!out || strcmp(out, TACHYON_OUTPUT_STDOUT) == 0) {
        host->log(host, TACHYON_LOG_ERROR, "the heatmap is a directory of pages and cannot go to standard "
                                           "output: name the directory with -o");
        return TACHYON_ERR_INVALID;
    }
    rc = hm_model_build(host, &st->stacks, &m);
    if (rc == 0 && m.n_files > 0 && (rc = hm_find_def_lines(host, &m)) == 0)
        rc = hm_model_index(&m);
    if (rc == 0 && m.n_files == 0) {
        /* Like the reference profiler: nothing to show, nothing written. */
        host->log(host, TACHYON_LOG_WARNING, "No heatmap data to export");
        hm_model_free(&m);
        return 0;
    }
    if (rc == 0 && !(dir = hm_output_dir(out)))
        rc = TACHYON_ERR_NOMEM;
    if (rc == 0)
        rc = write_report(st, info, &m, dir);
    if (rc == 0)
        rc = announce(host, dir, m.n_files);
    else
        host->log(host, TACHYON_LOG_ERROR, "could not write the heatmap to %s (error %d)", dir ? dir : out, rc);
    free(dir);
    hm_model_free(&m);
    return rc;
}

static void hm_destroy(void *state)
{
    struct state *st = state;
    if (!st)
        return;
    hm_stacks_free(&st->stacks);
    free(st);
}

static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin),
    .abi_version = TACHYON_ABI_VERSION,
    .abi_minor = TACHYON_ABI_MINOR,
    .name = "heatmap",
    .version = "1.0.0",
    .summary = "Line-level heat over the target's source, as offline HTML pages",
    .formats = formats,
    .format_count = sizeof(formats) / sizeof(formats[0]),
    .option_count = 0,
    .options = NULL,
    .create = hm_create,
    .on_sample = hm_on_sample,
    .tick = NULL,
    .finish = hm_finish,
    .destroy = hm_destroy,
};

TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &plugin;
}
