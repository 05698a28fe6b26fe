/* Source context extraction; see fg_source.h. */
#include "fg_source.h"

#include <stdlib.h>
#include <string.h>

/* Longest source line kept; longer ones are cut, as the tooltip is narrow. */
#define MAX_LINE_BYTES 200

struct line_index {
    size_t *starts;  /* offset of each line's first byte */
    size_t count;
};

static int index_lines(const char *data, size_t len, struct line_index *li)
{
    size_t count = 1;
    for (size_t i = 0; i < len; i++)
        count += data[i] == '\n';
    li->starts = malloc(count * sizeof(*li->starts));
    if (!li->starts)
        return TACHYON_ERR_NOMEM;
    li->count = 0;
    li->starts[li->count++] = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n')
            li->starts[li->count++] = i + 1;
    }
    return 0;
}

/* Append line n (1-based) to arr through the string table. */
static int add_line(struct fg_strtab *st, const char *data, size_t len, const struct line_index *li,
                    size_t n, json_t *arr)
{
    size_t b = li->starts[n - 1];
    size_t e = n < li->count ? li->starts[n] - 1 : len;
    if (e > b && data[e - 1] == '\r')
        e--;
    if (e - b > MAX_LINE_BYTES) {
        e = b + MAX_LINE_BYTES;
        /* Do not split a UTF-8 sequence. */
        while (e > b && ((unsigned char)data[e] & 0xc0) == 0x80)
            e--;
    }
    uint32_t idx;
    int rc = fg_strtab_add(st, data + b, e - b, &idx);
    if (rc < 0)
        return rc;
    return json_array_append_new(arr, json_integer(idx)) < 0 ? TACHYON_ERR_NOMEM : 0;
}

static int emit_loc(struct fg_strtab *st, const char *data, size_t len, const struct line_index *li,
                    size_t report_index, int32_t line, int context, json_t *out)
{
    int rc = TACHYON_ERR_NOMEM;
    if (line < 1 || (size_t)line > li->count)
        return 0;
    size_t first = (size_t)line > (size_t)context ? (size_t)line - (size_t)context : 1;
    size_t last = (size_t)line + (size_t)context;
    if (last > li->count)
        last = li->count;
    json_t *entry = json_array();
    if (!entry)
        return rc;
    if (json_array_append_new(entry, json_integer((json_int_t)report_index)) < 0 ||
        json_array_append_new(entry, json_integer((json_int_t)first)) < 0)
        goto out;
    for (size_t n = first; n <= last; n++) {
        if ((rc = add_line(st, data, len, li, n, entry)) < 0)
            goto out;
    }
    rc = json_array_append(out, entry) < 0 ? TACHYON_ERR_NOMEM : 0;
out:
    json_decref(entry);
    return rc;
}

struct by_file {
    tachyon_str_id file;
    int32_t line;
    uint32_t index;
};

static int cmp_file(const void *a, const void *b)
{
    const struct by_file *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int fg_source_context(const tachyon_host *host, struct fg_strtab *st, const struct fg_loc *locs,
                      const uint32_t *order, size_t n, int context, json_t *out)
{
    int rc = 0;
    size_t m = 0;
    if (context < 0 || !host->read_source)
        return 0;
    struct by_file *todo = malloc((n ? n : 1) * sizeof(*todo));
    if (!todo)
        return TACHYON_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct fg_loc *l = &locs[order[i]];
        if (l->kind == FG_LOC_PYTHON && l->file && l->line > 0)
            todo[m++] = (struct by_file){l->file, l->line, (uint32_t)i};
    }
    qsort(todo, m, sizeof(*todo), cmp_file);
    for (size_t i = 0; i < m && rc == 0;) {
        size_t j = i;
        while (j < m && todo[j].file == todo[i].file)
            j++;
        const char *name = host->string(host, todo[i].file, NULL);
        char *data = NULL;
        size_t len = 0;
        if (name && name[0] != '<' && name[0] != '~' &&
            host->read_source(host, name, &data, &len) == 0 && data) {
            struct line_index li = {NULL, 0};
            rc = index_lines(data, len, &li);
            for (size_t k = i; k < j && rc == 0; k++)
                rc = emit_loc(st, data, len, &li, todo[k].index, todo[k].line, context, out);
            free(li.starts);
            host->free_buffer(host, data);
        }
        i = j;
    }
    free(todo);
    return rc;
}
