/* Opening a reader on a live process: checking that the target exists and
 * can be read, choosing a backend (measuring both for MEM_BACKEND_AUTO),
 * and the error reporting both backends share. */
#include "mem/reader_process.h"

#include "common/err.h"
#include "mem/target_err.h"
#include "proc/maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* AUTO compares the backends over this many rounds of this many scattered
 * reads each, keeping each backend's best round so that a moment of
 * preemption on a busy machine does not decide the outcome. The probe read
 * is shaped like a steady-state sample of the decoder: one readv whose
 * spans lie in several distinct mappings (runtime data, heap, data stack).
 * Timing single small reads instead would favour /proc/PID/mem, which
 * needs one pread per distant span where process_vm_readv needs one call. */
#define PROBE_ROUNDS 8
#define PROBE_READS 32
#define PROBE_SPANS 8
#define PROBE_SPAN_BYTES 64
/* How often the probe picks its spans again when the target unmaps one. */
#define PROBE_RETRIES 4
/* How many readable mappings to try before deciding none can be read. */
#define PROBE_CANDIDATES 16

int proc_reader_read_error(struct proc_reader *r, uint64_t addr, size_t len, int errnum)
{
    if (errnum == ESRCH)
        return target_err_noproc(r->pid);
    if (errnum == EPERM || errnum == EACCES) {
        char what[64];
        snprintf(what, sizeof what, "%s", mem_backend_name(r->backend));
        return target_err_perm(r->pid, what, errnum);
    }
    return diag_set(ERR_READ, "Cannot read %zu bytes at 0x%llx in process %d (%s): %s", len,
                    (unsigned long long)addr, (int)r->pid, mem_backend_name(r->backend),
                    strerror(errnum));
}

int proc_reader_short_read(struct proc_reader *r, uint64_t addr, size_t len, size_t got)
{
    return diag_set(ERR_READ, "Cannot read %zu bytes at 0x%llx in process %d (%s): only %zu readable",
                    len, (unsigned long long)addr, (int)r->pid, mem_backend_name(r->backend), got);
}

void proc_reader_destroy(struct mem_reader *base)
{
    struct proc_reader *r = (struct proc_reader *)base;
    if (r->fd >= 0)
        close(r->fd);
    free(r->liov);
    free(r->riov);
    free(r->order);
    free(r->buf);
    free(r);
}

static int cmp_order(const void *a, const void *b)
{
    const struct span_order *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* A sample's spans are few (tens) and mostly in address order already (a
 * frame chain in one data-stack chunk), where an insertion sort does a
 * comparison per span; glibc's qsort was a tenth of a sample's user-space
 * instructions. The spans arrive with increasing idx, so a stable sort by
 * address alone gives the same order as cmp_order. Long lists keep qsort
 * so a hostile order cannot make this quadratic. */
void proc_reader_sort_order(struct span_order *o, size_t n)
{
    size_t i, j;

    if (n > 64) {
        qsort(o, n, sizeof *o, cmp_order);
        return;
    }
    for (i = 1; i < n; i++) {
        struct span_order v = o[i];
        for (j = i; j > 0 && (o[j - 1].addr > v.addr ||
                              (o[j - 1].addr == v.addr && o[j - 1].idx > v.idx)); j--)
            o[j] = o[j - 1];
        o[j] = v;
    }
}

struct proc_reader *proc_reader_of(struct mem_reader *r)
{
    if (r && (r->ops == &proc_vm_ops || r->ops == &proc_mem_ops))
        return (struct proc_reader *)r;
    return NULL;
}

enum mem_backend mem_reader_backend(const struct mem_reader *r)
{
    /* Readers that are not backed by a process (synthetic memory) report
     * AUTO, the one value that is never a concrete process backend. */
    const struct proc_reader *p = proc_reader_of((struct mem_reader *)r);
    return p ? p->backend : MEM_BACKEND_AUTO;
}

uint64_t mem_reader_syscalls(const struct mem_reader *r)
{
    const struct proc_reader *p = proc_reader_of((struct mem_reader *)r);
    return p ? p->syscalls : 0;
}

double mem_reader_probe_ns(const struct mem_reader *r, enum mem_backend b)
{
    const struct proc_reader *p = proc_reader_of((struct mem_reader *)r);
    if (!p || b < MEM_BACKEND_VM_READV || b > MEM_BACKEND_PROC_MEM)
        return 0;
    return p->probe_ns[b];
}

