/* One page per source file: the whole source with its heat, built as
 * static HTML rows (so a 50,000-line file needs no script to show), plus a
 * small JSON island the page's script uses for colours, the minimap,
 * caller/callee menus and bytecode panels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hm_assets.h"
#include "hm_report.h"
#include "hm_source.h"
#include "hm_text.h"

/* Rows are grouped so the browser can skip laying out what is off screen. */
#define CHUNK_LINES 200
/* Longer source lines are cut: a minified megabyte would only slow the page. */
#define MAX_LINE_BYTES 20000
/* Caller and callee menus list at most this many entries per line. */
#define MAX_NAV 50
#define HOT_TEXT_BYTES 160

struct page {
    struct hm_report *r;
    uint32_t file;
    const char *name;
    struct hm_src src;
    const char *note;
};

static const char *page_css(size_t *len)
{
    *len = hm_css_len;
    return (const char *)hm_css;
}

/* A sampled line carries its counts and a slot for its buttons; a cold one
 * is only its text (the number comes from data-n through CSS), which keeps
 * the page of a large file small and quick to parse. */
static int row(struct pl_buf *b, size_t n, const struct hm_line *l, const char *text, size_t len)
{
    int rc = pl_buf_printf(b, "<div class=\"ln%s\" id=\"line-%zu\" data-n=\"%zu\">", l ? " hit" : "", n, n);
    if (!rc && l)
        rc = pl_buf_printf(b, "<span class=\"cs\">%.0llu</span><span class=\"cc\">%.0llu</span>"
                              "<span class=\"nav\"></span><span class=\"src\">",
                           (unsigned long long)l->self, (unsigned long long)l->cum);
    if (!rc) {
        size_t keep = len;
        if (keep > MAX_LINE_BYTES) {
            keep = MAX_LINE_BYTES;
            /* Cut at a character boundary. */
            while (keep > 0 && ((unsigned char)text[keep] & 0xc0) == 0x80)
                keep--;
        }
        rc = hm_html(b, text, keep);
        if (!rc && keep < len)
            rc = pl_buf_printf(b, "<span class=\"cut\"> \u2026 %zu more bytes</span>", len - keep);
    }
    if (!rc && l)
        rc = pl_buf_put(b, "</span>", 7);
    return rc ? rc : pl_buf_put(b, "</div>\n", 7);
}

static int rows(struct page *p, struct pl_buf *b)
{
    const struct hm_model *m = p->r->m;
    const uint32_t *ids = m->by_line.idx + m->by_line.start[p->file];
    size_t n_hit = m->by_line.start[p->file + 1] - m->by_line.start[p->file], h = 0;
    size_t shown = 0;
    int rc = 0;
    /* Without the source only the sampled lines are listed; with it every
     * line is, plus any sampled line past its end (the file changed). */
    size_t last = p->src.data ? p->src.count : 0;
    while (h < n_hit && m->lines[ids[h]].line < 1)
        h++;
    for (size_t n = 1; rc == 0; n++) {
        const struct hm_line *l = NULL;
        if (n > last) {
            if (h >= n_hit)
                break;
            n = (size_t)m->lines[ids[h]].line;
        }
        if (h < n_hit && (size_t)m->lines[ids[h]].line == n)
            l = &m->lines[ids[h++]];
        if (shown % CHUNK_LINES == 0)
            rc = pl_buf_put(b, shown ? "</div><div class=\"chunk\">" : "<div class=\"chunk\">",
                            shown ? 25 : 19);
        size_t len;
        const char *text = hm_src_line(&p->src, n, &len);
        if (!rc)
            rc = row(b, n, l, text, len);
        shown++;
    }
    return rc ? rc : pl_buf_put(b, shown ? "</div>" : "", shown ? 6 : 0);
}

static int card(struct pl_buf *b, const char *label, const char *value, const char *id)
{
    return pl_buf_printf(b, "<div class=\"card\"><span class=\"label\">%s</span><span class=\"value\" id=\"%s\">%s</span></div>",
                         label, id, value);
}

