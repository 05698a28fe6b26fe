/* The profile's shared string array ("shared.stringArray"): every name a
 * thread table or marker refers to, stored once, "(root)" at index 0. */
#ifndef PLUGINS_GECKO_GK_STRINGS_H
#define PLUGINS_GECKO_GK_STRINGS_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "idxtab.h"

struct gk_str {
    const char *s;     /* host-owned, static, or owned (see gk_strings_copy) */
    uint32_t len;
    uint32_t owned;
};

struct gk_strings {
    const tachyon_host *host;
    struct gk_str *v;
    size_t n, cap;
    struct pl_idxtab idx;
    uint32_t *by_id;   /* host string id -> index + 1, 0 when not interned yet */
    size_t by_id_cap;
};

int gk_strings_init(struct gk_strings *t, const tachyon_host *host);
void gk_strings_free(struct gk_strings *t);

/* Interns text that outlives the table (host strings, literals). */
int gk_strings_intern(struct gk_strings *t, const char *s, size_t len, uint32_t *out);
/* Interns text the caller may reuse: it is copied when new. */
int gk_strings_copy(struct gk_strings *t, const char *s, size_t len, uint32_t *out);
/* Interns a host string by id (cached, so repeated ids cost one load). */
int gk_strings_host(struct gk_strings *t, tachyon_str_id id, uint32_t *out);

#endif
