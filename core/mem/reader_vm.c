/* The process_vm_readv(2) backend: one system call per read, and one per
 * VM_READV_MAX_IOV / 2 spans for a scattered read.
 *
 * The kernel looks up and pins the target's pages once per remote iovec, and
 * that is most of a sample's cost; a sample's spans often share a page (the
 * fields of one interpreter, a thread state and the frame embedded in it, two
 * code objects). So a scattered read sorts its spans by address and reads
 * spans that share a page, or lie within a small gap of each other, through
 * ONE remote iovec, the gap landing in a scratch buffer. A gap never spans a
 * page the spans do not touch, so it is as readable as they are. When such a
 * read comes up short, the spans are read again one iovec each, so the error
 * names the span that failed. */
#include "mem/reader_process.h"

#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>

/* Largest gap read between spans on different pages. Below a page, so the
 * gap lies in the pages of the two spans around it: measured on a 3.15
 * target, two spans of a sample 584 bytes apart on adjacent pages are one
 * remote iovec instead of two (a remote iovec costs a VMA lookup and a
 * lock round trip; copying a gap of this size costs far less). */
#define MERGE_GAP 2048u
#define MERGE_PAGE 4096u
#define MERGE_SCRATCH MERGE_PAGE /* a gap inside one page is below a page */

static int vm_read(struct mem_reader *base, uint64_t addr, void *buf, size_t len)
{
    struct proc_reader *r = (struct proc_reader *)base;
    struct iovec local, remote;
    ssize_t n;

    if (len == 0)
        return 0;
    if (addr + len < addr)
        return proc_reader_read_error(r, addr, len, EFAULT);
    local.iov_base = buf;
    local.iov_len = len;
    remote.iov_base = (void *)(uintptr_t)addr;
    remote.iov_len = len;
    r->syscalls++;
    n = process_vm_readv(r->pid, &local, 1, &remote, 1, 0);
    if (n < 0)
        return proc_reader_read_error(r, addr, len, errno);
    if ((size_t)n != len)
        return proc_reader_short_read(r, addr, len, (size_t)n);
    return 0;
}

static int grow_iov(struct proc_reader *r, size_t n)
{
    struct iovec *l, *rm;
    if (n <= r->iov_cap)
        return 0;
    l = realloc(r->liov, n * sizeof *l);
    if (!l)
        return diag_set(ERR_NOMEM, "out of memory for a scattered read");
    r->liov = l;
    rm = realloc(r->riov, n * sizeof *rm);
    if (!rm)
        return diag_set(ERR_NOMEM, "out of memory for a scattered read");
    r->riov = rm;
    r->iov_cap = n;
    return 0;
}

/* Read up to VM_READV_MAX_IOV spans in one system call. Empty spans are
 * skipped: the kernel would accept them, but they say nothing. */
static int vm_readv_batch(struct proc_reader *r, const struct mem_span *spans, size_t n)
{
    size_t i, k = 0, total = 0;
    ssize_t got;

    for (i = 0; i < n; i++) {
        if (spans[i].len == 0)
            continue;
        if (spans[i].addr + spans[i].len < spans[i].addr)
            return proc_reader_read_error(r, spans[i].addr, spans[i].len, EFAULT);
        r->liov[k].iov_base = spans[i].buf;
        r->liov[k].iov_len = spans[i].len;
        r->riov[k].iov_base = (void *)(uintptr_t)spans[i].addr;
        r->riov[k].iov_len = spans[i].len;
        total += spans[i].len;
        k++;
    }
    if (k == 0)
        return 0;
    r->syscalls++;
    got = process_vm_readv(r->pid, r->liov, k, r->riov, k, 0);
    if (got < 0)
        return proc_reader_read_error(r, (uint64_t)(uintptr_t)r->riov[0].iov_base,
                                      r->riov[0].iov_len, errno);
    if ((size_t)got != total) {
        /* The kernel stops at the first span it cannot read; name it. */
        size_t done = 0;
        for (i = 0; i < k && done + r->riov[i].iov_len <= (size_t)got; i++)
            done += r->riov[i].iov_len;
        if (i == k)
            i = k - 1;
        return proc_reader_short_read(r, (uint64_t)(uintptr_t)r->riov[i].iov_base,
                                      r->riov[i].iov_len, (size_t)got - done);
    }
    return 0;
}

