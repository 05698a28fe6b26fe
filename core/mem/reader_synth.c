/* A reader over synthetic memory, for tests and fuzzers.
 *
 * Regions are kept sorted and never overlap. A read succeeds only when
 * every byte lies in a region; it may run from one region into the next
 * only when the second starts exactly where the first ends, as it would
 * across two adjacent mappings of a real process. */
#include "mem/reader.h"

#include "common/err.h"
#include "common/grow.h"

#include <stdlib.h>
#include <string.h>

struct synth_region {
    uint64_t addr;
    uint64_t len;
    unsigned char *data;
};

struct synth_reader {
    struct mem_reader base;
    struct synth_region *v;
    size_t n, cap;
};

static const struct mem_reader_ops synth_ops;

static struct synth_reader *synth_of(struct mem_reader *r)
{
    return r && r->ops == &synth_ops ? (struct synth_reader *)r : NULL;
}

/* Index of the last region starting at or below addr, or n when none. */
static size_t find_region(const struct synth_reader *s, uint64_t addr)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? s->n : lo - 1;
}

/* Is [addr, addr+len) covered by a chain of contiguous regions? On success
 * *first is the region holding addr. */
static int covered(const struct synth_reader *s, uint64_t addr, uint64_t len, size_t *first)
{
    size_t i;
    uint64_t at = addr, end = addr + len;

    if (end < addr)
        return 0;
    i = find_region(s, addr);
    if (i == s->n)
        return 0;
    *first = i;
    for (;;) {
        const struct synth_region *g = &s->v[i];
        uint64_t g_end = g->addr + g->len;
        if (at < g->addr || at >= g_end)
            return 0;
        if (end <= g_end)
            return 1;
        at = g_end;
        if (++i == s->n)
            return 0;
    }
}

/* Where the next piece of a covered range lies: region i holds addr, and
 * the piece is as long as the range or the rest of the region. */
static size_t piece(const struct synth_region *g, uint64_t addr, size_t len, size_t *off)
{
    *off = (size_t)(addr - g->addr);
    return (size_t)(g->len - *off) < len ? (size_t)(g->len - *off) : len;
}

static void copy_out(const struct synth_reader *s, size_t i, uint64_t addr, unsigned char *buf,
                     size_t len)
{
    while (len > 0) {
        size_t off, take = piece(&s->v[i], addr, len, &off);
        memcpy(buf, s->v[i].data + off, take);
        buf += take;
        addr += take;
        len -= take;
        i++;
    }
}

static void copy_in(struct synth_reader *s, size_t i, uint64_t addr, const unsigned char *buf,
                    size_t len)
{
    while (len > 0) {
        size_t off, take = piece(&s->v[i], addr, len, &off);
        memcpy(s->v[i].data + off, buf, take);
        buf += take;
        addr += take;
        len -= take;
        i++;
    }
}

static int synth_read(struct mem_reader *r, uint64_t addr, void *buf, size_t len)
{
    struct synth_reader *s = (struct synth_reader *)r;
    size_t first = 0;
    if (len == 0)
        return 0;
    if (!covered(s, addr, len, &first))
        return diag_set(ERR_READ, "Cannot read %zu bytes at 0x%llx in synthetic memory", len,
                        (unsigned long long)addr);
    copy_out(s, first, addr, buf, len);
    return 0;
}

static int synth_readv(struct mem_reader *r, const struct mem_span *spans, size_t n)
{
    size_t i;
    int rc;
    for (i = 0; i < n; i++)
        if ((rc = synth_read(r, spans[i].addr, spans[i].buf, spans[i].len)))
            return rc;
    return 0;
}

static void synth_destroy(struct mem_reader *r)
{
    struct synth_reader *s = (struct synth_reader *)r;
    size_t i;
    for (i = 0; i < s->n; i++)
        free(s->v[i].data);
    free(s->v);
    free(s);
}

static const struct mem_reader_ops synth_ops = {
    .read = synth_read,
    .readv = synth_readv,
    .destroy = synth_destroy,
};

int mem_reader_open_synthetic(struct mem_reader **out)
{
    struct synth_reader *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return diag_set(ERR_NOMEM, "out of memory");
    s->base.ops = &synth_ops;
    *out = &s->base;
    return 0;
}

int mem_synth_map(struct mem_reader *r, uint64_t addr, const void *data, size_t len)
{
    struct synth_reader *s = synth_of(r);
    size_t at;
    unsigned char *copy;

    if (!s)
        return diag_set(ERR_INVALID, "mem_synth_map on a reader that is not synthetic");
    if (len == 0 || addr + len < addr || (data == NULL))
        return diag_set(ERR_INVALID, "bad synthetic region 0x%llx+%zu", (unsigned long long)addr, len);
    /* The new region goes after every region starting at or below addr;
     * it must end before the next one starts and start after the previous
     * one ends. */
    at = find_region(s, addr);
    at = at == s->n ? 0 : at + 1;
    if (at > 0 && s->v[at - 1].addr + s->v[at - 1].len > addr)
        return diag_set(ERR_INVALID, "synthetic region 0x%llx+%zu overlaps another",
                        (unsigned long long)addr, len);
    if (at < s->n && addr + len > s->v[at].addr)
        return diag_set(ERR_INVALID, "synthetic region 0x%llx+%zu overlaps another",
                        (unsigned long long)addr, len);
    if (grow_array((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) < 0)
        return diag_set(ERR_NOMEM, "out of memory");
    copy = malloc(len);
    if (!copy)
        return diag_set(ERR_NOMEM, "out of memory");
    memcpy(copy, data, len);
    memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof *s->v);
    s->v[at].addr = addr;
    s->v[at].len = len;
    s->v[at].data = copy;
    s->n++;
    return 0;
}

int mem_synth_poke(struct mem_reader *r, uint64_t addr, const void *data, size_t len)
{
    struct synth_reader *s = synth_of(r);
    size_t first = 0;

    if (!s)
        return diag_set(ERR_INVALID, "mem_synth_poke on a reader that is not synthetic");
    if (len == 0)
        return 0;
    if (!data || !covered(s, addr, len, &first))
        return diag_set(ERR_INVALID, "synthetic poke 0x%llx+%zu outside mapped memory",
                        (unsigned long long)addr, len);
    copy_in(s, first, addr, data, len);
    return 0;
}
