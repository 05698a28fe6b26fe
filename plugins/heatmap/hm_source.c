/* Source lines and definition lines; see hm_source.h. */
#include "hm_source.h"

#include <stdlib.h>
#include <string.h>

/* How far above its first sampled line a function's def is looked for. */
#define MAX_DEF_DISTANCE 5000

int hm_src_index(struct hm_src *s)
{
    size_t n = 1;
    for (size_t i = 0; i < s->len; i++)
        n += s->data[i] == '\n';
    /* A final newline ends the last line rather than starting another. */
    if (s->len && s->data[s->len - 1] == '\n')
        n--;
    s->starts = malloc((n ? n : 1) * sizeof(*s->starts));
    if (!s->starts)
        return TACHYON_ERR_NOMEM;
    s->count = 0;
    if (s->len == 0)
        return 0;
    s->starts[s->count++] = 0;
    for (size_t i = 0; i + 1 < s->len; i++) {
        if (s->data[i] == '\n')
            s->starts[s->count++] = i + 1;
    }
    return 0;
}

const char *hm_src_line(const struct hm_src *s, size_t n, size_t *len)
{
    if (!s->data || n < 1 || n > s->count) {
        *len = 0;
        return "";
    }
    size_t b = s->starts[n - 1];
    size_t e = n < s->count ? s->starts[n] - 1 : s->len;
    if (e > b && s->data[e - 1] == '\n')
        e--;
    if (e > b && s->data[e - 1] == '\r')
        e--;
    *len = e - b;
    return s->data + b;
}

static int starts_with(const char **t, size_t *len, const char *word)
{
    size_t n = strlen(word);
    if (*len < n || memcmp(*t, word, n) != 0)
        return 0;
    *t += n;
    *len -= n;
    return 1;
}

static void skip_blanks(const char **t, size_t *len)
{
    while (*len && (**t == ' ' || **t == '\t')) {
        (*t)++;
        (*len)--;
    }
}

/* Whether the line defines name: "def name(", "async def name(",
 * "class name(" or "class name:". */
static int defines(const char *t, size_t len, const char *name, size_t nlen)
{
    skip_blanks(&t, &len);
    if (starts_with(&t, &len, "async ") || starts_with(&t, &len, "async\t"))
        skip_blanks(&t, &len);
    if (!starts_with(&t, &len, "def ") && !starts_with(&t, &len, "def\t") && !starts_with(&t, &len, "class ") &&
        !starts_with(&t, &len, "class\t"))
        return 0;
    skip_blanks(&t, &len);
    if (len < nlen || memcmp(t, name, nlen) != 0)
        return 0;
    t += nlen;
    len -= nlen;
    skip_blanks(&t, &len);
    return len > 0 && (*t == '(' || *t == ':' || *t == '[');
}

static void find_defs(const tachyon_host *host, struct hm_model *m, const uint32_t *funcs, size_t n,
                      const struct hm_src *src)
{
    for (size_t i = 0; i < n; i++) {
        struct hm_func *f = &m->funcs[funcs[i]];
        const char *q = host->string(host, f->name, NULL);
        if (!q || f->entry < 1)
            continue;
        /* A qualified name (Class.method, outer.<locals>.inner) is defined
         * under its last part; <module>, <lambda> and comprehensions have
         * no def line. */
        const char *dot = strrchr(q, '.');
        const char *name = dot ? dot + 1 : q;
        size_t nlen = strlen(name);
        if (nlen == 0 || name[0] == '<')
            continue;
        size_t start = (size_t)f->entry < src->count ? (size_t)f->entry : src->count;
        for (size_t line = start; line >= 1 && start - line <= MAX_DEF_DISTANCE; line--) {
            size_t len;
            const char *t = hm_src_line(src, line, &len);
            if (defines(t, len, name, nlen)) {
                f->entry = (int32_t)line;
                break;
            }
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int hm_find_def_lines(const tachyon_host *host, struct hm_model *m)
{
    int rc = 0;
    /* (file << 32 | function) sorted, so each file is read once. */
    uint64_t *keys = malloc((m->n_funcs ? m->n_funcs : 1) * sizeof(*keys));
    uint32_t *group = malloc((m->n_funcs ? m->n_funcs : 1) * sizeof(*group));
    if (!keys || !group) {
        rc = TACHYON_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < m->n_funcs; i++)
        keys[i] = ((uint64_t)m->funcs[i].file << 32) | i;
    qsort(keys, m->n_funcs, sizeof(*keys), cmp_u64);
    for (size_t i = 0; i < m->n_funcs && rc == 0;) {
        uint32_t file = (uint32_t)(keys[i] >> 32);
        size_t n = 0;
        for (; i < m->n_funcs && (uint32_t)(keys[i] >> 32) == file; i++)
            group[n++] = (uint32_t)keys[i];
        const char *name = host->string(host, m->files[file].name, NULL);
        char *data = NULL;
        size_t len = 0;
        if (!name || host->read_source(host, name, &data, &len) < 0 || !data)
            continue;
        struct hm_src src = {data, len, NULL, 0};
        rc = hm_src_index(&src);
        if (rc == 0)
            find_defs(host, m, group, n, &src);
        free(src.starts);
        host->free_buffer(host, data);
    }
out:
    free(keys);
    free(group);
    return rc;
}
