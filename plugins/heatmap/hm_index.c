/* The index page, the template filler and the file writer shared by the
 * pages; see hm_report.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hm_assets.h"
#include "hm_paths.h"
#include "hm_report.h"
#include "hm_text.h"

#define MARK "@TACHYON_"

int hm_template(const char *tpl, size_t tpl_len, hm_fill_fn fill, void *ctx, struct pl_buf *out)
{
    const char *t = tpl, *end = tpl + tpl_len;
    int rc = 0;
    while (t < end && rc == 0) {
        const char *m = strstr(t, MARK);
        if (!m || m >= end)
            return pl_buf_put(out, t, (size_t)(end - t));
        rc = pl_buf_put(out, t, (size_t)(m - t));
        const char *name = m + strlen(MARK);
        const char *close = strchr(name, '@');
        if (!close)
            return TACHYON_ERR_GENERIC;
        if (!rc)
            rc = fill(ctx, name, (size_t)(close - name), out);
        t = close + 1;
    }
    return rc;
}

int hm_write_file(const tachyon_host *host, const char *path, const struct pl_buf *data)
{
    tachyon_output *out = NULL;
    int rc = host->output_open(host, path, &out);
    if (rc < 0)
        return rc;
    rc = host->output_write(out, data->data ? data->data : "", data->len);
    int crc = host->output_close(out, rc == 0);
    return rc ? rc : crc;
}

static int rate_card(struct pl_buf *b, const char *label, const char *id, int known, double pct)
{
    /* The same thresholds as upstream's index: under 5% is fine, under 15%
     * worth a look, more is a problem. */
    const char *cls = !known ? "unknown" : pct < 5 ? "good" : pct < 15 ? "warning" : "error";
    if (!known)
        return pl_buf_printf(b, "<div class=\"card rate %s\"><span class=\"label\">%s</span>"
                                "<span class=\"value\" id=\"%s\">N/A</span></div>",
                             cls, label, id);
    return pl_buf_printf(b, "<div class=\"card rate %s\"><span class=\"label\">%s</span>"
                            "<span class=\"value\" id=\"%s\">%.1f%%</span>"
                            "<span class=\"rate-bar\"><span style=\"width: %.2f%%\"></span></span></div>",
                         cls, label, id, pct, pct > 100 ? 100.0 : pct);
}

static int cards(struct hm_report *r, struct pl_buf *b)
{
    const tachyon_stats *st = r->stats;
    double secs = st ? (double)st->duration_ns / 1e9 : 0;
    int rc = pl_buf_printf(b, "<div class=\"card\"><span class=\"label\">Files profiled</span>"
                              "<span class=\"value\" id=\"card-files\">%zu</span></div>"
                              "<div class=\"card\"><span class=\"label\">Total samples</span>"
                              "<span class=\"value\" id=\"card-samples\">%llu</span></div>"
                              "<div class=\"card\"><span class=\"label\">Duration</span>"
                              "<span class=\"value\" id=\"card-duration\">%.2f s</span></div>"
                              "<div class=\"card\"><span class=\"label\">Samples/sec</span>"
                              "<span class=\"value\" id=\"card-rate\">%.1f</span></div>",
                           r->m->n_files, (unsigned long long)r->snapshots, secs,
                           secs > 0 && st ? (double)st->attempts / secs : 0.0);
    if (!rc)
        rc = rate_card(b, "Error rate", "card-errors", st && st->attempts,
                       st && st->attempts ? 100.0 * (double)st->failures / (double)st->attempts : 0);
    if (!rc)
        rc = rate_card(b, "Missed samples", "card-missed", st && st->expected,
                       st && st->expected ? 100.0 * (double)st->missed / (double)st->expected : 0);
    return rc;
}

static int data_json(struct hm_report *r, struct pl_buf *b)
{
    const tachyon_host *host = r->host;
    const struct hm_model *m = r->m;
    struct pl_buf module = {0};
    int rc = pl_buf_put(b, "{\"files\":[", 10);
    for (size_t i = 0; i < m->n_files && rc == 0; i++) {
        uint32_t fi = m->rank[i];
        const struct hm_file *f = &m->files[fi];
        const char *name = host->string(host, f->name, NULL);
        enum hm_kind kind;
        module.len = 0;
        rc = hm_classify(name ? name : "?", r->cwd, &kind, &module);
        if (!rc)
            rc = pl_buf_put(b, i ? ",[" : "[", i ? 2 : 1);
        if (!rc)
            rc = hm_json_cstr(b, name);
        if (!rc)
            rc = pl_buf_byte(b, ',');
        if (!rc)
            rc = hm_json(b, module.data ? module.data : "", module.len);
        if (!rc)
            rc = pl_buf_printf(b, ",%d,%llu,%llu,%u,%u,", (int)kind, (unsigned long long)f->cum,
                               (unsigned long long)f->self, f->lines_hit, f->page);
        if (!rc)
            rc = r->notes[fi] ? hm_json_cstr(b, r->notes[fi]) : pl_buf_put(b, "null", 4);
        if (!rc)
            rc = pl_buf_byte(b, ']');
    }
    if (!rc)
        rc = pl_buf_put(b, "],\"hot\":[", 9);
    for (size_t i = 0; i < r->n_hot && rc == 0; i++) {
        const struct hm_line *l = &m->lines[r->hot[i]];
        const struct hm_file *f = &m->files[l->file];
        rc = pl_buf_printf(b, "%s[%u,%d,%llu,%llu,", i ? "," : "", f->page, l->line, (unsigned long long)l->self,
                           (unsigned long long)l->cum);
        if (!rc)
            rc = hm_json_cstr(b, r->hot_text[i]);
        if (!rc)
            rc = pl_buf_byte(b, ',');
        if (!rc)
            rc = hm_json_cstr(b, host->string(host, f->name, NULL));
        if (!rc)
            rc = pl_buf_byte(b, ']');
    }
    if (!rc)
        rc = pl_buf_printf(b, "],\"total\":%llu}", (unsigned long long)r->snapshots);
    pl_buf_free(&module);
    return rc;
}

static int fill(void *ctx, const char *name, size_t len, struct pl_buf *out)
{
    struct hm_report *r = ctx;
    if (len == 3 && memcmp(name, "CSS", 3) == 0)
        return pl_buf_put(out, hm_css, hm_css_len);
    if (len == 2 && memcmp(name, "JS", 2) == 0)
        return pl_buf_put(out, hm_index_js, hm_index_js_len);
    if (len == 5 && memcmp(name, "CARDS", 5) == 0)
        return cards(r, out);
    if (len == 4 && memcmp(name, "DATA", 4) == 0)
        return data_json(r, out);
    return TACHYON_ERR_GENERIC;
}

int hm_write_index(struct hm_report *r)
{
    struct pl_buf b = {0};
    size_t path_size = strlen(r->dir) + 16;
    char *path = malloc(path_size);
    int rc = path ? hm_template((const char *)hm_index_html, hm_index_html_len, fill, r, &b) : TACHYON_ERR_NOMEM;
    if (!rc) {
        snprintf(path, path_size, "%s/index.html", r->dir);
        rc = hm_write_file(r->host, path, &b);
    }
    free(path);
    pl_buf_free(&b);
    return rc;
}
