/* Deduplicating string table; see fg_strtab.h. */
#include "fg_strtab.h"

#include <stdlib.h>
#include <string.h>

int fg_strtab_init(struct fg_strtab *t, const tachyon_host *host)
{
    memset(t, 0, sizeof(*t));
    t->host = host;
    t->array = json_array();
    if (!t->array)
        return TACHYON_ERR_NOMEM;
    if (fg_map_init(&t->by_hash, 1024) < 0) {
        json_decref(t->array);
        t->array = NULL;
        return TACHYON_ERR_NOMEM;
    }
    return 0;
}

void fg_strtab_free(struct fg_strtab *t)
{
    json_decref(t->array);
    fg_map_free(&t->by_hash);
    free(t->by_id);
    memset(t, 0, sizeof(*t));
}

json_t *fg_strtab_take(struct fg_strtab *t)
{
    json_t *a = t->array;
    t->array = NULL;
    return a;
}

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Reject overlong forms, surrogates and values past U+10FFFF, which
     * Jansson would refuse. */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

/* A JSON string of s, with invalid UTF-8 bytes and NULs replaced by '?'
 * (source files are not always UTF-8, and NUL would end a C string). */
static json_t *make_string(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = u[i] ? utf8_seq(u + i, len - i) : 0;
        if (n == 0)
            break;
        i += n;
    }
    if (i == len)
        return json_stringn_nocheck(s, len);
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    while (i < len) {
        size_t n = u[i] ? utf8_seq(u + i, len - i) : 0;
        if (n == 0) {
            copy[i] = '?';
            n = 1;
        }
        i += n;
    }
    json_t *j = json_stringn_nocheck(copy, len);
    free(copy);
    return j;
}

int fg_strtab_add(struct fg_strtab *t, const char *s, size_t len, uint32_t *index)
{
    uint64_t key = fnv1a(s, len) | 1;
    uint32_t idx;
    /* Hash collisions between different strings move on to the next key,
     * so a key always names exactly one string. */
    while (fg_map_get(&t->by_hash, key, &idx)) {
        json_t *j = json_array_get(t->array, idx);
        if (json_string_length(j) == len && memcmp(json_string_value(j), s, len) == 0) {
            *index = idx;
            return 0;
        }
        key = (key * 31 + 2) | 1;
    }
    json_t *j = make_string(s, len);
    if (!j)
        return TACHYON_ERR_NOMEM;
    idx = (uint32_t)json_array_size(t->array);
    if (json_array_append_new(t->array, j) < 0)
        return TACHYON_ERR_NOMEM;
    if (fg_map_put(&t->by_hash, key, idx) < 0)
        return TACHYON_ERR_NOMEM;
    *index = idx;
    return 0;
}

int fg_strtab_add_id(struct fg_strtab *t, tachyon_str_id id, const char *fallback, uint32_t *index)
{
    int rc;
    if (id >= t->by_id_cap) {
        size_t cap = t->by_id_cap ? t->by_id_cap : 256;
        while (cap <= id)
            cap *= 2;
        uint32_t *p = realloc(t->by_id, cap * sizeof(*p));
        if (!p)
            return TACHYON_ERR_NOMEM;
        memset(p + t->by_id_cap, 0, (cap - t->by_id_cap) * sizeof(*p));
        t->by_id = p;
        t->by_id_cap = cap;
    }
    if (t->by_id[id]) {
        *index = t->by_id[id] - 1;
        return 0;
    }
    size_t len = 0;
    const char *s = id ? t->host->string(t->host, id, &len) : NULL;
    if (!s) /* Not cached: another caller may pass another fallback. */
        return fg_strtab_add(t, fallback, strlen(fallback), index);
    if ((rc = fg_strtab_add(t, s, len, index)) < 0)
        return rc;
    t->by_id[id] = *index + 1;
    return 0;
}