static int cards(struct page *p, struct pl_buf *b)
{
    const struct hm_file *f = &p->r->m->files[p->file];
    char v[64];
    int rc;
    snprintf(v, sizeof v, "%llu", (unsigned long long)f->self);
    if ((rc = card(b, "Self samples", v, "card-self")) < 0)
        return rc;
    snprintf(v, sizeof v, "%llu", (unsigned long long)f->cum);
    if ((rc = card(b, "Cumulative", v, "card-cum")) < 0)
        return rc;
    snprintf(v, sizeof v, "%u", f->lines_hit);
    if ((rc = card(b, "Lines hit", v, "card-lines")) < 0)
        return rc;
    snprintf(v, sizeof v, "%.2f%%", p->r->snapshots ? 100.0 * (double)f->in_stack / (double)p->r->snapshots : 0.0);
    if ((rc = card(b, "On the stack in", v, "card-share")) < 0)
        return rc;
    snprintf(v, sizeof v, "%llu", (unsigned long long)f->max_self);
    if ((rc = card(b, "Max self", v, "card-max-self")) < 0)
        return rc;
    snprintf(v, sizeof v, "%llu", (unsigned long long)f->max_cum);
    return card(b, "Max total", v, "card-max-cum");
}

/* [[line, [[page, line, "func", "file", count], ...]], ...] for one view. */
static int nav_json(struct page *p, const struct hm_view *v, int callers, struct pl_buf *b)
{
    const struct hm_model *m = p->r->m;
    size_t from = v->start[p->file], to = v->start[p->file + 1];
    int32_t cur = -1;
    size_t in_group = 0;
    int rc = pl_buf_byte(b, '[');
    for (size_t i = from; i < to && rc == 0; i++) {
        const struct hm_edge *e = &m->edges[v->idx[i]];
        int32_t at = callers ? m->funcs[e->callee].entry : m->lines[e->caller].line;
        if (at != cur) {
            rc = pl_buf_printf(b, "%s[%d,[", cur < 0 ? "" : "]],", at);
            cur = at;
            in_group = 0;
        }
        if (rc || in_group++ >= MAX_NAV)
            continue;
        uint32_t file;
        int32_t line;
        const struct hm_func *fn;
        if (callers) {
            file = m->lines[e->caller].file;
            line = m->lines[e->caller].line;
            fn = &m->funcs[e->caller_func];
        } else {
            fn = &m->funcs[e->callee];
            file = fn->file;
            line = fn->entry;
        }
        const tachyon_host *host = p->r->host;
        rc = pl_buf_printf(b, "%s[%u,%d,", in_group > 1 ? "," : "", m->files[file].page, line);
        if (!rc)
            rc = hm_json_cstr(b, host->string(host, fn->name, NULL));
        if (!rc)
            rc = pl_buf_byte(b, ',');
        if (!rc)
            rc = hm_json_cstr(b, host->string(host, m->files[file].name, NULL));
        if (!rc)
            rc = pl_buf_printf(b, ",%llu]", (unsigned long long)e->count);
    }
    if (!rc && cur >= 0)
        rc = pl_buf_put(b, "]]", 2);
    return rc ? rc : pl_buf_byte(b, ']');
}

static int ops_json(struct page *p, struct pl_buf *b)
{
    const struct hm_model *m = p->r->m;
    const tachyon_host *host = p->r->host;
    size_t from = m->by_op.start[p->file], to = m->by_op.start[p->file + 1];
    int32_t cur = -1;
    int rc = pl_buf_byte(b, '[');
    for (size_t i = from; i < to && rc == 0; i++) {
        const struct hm_op *o = &m->ops[m->by_op.idx[i]];
        int32_t at = m->lines[o->line].line;
        int first = at != cur;
        if (first) {
            rc = pl_buf_printf(b, "%s[%d,[", cur < 0 ? "" : "]],", at);
            cur = at;
        }
        if (!rc && !first)
            rc = pl_buf_byte(b, ',');
        if (!rc)
            rc = pl_buf_byte(b, '[');
        if (!rc)
            rc = hm_json_cstr(b, host->string(host, o->name, NULL));
        if (!rc)
            rc = pl_buf_byte(b, ',');
        if (!rc)
            rc = hm_json_cstr(b, host->string(host, o->base, NULL));
        if (!rc)
            rc = pl_buf_printf(b, ",%llu]", (unsigned long long)o->count);
    }
    if (!rc && cur >= 0)
        rc = pl_buf_put(b, "]]", 2);
    return rc ? rc : pl_buf_byte(b, ']');
}

