#include <stdlib.h>
#include <string.h>

#include "bw_tables.h"

#define NO_OPCODE 255

void bw_tables_init(struct bw_tables *t, const tachyon_host *host)
{
    memset(t, 0, sizeof *t);
    t->host = host;
}

void bw_tables_free(struct bw_tables *t)
{
    free(t->str_map);
    free(t->frame_map);
    pl_buf_free(&t->strings);
    pl_buf_free(&t->frames);
    memset(t, 0, sizeof *t);
}

int bw_put_varint(struct pl_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tmp[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    return pl_buf_put(b, tmp, n);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Grow a map indexed by id so that map[id] exists. */
static int reserve(uint32_t **map, size_t *len, uint32_t id)
{
    size_t n;
    uint32_t *grown;
    if (id < *len)
        return 0;
    n = *len ? *len : 256;
    while (n <= id)
        n *= 2;
    grown = realloc(*map, n * sizeof *grown);
    if (!grown)
        return TACHYON_ERR_NOMEM;
    memset(grown + *len, 0, (n - *len) * sizeof *grown);
    *map = grown;
    *len = n;
    return 0;
}

static int string_index(struct bw_tables *t, tachyon_str_id id, uint32_t *index)
{
    const char *s;
    size_t len = 0;
    int rc = reserve(&t->str_map, &t->str_map_len, id);
    if (rc)
        return rc;
    if (t->str_map[id]) {
        *index = t->str_map[id] - 1;
        return 0;
    }
    s = t->host->string(t->host, id, &len);
    if (!s)
        return TACHYON_ERR_INVALID;
    if ((rc = bw_put_varint(&t->strings, len)) || (rc = pl_buf_put(&t->strings, s, len)))
        return rc;
    *index = t->n_strings++;
    t->str_map[id] = *index + 1;
    return 0;
}

int bw_frame_index(struct bw_tables *t, tachyon_frame_id id, uint32_t *index)
{
    const tachyon_frame *f;
    uint32_t file, func;
    int64_t line, col;
    int rc = reserve(&t->frame_map, &t->frame_map_len, id);
    if (rc)
        return rc;
    if (t->frame_map[id]) {
        *index = t->frame_map[id] - 1;
        return 0;
    }
    f = t->host->frame(t->host, id);
    if (!f)
        return TACHYON_ERR_INVALID;
    if ((rc = string_index(t, f->filename, &file)) || (rc = string_index(t, f->funcname, &func)))
        return rc;
    /* End positions are stored as distances from the start; an unknown
     * start (-1) keeps an unknown end as distance 0. */
    line = f->line;
    col = f->column;
    if ((rc = bw_put_varint(&t->frames, file)) || (rc = bw_put_varint(&t->frames, func)) ||
        (rc = bw_put_varint(&t->frames, zigzag(line))) ||
        (rc = bw_put_varint(&t->frames, zigzag(f->end_line == -1 && line == -1 ? 0 : f->end_line - line))) ||
        (rc = bw_put_varint(&t->frames, zigzag(col))) ||
        (rc = bw_put_varint(&t->frames, zigzag(col == -1 ? 0 : f->end_column - col))) ||
        (rc = pl_buf_byte(&t->frames, (f->opcode >= 0 && f->opcode < NO_OPCODE) ? (uint8_t)f->opcode : NO_OPCODE)))
        return rc;
    *index = t->n_frames++;
    t->frame_map[id] = *index + 1;
    return 0;
}