static void use_backend(struct proc_reader *r, enum mem_backend b)
{
    r->backend = b;
    r->base.ops = b == MEM_BACKEND_VM_READV ? &proc_vm_ops : &proc_mem_ops;
}

/* Addresses worth probing: the start of each readable mapping, skipping
 * the kernel's special pages that no backend can read. */
static int probe_candidates(pid_t pid, uint64_t *addrs, size_t cap, size_t *n)
{
    struct proc_maps maps;
    size_t i;
    int rc;

    *n = 0;
    if ((rc = proc_maps_read(pid, &maps)))
        return rc;
    for (i = 0; i < maps.n && *n < cap; i++) {
        const struct proc_map *m = &maps.v[i];
        if (m->perms[0] != 'r' || m->end - m->start < 8)
            continue;
        if (strcmp(m->path, "[vvar]") == 0 || strcmp(m->path, "[vsyscall]") == 0 ||
            strncmp(m->path, "[vvar_", 6) == 0)
            continue;
        addrs[(*n)++] = m->start;
    }
    proc_maps_free(&maps);
    if (*n == 0)
        rc = diag_set(ERR_NOPROC, "Process with PID '%d' has no readable memory (it is exiting or a kernel thread).",
                      (int)pid);
    return rc;
}

static int open_proc_mem(struct proc_reader *r)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)r->pid);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        char what[80];
        snprintf(what, sizeof what, "open %s", path);
        return target_err_from_errno(r->pid, what, errno, ERR_IO);
    }
    return 0;
}

/* Try one 8-byte read at each candidate with backend b; the first address
 * that works is returned. Permission and process errors end the search. */