static int data_json(struct page *p, struct pl_buf *b)
{
    const struct hm_model *m = p->r->m;
    const struct hm_file *f = &m->files[p->file];
    int rc = pl_buf_put(b, "{\"file\":", 8);
    if (!rc)
        rc = hm_json_cstr(b, p->name);
    if (!rc)
        rc = pl_buf_printf(b, ",\"page\":%u,\"self\":%llu,\"cum\":%llu,\"maxSelf\":%llu,\"maxCum\":%llu,"
                              "\"total\":%llu,\"opcodes\":%s,\"lines\":[",
                           f->page, (unsigned long long)f->self, (unsigned long long)f->cum,
                           (unsigned long long)f->max_self, (unsigned long long)f->max_cum,
                           (unsigned long long)p->r->snapshots, m->opcodes ? "true" : "false");
    for (size_t i = m->by_line.start[p->file]; i < m->by_line.start[p->file + 1] && rc == 0; i++) {
        const struct hm_line *l = &m->lines[m->by_line.idx[i]];
        rc = pl_buf_printf(b, "%s[%d,%llu,%llu]", i == m->by_line.start[p->file] ? "" : ",", l->line,
                           (unsigned long long)l->self, (unsigned long long)l->cum);
    }
    if (!rc)
        rc = pl_buf_put(b, "],\"callers\":", 12);
    if (!rc)
        rc = nav_json(p, &m->callers, 1, b);
    if (!rc)
        rc = pl_buf_put(b, ",\"callees\":", 11);
    if (!rc)
        rc = nav_json(p, &m->callees, 0, b);
    if (!rc)
        rc = pl_buf_put(b, ",\"ops\":", 7);
    if (!rc)
        rc = ops_json(p, b);
    return rc ? rc : pl_buf_byte(b, '}');
}

static int fill(void *ctx, const char *name, size_t len, struct pl_buf *out)
{
    struct page *p = ctx;
    size_t n;
    if (len == 5 && memcmp(name, "TITLE", 5) == 0)
        return hm_html(out, p->name, strlen(p->name));
    if (len == 3 && memcmp(name, "CSS", 3) == 0) {
        const char *css = page_css(&n);
        return pl_buf_put(out, css, n);
    }
    if (len == 2 && memcmp(name, "JS", 2) == 0)
        return pl_buf_put(out, hm_file_js, hm_file_js_len);
    if (len == 5 && memcmp(name, "CARDS", 5) == 0)
        return cards(p, out);
    if (len == 4 && memcmp(name, "NOTE", 4) == 0) {
        if (!p->note)
            return 0;
        int rc = pl_buf_put(out, "<p class=\"note\" id=\"note\">", 26);
        if (!rc)
            rc = hm_html(out, p->note, strlen(p->note));
        return rc ? rc : pl_buf_put(out, "</p>", 4);
    }
    if (len == 4 && memcmp(name, "ROWS", 4) == 0)
        return rows(p, out);
    if (len == 4 && memcmp(name, "DATA", 4) == 0)
        return data_json(p, out);
    return TACHYON_ERR_GENERIC;
}

