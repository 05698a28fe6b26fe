/* The string and frame tables of a binary profile, built as frames are
 * first seen. Both are kept serialized (they only ever grow), so every
 * checkpoint can write them out again as they are. */
#ifndef BINARY_BW_TABLES_H
#define BINARY_BW_TABLES_H

#include <stdint.h>

#include <tachyon/plugin.h>

#include "buf.h"

struct bw_tables {
    const tachyon_host *host;
    uint32_t *str_map;        /* tachyon string id -> table index + 1 */
    size_t str_map_len;
    uint32_t *frame_map;      /* tachyon frame id -> table index + 1 */
    size_t frame_map_len;
    struct pl_buf strings;    /* serialized string table */
    struct pl_buf frames;     /* serialized frame table */
    uint32_t n_strings, n_frames;
};

void bw_tables_init(struct bw_tables *t, const tachyon_host *host);
/* The table index of a session frame, adding it (and its strings) on first use. */
int bw_frame_index(struct bw_tables *t, tachyon_frame_id id, uint32_t *index);
void bw_tables_free(struct bw_tables *t);

/* Unsigned LEB128, as every variable-length field of the format. */
int bw_put_varint(struct pl_buf *b, uint64_t v);

#endif
