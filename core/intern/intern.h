/* Interning of strings and frames.
 *
 * The decoder turns what it reads into small dense ids, so a sample is an
 * array of integers and plugins can index their own tables by id. Ids start
 * at 1 and never change; the records they name stay at a fixed address for
 * the life of the interner (storage grows in chunks, never moves). */
#ifndef CORE_INTERN_INTERN_H
#define CORE_INTERN_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

struct interner;

int interner_create(struct interner **out);
void interner_destroy(struct interner *in);

/* Intern len bytes of UTF-8 (need not be NUL terminated). */
int intern_string(struct interner *in, const char *s, size_t len, uint32_t *id);
int intern_cstring(struct interner *in, const char *s, uint32_t *id);
/* NUL-terminated text of id, or NULL for an unknown id. */
const char *interner_string(const struct interner *in, uint32_t id, size_t *len);
uint32_t interner_string_count(const struct interner *in);

/* Intern a frame: equal frames (every field but struct_size) get one id.
 * The caller need not fill struct_size. */
int intern_frame(struct interner *in, const tachyon_frame *f, uint32_t *id);
const tachyon_frame *interner_frame(const struct interner *in, uint32_t id);
uint32_t interner_frame_count(const struct interner *in);

/* Bytes held, for benchmarks and the memory report. */
size_t interner_memory(const struct interner *in);

#endif