/* Remember the text of this file's lines among the hottest of the run. */
static int keep_hot_text(struct page *p)
{
    struct hm_report *r = p->r;
    for (size_t i = 0; i < r->n_hot; i++) {
        const struct hm_line *l = &r->m->lines[r->hot[i]];
        if (l->file != p->file || r->hot_text[i])
            continue;
        size_t len;
        const char *t = hm_src_line(&p->src, (size_t)l->line, &len);
        while (len && (*t == ' ' || *t == '\t')) {
            t++;
            len--;
        }
        if (len > HOT_TEXT_BYTES) {
            len = HOT_TEXT_BYTES;
            while (len > 0 && ((unsigned char)t[len] & 0xc0) == 0x80)
                len--;
        }
        r->hot_text[i] = malloc(len + 1);
        if (!r->hot_text[i])
            return TACHYON_ERR_NOMEM;
        memcpy(r->hot_text[i], t, len);
        r->hot_text[i][len] = '\0';
    }
    return 0;
}

/* Python only ever reports lines that hold code, so a sampled line that is
 * now blank or a comment means the file was edited after the run (the ABI
 * gives no modification time to compare). Returns that line, or 0. */
static long first_codeless_hit(const struct page *p)
{
    const struct hm_model *m = p->r->m;
    for (size_t i = m->by_line.start[p->file]; i < m->by_line.start[p->file + 1]; i++) {
        int32_t n = m->lines[m->by_line.idx[i]].line;
        size_t len;
        if (n < 1 || (size_t)n > p->src.count)
            continue;
        const char *t = hm_src_line(&p->src, (size_t)n, &len);
        while (len && (*t == ' ' || *t == '\t' || *t == '\f')) {
            t++;
            len--;
        }
        if (len == 0 || *t == '#')
            return n;
    }
    return 0;
}

static int keep_note(struct hm_report *r, uint32_t file, const char *text)
{
    r->notes[file] = strdup(text);
    return r->notes[file] ? 0 : TACHYON_ERR_NOMEM;
}

static int write_page(struct hm_report *r, uint32_t file, struct pl_buf *b, char *path, size_t path_size)
{
    const tachyon_host *host = r->host;
    const struct hm_file *f = &r->m->files[file];
    struct page p = {r, file, host->string(host, f->name, NULL), {NULL, 0, NULL, 0}, NULL};
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (!p.name)
        p.name = "?";
    rc = host->read_source(host, p.name, &data, &len);
    if (rc == TACHYON_ERR_NOMEM)
        return rc;
    char note[768];
    if (rc < 0 || !data) {
        snprintf(note, sizeof note, "Source not available: %s could not be read, so only its sampled lines "
                                    "are listed, without their code.", p.name);
        rc = keep_note(r, file, note);
    } else {
        p.src.data = data;
        p.src.len = len;
        rc = hm_src_index(&p.src);
        long blank = rc ? 0 : first_codeless_hit(&p);
        if (!rc && f->max_line > 0 && (size_t)f->max_line > p.src.count) {
            snprintf(note, sizeof note, "Source changed: line %ld of %s was sampled but the file now has %zu "
                                        "lines, so the counts may not match the code shown.",
                     (long)f->max_line, p.name, p.src.count);
            rc = keep_note(r, file, note);
        } else if (!rc && blank > 0) {
            snprintf(note, sizeof note, "Source changed: line %ld of %s was sampled but now holds no code, so the "
                                        "file was edited after it was profiled and the counts may not match the "
                                        "code shown.",
                     blank, p.name);
            rc = keep_note(r, file, note);
        }
    }
    p.note = r->notes[file];
    b->len = 0;
    if (!rc)
        rc = hm_template((const char *)hm_file_html, hm_file_html_len, fill, &p, b);
    if (!rc)
        rc = keep_hot_text(&p);
    if (!rc) {
        snprintf(path, path_size, "%s/file_%04u.html", r->dir, f->page);
        rc = hm_write_file(host, path, b);
    }
    free(p.src.starts);
    if (data)
        host->free_buffer(host, data);
    return rc;
}

int hm_write_file_pages(struct hm_report *r)
{
    struct pl_buf b = {0};
    size_t path_size = strlen(r->dir) + 32;
    char *path = malloc(path_size);
    int rc = path ? 0 : TACHYON_ERR_NOMEM;
    for (size_t i = 0; i < r->m->n_files && rc == 0; i++)
        rc = write_page(r, r->m->rank[i], &b, path, path_size);
    free(path);
    pl_buf_free(&b);
    return rc;
}
