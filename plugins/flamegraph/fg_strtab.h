/* The report's string table: every file name, function name, opcode name
 * and source line is stored once and referred to by its index. */
#ifndef FLAMEGRAPH_FG_STRTAB_H
#define FLAMEGRAPH_FG_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <tachyon/plugin.h>

#include "fg_map.h"

struct fg_strtab {
    const tachyon_host *host;
    json_t *array;          /* the strings, in index order */
    struct fg_map by_hash;  /* content hash -> index */
    uint32_t *by_id;        /* host string id -> index + 1, 0 when unseen */
    size_t by_id_cap;
};

int fg_strtab_init(struct fg_strtab *t, const tachyon_host *host);
void fg_strtab_free(struct fg_strtab *t);
/* Index of the given bytes (invalid UTF-8 is replaced, so any input works). */
int fg_strtab_add(struct fg_strtab *t, const char *s, size_t len, uint32_t *index);
/* Index of an interned host string; id 0 or an unknown id gives fallback. */
int fg_strtab_add_id(struct fg_strtab *t, tachyon_str_id id, const char *fallback, uint32_t *index);
/* Hand the array over to the caller (the table no longer owns it). */
json_t *fg_strtab_take(struct fg_strtab *t);

#endif
