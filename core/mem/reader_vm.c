/* The process_vm_readv(2) backend: one system call per read, and one per
 * VM_READV_MAX_IOV spans for a scattered read. */
#include "mem/reader_process.h"

#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>

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

static int vm_readv(struct mem_reader *base, const struct mem_span *spans, size_t n)
{
    struct proc_reader *r = (struct proc_reader *)base;
    size_t at = 0;
    int rc;

    if (n == 0)
        return 0;
    if ((rc = grow_iov(r, n < VM_READV_MAX_IOV ? n : VM_READV_MAX_IOV)))
        return rc;
    while (at < n) {
        size_t chunk = n - at < VM_READV_MAX_IOV ? n - at : VM_READV_MAX_IOV;
        if ((rc = vm_readv_batch(r, spans + at, chunk)))
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
