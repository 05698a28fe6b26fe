/* Frame labels of the collapsed format. A Python frame reads
 * "basename:function:line"; a synthetic frame ("~" with no line, such as
 * <GC> or <native>) is its name alone. Frames differing only in opcode or
 * directory share a label, and each distinct text gets one dense id. */
#ifndef COLLAPSED_LABELS_H
#define COLLAPSED_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "buf.h"
#include "idxtab.h"

struct col_label {
    size_t off;   /* into text */
    size_t len;
};

struct col_labels {
    const tachyon_host *host;
    struct pl_buf text;
    struct col_label *items;
    size_t n, cap;
    struct pl_idxtab index;
    uint32_t *frame_label;   /* frame id -> label id + 1, 0 when not yet seen */
    size_t frame_label_len;
    struct pl_buf scratch;  /* the label being built */
};

void col_labels_init(struct col_labels *l, const tachyon_host *host);
int col_label_of(struct col_labels *l, tachyon_frame_id id, uint32_t *label);
/* The label text; valid until the next col_label_of. */
const char *col_label_text(const struct col_labels *l, uint32_t label, size_t *len);
void col_labels_free(struct col_labels *l);

#endif
