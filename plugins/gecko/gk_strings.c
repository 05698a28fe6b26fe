#include "gk_strings.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

struct key {
    const struct gk_strings *t;
    const char *s;
    size_t len;
};

static uint64_t hash_bytes(const char *s, size_t len)
{
    /* FNV-1a, then mixed: names are short, so this is cheap. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return pl_hash_mix(h, len);
}

static int eq(const void *ctx, uint32_t index)
{
    const struct key *k = ctx;
    const struct gk_str *e = &k->t->v[index];
    return e->len == k->len && memcmp(e->s, k->s, k->len) == 0;
}

static int add(struct gk_strings *t, const char *s, size_t len, int copy, uint32_t *out)
{
    struct key k = {t, s, len};
    uint64_t h = hash_bytes(s, len);
    uint32_t found;
    char *own = NULL;
    int rc;

    if (len > UINT32_MAX)
        return TACHYON_ERR_INVALID;
    if (pl_idxtab_find(&t->idx, h, eq, &k, &found)) {
        *out = found;
        return 0;
    }
    if ((rc = pl_grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v)) != 0)
        return rc;
    if (copy) {
        own = malloc(len + 1);
        if (!own)
            return TACHYON_ERR_NOMEM;
        memcpy(own, s, len);
        own[len] = '\0';
        s = own;
    }
    if ((rc = pl_idxtab_insert(&t->idx, h, (uint32_t)t->n)) != 0) {
        free(own);
        return rc;
    }
    t->v[t->n].s = s;
    t->v[t->n].len = (uint32_t)len;
    t->v[t->n].owned = copy;
    *out = (uint32_t)t->n++;
    return 0;
}

int gk_strings_init(struct gk_strings *t, const tachyon_host *host)
{
    uint32_t root;
    memset(t, 0, sizeof *t);
    t->host = host;
    return add(t, "(root)", 6, 0, &root);
}

void gk_strings_free(struct gk_strings *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].owned)
            free((void *)t->v[i].s);
    free(t->v);
    free(t->by_id);
    pl_idxtab_free(&t->idx);
    memset(t, 0, sizeof *t);
}

int gk_strings_intern(struct gk_strings *t, const char *s, size_t len, uint32_t *out)
{
    return add(t, s, len, 0, out);
}

int gk_strings_copy(struct gk_strings *t, const char *s, size_t len, uint32_t *out)
{
    return add(t, s, len, 1, out);
}

int gk_strings_host(struct gk_strings *t, tachyon_str_id id, uint32_t *out)
{
    size_t len = 0;
    const char *s;
    int rc;

    if (id < t->by_id_cap && t->by_id[id]) {
        *out = t->by_id[id] - 1;
        return 0;
    }
    s = t->host->string(t->host, id, &len);
    if (!s) {
        s = "?";
        len = 1;
    }
    if ((rc = add(t, s, len, 0, out)) != 0)
        return rc;
    if ((rc = pl_grow((void **)&t->by_id, &t->by_id_cap, (size_t)id + 1, sizeof *t->by_id)) != 0)
        return rc;
    t->by_id[id] = *out + 1;
    return 0;
}