/* May the span at addr join a remote iovec ending at end? */
static int mergeable(uint64_t end, uint64_t addr)
{
    if (addr < end)
        return 0;   /* overlapping spans each need their own copy */
    return addr - end <= MERGE_GAP || (end - 1) / MERGE_PAGE == addr / MERGE_PAGE;
}

/* Up to VM_READV_MAX_IOV / 2 spans (so the local iovecs, spans plus gaps,
 * stay within the kernel's limit) in one system call, merged as described
 * at the top. 1 when the merged read came up short and the caller must
 * read the spans one iovec each. */
static int vm_readv_merged(struct proc_reader *r, const struct mem_span *spans, size_t n)
{
    size_t i, k = 0, nl = 0, nr = 0, total = 0;
    uint64_t end = 0;
    ssize_t got;

    for (i = 0; i < n; i++) {
        if (spans[i].len == 0)
            continue;
        if (spans[i].addr + spans[i].len < spans[i].addr)
            return proc_reader_read_error(r, spans[i].addr, spans[i].len, EFAULT);
        r->order[k].addr = spans[i].addr;
        r->order[k++].idx = i;
    }
    if (k == 0)
        return 0;
    proc_reader_sort_order(r->order, k);
    for (i = 0; i < k; i++) {
        const struct mem_span *sp = &spans[r->order[i].idx];
        if (nr > 0 && mergeable(end, sp->addr)) {
            if (sp->addr > end) {
                r->liov[nl].iov_base = r->buf;
                r->liov[nl++].iov_len = (size_t)(sp->addr - end);
            }
            r->riov[nr - 1].iov_len += (size_t)(sp->addr + sp->len - end);
        } else {
            r->riov[nr].iov_base = (void *)(uintptr_t)sp->addr;
            r->riov[nr++].iov_len = sp->len;
        }
        r->liov[nl].iov_base = sp->buf;
        r->liov[nl++].iov_len = sp->len;
        end = sp->addr + sp->len;
    }
    for (i = 0; i < nr; i++)
        total += r->riov[i].iov_len;
    r->syscalls++;
    got = process_vm_readv(r->pid, r->liov, nl, r->riov, nr, 0);
    return got >= 0 && (size_t)got == total ? 0 : 1;
}

static int vm_readv(struct mem_reader *base, const struct mem_span *spans, size_t n)
{
    struct proc_reader *r = (struct proc_reader *)base;
    const size_t batch = VM_READV_MAX_IOV / 2;
    size_t at = 0;
    int rc;

    if (n == 0)
        return 0;
    if ((rc = grow_iov(r, VM_READV_MAX_IOV)))
        return rc;
    if (r->order_cap < batch) {
        struct span_order *o = realloc(r->order, batch * sizeof *o);
        if (!o)
            return diag_set(ERR_NOMEM, "out of memory for a scattered read");
        r->order = o;
        r->order_cap = batch;
    }
    if (r->buf_cap < MERGE_SCRATCH) {
        unsigned char *b = realloc(r->buf, MERGE_SCRATCH);
        if (!b)
            return diag_set(ERR_NOMEM, "out of memory for a scattered read");
        r->buf = b;
        r->buf_cap = MERGE_SCRATCH;
    }
    while (at < n) {
        size_t chunk = n - at < batch ? n - at : batch;
        rc = vm_readv_merged(r, spans + at, chunk);
        if (rc == 1)
            rc = vm_readv_batch(r, spans + at, chunk);
        if (rc)
            return rc;
        at += chunk;
    }
    return 0;
}

const struct mem_reader_ops proc_vm_ops = {
    .read = vm_read,
    .readv = vm_readv,
    .destroy = proc_reader_destroy,
};
