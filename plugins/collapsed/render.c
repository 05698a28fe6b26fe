#include "render.h"

#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

struct line {
    size_t off;       /* stack text in the text buffer */
    size_t len;
    uint64_t count;
    const char *text; /* set once the buffer stops moving */
};

static int cmp_lines(const void *pa, const void *pb)
{
    const struct line *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->text, b->text, n);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

int col_render(const struct col_stacks *s, const struct col_labels *l, struct pl_buf *out)
{
    struct pl_buf text = {0};
    struct line *lines = s->n ? calloc(s->n, sizeof *lines) : NULL;
    int rc = 0;
    if (s->n && !lines)
        return TACHYON_ERR_NOMEM;
    for (size_t i = 0; !rc && i < s->n; i++) {
        const struct col_stack *st = &s->items[i];
        lines[i].off = text.len;
        lines[i].count = st->count;
        rc = pl_buf_printf(&text, "tid:%llu", (unsigned long long)st->tid);
        for (uint32_t j = 0; !rc && j < st->depth; j++) {
            size_t len;
            const char *label = col_label_text(l, s->ids[st->off + j], &len);
            rc = pl_buf_byte(&text, ';');
            if (!rc)
                rc = pl_buf_put(&text, label, len);
        }
        lines[i].len = text.len - lines[i].off;
    }
    for (size_t i = 0; !rc && i < s->n; i++)
        lines[i].text = text.data + lines[i].off;
    if (!rc && s->n > 1)
        qsort(lines, s->n, sizeof *lines, cmp_lines);
    for (size_t i = 0; !rc && i < s->n; i++) {
        rc = pl_buf_put(out, lines[i].text, lines[i].len);
        if (!rc)
            rc = pl_buf_printf(out, " %llu\n", (unsigned long long)lines[i].count);
    }
    free(lines);
    pl_buf_free(&text);
    return rc;
}
