#include "array.h"
#include "labels.h"

#include <stdlib.h>
#include <string.h>

void col_labels_init(struct col_labels *l, const tachyon_host *host)
{
    memset(l, 0, sizeof *l);
    l->host = host;
}

/* Appends text so that it stays one frame for flamegraph.pl: ';' separates
 * frames there and a line break ends the record, so ';' becomes ',' and
 * control characters become spaces. */
static int put_clean(struct pl_buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ';')
            c = ',';
        else if (c < 0x20 || c == 0x7f)
            c = ' ';
        int rc = pl_buf_byte(b, c);
        if (rc)
            return rc;
    }
    return 0;
}

static int build(struct col_labels *l, tachyon_frame_id id)
{
    const tachyon_host *host = l->host;
    const tachyon_frame *fr = host->frame(host, id);
    size_t flen = 0, nlen = 0;
    const char *file = fr && fr->filename ? host->string(host, fr->filename, &flen) : NULL;
    const char *name = fr && fr->funcname ? host->string(host, fr->funcname, &nlen) : NULL;
    if (!file) {
        file = "~";
        flen = 1;
    }
    if (!name) {
        name = "<unknown>";
        nlen = strlen(name);
    }
    int line = fr && fr->line > 0 ? fr->line : 0;
    l->scratch.len = 0;
    if (flen == 1 && file[0] == '~' && line == 0)
        return put_clean(&l->scratch, name, nlen);
    const char *slash = pl_last_char(file, flen, '/');
    const char *base = slash ? slash + 1 : file;
    int rc = put_clean(&l->scratch, base, flen - (size_t)(base - file));
    if (!rc)
        rc = pl_buf_byte(&l->scratch, ':');
    if (!rc)
        rc = put_clean(&l->scratch, name, nlen);
    if (!rc)
        rc = pl_buf_printf(&l->scratch, ":%d", line);
    return rc;
}

static int label_eq(const void *ctx, uint32_t index)
{
    const struct col_labels *l = ctx;
    const struct col_label *it = &l->items[index];
    return it->len == l->scratch.len &&
           (it->len == 0 || memcmp(l->text.data + it->off, l->scratch.data, it->len) == 0);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return pl_hash_mix(h, len);
}

int col_label_of(struct col_labels *l, tachyon_frame_id id, uint32_t *label)
{
    if (id < l->frame_label_len && l->frame_label[id] != 0) {
        *label = l->frame_label[id] - 1;
        return 0;
    }
    int rc = build(l, id);
    if (rc)
        return rc;
    uint64_t h = hash_bytes(l->scratch.data, l->scratch.len);
    uint32_t idx;
    if (!pl_idxtab_find(&l->index, h, label_eq, l, &idx)) {
        if (l->n >= UINT32_MAX - 1)
            return TACHYON_ERR_NOMEM;
        rc = pl_grow((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items);
        if (rc)
            return rc;
        size_t off = l->text.len;
        rc = pl_buf_put(&l->text, l->scratch.data, l->scratch.len);
        if (rc)
            return rc;
        idx = (uint32_t)l->n;
        rc = pl_idxtab_insert(&l->index, h, idx);
        if (rc) {
            l->text.len = off;
            return rc;
        }
        l->items[idx] = (struct col_label){off, l->scratch.len};
        l->n++;
    }
    /* Ids the host does not know are not cached, so a bogus id cannot
     * make the map grow without bound. */
    if (l->host->frame(l->host, id)) {
        rc = pl_grow((void **)&l->frame_label, &l->frame_label_len, (size_t)id + 1,
                  sizeof *l->frame_label);
        if (rc)
            return rc;
        l->frame_label[id] = idx + 1;
    }
    *label = idx;
    return 0;
}

const char *col_label_text(const struct col_labels *l, uint32_t label, size_t *len)
{
    *len = l->items[label].len;
    return l->text.data ? l->text.data + l->items[label].off : "";
}

void col_labels_free(struct col_labels *l)
{
    pl_buf_free(&l->text);
    pl_buf_free(&l->scratch);
    free(l->items);
    free(l->frame_label);
    pl_idxtab_free(&l->index);
    memset(l, 0, sizeof *l);
}
