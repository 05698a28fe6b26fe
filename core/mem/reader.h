/* The one interface through which the core reads the target's memory.
 *
 * Every byte the decoder looks at comes through a mem_reader, so tests and
 * fuzzers can substitute synthetic or hostile memory for a live process.
 * A read is all-or-nothing: it fills the whole buffer or fails. */
#ifndef CORE_MEM_READER_H
#define CORE_MEM_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mem_reader;

/* One piece of a scattered read. */
struct mem_span {
    uint64_t addr;
    void *buf;
    size_t len;
};

struct mem_reader_ops {
    /* 0, or ERR_READ (unmapped or short), ERR_NOPROC (target gone),
     * ERR_PERM (not allowed). */
    int (*read)(struct mem_reader *r, uint64_t addr, void *buf, size_t len);
    /* Read several spans in as few system calls as the backend allows.
     * All spans succeed or the call fails. */
    int (*readv)(struct mem_reader *r, const struct mem_span *spans, size_t n);
    void (*destroy)(struct mem_reader *r);
};

struct mem_reader {
    const struct mem_reader_ops *ops;
    uint64_t calls;   /* read/readv calls made: the cost of a sample */
    uint64_t bytes;   /* bytes requested */
};

enum mem_backend {
    MEM_BACKEND_AUTO = 0,     /* measure both at open and keep the faster */
    MEM_BACKEND_VM_READV = 1, /* process_vm_readv(2) */
    MEM_BACKEND_PROC_MEM = 2, /* pread(2) on /proc/PID/mem */
};

static inline int mem_read(struct mem_reader *r, uint64_t addr, void *buf, size_t len)
{
    r->calls++;
    r->bytes += len;
    return r->ops->read(r, addr, buf, len);
}

static inline int mem_readv(struct mem_reader *r, const struct mem_span *spans, size_t n)
{
    size_t i;
    r->calls++;
    for (i = 0; i < n; i++)
        r->bytes += spans[i].len;
    return r->ops->readv(r, spans, n);
}

/* Open a reader on a live process. */
int mem_reader_open_process(pid_t pid, enum mem_backend backend, struct mem_reader **out);
/* Which backend a process reader ended up using (for reports and benches). */
enum mem_backend mem_reader_backend(const struct mem_reader *r);
const char *mem_backend_name(enum mem_backend b);

/* A reader over synthetic memory: regions added with mem_synth_map are
 * readable; everything else fails like unmapped memory. The data is copied. */
int mem_reader_open_synthetic(struct mem_reader **out);
int mem_synth_map(struct mem_reader *r, uint64_t addr, const void *data, size_t len);
/* Overwrite bytes inside an already mapped region (to model a torn update). */
int mem_synth_poke(struct mem_reader *r, uint64_t addr, const void *data, size_t len);

void mem_reader_close(struct mem_reader *r);

#endif
