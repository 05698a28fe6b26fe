/* The /proc/PID/mem backend: pread(2) on a descriptor kept open for the
 * reader's lifetime. A scattered read sorts its spans, merges spans that
 * lie close together into one pread through a scratch buffer, and falls
 * back to one pread per span when a merged range crosses unmapped memory. */
#include "mem/reader_process.h"

#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int pread_full(struct proc_reader *r, uint64_t addr, void *buf, size_t len)
{
    ssize_t n;

    if (addr + len < addr)
        return proc_reader_read_error(r, addr, len, EFAULT);
    for (;;) {
        r->syscalls++;
        n = pread(r->fd, buf, len, (off_t)addr);
        if (n >= 0 || errno != EINTR)
            break;
    }
    if ((size_t)n == len)
        return 0;
    /* The kernel copies page by page and stops at the first page it
     * cannot read, so a positive short count means unmapped memory. */
    if (n > 0)
        return proc_reader_short_read(r, addr, len, (size_t)n);
    /* End of file: the target's address space is gone, it exited. */
    if (n == 0)
        return proc_reader_read_error(r, addr, len, ESRCH);
    return proc_reader_read_error(r, addr, len, errno);
}

static int procmem_read(struct mem_reader *base, uint64_t addr, void *buf, size_t len)
{
    return pread_full((struct proc_reader *)base, addr, buf, len);
}

/* Fill r->order with the non-empty spans sorted by address; returns how
 * many there are through *m. */
static int sort_spans(struct proc_reader *r, const struct mem_span *spans, size_t n, size_t *m)
{
    size_t i, k = 0;
    int sorted = 1;

    if (n > r->order_cap) {
        struct span_order *o = realloc(r->order, n * sizeof *o);
        if (!o)
            return diag_set(ERR_NOMEM, "out of memory for a scattered read");
        r->order = o;
        r->order_cap = n;
    }
    for (i = 0; i < n; i++) {
        if (spans[i].len == 0)
            continue;
        if (spans[i].addr + spans[i].len < spans[i].addr)
            return proc_reader_read_error(r, spans[i].addr, spans[i].len, EFAULT);
        if (k > 0 && spans[i].addr < r->order[k - 1].addr)
            sorted = 0;
        r->order[k].addr = spans[i].addr;
        r->order[k].idx = i;
        k++;
    }
    if (!sorted)
        proc_reader_sort_order(r->order, k);
    *m = k;
    return 0;
}

static int grow_buf(struct proc_reader *r, size_t len)
{
    unsigned char *b;
    if (len <= r->buf_cap)
        return 0;
    b = realloc(r->buf, len);
    if (!b)
        return diag_set(ERR_NOMEM, "out of memory for a scattered read");
    r->buf = b;
    r->buf_cap = len;
    return 0;
}

/* Read the group order[first..last) (sorted, covering [lo, hi)). */
static int read_group(struct proc_reader *r, const struct mem_span *spans, size_t first,
                      size_t last, uint64_t lo, uint64_t hi)
{
    size_t k;
    int rc;

    if (last - first == 1) {
        const struct mem_span *s = &spans[r->order[first].idx];
        return pread_full(r, s->addr, s->buf, s->len);
    }
    if ((rc = grow_buf(r, (size_t)(hi - lo))))
        return rc;
    rc = pread_full(r, lo, r->buf, (size_t)(hi - lo));
    if (rc == 0) {
        for (k = first; k < last; k++) {
            const struct mem_span *s = &spans[r->order[k].idx];
            memcpy(s->buf, r->buf + (s->addr - lo), s->len);
        }
        return 0;
    }
    if (rc != ERR_READ)
        return rc;
    /* The gap between two spans may be unmapped even though both spans
     * are readable, so only the spans themselves decide. */
    for (k = first; k < last; k++) {
        const struct mem_span *s = &spans[r->order[k].idx];
        if ((rc = pread_full(r, s->addr, s->buf, s->len)))
            return rc;
    }
    return 0;
}

static int procmem_readv(struct mem_reader *base, const struct mem_span *spans, size_t n)
{
    struct proc_reader *r = (struct proc_reader *)base;
    size_t m = 0, i = 0;
    int rc;

    if ((rc = sort_spans(r, spans, n, &m)))
        return rc;
    while (i < m) {
        const struct mem_span *s = &spans[r->order[i].idx];
        uint64_t lo = s->addr, hi = s->addr + s->len;
        size_t j = i + 1;
        /* Grow the group while the next span starts near its end and the
         * merged range stays bounded. */
        while (j < m) {
            const struct mem_span *t = &spans[r->order[j].idx];
            uint64_t t_end = t->addr + t->len;
            uint64_t new_hi = t_end > hi ? t_end : hi;
            if (t->addr > hi && t->addr - hi > PROC_MEM_NEAR_GAP)
                break;
            if (new_hi - lo > PROC_MEM_GROUP_MAX)
                break;
            hi = new_hi;
            j++;
        }
        if ((rc = read_group(r, spans, i, j, lo, hi)))
            return rc;
        i = j;
    }
    return 0;
}

const struct mem_reader_ops proc_mem_ops = {
    .read = procmem_read,
    .readv = procmem_readv,
    .destroy = proc_reader_destroy,
};