static int probe_backend(struct proc_reader *r, enum mem_backend b, const uint64_t *addrs,
                         size_t n, uint64_t *good)
{
    unsigned char tmp[8];
    size_t i;
    int rc = ERR_READ;

    use_backend(r, b);
    for (i = 0; i < n; i++) {
        rc = r->base.ops->read(&r->base, addrs[i], tmp, sizeof tmp);
        if (rc == 0) {
            *good = addrs[i];
            return 0;
        }
        if (rc != ERR_READ)
            return rc;
    }
    return rc;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Cost per call of one round of PROBE_READS scattered reads with backend b
 * over the n readable addresses in addrs. */
static int time_backend(struct proc_reader *r, enum mem_backend b, const uint64_t *addrs, size_t n,
                        double *ns)
{
    unsigned char tmp[PROBE_SPANS][PROBE_SPAN_BYTES];
    struct mem_span spans[PROBE_SPANS];
    double t0;
    size_t k;
    int i, rc;

    if (n > PROBE_SPANS)
        n = PROBE_SPANS;
    for (k = 0; k < n; k++) {
        spans[k].addr = addrs[k];
        spans[k].buf = tmp[k];
        spans[k].len = sizeof tmp[k];
    }
    use_backend(r, b);
    t0 = now_ns();
    for (i = 0; i < PROBE_READS; i++)
        if ((rc = r->base.ops->readv(&r->base, spans, n)))
            return rc;
    *ns = (now_ns() - t0) / PROBE_READS;
    return 0;
}

/* The candidates (one per readable mapping) where a probe-sized read works
 * with the current backend, so the timed reads cannot fail part way. */
static size_t readable_spans(struct proc_reader *r, const uint64_t *addrs, size_t n, uint64_t *out)
{
    unsigned char tmp[PROBE_SPAN_BYTES];
    size_t i, k = 0;
    for (i = 0; i < n && k < PROBE_SPANS; i++)
        if (r->base.ops->read(&r->base, addrs[i], tmp, sizeof tmp) == 0)
            out[k++] = addrs[i];
    return k;
}

static int choose_auto(struct proc_reader *r, const uint64_t *addrs, size_t n)
{
    uint64_t addr_vm = 0, addr_mem = 0, spans[PROBE_SPANS];
    size_t n_spans;
    int rc_vm, rc_mem, round, retries = 0;
    double best[3] = {0, 0, 0};

    rc_mem = open_proc_mem(r);
    if (rc_mem == 0)
        rc_mem = probe_backend(r, MEM_BACKEND_PROC_MEM, addrs, n, &addr_mem);
    if (rc_mem == ERR_NOPROC)
        return rc_mem;
    rc_vm = probe_backend(r, MEM_BACKEND_VM_READV, addrs, n, &addr_vm);
    if (rc_vm == ERR_NOPROC)
        return rc_vm;
    /* One backend may be blocked where the other is not (a seccomp filter
     * refusing process_vm_readv, say): then there is nothing to measure. */
    if (rc_vm && rc_mem)
        return rc_mem == ERR_PERM ? rc_mem : rc_vm;
    if (rc_vm) {
        use_backend(r, MEM_BACKEND_PROC_MEM);
        return 0;
    }
    if (rc_mem) {
        use_backend(r, MEM_BACKEND_VM_READV);
        goto drop_fd;
    }
    /* Both work: interleave rounds so both see the same machine load. */
    n_spans = readable_spans(r, addrs, n, spans);
    if (n_spans == 0) {
        spans[0] = addr_vm;
        n_spans = 1;
    }
    for (round = 0; round < PROBE_ROUNDS; round++) {
        enum mem_backend b;
        for (b = MEM_BACKEND_VM_READV; b <= MEM_BACKEND_PROC_MEM; b++) {
            double ns = 0;
            int rc = time_backend(r, b, spans, n_spans, &ns);
            if (rc == ERR_READ) {
                /* The target unmapped a probed region meanwhile (it frees
                 * big buffers all the time, say): pick the spans again. A
                 * target that keeps doing it gets process_vm_readv, the
                 * backend that suits the decoder's scattered reads. */
                if (++retries > PROBE_RETRIES)
                    goto settle_vm;
                use_backend(r, MEM_BACKEND_VM_READV);
                n_spans = readable_spans(r, addrs, n, spans);
                if (n_spans == 0)
                    goto settle_vm;
                round--;
                break;
            }
            if (rc)
                return rc;
            if (best[b] == 0 || ns < best[b])
                best[b] = ns;
        }
    }
    r->probe_ns[MEM_BACKEND_VM_READV] = best[MEM_BACKEND_VM_READV];
    r->probe_ns[MEM_BACKEND_PROC_MEM] = best[MEM_BACKEND_PROC_MEM];
    if (best[MEM_BACKEND_PROC_MEM] <= best[MEM_BACKEND_VM_READV]) {
        use_backend(r, MEM_BACKEND_PROC_MEM);
        return 0;
    }
settle_vm:
    use_backend(r, MEM_BACKEND_VM_READV);
drop_fd:
    /* The descriptor pins the target's address space; do not keep it when
     * it will not be used. */
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    return 0;
}

int mem_reader_open_process(pid_t pid, enum mem_backend backend, struct mem_reader **out)
{
    struct proc_reader *r = NULL;
    uint64_t addrs[PROBE_CANDIDATES], good;
    size_t n = 0;
    int rc;

    *out = NULL;
    if (pid <= 0)
        return target_err_noproc(pid);
    if (backend != MEM_BACKEND_AUTO && backend != MEM_BACKEND_VM_READV &&
        backend != MEM_BACKEND_PROC_MEM)
        return diag_set(ERR_INVALID, "unknown memory backend %d", (int)backend);
    r = calloc(1, sizeof *r);
    if (!r)
        return diag_set(ERR_NOMEM, "out of memory");
    r->pid = pid;
    r->fd = -1;
    use_backend(r, MEM_BACKEND_VM_READV);
    /* Reading the maps checks existence and permission with the same rule
     * the kernel applies to memory reads, and gives addresses to probe. */
    if ((rc = probe_candidates(pid, addrs, PROBE_CANDIDATES, &n)))
        goto out;
    if (backend == MEM_BACKEND_AUTO) {
        rc = choose_auto(r, addrs, n);
    } else {
        if (backend == MEM_BACKEND_PROC_MEM && (rc = open_proc_mem(r)))
            goto out;
        rc = probe_backend(r, backend, addrs, n, &good);
    }
    if (rc == ERR_READ) {
        char why[512];
        snprintf(why, sizeof why, "%s", diag_message());
        rc = diag_set(ERR_READ, "Cannot read any memory of process %d: %s", (int)pid, why);
    }
out:
    if (rc) {
        proc_reader_destroy(&r->base);
        return rc;
    }
    r->syscalls = 0;
    *out = &r->base;
    return 0;
}
